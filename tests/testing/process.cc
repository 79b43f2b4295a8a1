#include "tests/testing/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>

namespace archived::testing {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Waits for `pid` up to `timeout`; returns its exit code, or -1 if still running.
int WaitFor(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::uint64_t ProcStatusBytes(pid_t pid, const char* field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) {
      return std::stoull(line.substr(std::strlen(field))) * 1024;
    }
  }
  return 0;
}

}  // namespace

CommandResult RunCommand(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                         std::chrono::seconds timeout, const std::string& input) {
  char out_template[] = "/tmp/archived-cmd-out-XXXXXX";
  char err_template[] = "/tmp/archived-cmd-err-XXXXXX";
  char in_template[] = "/tmp/archived-cmd-in-XXXXXX";
  const int out_fd = ::mkstemp(out_template);
  const int err_fd = ::mkstemp(err_template);
  const int in_fd = ::mkstemp(in_template);
  if (!input.empty() && ::write(in_fd, input.data(), input.size()) != static_cast<ssize_t>(input.size())) {
    return CommandResult{.exit_code = -1, .err = "cannot write the command's input"};
  }
  ::lseek(in_fd, 0, SEEK_SET);
  CommandResult result;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    if (input.empty()) {
      const int null_fd = ::open("/dev/null", O_RDONLY);
      ::dup2(null_fd, 0);
    } else {
      ::dup2(in_fd, 0);
    }
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  result.exit_code = WaitFor(pid, timeout);
  if (result.exit_code == -1) {
    ::kill(pid, SIGKILL);
    result.exit_code = WaitFor(pid, std::chrono::seconds(5));
    result.err = "timed out; ";
  }
  ::close(out_fd);
  ::close(err_fd);
  ::close(in_fd);
  ::unlink(in_template);
  result.out = ReadFile(out_template);
  result.err += ReadFile(err_template);
  ::unlink(out_template);
  ::unlink(err_template);
  return result;
}

StatusOr<std::unique_ptr<DaemonProcess>> DaemonProcess::Start(const DaemonOptions& options) {
  auto daemon = std::unique_ptr<DaemonProcess>(new DaemonProcess());
  daemon->data_dir_ = options.data_dir;
  std::filesystem::create_directories(options.data_dir.parent_path());
  daemon->log_path_ = options.data_dir.string() + ".log";
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return InternalError("pipe");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipe_fds[1], 1);
    const int log_fd = ::open(daemon->log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(log_fd, 2);
    ::close(pipe_fds[0]);
    std::vector<std::string> argv = {options.binary.string(), "--data-dir", options.data_dir.string(), "--listen",
                                     "127.0.0.1:0"};
    if (!options.config.empty()) {
      argv.push_back("--config");
      argv.push_back(options.config.string());
    }
    argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  daemon->pid_ = pid;
  ::fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
  std::string seen;
  const auto deadline = std::chrono::steady_clock::now() + options.startup_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    char buf[256];
    const ssize_t n = ::read(pipe_fds[0], buf, sizeof(buf));
    if (n > 0) seen.append(buf, static_cast<std::size_t>(n));
    constexpr std::string_view kAddress = "://127.0.0.1:";
    const std::size_t at = seen.find("listening on http");
    const std::size_t address = seen.find(kAddress, at == std::string::npos ? 0 : at);
    if (at != std::string::npos && address != std::string::npos && seen.find('\n', address) != std::string::npos) {
      daemon->scheme_ = seen.substr(at + std::strlen("listening on "), address - at - std::strlen("listening on "));
      daemon->port_ = std::stoi(seen.substr(address + kAddress.size()));
      ::close(pipe_fds[0]);  // later stdout writes get EPIPE/SIGPIPE-ignored: the daemon prints only at start
      return daemon;
    }
    if (n == 0 || WaitFor(pid, std::chrono::milliseconds(0)) != -1) {
      ::close(pipe_fds[0]);
      daemon->pid_ = -1;
      return InternalError("archived exited during startup: " + seen + " " + daemon->Log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::close(pipe_fds[0]);
  return DeadlineExceededError("archived did not report its port in time: " + seen);
}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0) Kill();
}

std::string DaemonProcess::token() const {
  std::string t = ReadFile(data_dir_ / "admin.token");
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  return t;
}

int DaemonProcess::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int code = WaitFor(pid_, std::chrono::seconds(10));
  if (code == -1) {
    ::kill(pid_, SIGKILL);
    code = WaitFor(pid_, std::chrono::seconds(5));
  }
  pid_ = -1;
  return code;
}

void DaemonProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  WaitFor(pid_, std::chrono::seconds(10));
  pid_ = -1;
}

std::uint64_t DaemonProcess::RssBytes() const { return ProcStatusBytes(pid_, "VmRSS:"); }
std::uint64_t DaemonProcess::PeakRssBytes() const { return ProcStatusBytes(pid_, "VmHWM:"); }
std::string DaemonProcess::Log() const { return ReadFile(log_path_); }

std::filesystem::path ArchivedBinaryPath() { return ARCHIVED_BINARY; }
std::filesystem::path ArchivectlBinaryPath() { return ARCHIVECTL_BINARY; }

}  // namespace archived::testing
