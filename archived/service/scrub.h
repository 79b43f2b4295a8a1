// Scrubber: the fixity scrub. One run at a time, on a thread of its own: every version of
// every document is read and authenticated chunk by chunk and its SHA-256 recomputed
// (Catalog::CheckVersion); problems are reported by document and version, and each run ends
// with an audit event ("archive.scrub") giving its counts. On a schedule, a scrub starts
// whenever `every` has passed since the last one finished (that time is kept in the store, so
// restarts do not postpone it). Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "archived/audit/actor.h"
#include "archived/audit/committer.h"
#include "archived/catalog/catalog.h"
#include "archived/v1/api.pb.h"

namespace archived::service {

struct ScrubOptions {
  // A scrub starts when this long has passed since the last finished one; zero: never on
  // its own. Default: a week.
  std::chrono::seconds every{7 * 24 * 3600};
};

class Scrubber {
 public:
  Scrubber(catalog::Catalog* catalog, audit::Committer* committer, const Clock& clock, ScrubOptions options = {})
      : catalog_(catalog), committer_(committer), clock_(clock), options_(options) {}
  ~Scrubber();  // stops the schedule and waits for a running scrub to stop (it stops early)

  // Starts the schedule's thread (nothing when `every` is zero).
  void StartSchedule();

  // Starts a run for `actor`. Errors: kFailedPrecondition while one is running.
  StatusOr<v1::ScrubReport> Start(const audit::Actor& actor);
  // The running or newest finished run; nullopt before the first.
  std::optional<v1::ScrubReport> Latest() const;
  // Runs one scrub on the calling thread and returns its report (the schedule and tests).
  v1::ScrubReport RunNow(const audit::Actor& actor);

 private:
  void Run(const audit::Actor& actor);
  void Update(const std::function<void(v1::ScrubReport&)>& change);
  void Schedule();
  void BeginLocked(const audit::Actor& actor);  // requires mu_: a fresh report, running_ = true
  // When the last scrub finished, from the store; the epoch if never.
  Timestamp LastFinished() const;

  catalog::Catalog* const catalog_;
  audit::Committer* const committer_;
  const Clock& clock_;
  const ScrubOptions options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;  // the schedule's sleep; notified on stop
  std::optional<v1::ScrubReport> report_;  // guarded by mu_
  bool running_ = false;                   // guarded by mu_
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::thread schedule_thread_;
};

}  // namespace archived::service
