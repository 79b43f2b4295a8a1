// Processes for integration tests: run a command and capture its output, and run the real
// archived daemon on 127.0.0.1:0 (it prints "listening on http://127.0.0.1:PORT" once it
// accepts connections). Every wait has a timeout. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "archived/base/status.h"

namespace archived::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs argv[0] (a path) with `env` added to the environment; kills it after `timeout`.
// Runs argv with `env` added, stdin reading `input` (or /dev/null when empty).
CommandResult RunCommand(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
                         std::chrono::seconds timeout = std::chrono::seconds(120), const std::string& input = "");

struct DaemonOptions {
  std::filesystem::path binary;
  std::filesystem::path data_dir;
  std::filesystem::path config;  // optional
  std::vector<std::string> extra_args;  // appended to the command line (e.g. --tls-cert …)
  std::chrono::seconds startup_timeout{20};
};

class DaemonProcess {
 public:
  // Errors: kDeadlineExceeded if it does not report its port in time; kInternal if it exits.
  static StatusOr<std::unique_ptr<DaemonProcess>> Start(const DaemonOptions& options);
  ~DaemonProcess();  // SIGKILL if still running

  int port() const { return port_; }
  // "http://127.0.0.1:PORT", or https when the daemon serves TLS.
  std::string url() const { return scheme_ + "://127.0.0.1:" + std::to_string(port_); }
  // The admin token from DATA_DIR/admin.token.
  std::string token() const;
  pid_t pid() const { return pid_; }
  // SIGTERM, then SIGKILL after 10 s. Returns the exit code (128+signal if killed).
  int Stop();
  void Kill();  // SIGKILL, no cleanup: the crash tests' tool
  std::uint64_t RssBytes() const;      // VmRSS now
  std::uint64_t PeakRssBytes() const;  // VmHWM
  // What the daemon wrote to stderr (its log).
  std::string Log() const;

 private:
  DaemonProcess() = default;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string scheme_ = "http";
  std::filesystem::path data_dir_, log_path_;
};

// $<TARGET_FILE:archived> and $<TARGET_FILE:archivectl>, passed in by CMake.
std::filesystem::path ArchivedBinaryPath();
std::filesystem::path ArchivectlBinaryPath();

}  // namespace archived::testing
