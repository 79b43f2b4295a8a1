#include "client/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <cstring>
#include <memory>
#include <optional>

#include "archived/base/status_macros.h"
#include "archived/crypto/tls.h"
#include "archived/v1/api.pb.h"
#include <google/protobuf/util/json_util.h>

namespace archived::client {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection to the server: plain TCP, or TLS over it. Run(op) applies a Beast operation
// to whichever stream it is.
class Connection {
 public:
  explicit Connection(net::io_context& ioc) : tcp_(ioc) {}
  beast::tcp_stream& tcp() { return tls_ ? tls_->next_layer() : tcp_; }
  template <typename Op>
  auto Run(Op op) {
    return tls_ ? op(*tls_) : op(tcp_);
  }
  // Replaces the plain stream with TLS over it, and shakes hands.
  Status StartTls(const Endpoint& endpoint) {
    ARCHIVED_ASSIGN_OR_RETURN(crypto::TlsContext native, crypto::MakeTlsClientContext(endpoint.ca_file));
    context_.emplace(native.release());
    tls_.emplace(std::move(tcp_), *context_);
    ARCHIVED_RETURN_IF_ERROR(crypto::PrepareTlsClient(tls_->native_handle(), endpoint.host));
    beast::error_code ec;
    tls_->handshake(net::ssl::stream_base::client, ec);
    if (ec) {
      const std::string why = crypto::TlsVerifyError(tls_->native_handle());
      return UnavailableError("TLS handshake with " + endpoint.host + ":" + endpoint.port + " failed: " +
                              (why.empty() ? ec.message() : "server certificate not trusted: " + why +
                                                                " (give --cacert FILE or ARCHIVED_CACERT)"));
    }
    return OkStatus();
  }

 private:
  beast::tcp_stream tcp_;
  std::optional<net::ssl::context> context_;
  std::optional<TlsStream> tls_;
};

StatusOr<std::unique_ptr<Connection>> Connect(net::io_context& ioc, const Endpoint& endpoint) {
  tcp::resolver resolver(ioc);
  beast::error_code ec;
  const auto results = resolver.resolve(endpoint.host, endpoint.port, ec);
  if (ec) {
    return UnavailableError("resolve " + endpoint.host + ": " + ec.message());
  }
  auto connection = std::make_unique<Connection>(ioc);
  connection->tcp().connect(results, ec);
  if (ec) {
    return UnavailableError("connect to " + endpoint.host + ":" + endpoint.port + ": " + ec.message() +
                            " (is archived running? see ARCHIVED_URL)");
  }
  // As curl does: a request's last TLS record must not wait for the server's delayed ACK.
  beast::error_code ignored;
  connection->tcp().socket().set_option(tcp::no_delay(true), ignored);
  if (endpoint.tls) {
    ARCHIVED_RETURN_IF_ERROR(connection->StartTls(endpoint));
  }
  return connection;
}

template <typename Message>
void SetCommonHeaders(Message& req, const Endpoint& endpoint, const std::string& token) {
  req.set(bhttp::field::host, endpoint.host + ":" + endpoint.port);
  req.set(bhttp::field::user_agent, "archivectl/0.1");
  if (!token.empty()) {
    req.set(bhttp::field::authorization, "Bearer " + token);
  }
}

template <typename Body>
Response ToResponse(const bhttp::response<Body>& res) {
  Response out;
  out.status = res.result_int();
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(field.value());
  }
  return out;
}

Status ReadResponse(Connection& stream, Response* out) {
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 << 20);
  beast::error_code ec;
  stream.Run([&](auto& s) { return bhttp::read(s, buffer, parser, ec); });
  if (ec) {
    return UnavailableError("read response: " + ec.message());
  }
  *out = ToResponse(parser.get());
  out->body = std::move(parser.get().body());
  if (out->status >= 300) {
    return StatusFromResponse(out->status, out->body);
  }
  return OkStatus();
}

}  // namespace

StatusOr<Endpoint> ParseServerUrl(std::string_view url) {
  const bool tls = url.starts_with("https://");
  if (!tls && !url.starts_with("http://")) {
    return InvalidArgumentError("server URL must look like http://HOST:PORT or https://HOST:PORT");
  }
  std::string_view rest = url.substr(tls ? std::strlen("https://") : std::strlen("http://"));
  while (rest.ends_with("/")) rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos || rest.empty()) {
    return InvalidArgumentError("server URL must look like http://HOST:PORT (no path)");
  }
  Endpoint endpoint;
  endpoint.tls = tls;
  const std::size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || rest.back() == ']') {
    endpoint.host = std::string(rest);
    endpoint.port = tls ? "443" : "80";
  } else {
    endpoint.host = std::string(rest.substr(0, colon));
    endpoint.port = std::string(rest.substr(colon + 1));
  }
  if (endpoint.host.size() > 2 && endpoint.host.front() == '[') {
    endpoint.host = endpoint.host.substr(1, endpoint.host.size() - 2);
  }
  return endpoint;
}

Status StatusFromResponse(int http_status, std::string_view body) {
  v1::ErrorBody error;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (google::protobuf::util::JsonStringToMessage(google::protobuf::StringPiece(body.data(), body.size()), &error,
                                                  options)
          .ok() &&
      !error.code().empty()) {
    return Status(StatusCodeFromName(error.code()), error.message());
  }
  const StatusCode code = http_status == 404   ? StatusCode::kNotFound
                          : http_status == 401 ? StatusCode::kUnauthenticated
                          : http_status == 413 ? StatusCode::kResourceExhausted
                          : http_status < 500  ? StatusCode::kInvalidArgument
                                               : StatusCode::kUnavailable;
  return Status(code, "server answered HTTP " + std::to_string(http_status));
}

StatusOr<Response> HttpClient::Call(std::string_view method, std::string_view target, std::string_view body,
                                    std::string_view content_type) {
  net::io_context ioc;
  ARCHIVED_ASSIGN_OR_RETURN(std::unique_ptr<Connection> stream, Connect(ioc, endpoint_));
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), std::string(target), 11};
  SetCommonHeaders(req, endpoint_, token_);
  if (!content_type.empty()) req.set(bhttp::field::content_type, content_type);
  req.body() = std::string(body);
  req.prepare_payload();
  beast::error_code ec;
  stream->Run([&](auto& s) { return bhttp::write(s, req, ec); });
  if (ec) {
    return UnavailableError("send request: " + ec.message());
  }
  Response response;
  ARCHIVED_RETURN_IF_ERROR(ReadResponse(*stream, &response));
  return response;
}

StatusOr<Response> HttpClient::Upload(std::string_view method, std::string_view target, const std::string& path,
                                      std::string_view content_type, const Progress& progress) {
  bhttp::request<bhttp::file_body> req{bhttp::string_to_verb(method), std::string(target), 11};
  beast::error_code ec;
  req.body().open(path.c_str(), beast::file_mode::scan, ec);
  if (ec) {
    return InvalidArgumentError("open \"" + path + "\": " + ec.message());
  }
  net::io_context ioc;
  ARCHIVED_ASSIGN_OR_RETURN(std::unique_ptr<Connection> stream, Connect(ioc, endpoint_));
  SetCommonHeaders(req, endpoint_, token_);
  req.set(bhttp::field::content_type, content_type);
  req.prepare_payload();
  const std::uint64_t total = req.body().size();
  bhttp::request_serializer<bhttp::file_body> serializer(req);
  std::uint64_t sent = 0;
  while (!serializer.is_done()) {
    const std::size_t n = stream->Run([&](auto& s) { return bhttp::write_some(s, serializer, ec); });
    if (ec) {
      // The server may have answered early (401, 413, 400) and closed: show its answer.
      Response early;
      const Status answered = ReadResponse(*stream, &early);
      if (!answered.ok() && answered.code() != StatusCode::kUnavailable) return answered;
      return UnavailableError("send \"" + path + "\": " + ec.message());
    }
    sent += n;
    if (progress) progress(std::min(sent, total), total);
  }
  Response response;
  ARCHIVED_RETURN_IF_ERROR(ReadResponse(*stream, &response));
  return response;
}

StatusOr<Response> HttpClient::Download(std::string_view target, const std::function<bool(std::string_view)>& sink,
                                        const Progress& progress) {
  net::io_context ioc;
  ARCHIVED_ASSIGN_OR_RETURN(std::unique_ptr<Connection> stream, Connect(ioc, endpoint_));
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, std::string(target), 11};
  SetCommonHeaders(req, endpoint_, token_);
  beast::error_code ec;
  stream->Run([&](auto& s) { return bhttp::write(s, req, ec); });
  if (ec) {
    return UnavailableError("send request: " + ec.message());
  }
  beast::flat_buffer buffer;
  buffer.reserve(64 * 1024);
  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.body_limit(boost::none);  // a download is as large as the document
  stream->Run([&](auto& s) { return bhttp::read_header(s, buffer, parser, ec); });
  if (ec) {
    return UnavailableError("read response: " + ec.message());
  }
  Response response = ToResponse(parser.get());
  const std::uint64_t total = parser.content_length().value_or(0);
  std::vector<char> piece(1 << 20);
  std::uint64_t received = 0;
  while (!parser.is_done()) {
    parser.get().body().data = piece.data();
    parser.get().body().size = piece.size();
    stream->Run([&](auto& s) { return bhttp::read(s, buffer, parser, ec); });
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) {
      return UnavailableError("download cut short after " + std::to_string(received) + " bytes: " + ec.message());
    }
    const std::size_t n = piece.size() - parser.get().body().size;
    received += n;
    if (response.status >= 300) {
      response.body.append(piece.data(), n);
      continue;
    }
    if (!sink(std::string_view(piece.data(), n))) {
      return InternalError("could not write the downloaded bytes");
    }
    if (progress) progress(received, total);
  }
  if (response.status >= 300) {
    return StatusFromResponse(response.status, response.body);
  }
  return response;
}

}  // namespace archived::client
