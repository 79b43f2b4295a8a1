// Scrubber: the fixity scrub. One run at a time, on a thread of its own: every version of
// every document is read and authenticated chunk by chunk and its SHA-256 recomputed
// (Catalog::CheckVersion); problems are reported by document and version, and each run ends
// with an audit event ("archive.scrub") giving its counts. Thread-safe.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include "archived/audit/actor.h"
#include "archived/audit/committer.h"
#include "archived/catalog/catalog.h"
#include "archived/v1/api.pb.h"

namespace archived::service {

class Scrubber {
 public:
  Scrubber(catalog::Catalog* catalog, audit::Committer* committer, const Clock& clock)
      : catalog_(catalog), committer_(committer), clock_(clock) {}
  ~Scrubber();  // waits for a running scrub to stop (it stops early)

  // Starts a run for `actor`. Errors: kFailedPrecondition while one is running.
  StatusOr<v1::ScrubReport> Start(const audit::Actor& actor);
  // The running or newest finished run; nullopt before the first.
  std::optional<v1::ScrubReport> Latest() const;
  // Runs one scrub on the calling thread and returns its report (the schedule and tests).
  v1::ScrubReport RunNow(const audit::Actor& actor);

 private:
  void Run(const audit::Actor& actor);
  void Update(const std::function<void(v1::ScrubReport&)>& change);

  catalog::Catalog* const catalog_;
  audit::Committer* const committer_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::optional<v1::ScrubReport> report_;  // guarded by mu_
  bool running_ = false;                   // guarded by mu_
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace archived::service
