#include "archived/crypto/tls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "archived/base/status_macros.h"
#include "archived/crypto/internal/openssl_error.h"

namespace archived::crypto {
namespace {

using internal::OpenSslError;

// TLS 1.2: ECDHE only (forward secrecy), AEAD only (no CBC, no SHA-1 MACs). TLS 1.3's own
// suites are all AEAD with ephemeral keys and are left at OpenSSL's defaults.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";
constexpr char kGroups[] = "X25519:P-256:P-384";
constexpr int kMinRsaBits = 2048;
constexpr int kMinEcBits = 256;
constexpr char kWeakKey[] = "its key is too weak (use RSA of at least 2048 bits or ECDSA P-256 or stronger)";

Status InvalidFile(const std::string& what, const std::string& file, const std::string& why) {
  ERR_clear_error();
  return InvalidArgumentError(what + " \"" + file + "\": " + why);
}

// The reason OpenSSL gave last, without the library's error-code prefix.
std::string LastOpenSslReason() {
  const unsigned long code = ERR_peek_last_error();
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  return reason != nullptr ? reason : "not in PEM format";
}

Status CommonSettings(SSL_CTX* ctx) {
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 || SSL_CTX_set1_groups_list(ctx, kGroups) != 1) {
    return OpenSslError("configure TLS");
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  return OkStatus();
}

std::string KeyDescription(EVP_PKEY* key) {
  const int bits = EVP_PKEY_get_bits(key);
  if (EVP_PKEY_is_a(key, "RSA")) {
    return "RSA " + std::to_string(bits);
  }
  if (EVP_PKEY_is_a(key, "EC")) {
    char curve[64] = {};
    std::size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, "group", curve, sizeof(curve), &length) == 1) {
      return std::string("EC ") + curve;
    }
    return "EC " + std::to_string(bits);
  }
  if (EVP_PKEY_is_a(key, "ED25519")) {
    return "Ed25519";
  }
  const char* type = EVP_PKEY_get0_type_name(key);
  return std::string(type != nullptr ? type : "unknown") + " " + std::to_string(bits);
}

// Refuses keys below the strength the issue and R20 ask for.
Status CheckKeyStrength(EVP_PKEY* key, const std::string& file) {
  const int bits = EVP_PKEY_get_bits(key);
  if (EVP_PKEY_is_a(key, "RSA") && bits < kMinRsaBits) {
    return InvalidFile("TLS key", file, "an RSA key of " + std::to_string(bits) + " bits: " + kWeakKey);
  }
  if (EVP_PKEY_is_a(key, "EC") && bits < kMinEcBits) {
    return InvalidFile("TLS key", file, "an elliptic-curve key of " + std::to_string(bits) + " bits: " + kWeakKey);
  }
  if (EVP_PKEY_is_a(key, "DSA") || EVP_PKEY_is_a(key, "DH")) {
    return InvalidFile("TLS key", file, "DSA and DH keys are not accepted; use RSA 2048+ or ECDSA P-256+");
  }
  return OkStatus();
}

std::string Asn1TimeText(const ASN1_TIME* time) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "";
  std::string text;
  if (ASN1_TIME_print(bio, time) == 1) {
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    text.assign(data, static_cast<std::size_t>(length));
  }
  BIO_free(bio);
  return text;
}

std::string SubjectText(X509* certificate) {
  char buf[512];
  X509_NAME_oneline(X509_get_subject_name(certificate), buf, sizeof(buf));
  return buf;
}

}  // namespace

void TlsContextDeleter::operator()(ssl_ctx_st* context) const { SSL_CTX_free(context); }

StatusOr<TlsContext> MakeTlsServerContext(const std::string& cert_file, const std::string& key_file,
                                          TlsCertificateInfo* info) {
  struct stat key_stat{};
  if (stat(key_file.c_str(), &key_stat) != 0) {
    return InvalidFile("TLS key", key_file, std::strerror(errno));
  }
  if ((key_stat.st_mode & S_IROTH) != 0) {
    return InvalidFile("TLS key", key_file, "other users can read it; chmod o-r (0600 or 0640)");
  }
  TlsContext ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return OpenSslError("create a TLS context");
  ARCHIVED_RETURN_IF_ERROR(CommonSettings(ctx.get()));
  SSL_CTX_set_options(ctx.get(), SSL_OP_CIPHER_SERVER_PREFERENCE);
  // OpenSSL's security level 2 (Debian's default) already refuses keys under 112 bits of
  // strength when the certificate is loaded; its reasons are reworded here.
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert_file.c_str()) != 1) {
    const std::string reason = LastOpenSslReason();
    if (reason.find("key too small") != std::string::npos) {
      return InvalidFile("TLS certificate", cert_file, kWeakKey);
    }
    return InvalidFile("TLS certificate", cert_file, reason);
  }
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    const std::string reason = LastOpenSslReason();
    if (reason.find("values mismatch") != std::string::npos) {
      return InvalidFile("TLS key", key_file, "does not match the certificate \"" + cert_file + "\"");
    }
    return InvalidFile("TLS key", key_file, reason);
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1) {
    return InvalidFile("TLS key", key_file, "does not match the certificate \"" + cert_file + "\"");
  }
  EVP_PKEY* key = SSL_CTX_get0_privatekey(ctx.get());
  ARCHIVED_RETURN_IF_ERROR(CheckKeyStrength(key, key_file));
  X509* certificate = SSL_CTX_get0_certificate(ctx.get());
  if (X509_cmp_current_time(X509_get0_notAfter(certificate)) <= 0) {
    return InvalidFile("TLS certificate", cert_file,
                       "expired on " + Asn1TimeText(X509_get0_notAfter(certificate)));
  }
  if (X509_cmp_current_time(X509_get0_notBefore(certificate)) >= 0) {
    return InvalidFile("TLS certificate", cert_file,
                       "not valid before " + Asn1TimeText(X509_get0_notBefore(certificate)));
  }
  if (info != nullptr) {
    info->subject = SubjectText(certificate);
    info->not_after = Asn1TimeText(X509_get0_notAfter(certificate));
    info->key = KeyDescription(key);
  }
  return ctx;
}

StatusOr<TlsContext> MakeTlsClientContext(const std::string& ca_file) {
  TlsContext ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return OpenSslError("create a TLS context");
  ARCHIVED_RETURN_IF_ERROR(CommonSettings(ctx.get()));
  if (ca_file.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
      return OpenSslError("load the system's trusted certificates");
    }
  } else if (SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr) != 1) {
    return InvalidFile("CA certificate", ca_file, LastOpenSslReason());
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  return ctx;
}

Status PrepareTlsClient(ssl_st* connection, const std::string& host) {
  ASN1_OCTET_STRING* ip = a2i_IPADDRESS(host.c_str());
  if (ip != nullptr) {
    ASN1_OCTET_STRING_free(ip);
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(connection), host.c_str()) != 1) {
      return OpenSslError("set the expected server address");
    }
    return OkStatus();
  }
  ERR_clear_error();
  if (SSL_set_tlsext_host_name(connection, host.c_str()) != 1 || SSL_set1_host(connection, host.c_str()) != 1) {
    return OpenSslError("set the expected server name");
  }
  return OkStatus();
}

std::string TlsVerifyError(const ssl_st* connection) {
  const long result = SSL_get_verify_result(connection);
  if (result == X509_V_OK) return "";
  return X509_verify_cert_error_string(result);
}

}  // namespace archived::crypto
