// ingest_load: the load generator of scripts/bench/ingest.sh. Two measurements in one run:
//   ingest_load http URL TOKEN CLIENTS COUNT FILE…  files COUNT documents (cycling through the
//     files) over CLIENTS keep-alive connections driven by one thread; every one must be
//     answered 201 (durable).
//     An https:// URL speaks TLS, trusting the CA file in $INGEST_CACERT;
//   ingest_load fsync DIR COUNT FILE…  the baseline: writes each document to its own file in
//     DIR and fdatasyncs it, one after another.
// Prints one line: "<mode> documents=N seconds=S per_second=R cpu_us=C", where C is the
// load generator's own CPU time (user and system) per document.
#include <fcntl.h>
#include <unistd.h>

#include <exception>
#include <memory>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdlib>
#include <optional>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "tests/bench/cpu_time.h"
#include "tests/bench/read_file.h"

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

std::vector<std::string> ReadAll(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) out.push_back(archived::bench::ReadWholeFile(p));
  return out;
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Files documents numbered from `next` until `count` over one keep-alive connection. Every
// connection runs on the one thread of `RunHttp`'s io_context, so the load generator costs the
// two shared cores a thread switch neither per request nor per connection (16 client threads
// blocking in turn cost the daemon's cores ~8% of their time).
template <typename Stream>
net::awaitable<void> Client(Stream& stream, const std::string& hostport, const std::string& token, int count,
                            const std::vector<std::string>& contents, int& next, int& failed) {
  beast::flat_buffer buffer;
  for (int i = next++; i < count; i = next++) {
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/api/v1/documents?title=bench-" + std::to_string(i) + "&category=BGS", 11};
    req.set(bhttp::field::host, hostport);
    req.set(bhttp::field::authorization, "Bearer " + token);
    req.set(bhttp::field::content_type, "text/plain");
    req.keep_alive(true);
    req.body() = contents[static_cast<std::size_t>(i) % contents.size()];
    req.prepare_payload();
    co_await bhttp::async_write(stream, req, net::use_awaitable);
    bhttp::response<bhttp::string_body> res;
    co_await bhttp::async_read(stream, buffer, res, net::use_awaitable);
    if (res.result_int() != 201) {
      if (failed++ < 3) std::fprintf(stderr, "request %d: HTTP %d %s\n", i, res.result_int(), res.body().c_str());
    }
  }
}

int RunHttp(const std::string& url, const std::string& token, int clients, int count,
            const std::vector<std::string>& contents) {
  const bool tls = url.starts_with("https://");
  const std::string hostport = url.substr(url.find("//") + 2);
  const std::string host = hostport.substr(0, hostport.find(':'));
  const std::string port = hostport.substr(hostport.find(':') + 1);
  net::ssl::context context(net::ssl::context::tls_client);
  if (tls) {
    context.set_verify_mode(net::ssl::verify_peer);
    const char* ca = std::getenv("INGEST_CACERT");
    if (ca != nullptr) {
      context.load_verify_file(ca);
    } else {
      context.set_default_verify_paths();
    }
  }
  net::io_context ioc{1};
  net::ip::tcp::resolver resolver(ioc);
  const auto endpoints = resolver.resolve(host, port);
  // Connected (and shaken hands) before the clock starts, as the threads of old did.
  std::vector<std::unique_ptr<beast::tcp_stream>> plain;
  std::vector<std::unique_ptr<beast::ssl_stream<beast::tcp_stream>>> secure;
  for (int c = 0; c < clients; ++c) {
    auto stream = std::make_unique<beast::tcp_stream>(ioc);
    stream->connect(endpoints);
    // As curl and browsers do: without it, the second TLS record of a body over 16 KiB
    // waits for the server's delayed ACK (Nagle), which plain HTTP's single write never does.
    stream->socket().set_option(net::ip::tcp::no_delay(true));
    if (!tls) {
      plain.push_back(std::move(stream));
      continue;
    }
    secure.push_back(std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*stream), context));
    secure.back()->handshake(net::ssl::stream_base::client);
  }
  int next = 0, failed = 0;
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = archived::bench::CpuMicros();
  const auto on_end = [&](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      if (failed++ < 3) std::fprintf(stderr, "connection failed: %s\n", e.what());
    }
  };
  for (auto& s : plain) net::co_spawn(ioc, Client(*s, hostport, token, count, contents, next, failed), on_end);
  for (auto& s : secure) net::co_spawn(ioc, Client(*s, hostport, token, count, contents, next, failed), on_end);
  ioc.run();
  const double seconds = Seconds(start);
  std::printf("%s documents=%d seconds=%.3f per_second=%.0f failed=%d cpu_us=%.1f\n", tls ? "https" : "http", count,
              seconds, count / seconds, failed, (archived::bench::CpuMicros() - cpu_start) / count);
  return failed == 0 ? 0 : 1;
}

int RunFsync(const std::string& dir, int count, const std::vector<std::string>& contents) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    const std::string path = dir + "/" + std::to_string(i);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const std::string& content = contents[static_cast<std::size_t>(i) % contents.size()];
    if (fd < 0 || ::write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size()) ||
        ::fdatasync(fd) != 0) {
      std::perror(path.c_str());
      return 1;
    }
    ::close(fd);
  }
  const double seconds = Seconds(start);
  std::printf("fsync documents=%d seconds=%.3f per_second=%.0f\n", count, seconds, count / seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() >= 6 && args[0] == "http") {
    return RunHttp(args[1], args[2], std::stoi(args[3]), std::stoi(args[4]),
                   ReadAll({args.begin() + 5, args.end()}));
  }
  if (args.size() >= 4 && args[0] == "fsync") {
    return RunFsync(args[1], std::stoi(args[2]), ReadAll({args.begin() + 3, args.end()}));
  }
  std::fprintf(stderr, "usage: ingest_load http URL TOKEN CLIENTS COUNT FILE… | fsync DIR COUNT FILE…\n");
  return 2;
}
