#include "tests/testing/certificates.h"

#include <sys/stat.h>

#include "tests/testing/process.h"

namespace archived::testing {
namespace {

Status Openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  const CommandResult result = RunCommand(argv, {}, std::chrono::seconds(60));
  if (result.exit_code != 0) {
    std::string line;
    for (const std::string& a : args) line += " " + a;
    return InternalError("openssl" + line + " failed: " + result.err);
  }
  return OkStatus();
}

// An "-newkey" argument for `key_spec`: "rsa:N" passes through; "ec:CURVE" needs parameters.
std::vector<std::string> NewKey(const std::string& key_spec) {
  if (key_spec.rfind("ec:", 0) == 0) {
    return {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:" + key_spec.substr(3)};
  }
  return {"-newkey", key_spec};
}

}  // namespace

StatusOr<TestCertificates> MakeTestCertificates(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const std::string ca_key = (dir / "ca.key").string();
  TestCertificates out{dir / "ca.pem", dir / "server.pem", dir / "server.key"};
  std::vector<std::string> ca = {"req", "-x509", "-nodes", "-days", "90", "-subj", "/CN=archived test CA",
                                 "-keyout", ca_key, "-out", out.ca_cert.string(),
                                 "-addext", "basicConstraints=critical,CA:TRUE",
                                 "-addext", "keyUsage=critical,keyCertSign,cRLSign"};
  const std::vector<std::string> ca_key_args = NewKey("ec:prime256v1");
  ca.insert(ca.begin() + 1, ca_key_args.begin(), ca_key_args.end());
  if (Status s = Openssl(ca); !s.ok()) return s;
  const std::string csr = (dir / "server.csr").string();
  std::vector<std::string> request = {"req", "-nodes", "-subj", "/CN=localhost", "-keyout",
                                      out.server_key.string(), "-out", csr};
  const std::vector<std::string> server_key_args = NewKey("ec:prime256v1");
  request.insert(request.begin() + 1, server_key_args.begin(), server_key_args.end());
  if (Status s = Openssl(request); !s.ok()) return s;
  const std::filesystem::path extensions = dir / "server.ext";
  {
    std::FILE* f = std::fopen(extensions.c_str(), "w");
    if (f == nullptr) return InternalError("write " + extensions.string());
    std::fputs("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
               "basicConstraints=critical,CA:FALSE\n"
               "keyUsage=critical,digitalSignature\n"
               "extendedKeyUsage=serverAuth\n"
               "crlDistributionPoints=URI:http://127.0.0.1/archived-test-ca.crl\n",
               f);
    std::fclose(f);
  }
  if (Status s = Openssl({"x509", "-req", "-in", csr, "-CA", out.ca_cert.string(), "-CAkey", ca_key,
                          "-CAcreateserial", "-days", "90", "-sha256", "-extfile", extensions.string(), "-out",
                          out.server_cert.string()});
      !s.ok()) {
    return s;
  }
  ::chmod(out.server_key.c_str(), 0600);
  return out;
}

StatusOr<TestCertificates> MakeSelfSigned(const std::filesystem::path& dir, const std::string& name,
                                          const std::string& key_spec, const std::string& subject_alt_name,
                                          int days) {
  std::filesystem::create_directories(dir);
  TestCertificates out{dir / (name + ".pem"), dir / (name + ".pem"), dir / (name + ".key")};
  std::vector<std::string> args = {"req", "-x509", "-nodes", "-days", std::to_string(days), "-subj",
                                   "/CN=" + name, "-keyout", out.server_key.string(), "-out",
                                   out.server_cert.string(), "-addext", "subjectAltName=" + subject_alt_name};
  const std::vector<std::string> key_args = NewKey(key_spec);
  args.insert(args.begin() + 2, key_args.begin(), key_args.end());
  if (Status s = Openssl(args); !s.ok()) return s;
  ::chmod(out.server_key.c_str(), 0600);
  return out;
}

}  // namespace archived::testing
