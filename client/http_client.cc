#include "client/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "archived/base/status_macros.h"
#include "archived/v1/api.pb.h"
#include <google/protobuf/util/json_util.h>

namespace archived::client {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

StatusOr<beast::tcp_stream> Connect(net::io_context& ioc, const Endpoint& endpoint) {
  tcp::resolver resolver(ioc);
  beast::error_code ec;
  const auto results = resolver.resolve(endpoint.host, endpoint.port, ec);
  if (ec) {
    return UnavailableError("resolve " + endpoint.host + ": " + ec.message());
  }
  beast::tcp_stream stream(ioc);
  stream.connect(results, ec);
  if (ec) {
    return UnavailableError("connect to " + endpoint.host + ":" + endpoint.port + ": " + ec.message() +
                            " (is archived running? see ARCHIVED_URL)");
  }
  return stream;
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

Status ReadResponse(beast::tcp_stream& stream, Response* out) {
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 << 20);
  beast::error_code ec;
  bhttp::read(stream, buffer, parser, ec);
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
  constexpr std::string_view kScheme = "http://";
  if (url.starts_with("https://")) {
    return InvalidArgumentError("server URL: https is not supported yet; use http:// on loopback");
  }
  if (!url.starts_with(kScheme)) {
    return InvalidArgumentError("server URL must look like http://HOST:PORT");
  }
  std::string_view rest = url.substr(kScheme.size());
  while (rest.ends_with("/")) rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos || rest.empty()) {
    return InvalidArgumentError("server URL must look like http://HOST:PORT (no path)");
  }
  Endpoint endpoint;
  const std::size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || rest.back() == ']') {
    endpoint.host = std::string(rest);
    endpoint.port = "80";
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
  ARCHIVED_ASSIGN_OR_RETURN(beast::tcp_stream stream, Connect(ioc, endpoint_));
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), std::string(target), 11};
  SetCommonHeaders(req, endpoint_, token_);
  if (!content_type.empty()) req.set(bhttp::field::content_type, content_type);
  req.body() = std::string(body);
  req.prepare_payload();
  beast::error_code ec;
  bhttp::write(stream, req, ec);
  if (ec) {
    return UnavailableError("send request: " + ec.message());
  }
  Response response;
  ARCHIVED_RETURN_IF_ERROR(ReadResponse(stream, &response));
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
  ARCHIVED_ASSIGN_OR_RETURN(beast::tcp_stream stream, Connect(ioc, endpoint_));
  SetCommonHeaders(req, endpoint_, token_);
  req.set(bhttp::field::content_type, content_type);
  req.prepare_payload();
  const std::uint64_t total = req.body().size();
  bhttp::request_serializer<bhttp::file_body> serializer(req);
  std::uint64_t sent = 0;
  while (!serializer.is_done()) {
    const std::size_t n = bhttp::write_some(stream, serializer, ec);
    if (ec) {
      // The server may have answered early (401, 413, 400) and closed: show its answer.
      Response early;
      const Status answered = ReadResponse(stream, &early);
      if (!answered.ok() && answered.code() != StatusCode::kUnavailable) return answered;
      return UnavailableError("send \"" + path + "\": " + ec.message());
    }
    sent += n;
    if (progress) progress(std::min(sent, total), total);
  }
  Response response;
  ARCHIVED_RETURN_IF_ERROR(ReadResponse(stream, &response));
  return response;
}

StatusOr<Response> HttpClient::Download(std::string_view target, const std::function<bool(std::string_view)>& sink,
                                        const Progress& progress) {
  net::io_context ioc;
  ARCHIVED_ASSIGN_OR_RETURN(beast::tcp_stream stream, Connect(ioc, endpoint_));
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, std::string(target), 11};
  SetCommonHeaders(req, endpoint_, token_);
  beast::error_code ec;
  bhttp::write(stream, req, ec);
  if (ec) {
    return UnavailableError("send request: " + ec.message());
  }
  beast::flat_buffer buffer;
  buffer.reserve(64 * 1024);
  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.body_limit(boost::none);  // a download is as large as the document
  bhttp::read_header(stream, buffer, parser, ec);
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
    bhttp::read(stream, buffer, parser, ec);
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
