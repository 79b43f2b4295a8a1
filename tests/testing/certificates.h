// Test certificates made with the openssl command-line tool: a private CA and a server
// certificate it signed for 127.0.0.1 and localhost, plus deliberately bad variants for the
// TLS refusal tests. Not thread-safe.
#pragma once

#include <filesystem>
#include <string>

#include "archived/base/status.h"

namespace archived::testing {

struct TestCertificates {
  std::filesystem::path ca_cert;      // PEM, the CA that signed server_cert
  std::filesystem::path server_cert;  // PEM, EC P-256, SAN IP:127.0.0.1 and DNS:localhost, 90 days
  std::filesystem::path server_key;   // PEM, mode 0600
};

// Writes the CA and server certificate under `dir`. Errors: kInternal if openssl fails.
StatusOr<TestCertificates> MakeTestCertificates(const std::filesystem::path& dir);

// A self-signed certificate and key with `key_spec` ("rsa:1024", "ec:prime256v1", …) for
// `subject_alt_name` ("IP:127.0.0.1"), valid `days`, written as NAME.pem and NAME.key (0600).
// Errors: kInternal if openssl fails.
StatusOr<TestCertificates> MakeSelfSigned(const std::filesystem::path& dir, const std::string& name,
                                          const std::string& key_spec, const std::string& subject_alt_name,
                                          int days = 90);

}  // namespace archived::testing
