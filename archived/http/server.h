// HttpServer: the daemon's HTTP/1.1 API on Boost.Beast (the only Beast server code). One I/O
// thread runs a coroutine per connection; anything that blocks (store, crypto, committer)
// runs on a separate pool. Request and response bodies stream in bounded memory. Stop()
// finishes in-flight requests, closes idle connections and returns. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "archived/audit/committer.h"
#include "archived/auth/authenticator.h"
#include "archived/base/status.h"
#include "archived/catalog/catalog.h"
#include "archived/crypto/tls.h"
#include "archived/registers/registers.h"
#include "archived/retention/retention.h"
#include "archived/service/backups.h"
#include "archived/service/guard.h"
#include "archived/service/key_rotation.h"
#include "archived/service/scrub.h"
#include "archived/storage/store.h"
#include "indexer/indexer.h"

namespace archived::http {

struct HttpLimits {
  std::size_t max_header_bytes = 8192;               // beyond: 431. Default: 8 KiB.
  std::uint64_t max_upload_bytes = 64ull << 30;      // beyond: 413. Default: 64 GiB.
  std::size_t max_json_body_bytes = 1 << 20;         // beyond: 413. Default: 1 MiB.
  std::size_t max_metadata_part_bytes = 64 << 10;    // beyond: 400. Default: 64 KiB.
  std::chrono::seconds idle_timeout{30};             // per read or write. Default: 30 s.
  std::size_t max_connections = 512;                 // beyond: 503 and close. Default: 512.
  std::size_t max_query_bytes = 4096;                // beyond: 400. Default: 4 KiB.
  std::size_t body_piece_bytes = 1 << 20;            // body read per blocking hop. Default: 1 MiB.
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // Default: loopback only.
  std::uint16_t port = 8750;       // 0 picks a free port. Default: 8750.
  int blocking_threads = 8;        // Default: 8.
  // Threads that run searches; 0 means one per core. On 2 cores, 2 threads answered 15–23%
  // more queries than 8 (search is CPU-bound). Default: 0.
  int search_threads = 0;
  // HTTPS: the certificate chain and private key (PEM). Both empty: plain HTTP. Default: "".
  std::string tls_cert_file;
  std::string tls_key_file;
  HttpLimits limits;
};

// What the API serves. Everything must outlive the server.
struct ApiServices {
  catalog::Catalog* catalog = nullptr;
  auth::Authenticator* authenticator = nullptr;
  audit::Committer* committer = nullptr;
  const storage::Store* store = nullptr;
  indexer::Indexer* indexer = nullptr;
  service::Scrubber* scrubber = nullptr;
  service::KeyRotator* key_rotator = nullptr;
  service::BackupService* backups = nullptr;
  retention::Retention* retention = nullptr;
  registers::Registers* registers = nullptr;
  const service::Guard* guard = nullptr;  // every authorization decision
  std::string version;  // the daemon's version, for /healthz
  // Set when the audit chain failed verification at start: /healthz reports it (503).
  std::string audit_problem;
  // The newest signed audit checkpoint, if any (GET /api/v1/audit/checkpoint).
  std::function<std::optional<v1::AuditCheckpoint>()> latest_checkpoint;
};

class HttpServer {
 public:
  // Binds and starts serving. Errors: kUnavailable if the address cannot be bound;
  // kInvalidArgument for a bad host, or a TLS certificate or key that cannot be used.
  static StatusOr<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                     const ApiServices& services);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;
  // True when serving HTTPS; then tls_certificate() describes the certificate.
  bool tls() const;
  const crypto::TlsCertificateInfo& tls_certificate() const;
  // Stops accepting, lets in-flight requests finish (up to `grace`), then stops. Idempotent.
  void Stop(std::chrono::seconds grace = std::chrono::seconds(30));

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace archived::http
