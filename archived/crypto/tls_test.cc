// TLS contexts: a good certificate loads and is described; every kind of bad key or file is
// refused with a message naming the file and the reason. Certificates come from the openssl
// command-line tool (tests/testing/certificates.h); handshakes are covered by the HTTPS
// integration tests.
#include "archived/crypto/tls.h"

#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/certificates.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace archived::crypto {
namespace {

using ::archived::testing::MakeSelfSigned;
using ::archived::testing::MakeTestCertificates;
using ::archived::testing::TempDir;
using ::testing::HasSubstr;

TEST(TlsServerContext, LoadsACertificateSignedByACa) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto certs, MakeTestCertificates(dir.path()));
  TlsCertificateInfo info;
  ASSERT_OK(MakeTlsServerContext(certs.server_cert, certs.server_key, &info));
  EXPECT_THAT(info.subject, HasSubstr("CN=localhost"));
  EXPECT_EQ(info.key, "EC prime256v1");
  EXPECT_FALSE(info.not_after.empty());
}

TEST(TlsServerContext, AcceptsRsa2048) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto certs, MakeSelfSigned(dir.path(), "rsa", "rsa:2048", "IP:127.0.0.1"));
  TlsCertificateInfo info;
  ASSERT_OK(MakeTlsServerContext(certs.server_cert, certs.server_key, &info));
  EXPECT_EQ(info.key, "RSA 2048");
}

TEST(TlsServerContext, RefusesAWeakRsaKey) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto certs, MakeSelfSigned(dir.path(), "weak", "rsa:1024", "IP:127.0.0.1"));
  const auto context = MakeTlsServerContext(certs.server_cert, certs.server_key);
  ASSERT_FALSE(context.ok());
  EXPECT_EQ(context.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(context.status().message(), HasSubstr("too weak"));
  EXPECT_THAT(context.status().message(), HasSubstr("weak."));
}

TEST(TlsServerContext, RefusesAKeyOthersCanRead) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto certs, MakeTestCertificates(dir.path()));
  ASSERT_EQ(::chmod(certs.server_key.c_str(), 0644), 0);
  const auto context = MakeTlsServerContext(certs.server_cert, certs.server_key);
  ASSERT_FALSE(context.ok());
  EXPECT_THAT(context.status().message(), HasSubstr("other users can read it"));
  ASSERT_EQ(::chmod(certs.server_key.c_str(), 0640), 0);  // group-readable is the ssl-cert convention
  EXPECT_OK(MakeTlsServerContext(certs.server_cert, certs.server_key));
}

TEST(TlsServerContext, RefusesAKeyThatDoesNotMatchTheCertificate) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto certs, MakeTestCertificates(dir.path()));
  ASSERT_OK_AND_ASSIGN(auto other, MakeSelfSigned(dir.path(), "other", "ec:prime256v1", "IP:127.0.0.1"));
  const auto context = MakeTlsServerContext(certs.server_cert, other.server_key);
  ASSERT_FALSE(context.ok());
  EXPECT_THAT(context.status().message(), HasSubstr("does not match the certificate"));
}

TEST(TlsServerContext, NamesAMissingOrGarbledFile) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto certs, MakeTestCertificates(dir.path()));
  auto missing = MakeTlsServerContext(certs.server_cert, dir.path() / "nope.key");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("nope.key"));
  EXPECT_THAT(missing.status().message(), HasSubstr("No such file"));

  const auto garbled = dir.path() / "garbled.pem";
  std::FILE* f = std::fopen(garbled.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n", f);
  std::fclose(f);
  auto bad = MakeTlsServerContext(garbled, certs.server_key);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("TLS certificate \"" + garbled.string()));
}

TEST(TlsClientContext, LoadsACaFileOrTheSystemStore) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto certs, MakeTestCertificates(dir.path()));
  EXPECT_OK(MakeTlsClientContext(certs.ca_cert));
  EXPECT_OK(MakeTlsClientContext(""));
  const auto missing = MakeTlsClientContext((dir.path() / "absent.pem").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("absent.pem"));
}

}  // namespace
}  // namespace archived::crypto
