// Shared fixture of the integration tests: a fresh data directory, the real daemon on a free
// loopback port, and helpers to run curl and archivectl against it.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "archived/base/bytes.h"
#include "archived/crypto/crypto.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace archived::testing {

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override { StartDaemon(); }
  void StartDaemon(const std::filesystem::path& config = {}) {
    StatusOr<std::unique_ptr<DaemonProcess>> d = DaemonProcess::Start(
        {.binary = ArchivedBinaryPath(), .data_dir = dir_.path() / "data", .config = config, .extra_args = daemon_args_});
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    daemon_ = std::move(d).value();
  }
  void RestartDaemon(const std::filesystem::path& config = {}) {
    ASSERT_EQ(daemon_->Stop(), 0) << daemon_->Log();
    StartDaemon(config);
  }
  // curl with the admin token; extra args follow. -sS; the body goes to stdout.
  CommandResult Curl(std::vector<std::string> args, bool auth = true) {
    std::vector<std::string> argv = {"/usr/bin/curl", "-sS", "--max-time", "120"};
    if (!ca_file_.empty()) {
      argv.push_back("--cacert");
      argv.push_back(ca_file_);
    }
    if (auth) {
      argv.push_back("-H");
      argv.push_back("Authorization: Bearer " + daemon_->token());
    }
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  }
  // The HTTP status of a curl request (its body discarded).
  int CurlStatus(std::vector<std::string> args, bool auth = true) {
    args.insert(args.begin(), {"-o", "/dev/null", "-w", "%{http_code}"});
    const CommandResult r = Curl(std::move(args), auth);
    return r.out.empty() ? -1 : std::stoi(r.out);
  }
  CommandResult Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), ArchivectlBinaryPath().string());
    return RunCommand(args, {{"ARCHIVED_URL", daemon_->url()}, {"ARCHIVED_TOKEN", daemon_->token()},
                             {"ARCHIVED_CACERT", ca_file_}});
  }
  // archivectl without the admin token: the session of `archivectl login` in the test's
  // directory; `input` on stdin.
  CommandResult CtlSession(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), ArchivectlBinaryPath().string());
    return RunCommand(args, {{"ARCHIVED_URL", daemon_->url()}, {"ARCHIVECTL_SESSION", (dir_.path() / "session").string()},
                             {"HOME", dir_.path().string()}},
                      std::chrono::seconds(120), input);
  }
  CommandResult CtlWithInput(std::vector<std::string> args, const std::string& input) {
    args.insert(args.begin(), ArchivectlBinaryPath().string());
    return RunCommand(args, {{"ARCHIVED_URL", daemon_->url()}, {"ARCHIVED_TOKEN", daemon_->token()}},
                      std::chrono::seconds(120), input);
  }
  std::string Api(const std::string& path) { return daemon_->url() + "/api/v1" + path; }
  // Polls the metrics until every queued change is searchable (and no rebuild runs).
  void WaitIndexed() {
    for (int i = 0; i < 1200; ++i) {
      const CommandResult m = Curl({daemon_->url() + "/metrics"}, false);
      if (m.out.find("archived_index_pending_entries 0\n") != std::string::npos &&
          m.out.find("archived_index_rebuilding 0\n") != std::string::npos) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "the search index did not catch up in 60 s\n" << daemon_->Log();
  }
  // `archived index check` on the stopped daemon's data directory.
  CommandResult IndexCheck() {
    return RunCommand({ArchivedBinaryPath().string(), "index", "check", "--data-dir", (dir_.path() / "data").string()});
  }

  std::filesystem::path WriteFile(const std::string& name, const std::string& content) {
    const auto path = dir_.path() / "files" / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  static std::string RandomBytes(std::size_t n, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::string s(n, '\0');
    for (std::size_t i = 0; i + 8 <= n; i += 8) {
      const std::uint64_t v = rng();
      std::memcpy(&s[i], &v, 8);
    }
    return s;
  }
  static std::string FileSha256(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    crypto::Sha256 hash;
    std::vector<char> buf(1 << 20);
    while (in) {
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      hash.Update(std::string_view(buf.data(), static_cast<std::size_t>(in.gcount())));
    }
    return HexEncode(hash.Finish());
  }
  // The value of a top-level JSON string or number field (enough for these tests).
  static std::string JsonField(const std::string& json, const std::string& field) {
    const std::string key = "\"" + field + "\":";
    const std::size_t at = json.find(key);
    if (at == std::string::npos) return "";
    std::size_t start = at + key.size();
    if (json[start] == '"') {
      const std::size_t end = json.find('"', start + 1);
      return json.substr(start + 1, end - start - 1);
    }
    const std::size_t end = json.find_first_of(",}", start);
    return json.substr(start, end - start);
  }

  TempDir dir_;
  std::unique_ptr<DaemonProcess> daemon_;
  // Set before StartDaemon: extra daemon arguments, and the CA that curl and archivectl trust.
  std::vector<std::string> daemon_args_;
  std::string ca_file_;
};

}  // namespace archived::testing
