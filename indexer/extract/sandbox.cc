#include "indexer/extract/sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

#include "archived/base/text.h"
#include "indexer/extract/formats.h"

namespace archived::extract {
namespace {

// The protocol, one exchange per file:
//   request:  "TYPE MAX_TEXT_BYTES MAX_ZIP_ENTRIES MAX_INFLATED_BYTES LENGTH\n" + LENGTH bytes
//   response: "OK LENGTH\n" + the text, or "ERR LENGTH\n" + the reason
constexpr rlim_t kHelperAddressSpace = 2ull << 30;
constexpr std::size_t kMaxHeaderBytes = 128;
constexpr std::size_t kMaxReasonBytes = 4096;  // an ERR answer's reason
using SteadyClock = std::chrono::steady_clock;

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

ContentType TypeFromName(std::string_view name) {
  for (ContentType t : {ContentType::kPdf, ContentType::kDocx, ContentType::kXlsx, ContentType::kPptx,
                        ContentType::kOdt, ContentType::kOds, ContentType::kEml}) {
    if (ContentTypeName(t) == name) return t;
  }
  return ContentType::kOther;
}

bool ParseSize(std::string_view s, std::size_t* out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

// One helper process and its pipes. Used by one thread at a time.
class Helper {
 public:
  static StatusOr<std::unique_ptr<Helper>> Spawn(const std::string& path) {
    // A helper that dies while we write to it must be an error here, not SIGPIPE; the daemon
    // ignores SIGPIPE anyway, and so does any other process that extracts.
    static const bool ignore_sigpipe = [] { return ::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
    (void)ignore_sigpipe;
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0) return InternalError(std::string("pipe: ") + std::strerror(errno));
    if (::pipe2(out, O_CLOEXEC) != 0) {
      ::close(in[0]), ::close(in[1]);
      return InternalError(std::string("pipe: ") + std::strerror(errno));
    }
    // posix_spawn, not fork: it does not copy the daemon's page tables.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    std::string serve = "--serve";
    char* const argv[] = {const_cast<char*>(path.c_str()), serve.data(), nullptr};
    char* const env[] = {nullptr};
    pid_t pid = -1;
    const int spawned = ::posix_spawn(&pid, path.c_str(), &actions, nullptr, argv, env);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    if (spawned != 0) {
      ::close(in[1]), ::close(out[0]);
      return InternalError("cannot run the extractor " + path + ": " + std::strerror(spawned));
    }
    ::fcntl(in[1], F_SETFL, O_NONBLOCK);
    return std::unique_ptr<Helper>(new Helper(pid, in[1], out[0]));
  }

  ~Helper() {
    CloseFd(to_);
    CloseFd(from_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
  }
  Helper(const Helper&) = delete;
  Helper& operator=(const Helper&) = delete;

  std::size_t files() const { return files_; }

  // One exchange. Any error but the helper's own reason leaves the helper unusable.
  StatusOr<std::string> Extract(ContentType type, std::string_view content, const ExtractLimits& limits,
                                bool* reusable) {
    *reusable = false;
    ++files_;
    const std::string header = std::string(ContentTypeName(type)) + " " + std::to_string(limits.max_text_bytes) + " " +
                               std::to_string(limits.max_zip_entries) + " " +
                               std::to_string(limits.max_inflated_bytes) + " " + std::to_string(content.size()) + "\n";
    const auto deadline = SteadyClock::now() + limits.max_time;
    std::size_t sent = 0;  // of header + content
    const std::size_t total = header.size() + content.size();
    std::string response;
    std::size_t expected = std::string::npos;  // response bytes after its header line
    bool ok_status = false;
    char buffer[65536];
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
      if (left.count() <= 0) {
        return DeadlineExceededError("extraction took longer than " + std::to_string(limits.max_time.count()) + " ms");
      }
      pollfd fds[2] = {{from_, POLLIN, 0}, {sent < total ? to_ : -1, POLLOUT, 0}};
      if (::poll(fds, 2, static_cast<int>(std::min<std::int64_t>(left.count(), 1000))) < 0 && errno != EINTR) {
        return InternalError(std::string("poll: ") + std::strerror(errno));
      }
      if (fds[1].revents != 0 && sent < total) {
        const std::string_view piece = sent < header.size() ? std::string_view(header).substr(sent)
                                                            : content.substr(sent - header.size());
        const ssize_t n = ::write(to_, piece.data(), std::min<std::size_t>(piece.size(), 1 << 16));
        if (n < 0 && errno != EAGAIN) return Crashed();
        if (n > 0) sent += static_cast<std::size_t>(n);
      }
      if (fds[0].revents == 0) continue;
      const ssize_t n = ::read(from_, buffer, sizeof buffer);
      if (n <= 0) return Crashed();
      response.append(buffer, static_cast<std::size_t>(n));
      if (expected == std::string::npos) {
        const std::size_t eol = response.find('\n');
        if (eol == std::string::npos) {
          if (response.size() > kMaxHeaderBytes) return InternalError("the extractor answered garbage");
          continue;
        }
        const std::string_view line = std::string_view(response).substr(0, eol);
        ok_status = line.starts_with("OK ");
        if ((!ok_status && !line.starts_with("ERR ")) || !ParseSize(line.substr(line.find(' ') + 1), &expected) ||
            expected > (ok_status ? limits.max_text_bytes : kMaxReasonBytes)) {
          return InternalError("the extractor answered garbage");
        }
        response.erase(0, eol + 1);
      }
      if (response.size() > expected) return InternalError("the extractor answered garbage");
      if (response.size() == expected && sent == total) break;
    }
    *reusable = true;
    if (ok_status) return response;
    return response.starts_with("out of memory") ? ResourceExhaustedError(response) : InvalidArgumentError(response);
  }

 private:
  Helper(pid_t pid, int to, int from) : pid_(pid), to_(to), from_(from) {}

  // The helper is gone: say how it ended.
  Status Crashed() {
    int status = 0;
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return InternalError("the extractor crashed on this file (" +
                         (WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                              : "exit " + std::to_string(WEXITSTATUS(status))) +
                         ")");
  }

  pid_t pid_;
  int to_, from_;
  std::size_t files_ = 0;
};

// Idle helpers by helper path, kept for the next file.
class Pool {
 public:
  static Pool& Get() {
    static Pool* pool = new Pool;  // never destroyed: helpers die with the daemon's pipes
    return *pool;
  }
  std::unique_ptr<Helper> Take(const std::string& path) {
    std::lock_guard lock(mutex_);
    auto& idle = idle_[path];
    if (idle.empty()) return nullptr;
    std::unique_ptr<Helper> h = std::move(idle.back());
    idle.pop_back();
    return h;
  }
  void Give(const std::string& path, std::unique_ptr<Helper> helper) {
    std::lock_guard lock(mutex_);
    auto& idle = idle_[path];
    if (idle.size() < kMaxIdle) idle.push_back(std::move(helper));
  }

 private:
  static constexpr std::size_t kMaxIdle = 4;
  std::mutex mutex_;
  std::map<std::string, std::vector<std::unique_ptr<Helper>>> idle_;
};

// Reads exactly n bytes (or to EOF) from fd 0.
bool ReadExactly(std::string& out, std::size_t n) {
  out.resize(n);
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::read(0, out.data() + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    got += static_cast<std::size_t>(r);
  }
  return true;
}

bool WriteAll(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(1, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool Answer(bool ok, std::string_view body) {
  return WriteAll((ok ? "OK " : "ERR ") + std::to_string(body.size()) + "\n") && WriteAll(body);
}

}  // namespace

StatusOr<std::string> RunHelper(const std::string& helper, ContentType type, std::string_view content,
                                const ExtractLimits& limits) {
  std::unique_ptr<Helper> h = Pool::Get().Take(helper);
  if (!h) {
    StatusOr<std::unique_ptr<Helper>> spawned = Helper::Spawn(helper);
    if (!spawned.ok()) return spawned.status();
    h = std::move(*spawned);
  }
  bool reusable = false;
  StatusOr<std::string> text = h->Extract(type, content, limits, &reusable);
  if (reusable && h->files() < kHelperFilesPerProcess) Pool::Get().Give(helper, std::move(h));
  return text;
}

int HelperMain(int argc, char** argv) {
  if (argc != 2 || std::string_view(argv[1]) != "--serve") {
    std::fputs("usage: archived-extract --serve   (started by archived; see indexer/extract/sandbox.h)\n", stderr);
    return 2;
  }
  // The sandbox, before the first byte of any file is read.
  const rlimit memory{kHelperAddressSpace, kHelperAddressSpace};
  const rlimit none{0, 0};
  if (::setrlimit(RLIMIT_AS, &memory) != 0 || ::setrlimit(RLIMIT_CORE, &none) != 0 ||
      ::setrlimit(RLIMIT_FSIZE, &none) != 0) {
    return 3;
  }
  std::string header, content;
  for (;;) {
    header.clear();
    char c = 0;
    while (header.size() <= kMaxHeaderBytes) {
      const ssize_t r = ::read(0, &c, 1);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return header.empty() ? 0 : 3;  // the daemon closed the pipe
      if (c == '\n') break;
      header.push_back(c);
    }
    std::vector<std::string_view> fields;
    for (std::size_t start = 0; start <= header.size();) {
      const std::size_t space = std::min(header.find(' ', start), header.size());
      fields.push_back(std::string_view(header).substr(start, space - start));
      start = space + 1;
    }
    ExtractLimits limits;
    std::size_t length = 0;
    const ContentType type = fields.size() == 5 ? TypeFromName(fields[0]) : ContentType::kOther;
    if (type == ContentType::kOther || !ParseSize(fields[1], &limits.max_text_bytes) ||
        !ParseSize(fields[2], &limits.max_zip_entries) || !ParseSize(fields[3], &limits.max_inflated_bytes) ||
        !ParseSize(fields[4], &length)) {
      return 3;
    }
    try {
      if (!ReadExactly(content, length)) return 3;
      StatusOr<std::string> text = type == ContentType::kPdf   ? PdfToText(content, limits)
                                   : type == ContentType::kEml ? EmailToText(content, limits)
                                                               : OfficeToText(content, type, limits);
      // Within the bounds the daemon accepts (a PDF page may carry the text past its limit).
      const bool answered = text.ok() ? Answer(true, Utf8Prefix(*text, limits.max_text_bytes))
                                      : Answer(false, Utf8Prefix(text.status().message(), kMaxReasonBytes));
      if (!answered) return 3;
    } catch (const std::bad_alloc&) {
      if (!Answer(false, "out of memory (the file needs more than the extractor may use)")) return 3;
    }
    content.clear();
    content.shrink_to_fit();
  }
}

}  // namespace archived::extract
