// HTTPS: the real daemon started with --tls-cert/--tls-key on 127.0.0.1:0, driven by curl and
// archivectl over TLS with a test CA. Checks the protocol floor (TLS 1.0/1.1 refused, 1.2 and
// 1.3 served), HSTS, plain HTTP on the HTTPS port, certificate verification in archivectl,
// the daemon's refusal of plain HTTP off loopback, and finally R20: testssl.sh and sslscan
// against the port, failing on any finding of severity MEDIUM or worse.
#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/harness.h"
#include "tests/testing/certificates.h"

namespace archived::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class TlsTest : public DaemonTest {
 protected:
  void SetUp() override {
    StatusOr<TestCertificates> made = MakeTestCertificates(dir_.path() / "certs");
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    certs_ = *made;
    daemon_args_ = {"--tls-cert", certs_.server_cert.string(), "--tls-key", certs_.server_key.string()};
    ca_file_ = certs_.ca_cert.string();
    StartDaemon();
    ASSERT_THAT(daemon_->url(), ::testing::StartsWith("https://"));
  }
  TestCertificates certs_;
};

TEST_F(TlsTest, ServesTheApiOverTls12And13WithHsts) {
  const CommandResult health = Curl({"-i", daemon_->url() + "/healthz"}, false);
  ASSERT_EQ(health.exit_code, 0) << health.err;
  EXPECT_THAT(health.out, HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(health.out, HasSubstr("Strict-Transport-Security: max-age=31536000"));
  EXPECT_EQ(CurlStatus({"--tlsv1.2", "--tls-max", "1.2", Api("/documents")}), 200);
  EXPECT_EQ(CurlStatus({"--tlsv1.3", Api("/documents")}), 200);
  EXPECT_EQ(CurlStatus({"--tls-max", "1.2", "--ciphers", "ECDHE-RSA-AES128-SHA", Api("/documents")}), 0)
      << "a CBC-SHA1 suite must be refused";
}

TEST_F(TlsTest, RefusesTls10And11) {
  for (const char* version : {"1.0", "1.1"}) {
    // OpenSSL 3 on the client side needs its security level lowered to even try TLS 1.0/1.1.
    const CommandResult r = Curl({"--tlsv1.0", "--tls-max", version, "--ciphers", "DEFAULT@SECLEVEL=0",
                                  daemon_->url() + "/healthz"},
                                 false);
    EXPECT_NE(r.exit_code, 0) << "TLS " << version << " was accepted: " << r.out;
    EXPECT_THAT(r.err, HasSubstr("alert protocol version")) << "the server, not curl, must refuse it";
  }
}

TEST_F(TlsTest, PlainHttpOnTheHttpsPortIsToldToUseHttps) {
  const std::string plain = "http://127.0.0.1:" + std::to_string(daemon_->port());
  const CommandResult r = Curl({"-i", plain + "/healthz"}, false);
  EXPECT_THAT(r.out, HasSubstr("HTTP/1.1 400"));
  EXPECT_THAT(r.out, HasSubstr("this port serves HTTPS only"));
  // The daemon still serves HTTPS afterwards.
  EXPECT_EQ(CurlStatus({daemon_->url() + "/healthz"}, false), 200);
}

TEST_F(TlsTest, ArchivectlFilesAndFetchesOverTlsAndVerifiesTheServer) {
  const std::filesystem::path file = WriteFile("memo.txt", RandomBytes(3 << 20, 7) + "end of a three-megabyte memo\n");
  const CommandResult put = Ctl({"put", file.string(), "--title", "Memo over TLS", "--json"});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  const std::string id = JsonField(put.out, "id");
  ASSERT_FALSE(id.empty()) << put.out;
  const std::filesystem::path back = dir_.path() / "back.txt";
  const CommandResult get = Ctl({"get", id, "-o", back.string()});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(FileSha256(back), FileSha256(file));

  // Without the CA the certificate is not trusted: a clear error and exit 2, nothing filed.
  const CommandResult untrusted = RunCommand({ArchivectlBinaryPath().string(), "ls"},
                                             {{"ARCHIVED_URL", daemon_->url()}, {"ARCHIVED_TOKEN", daemon_->token()}});
  EXPECT_EQ(untrusted.exit_code, 2);
  EXPECT_THAT(untrusted.err, HasSubstr("server certificate not trusted"));

  // A certificate for another name is refused even though the CA is trusted: "localhost"
  // is in the certificate, 127.0.0.2 is not.
  StatusOr<TestCertificates> other = MakeSelfSigned(dir_.path() / "other", "other", "ec:prime256v1", "DNS:example.org");
  ASSERT_TRUE(other.ok());
  const CommandResult wrong_ca = RunCommand(
      {ArchivectlBinaryPath().string(), "--cacert", other->server_cert.string(), "ls"},
      {{"ARCHIVED_URL", daemon_->url()}, {"ARCHIVED_TOKEN", daemon_->token()}});
  EXPECT_EQ(wrong_ca.exit_code, 2);
  const CommandResult by_name = RunCommand(
      {ArchivectlBinaryPath().string(), "--server", "https://localhost:" + std::to_string(daemon_->port()), "ls"},
      {{"ARCHIVED_TOKEN", daemon_->token()}, {"ARCHIVED_CACERT", ca_file_}});
  EXPECT_EQ(by_name.exit_code, 0) << by_name.err;
}

TEST_F(TlsTest, CurlRejectsTheCertificateForAnotherAddress) {
  // The certificate names 127.0.0.1 and localhost only.
  const CommandResult r =
      Curl({"--resolve", "wrong.example:" + std::to_string(daemon_->port()) + ":127.0.0.1",
            "https://wrong.example:" + std::to_string(daemon_->port()) + "/healthz"},
           false);
  EXPECT_NE(r.exit_code, 0);
}

// R20: testssl.sh (whole scan) and sslscan on the HTTPS port. testssl's --severity only
// filters its JSON output, so the test reads the file: no finding may be MEDIUM or worse.
TEST_F(TlsTest, TestsslAndSslscanFindNothingOfMediumSeverityOrWorse) {
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/testssl")) << "testssl.sh is missing: run scripts/install-deps.sh";
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/sslscan")) << "sslscan is missing: run scripts/install-deps.sh";
  const std::filesystem::path json = dir_.path() / "testssl.json";
  const CommandResult scan =
      RunCommand({"/usr/bin/testssl", "--quiet", "--warnings", "off", "--color", "0", "--add-ca", ca_file_,
                  "--severity", "MEDIUM", "--jsonfile", json.string(),
                  "127.0.0.1:" + std::to_string(daemon_->port())},
                 {}, std::chrono::seconds(600));
  ASSERT_TRUE(std::filesystem::exists(json)) << scan.out << scan.err;
  std::ifstream in(json);
  const std::string report((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> findings;
  for (std::size_t at = report.find("\"severity\""); at != std::string::npos;
       at = report.find("\"severity\"", at + 1)) {
    const std::size_t object_start = report.rfind('{', at);
    const std::size_t object_end = report.find('}', at);
    const std::string object = report.substr(object_start, object_end - object_start + 1);
    for (const char* bad : {"\"MEDIUM\"", "\"HIGH\"", "\"CRITICAL\""}) {
      if (object.find(bad) != std::string::npos) findings.push_back(object);
    }
  }
  EXPECT_TRUE(findings.empty()) << ::testing::PrintToString(findings);
  EXPECT_THAT(report, Not(HasSubstr("\"scanProblem\""))) << report;
  // testssl must really have scanned the port: its report names each protocol.
  for (const char* line : {" TLS 1      not offered", " TLS 1.1    not offered", " TLS 1.2    offered (OK)",
                           " TLS 1.3    offered (OK)", "Chain of trust               Ok"}) {
    EXPECT_THAT(scan.out, HasSubstr(line)) << scan.out;
  }

  const CommandResult sslscan = RunCommand({"/usr/bin/sslscan", "--no-colour", "127.0.0.1:" + std::to_string(daemon_->port())},
                                           {}, std::chrono::seconds(300));
  ASSERT_EQ(sslscan.exit_code, 0) << sslscan.err;
  for (const char* disabled : {"SSLv2     disabled", "SSLv3     disabled", "TLSv1.0   disabled", "TLSv1.1   disabled",
                               "TLSv1.2   enabled", "TLSv1.3   enabled"}) {
    EXPECT_THAT(sslscan.out, HasSubstr(disabled)) << sslscan.out;
  }
  for (const char* weak : {"CBC", "SHA1 ", "RC4", "3DES", "NULL", "EXP", "DHE-RSA", "Compression enabled",
                           "Insecure session renegotiation"}) {
    EXPECT_THAT(sslscan.out, Not(HasSubstr(weak))) << sslscan.out;
  }
}

class PlainHttpTest : public DaemonTest {
 protected:
  void SetUp() override {}
};

TEST_F(PlainHttpTest, PlainHttpOffLoopbackIsRefusedUnlessAllowed) {
  const CommandResult r = RunCommand({ArchivedBinaryPath().string(), "--data-dir", (dir_.path() / "d").string(),
                                      "--listen", "0.0.0.0:0"},
                                     {}, std::chrono::seconds(30));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("plain HTTP is served on loopback only"));
  EXPECT_THAT(r.err, HasSubstr("--tls-cert"));
  const CommandResult half = RunCommand({ArchivedBinaryPath().string(), "--data-dir", (dir_.path() / "d").string(),
                                         "--tls-cert", "/nonexistent.pem"},
                                        {}, std::chrono::seconds(30));
  EXPECT_NE(half.exit_code, 0);
  EXPECT_THAT(half.err, HasSubstr("TLS needs both"));
}

TEST_F(PlainHttpTest, AWeakCertificateKeepsTheDaemonFromStarting) {
  StatusOr<TestCertificates> weak = MakeSelfSigned(dir_.path() / "weak", "weak", "rsa:1024", "IP:127.0.0.1");
  ASSERT_TRUE(weak.ok()) << weak.status().ToString();
  const CommandResult r = RunCommand({ArchivedBinaryPath().string(), "--data-dir", (dir_.path() / "d").string(),
                                      "--listen", "127.0.0.1:0", "--tls-cert", weak->server_cert.string(),
                                      "--tls-key", weak->server_key.string()},
                                     {}, std::chrono::seconds(30));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("too weak"));
}

}  // namespace
}  // namespace archived::testing
