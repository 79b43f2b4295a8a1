// Exchange: one HTTP request and its response on a connection, for the API handlers. Reads
// the body in pieces, writes JSON or streamed responses, and hops blocking work to the pool.
// Private to the http module. Not thread-safe: used from its connection's coroutine only.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include <google/protobuf/message.h>

#include "archived/base/status.h"
#include "archived/http/server.h"

namespace archived::http::internal {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
inline constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);

using RequestParser = bhttp::request_parser<bhttp::buffer_body>;
using RequestHeader = RequestParser::value_type;

// Calls fn(); an escaping exception becomes kInternal (and is logged).
Status InternalFromException(const char* what);
template <typename Fn>
auto CallCatching(Fn& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return InternalFromException(e.what());
  }
}

// True if `ec` is one of Beast's HTTP parse errors (the request was malformed).
inline bool IsHttpParseError(const boost::system::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
}

// Runs `fn` on `pool` and resumes the calling coroutine on its own executor with the result.
// A throw inside `fn` is a bug: it is caught here (the pool's top-level catch), logged, and
// turned into kInternal.
template <typename Fn>
auto RunBlocking(net::thread_pool& pool, Fn fn) -> net::awaitable<decltype(fn())> {
  using Result = decltype(fn());
  auto executor = co_await net::this_coro::executor;
  co_return co_await net::async_initiate<decltype(net::use_awaitable), void(Result)>(
      [&pool, executor, fn = std::move(fn)](auto handler) mutable {
        net::post(pool, [handler = std::move(handler), executor, fn = std::move(fn)]() mutable {
          Result result = CallCatching(fn);
          net::post(executor, [handler = std::move(handler), result = std::move(result)]() mutable {
            std::move(handler)(std::move(result));
          });
        });
      },
      net::use_awaitable);
}


// A result produced on another thread (a pool task, the committer) and awaited by a
// coroutine. Deliver posts the result to the coroutine's executor, which cancels a timer the
// coroutine waits on: the state is touched on that executor's thread only. Copies share
// state. Deliver is thread-safe; Wait must be called once, on the executor's thread.
template <typename Result>
class Completion {
 public:
  explicit Completion(const net::any_io_executor& executor) : state_(std::make_shared<State>(executor)) {}
  void Deliver(Result result) const {
    net::post(state_->timer.get_executor(), [state = state_, result = std::move(result)]() mutable {
      state->result = std::move(result);
      state->timer.cancel();
    });
  }
  net::awaitable<Result> Wait() const {
    const auto state = state_;
    while (!state->result) {
      [[maybe_unused]] auto [ec] = co_await state->timer.async_wait(kNoThrow);  // cancelled when done
    }
    co_return std::move(*state->result);
  }

 private:
  struct State {
    explicit State(const net::any_io_executor& executor) : timer(executor, net::steady_timer::time_point::max()) {}
    net::steady_timer timer;
    std::optional<Result> result;
  };
  std::shared_ptr<State> state_;
};

// Starts `fn` on the pool; its result is awaited later with Wait(), so that the coroutine can
// do I/O meanwhile (double buffering of uploads and downloads).
template <typename Fn>
auto StartBlocking(net::thread_pool& pool, const net::any_io_executor& executor, Fn fn)
    -> Completion<decltype(fn())> {
  Completion<decltype(fn())> completion(executor);
  net::post(pool, [completion, fn = std::move(fn)]() mutable { completion.Deliver(CallCatching(fn)); });
  return completion;
}

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// A connection's byte stream: plain TCP, or TLS over TCP. Timeouts are set on tcp() and
// govern the TLS layer's reads and writes too.
class Connection {
 public:
  explicit Connection(beast::tcp_stream& tcp) : tcp_(tcp) {}
  explicit Connection(TlsStream& tls) : tcp_(tls.next_layer()), tls_(&tls) {}
  beast::tcp_stream& tcp() { return tcp_; }
  bool tls() const { return tls_ != nullptr; }
  // co_awaits op(stream) on whichever stream this is; `op` starts one Beast operation with
  // kNoThrow and returns its awaitable.
  template <typename Op>
  net::awaitable<std::tuple<beast::error_code, std::size_t>> Run(Op op) {
    if (tls_ != nullptr) {
      co_return co_await op(*tls_);
    }
    co_return co_await op(tcp_);
  }

 private:
  beast::tcp_stream& tcp_;
  TlsStream* tls_ = nullptr;
};

class Exchange {
 public:
  Exchange(Connection& stream, beast::flat_buffer& buffer, RequestParser& parser,
           const HttpLimits& limits, net::thread_pool& pool, net::thread_pool& search_pool,
           std::string request_id, std::string_view remote_address)
      : stream_(stream), buffer_(buffer), parser_(parser), limits_(limits), pool_(pool),
        search_pool_(search_pool), request_id_(std::move(request_id)), remote_address_(remote_address) {}

  const RequestHeader& request() const { return parser_.get(); }
  // The declared body length; nullopt for a chunked body.
  std::optional<std::uint64_t> content_length() const {
    const auto length = parser_.content_length();
    return length ? std::optional<std::uint64_t>(*length) : std::nullopt;
  }
  const std::string& request_id() const { return request_id_; }
  // The client's IP address, or empty.
  const std::string& remote_address() const { return remote_address_; }
  net::thread_pool& pool() { return pool_; }
  // Searches only: CPU-bound, so as many threads as cores (more only switch contexts).
  net::thread_pool& search_pool() { return search_pool_; }
  const HttpLimits& limits() const { return limits_; }
  int response_status() const { return status_; }
  std::uint64_t response_bytes() const { return response_bytes_; }

  // Reads the next body piece into [data, data+size); 0 at the end of the body.
  // Errors: kResourceExhausted (too large: answer 413), kCancelled (the client went away),
  // kInvalidArgument (malformed framing).
  net::awaitable<StatusOr<std::size_t>> ReadBody(char* data, std::size_t size);
  // The whole body, at most `max_bytes`. Errors as ReadBody.
  net::awaitable<StatusOr<std::string>> ReadWholeBody(std::size_t max_bytes);
  // Sends "100 Continue" if the client asked for it and it was not sent yet.
  net::awaitable<void> SendContinueIfExpected();

  net::awaitable<void> SendJson(int status, const google::protobuf::Message& message);
  net::awaitable<void> SendText(int status, std::string_view content_type, std::string body);
  // A response with no body (304, HEAD): Content-Length is left as the caller set it.
  net::awaitable<void> SendEmpty(bhttp::response<bhttp::empty_body>& response);
  // The error as JSON; 413 for a body that broke its limit.
  net::awaitable<void> SendError(const Status& status);
  // Sends a response with headers `header` and streams `length` body bytes via StreamPiece.
  net::awaitable<bool> BeginStream(bhttp::response<bhttp::buffer_body>& header);
  net::awaitable<bool> StreamPiece(std::string_view piece);
  net::awaitable<bool> EndStream();

  // False when the connection must close after this exchange.
  bool keep_alive() const { return !force_close_ && parser_.keep_alive() && parser_.is_done(); }
  void ForceClose() { force_close_ = true; }

 private:
  void Decorate(bhttp::fields& fields);
  // Hands `data` to the streaming serializer (`more`: further pieces follow).
  net::awaitable<bool> WriteBody(std::string_view data, bool more);
  Connection& stream_;
  beast::flat_buffer& buffer_;
  RequestParser& parser_;
  const HttpLimits& limits_;
  net::thread_pool& pool_;
  net::thread_pool& search_pool_;
  const std::string request_id_;
  const std::string remote_address_;
  bool continue_sent_ = false;
  bool force_close_ = false;
  bool body_too_large_ = false;
  int status_ = 0;
  std::uint64_t response_bytes_ = 0;
  std::unique_ptr<bhttp::response_serializer<bhttp::buffer_body>> serializer_;
  bhttp::response<bhttp::buffer_body>* streaming_ = nullptr;
};

// Serves one request: routes it to a handler of the API. Defined in api.cc.
net::awaitable<void> ServeApi(Exchange& exchange, const ApiServices& services);

}  // namespace archived::http::internal
