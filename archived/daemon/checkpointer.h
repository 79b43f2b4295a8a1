// Checkpointer: writes a signed checkpoint of the audit chain (audit/checkpoint.h) to a file
// outside the data directory when the chain has grown by `every_events`, or every `every`
// when it has grown at all, and once more when stopped. A failed write is logged and tried
// again at the next tick. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "archived/audit/checkpoint.h"
#include "archived/audit/committer.h"

namespace archived::daemon {

struct CheckpointerOptions {
  std::filesystem::path file;           // Required.
  std::uint64_t every_events = 1000;    // Default: 1,000.
  std::chrono::seconds every{3600};     // Default: one hour.
  std::chrono::seconds tick{5};         // how often the head is looked at. Default: 5 s.
};

class Checkpointer {
 public:
  Checkpointer(CheckpointerOptions options, audit::Committer* committer, crypto::Ed25519Key key, const Clock& clock);
  ~Checkpointer();  // stops
  // Writes a first checkpoint now, then starts the thread. Errors: the first write's.
  Status Start();
  // Stops the thread and writes a last checkpoint if the chain grew. Errors: that write's.
  Status Stop();
  std::optional<v1::AuditCheckpoint> latest() const;

 private:
  Status WriteNow();
  void Run();

  const CheckpointerOptions options_;
  audit::Committer* const committer_;
  const crypto::Ed25519Key key_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;                      // guarded by mu_
  std::optional<v1::AuditCheckpoint> latest_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace archived::daemon
