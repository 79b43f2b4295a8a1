#include "archived/http/server.h"

#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "archived/base/bytes.h"
#include "archived/base/log.h"
#include "archived/base/status_macros.h"
#include "archived/crypto/crypto.h"
#include "archived/crypto/tls.h"
#include "archived/http/error_mapping.h"
#include "archived/http/internal/exchange.h"
#include "archived/http/json.h"

namespace archived::http {

using namespace internal;  // NOLINT: the .cc of the module that owns internal/
using tcp = net::ip::tcp;

namespace internal {

Status InternalFromException(const char* what) {
  LogLine(std::string("unexpected exception in a blocking task: ") + what);
  return InternalError("unexpected exception");
}

net::awaitable<StatusOr<std::size_t>> Exchange::ReadBody(char* data, std::size_t size) {
  if (parser_.is_done()) {
    co_return std::size_t{0};
  }
  co_await SendContinueIfExpected();
  parser_.get().body().data = data;
  parser_.get().body().size = size;
  stream_.tcp().expires_after(limits_.idle_timeout);
  auto [ec, bytes] =
      co_await stream_.Run([&](auto& s) { return bhttp::async_read(s, buffer_, parser_, kNoThrow); });
  if (ec == bhttp::error::need_buffer) {
    ec = {};
  }
  if (ec == bhttp::error::body_limit) {
    body_too_large_ = true;
    force_close_ = true;
    co_return ResourceExhaustedError("request body exceeds the limit");
  }
  if (ec) {
    force_close_ = true;
    if (IsHttpParseError(ec) && ec != bhttp::error::partial_message) {
      co_return InvalidArgumentError("malformed request body: " + ec.message());
    }
    co_return CancelledError("client connection lost while reading the body: " + ec.message());
  }
  co_return size - parser_.get().body().size;
}

net::awaitable<StatusOr<std::string>> Exchange::ReadWholeBody(std::size_t max_bytes) {
  std::string body;
  if (const auto length = parser_.content_length(); length && *length > max_bytes) {
    body_too_large_ = true;
    force_close_ = true;
    co_return ResourceExhaustedError("request body exceeds " + std::to_string(max_bytes) + " bytes");
  }
  char piece[16384];
  for (;;) {
    StatusOr<std::size_t> n = co_await ReadBody(piece, sizeof(piece));
    if (!n.ok()) {
      co_return n.status();
    }
    if (*n == 0) {
      break;
    }
    body.append(piece, *n);
    if (body.size() > max_bytes) {
      body_too_large_ = true;
      force_close_ = true;
      co_return ResourceExhaustedError("request body exceeds " + std::to_string(max_bytes) + " bytes");
    }
  }
  co_return body;
}

net::awaitable<void> Exchange::SendContinueIfExpected() {
  if (continue_sent_ || parser_.is_done()) {
    co_return;
  }
  continue_sent_ = true;
  const auto expect = parser_.get()[bhttp::field::expect];
  if (!beast::iequals(expect, "100-continue")) {
    co_return;
  }
  bhttp::response<bhttp::empty_body> res{bhttp::status::continue_, 11};
  stream_.tcp().expires_after(limits_.idle_timeout);
  auto [ec, n] = co_await stream_.Run([&](auto& s) { return bhttp::async_write(s, res, kNoThrow); });
  if (ec) {
    force_close_ = true;
  }
}

void Exchange::Decorate(bhttp::fields& fields) {
  fields.set(bhttp::field::server, "archived");
  fields.set("X-Request-Id", request_id_);
  if (stream_.tls()) {
    // HTTPS only from now on, for a year (testssl.sh wants at least 180 days).
    fields.set(bhttp::field::strict_transport_security, "max-age=31536000");
  }
  if (!keep_alive()) {
    fields.set(bhttp::field::connection, "close");
  }
}

net::awaitable<void> Exchange::SendText(int status, std::string_view content_type, std::string body) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), 11};
  Decorate(res.base());
  res.set(bhttp::field::content_type, content_type);
  res.set(bhttp::field::cache_control, "no-store");
  res.keep_alive(keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  status_ = status;
  response_bytes_ += res.body().size();
  stream_.tcp().expires_after(limits_.idle_timeout);
  auto [ec, n] = co_await stream_.Run([&](auto& s) { return bhttp::async_write(s, res, kNoThrow); });
  if (ec) {
    force_close_ = true;
  }
}

net::awaitable<void> Exchange::SendEmpty(bhttp::response<bhttp::empty_body>& response) {
  Decorate(response.base());
  response.keep_alive(keep_alive());
  status_ = response.result_int();
  bhttp::response_serializer<bhttp::empty_body> serializer(response);
  stream_.tcp().expires_after(limits_.idle_timeout);
  auto [ec, n] =
      co_await stream_.Run([&](auto& s) { return bhttp::async_write_header(s, serializer, kNoThrow); });
  if (ec) {
    force_close_ = true;
  }
}

net::awaitable<void> Exchange::SendJson(int status, const google::protobuf::Message& message) {
  co_await SendText(status, "application/json", ToJson(message));
}

net::awaitable<void> Exchange::SendError(const Status& status) {
  int code = HttpStatusFor(status.code());
  if (body_too_large_) {
    code = 413;
  }
  if (code >= 500) {
    LogLine("request " + request_id_ + " failed: " + status.ToString());
  }
  if (!parser_.is_done()) {
    force_close_ = true;  // the rest of the body is unread, so the connection cannot be reused
  }
  co_await SendText(code, "application/json", ErrorBodyJson(status, request_id_));
}

net::awaitable<bool> Exchange::BeginStream(bhttp::response<bhttp::buffer_body>& header) {
  Decorate(header.base());
  header.keep_alive(keep_alive());
  header.body().data = nullptr;
  header.body().more = true;
  status_ = header.result_int();
  streaming_ = &header;
  serializer_ = std::make_unique<bhttp::response_serializer<bhttp::buffer_body>>(header);
  stream_.tcp().expires_after(limits_.idle_timeout);
  auto [ec, n] =
      co_await stream_.Run([&](auto& s) { return bhttp::async_write_header(s, *serializer_, kNoThrow); });
  if (ec) {
    force_close_ = true;
    co_return false;
  }
  co_return true;
}

net::awaitable<bool> Exchange::StreamPiece(std::string_view piece) {
  const bool written = co_await WriteBody(piece, /*more=*/true);
  if (written) {
    response_bytes_ += piece.size();
  }
  co_return written;
}

net::awaitable<bool> Exchange::EndStream() { co_return co_await WriteBody({}, /*more=*/false); }

net::awaitable<bool> Exchange::WriteBody(std::string_view data, bool more) {
  streaming_->body().data = data.empty() ? nullptr : const_cast<char*>(data.data());
  streaming_->body().size = data.size();
  streaming_->body().more = more;
  stream_.tcp().expires_after(limits_.idle_timeout);
  auto [ec, n] = co_await stream_.Run([&](auto& s) { return bhttp::async_write(s, *serializer_, kNoThrow); });
  if (ec == bhttp::error::need_buffer) {
    ec = {};  // the serializer wants the next piece: this one is written
  }
  if (ec) {
    force_close_ = true;
    co_return false;
  }
  co_return true;
}

}  // namespace internal

namespace {

// A whole HTTP/1.1 response for a connection refused before any request is parsed: the JSON
// error body of `status`, then close.
std::string ClosingErrorResponse(std::string_view status_line, const Status& status) {
  const std::string body = ErrorBodyJson(status, "");
  return "HTTP/1.1 " + std::string(status_line) + "\r\nContent-Type: application/json\r\nConnection: close\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

struct HttpServer::Impl {
  Impl(const HttpServerOptions& o, const ApiServices& s)
      : options(o), services(s), pool(static_cast<std::size_t>(o.blocking_threads)),
        search_pool(o.search_threads > 0 ? static_cast<std::size_t>(o.search_threads)
                                         : std::max(1u, std::thread::hardware_concurrency())),
        acceptor(ioc) {}

  net::awaitable<void> Accept();
  net::awaitable<void> Session(tcp::socket socket);
  // Serves requests on `connection` until it closes or the server stops.
  net::awaitable<void> ServeConnection(Connection& connection, beast::flat_buffer& buffer,
                                       const std::string& remote_address);
  // The TLS handshake and then ServeConnection; plain HTTP on a TLS port gets a 400.
  net::awaitable<void> ServeTls(beast::tcp_stream& plain, beast::flat_buffer& buffer,
                                const std::string& remote_address);
  net::awaitable<void> ServeOne(Connection& connection, beast::flat_buffer& buffer,
                                const std::string& remote_address, bool* keep_alive);
  std::string NextRequestId() {
    const std::uint64_t n = ++request_counter;
    std::string raw;
    AppendBigEndian64(raw, n);
    return request_prefix + HexEncode(raw).substr(8);
  }

  const HttpServerOptions options;
  const ApiServices services;
  net::io_context ioc{1};
  net::thread_pool pool;
  net::thread_pool search_pool;
  tcp::acceptor acceptor;
  std::optional<net::ssl::context> tls;  // set when serving HTTPS
  crypto::TlsCertificateInfo tls_certificate;
  std::thread io_thread;
  std::uint16_t port = 0;
  // Touched only on the I/O thread.
  std::set<beast::tcp_stream*> idle_streams;
  std::size_t sessions = 0;
  bool stopping = false;
  std::atomic<std::uint64_t> request_counter{0};
  std::string request_prefix;
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool stopped = false;
};

net::awaitable<void> HttpServer::Impl::Accept() {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
    if (stopping) {
      co_return;
    }
    if (ec) {
      continue;
    }
    if (sessions >= options.limits.max_connections && tls) {
      beast::error_code ignored;
      socket.close(ignored);  // no TLS session to explain it in; the client sees a reset
      continue;
    }
    if (sessions >= options.limits.max_connections) {
      // Over the limit: a short 503 and close, so the client learns why.
      static const std::string kBusy =
          ClosingErrorResponse("503 Service Unavailable", UnavailableError("too many connections"));
      beast::error_code ignored;
      net::write(socket, net::buffer(kBusy), ignored);
      socket.close(ignored);
      continue;
    }
    ++sessions;
    net::co_spawn(ioc, Session(std::move(socket)), [this](std::exception_ptr error) {
      --sessions;
      if (error) {
        LogLine("unexpected exception escaped a connection");
      }
    });
  }
}

net::awaitable<void> HttpServer::Impl::Session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::error_code ignored;
  stream.socket().set_option(tcp::no_delay(true), ignored);
  beast::flat_buffer buffer;
  beast::error_code peer_error;
  const tcp::endpoint peer = stream.socket().remote_endpoint(peer_error);
  const std::string remote_address = peer_error ? std::string() : peer.address().to_string();
  // Beast reads at most the buffer's free capacity per call: a small buffer means many tiny
  // reads (PERFORMANCE.md measured 18x slower uploads with the default).
  buffer.reserve(64 * 1024);
  try {
    if (tls) {
      co_await ServeTls(stream, buffer, remote_address);
      co_return;  // the TLS stream owned the socket and closed it
    }
    Connection connection(stream);
    co_await ServeConnection(connection, buffer, remote_address);
  } catch (const std::exception& e) {
    // The session's top-level catch: reaching it is a bug.
    LogLine(std::string("unexpected exception in a connection: ") + e.what());
  }
  idle_streams.erase(&stream);
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
}

net::awaitable<void> HttpServer::Impl::ServeConnection(Connection& connection, beast::flat_buffer& buffer,
                                                      const std::string& remote_address) {
  bool keep_alive = true;
  while (keep_alive && !stopping) {
    co_await ServeOne(connection, buffer, remote_address, &keep_alive);
  }
  idle_streams.erase(&connection.tcp());
}

net::awaitable<void> HttpServer::Impl::ServeTls(beast::tcp_stream& plain, beast::flat_buffer& buffer,
                                               const std::string& remote_address) {
  plain.expires_after(options.limits.idle_timeout);
  auto [detect_error, is_tls] = co_await beast::async_detect_ssl(plain, buffer, kNoThrow);
  if (detect_error) {
    co_return;
  }
  if (!is_tls) {
    // A plain-HTTP request on the HTTPS port: say so in plain HTTP, then close.
    static const std::string kUseHttps =
        ClosingErrorResponse("400 Bad Request", InvalidArgumentError("this port serves HTTPS only: use https://"));
    [[maybe_unused]] auto [ec, n] = co_await net::async_write(plain, net::buffer(kUseHttps), kNoThrow);
    beast::error_code ignored;
    plain.socket().shutdown(tcp::socket::shutdown_send, ignored);
    co_return;
  }
  TlsStream stream(std::move(plain), *tls);
  stream.next_layer().expires_after(options.limits.idle_timeout);
  auto [handshake_error, used] =
      co_await stream.async_handshake(net::ssl::stream_base::server, buffer.data(), kNoThrow);
  if (handshake_error) {
    co_return;  // a scanner, a client that does not trust us, or an old protocol: nothing to log
  }
  buffer.consume(used);
  Connection connection(stream);
  co_await ServeConnection(connection, buffer, remote_address);
  // close_notify, then wait briefly for the peer's: a client that just drops the connection
  // ends this at once with an error we ignore. A stopping server does not wait.
  if (!stopping) {
    stream.next_layer().expires_after(std::chrono::seconds(5));
    [[maybe_unused]] auto [shutdown_error] = co_await stream.async_shutdown(kNoThrow);
  }
  beast::error_code ignored;
  stream.next_layer().socket().close(ignored);
}

net::awaitable<void> HttpServer::Impl::ServeOne(Connection& stream, beast::flat_buffer& buffer,
                                               const std::string& remote_address, bool* keep_alive) {
  const HttpLimits& limits = options.limits;
  RequestParser parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_upload_bytes);
  stream.tcp().expires_after(limits.idle_timeout);
  idle_streams.insert(&stream.tcp());
  auto [ec, n] =
      co_await stream.Run([&](auto& s) { return bhttp::async_read_header(s, buffer, parser, kNoThrow); });
  idle_streams.erase(&stream.tcp());
  Exchange exchange(stream, buffer, parser, limits, pool, search_pool, NextRequestId(), remote_address);
  *keep_alive = false;
  if (ec == bhttp::error::header_limit) {
    exchange.ForceClose();
    co_await exchange.SendText(431, "application/json",
                               R"({"code":"RESOURCE_EXHAUSTED","message":"request headers exceed )" +
                                   std::to_string(limits.max_header_bytes) + R"( bytes","request_id":")" +
                                   exchange.request_id() + "\"}");
    co_return;
  }
  if (ec == bhttp::error::body_limit) {
    exchange.ForceClose();
    co_await exchange.SendText(413, "application/json",
                               R"({"code":"RESOURCE_EXHAUSTED","message":"request body exceeds the limit","request_id":")" +
                                   exchange.request_id() + "\"}");
    co_return;
  }
  if (ec) {
    if (IsHttpParseError(ec) && ec != bhttp::error::end_of_stream &&
        ec != bhttp::error::partial_message) {
      exchange.ForceClose();
      co_await exchange.SendText(400, "application/json",
                                 R"({"code":"INVALID_ARGUMENT","message":"malformed HTTP request","request_id":")" +
                                     exchange.request_id() + "\"}");
    }
    co_return;
  }
  const auto started = std::chrono::steady_clock::now();
  co_await ServeApi(exchange, services);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started).count();
  char line[96];
  std::snprintf(line, sizeof(line), " %d %llu bytes %.1f ms", exchange.response_status(),
                static_cast<unsigned long long>(exchange.response_bytes()), static_cast<double>(micros) / 1000.0);
  LogLine("request " + exchange.request_id() + " " + std::string(parser.get().method_string()) + " " +
          std::string(parser.get().target().substr(0, 200)) + line);
  *keep_alive = exchange.keep_alive();
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(std::chrono::seconds(5)); }

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                        const ApiServices& services) {
  auto impl = std::make_unique<Impl>(options, services);
  beast::error_code ec;
  const auto address = net::ip::make_address(options.host, ec);
  if (ec) {
    return InvalidArgumentError("listen address \"" + options.host + "\" is not an IP address");
  }
  const tcp::endpoint endpoint(address, options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return UnavailableError("listen on " + options.host + ":" + std::to_string(options.port) + ": " + ec.message());
  }
  impl->port = impl->acceptor.local_endpoint().port();
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
      return InvalidArgumentError("TLS needs both a certificate (--tls-cert) and a key (--tls-key)");
    }
    ARCHIVED_ASSIGN_OR_RETURN(crypto::TlsContext context,
                              crypto::MakeTlsServerContext(options.tls_cert_file, options.tls_key_file,
                                                           &impl->tls_certificate));
    impl->tls.emplace(context.release());  // the asio context owns it from here
  }
  const StatusOr<std::string> prefix = crypto::RandomBytes(4);
  impl->request_prefix = prefix.ok() ? HexEncode(*prefix) : "00000000";
  Impl* raw = impl.get();
  net::co_spawn(raw->ioc, raw->Accept(), net::detached);
  raw->io_thread = std::thread([raw] {
    ::pthread_setname_np(::pthread_self(), "archived-http");  // for top and perf
    raw->ioc.run();
    std::lock_guard lock(raw->done_mu);
    raw->stopped = true;
    raw->done_cv.notify_all();
  });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

std::uint16_t HttpServer::port() const { return impl_->port; }

bool HttpServer::tls() const { return impl_->tls.has_value(); }

const crypto::TlsCertificateInfo& HttpServer::tls_certificate() const { return impl_->tls_certificate; }

void HttpServer::Stop(std::chrono::seconds grace) {
  Impl* impl = impl_.get();
  if (!impl->io_thread.joinable()) {
    return;
  }
  // Stop accepting and close idle keep-alive connections; busy ones finish their request,
  // see `stopping`, and close.
  net::post(impl->ioc, [impl] {
    impl->stopping = true;
    beast::error_code ignored;
    impl->acceptor.close(ignored);
    for (beast::tcp_stream* stream : impl->idle_streams) {
      stream->socket().cancel(ignored);
    }
  });
  {
    std::unique_lock lock(impl->done_mu);
    if (!impl->done_cv.wait_for(lock, grace, [impl] { return impl->stopped; })) {
      impl->ioc.stop();  // grace period over: abandon what is still running
    }
  }
  impl->io_thread.join();
  impl->pool.join();
  impl->search_pool.join();
}

}  // namespace archived::http
