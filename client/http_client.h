// HttpClient: archivectl's blocking HTTP/1.1 client on Boost.Beast. One connection per call;
// bodies stream from and to files in bounded memory. Errors from the server come back as
// Status rebuilt from its JSON error body. Thread-compatible: one client per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "archived/base/status.h"

namespace archived::client {

struct Endpoint {
  std::string host = "127.0.0.1";
  std::string port = "8750";
  bool tls = false;     // https://
  std::string ca_file;  // https: the CA to trust (PEM); empty: the system's trust store
};
// Parses "http://HOST:PORT" or "https://HOST:PORT" (a path is not allowed); the port defaults
// to 80 or 443. Errors: kInvalidArgument.
StatusOr<Endpoint> ParseServerUrl(std::string_view url);

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// Called with bytes done and the total (0 if unknown) as a transfer proceeds.
using Progress = std::function<void(std::uint64_t done, std::uint64_t total)>;

class HttpClient {
 public:
  HttpClient(Endpoint endpoint, std::string token) : endpoint_(std::move(endpoint)), token_(std::move(token)) {}

  // A request with a small body. Non-2xx statuses become the server's Status.
  // Errors: kUnavailable when the server cannot be reached; the server's code otherwise.
  StatusOr<Response> Call(std::string_view method, std::string_view target, std::string_view body = {},
                          std::string_view content_type = {});
  // Streams the file at `path` as the request body.
  StatusOr<Response> Upload(std::string_view method, std::string_view target, const std::string& path,
                            std::string_view content_type, const Progress& progress);
  // Streams a 2xx response body into `sink` (called with each piece; false stops).
  StatusOr<Response> Download(std::string_view target, const std::function<bool(std::string_view)>& sink,
                              const Progress& progress);

 private:
  const Endpoint endpoint_;
  const std::string token_;
};

// The Status carried by an error response (its JSON body, or the HTTP status when the body is
// not ours).
Status StatusFromResponse(int http_status, std::string_view body);

}  // namespace archived::client
