// TLS settings for the daemon's HTTPS listener and for archivectl, on OpenSSL 3 (the only
// place that configures TLS; Boost.Beast carries the bytes). Both sides speak TLS 1.2 and 1.3
// only; TLS 1.2 is limited to ECDHE key exchange with AEAD ciphers (AES-GCM, ChaCha20-
// Poly1305), so every suite has forward secrecy. No compression, no renegotiation.
// Contexts are thread-safe once made; the per-connection helpers are not.
#pragma once

#include <memory>
#include <string>

#include "archived/base/status.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX
struct ssl_st;      // OpenSSL's SSL

namespace archived::crypto {

struct TlsContextDeleter {
  void operator()(ssl_ctx_st* context) const;
};
// An owned SSL_CTX, handed to Boost.Asio's ssl::context (which takes ownership).
using TlsContext = std::unique_ptr<ssl_ctx_st, TlsContextDeleter>;

// What the server's certificate says, for the start-up log.
struct TlsCertificateInfo {
  std::string subject;
  std::string not_after;  // e.g. "Feb 22 11:00:00 2027 GMT"
  std::string key;        // e.g. "EC P-256" or "RSA 3072"
};

// The server side: the certificate chain (PEM, leaf first) and its private key (PEM).
// Errors: kInvalidArgument, naming the file, when a file is missing or unreadable, the key
// file can be read by other users, the key does not match the certificate, the key is weaker
// than RSA 2048 or an elliptic curve of 256 bits, or the certificate has expired or is not
// yet valid.
StatusOr<TlsContext> MakeTlsServerContext(const std::string& cert_file, const std::string& key_file,
                                          TlsCertificateInfo* info = nullptr);

// The client side: verifies the server's chain against `ca_file` (PEM), or against the
// system's trust store when it is empty. Errors: kInvalidArgument for an unreadable CA file.
StatusOr<TlsContext> MakeTlsClientContext(const std::string& ca_file);

// Before a client handshake: sends `host` as SNI (DNS names only) and makes the handshake
// fail unless the certificate names `host` (a DNS name or an IP address).
// Errors: kInternal if OpenSSL refuses the name.
Status PrepareTlsClient(ssl_st* connection, const std::string& host);

// The reason the last failed handshake on `connection` gave for rejecting the peer's
// certificate, or empty when the certificate was not the problem.
std::string TlsVerifyError(const ssl_st* connection);

}  // namespace archived::crypto
