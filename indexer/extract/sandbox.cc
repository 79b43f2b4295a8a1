#include "indexer/extract/sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <new>
#include <vector>

#include "indexer/extract/formats.h"

namespace archived::extract {
namespace {

constexpr rlim_t kHelperAddressSpace = 2ull << 30;  // bytes a helper may map
constexpr std::size_t kMaxReasonBytes = 2048;

struct Pipe {
  int read = -1, write = -1;
};

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

StatusOr<Pipe> MakePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return InternalError(std::string("pipe: ") + std::strerror(errno));
  return Pipe{fds[0], fds[1]};
}

ContentType TypeFromName(std::string_view name) {
  for (ContentType t : {ContentType::kPdf, ContentType::kDocx, ContentType::kXlsx, ContentType::kPptx,
                        ContentType::kOdt, ContentType::kOds, ContentType::kEml}) {
    if (ContentTypeName(t) == name) return t;
  }
  return ContentType::kOther;
}

bool ParseSize(const char* text, std::size_t* out) {
  const std::string_view s(text);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

StatusOr<std::string> RunHelper(const std::string& helper, ContentType type, std::string_view content,
                                const ExtractLimits& limits) {
  const auto cpu_seconds = static_cast<std::size_t>(
      std::chrono::duration_cast<std::chrono::seconds>(limits.max_time).count() + 1);
  const std::string type_arg(ContentTypeName(type));
  const std::string text_arg = std::to_string(limits.max_text_bytes);
  const std::string entries_arg = std::to_string(limits.max_zip_entries);
  const std::string inflated_arg = std::to_string(limits.max_inflated_bytes);
  const std::string cpu_arg = std::to_string(cpu_seconds);
  std::vector<char*> argv = {const_cast<char*>(helper.c_str()),       const_cast<char*>(type_arg.c_str()),
                             const_cast<char*>(text_arg.c_str()),     const_cast<char*>(entries_arg.c_str()),
                             const_cast<char*>(inflated_arg.c_str()), const_cast<char*>(cpu_arg.c_str()),
                             nullptr};
  StatusOr<Pipe> in = MakePipe(), out = MakePipe(), err = MakePipe();
  if (!in.ok() || !out.ok() || !err.ok()) return InternalError("cannot create pipes for the extractor");
  // posix_spawn, not fork: it does not copy the daemon's page tables (fork of a large
  // process cost milliseconds per file). The helper limits itself before reading anything.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in->read, 0);
  posix_spawn_file_actions_adddup2(&actions, out->write, 1);
  posix_spawn_file_actions_adddup2(&actions, err->write, 2);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  char* const empty_env[] = {nullptr};
  pid_t pid = -1;
  const int spawned = ::posix_spawn(&pid, helper.c_str(), &actions, nullptr, argv.data(), empty_env);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    for (int* fd : {&in->read, &in->write, &out->read, &out->write, &err->read, &err->write}) CloseFd(*fd);
    return InternalError("cannot run the extractor " + helper + ": " + std::strerror(spawned));
  }
  CloseFd(in->read);
  CloseFd(out->write);
  CloseFd(err->write);
  ::fcntl(in->write, F_SETFL, O_NONBLOCK);

  const auto deadline = std::chrono::steady_clock::now() + limits.max_time;
  std::string text, reason;
  std::size_t written = 0;
  bool timed_out = false;
  char buffer[65536];
  if (content.empty()) CloseFd(in->write);
  while (out->read >= 0 || err->read >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[3] = {{out->read, POLLIN, 0}, {err->read, POLLIN, 0}, {in->write, POLLOUT, 0}};
    const int ready = ::poll(fds, 3, static_cast<int>(std::min<std::int64_t>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) break;
    if (fds[2].revents != 0) {
      const ssize_t n = ::write(in->write, content.data() + written, std::min<std::size_t>(content.size() - written, 1 << 16));
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n < 0 && errno != EAGAIN) written = content.size();  // the helper stopped reading
      if (written == content.size()) CloseFd(in->write);
    }
    for (int k = 0; k < 2; ++k) {
      int& fd = k == 0 ? out->read : err->read;
      if (fds[k].revents == 0) continue;
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n <= 0) {
        CloseFd(fd);
        continue;
      }
      std::string& sink = k == 0 ? text : reason;
      const std::size_t cap = k == 0 ? limits.max_text_bytes : kMaxReasonBytes;
      sink.append(buffer, std::min<std::size_t>(static_cast<std::size_t>(n), cap - std::min(cap, sink.size())));
    }
  }
  if (timed_out) ::kill(pid, SIGKILL);
  CloseFd(in->write);
  CloseFd(out->read);
  CloseFd(err->read);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return DeadlineExceededError("extraction took longer than " + std::to_string(limits.max_time.count()) + " ms");
  }
  while (!reason.empty() && (reason.back() == '\n' || reason.back() == '\r')) reason.pop_back();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return text;
  if (WIFEXITED(status) && WEXITSTATUS(status) == kHelperFailed) {
    return reason.starts_with("out of memory") ? ResourceExhaustedError(reason) : InvalidArgumentError(reason);
  }
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU) {
    return DeadlineExceededError("extraction used more than " + std::to_string(cpu_seconds) + " s of CPU");
  }
  return InternalError("the extractor crashed on this file (" +
                       (WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                            : "exit " + std::to_string(WEXITSTATUS(status))) +
                       ")");
}

int HelperMain(int argc, char** argv) {
  ExtractLimits limits;
  std::size_t cpu_seconds = 0;
  const ContentType type = argc == 6 ? TypeFromName(argv[1]) : ContentType::kOther;
  if (type == ContentType::kOther || !ParseSize(argv[2], &limits.max_text_bytes) ||
      !ParseSize(argv[3], &limits.max_zip_entries) || !ParseSize(argv[4], &limits.max_inflated_bytes) ||
      !ParseSize(argv[5], &cpu_seconds)) {
    std::fputs("usage: archived-extract pdf|docx|xlsx|pptx|odt|ods|eml MAX_TEXT_BYTES MAX_ZIP_ENTRIES "
               "MAX_INFLATED_BYTES MAX_CPU_SECONDS < FILE\n", stderr);
    return 2;
  }
  // The sandbox, before the first byte of the file is read.
  const rlimit memory{kHelperAddressSpace, kHelperAddressSpace};
  const rlimit cpu{cpu_seconds, cpu_seconds};
  const rlimit none{0, 0};
  if (::setrlimit(RLIMIT_AS, &memory) != 0 || ::setrlimit(RLIMIT_CPU, &cpu) != 0 ||
      ::setrlimit(RLIMIT_CORE, &none) != 0 || ::setrlimit(RLIMIT_FSIZE, &none) != 0) {
    std::fprintf(stderr, "cannot limit the extractor: %s\n", std::strerror(errno));
    return kHelperFailed;
  }
  try {
    std::string content;
    char buffer[65536];
    for (ssize_t n; (n = ::read(0, buffer, sizeof buffer)) != 0;) {
      if (n < 0) {
        if (errno == EINTR) continue;
        std::fprintf(stderr, "cannot read the content: %s\n", std::strerror(errno));
        return kHelperFailed;
      }
      content.append(buffer, static_cast<std::size_t>(n));
    }
    StatusOr<std::string> text = type == ContentType::kPdf   ? PdfToText(content, limits)
                                 : type == ContentType::kEml ? EmailToText(content, limits)
                                                             : OfficeToText(content, type, limits);
    if (!text.ok()) {
      std::fprintf(stderr, "%s\n", text.status().message().c_str());
      return kHelperFailed;
    }
    std::fwrite(text->data(), 1, text->size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : kHelperFailed;
  } catch (const std::bad_alloc&) {
    std::fputs("out of memory (the file needs more than the extractor may use)\n", stderr);
    return kHelperFailed;
  }
}

}  // namespace archived::extract
