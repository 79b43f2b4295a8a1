// BackupService: the daemon's backups (issue #5). One backup run or forget at a time
// (verifications and dry runs only read, and run beside them), each audited: "backup.create", "backup.verify",
// "backup.forget", outcome "failed" when it fails. A run checkpoints the main store and the
// vault on the committer's thread, between two commit groups, so the checkpoints hold
// exactly the transactions acknowledged before it and every data key their content uses.
// On a cron schedule, a run starts when due; a failed scheduled run is logged, audited,
// counted and retried after `retry_after`, up to `retries` times; after a scheduled run
// that succeeded, the keep policies are applied (not with an append-only target). While a legal hold is in force no content
// backup is removed (RELIABILITY pitfall 17): the older ones may hold the only copy of a held
// record as it once was. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "archived/audit/actor.h"
#include "archived/audit/committer.h"
#include "archived/backup/backup.h"
#include "archived/backup/keep.h"
#include "archived/backup/schedule.h"
#include "archived/crypto/keyring.h"
#include "archived/storage/store.h"
#include "archived/v1/backup.pb.h"

namespace archived::service {

struct BackupServiceOptions {
  std::filesystem::path target;    // where backups go; empty: backups are not configured
  std::filesystem::path work_dir;  // DATA_DIR/backup-work: checkpoints, hard-linked
  int zstd_level = 3;
  std::string daemon_version;
  std::optional<backup::CronSchedule> schedule;  // none: only on request
  backup::KeepPolicy keep{.last = 3, .daily = 7, .weekly = 5, .monthly = 12, .yearly = 10};
  backup::KeepPolicy vault_keep{.last = 7, .max_age_days = 35};
  std::chrono::seconds retry_after{15 * 60};
  int retries = 3;
  // The names of the legal holds in force (retention). Unset: none. When it fails, forget
  // removes nothing.
  std::function<StatusOr<std::vector<std::string>>()> active_holds;
  // The daemon never removes anything from the target: no forget after scheduled runs, and
  // forget other than a dry run is refused. Pruning is the administrator's, away from the
  // daemon (`archived backup forget`), and the target can be made append-only for the
  // daemon's user (docs/backups.md). Default: false.
  bool append_only = false;
};

struct BackupCounters {
  std::uint64_t succeeded = 0, failed = 0;
  Timestamp last_success{};  // the epoch before the first
};

class BackupService {
 public:
  BackupService(storage::Store* main, storage::Store* vault, const crypto::Keyring* keyring,
                audit::Committer* committer, const Clock& clock, BackupServiceOptions options);
  ~BackupService();  // stops the schedule; waits for a running operation

  bool configured() const { return !options_.target.empty(); }
  void StartSchedule();

  // Starts a backup run on a thread of its own. Errors: kFailedPrecondition when no target
  // is configured or another operation is running.
  StatusOr<v1::BackupReport> Start(const audit::Actor& actor);
  // The running or newest run; nullopt before the first.
  std::optional<v1::BackupReport> Latest() const;
  // Runs one backup on the calling thread. Errors: as Start; the run's own.
  StatusOr<v1::BackupReport> RunNow(const audit::Actor& actor);

  // Every backup in the target with its verification state. Errors: as Start; I/O.
  StatusOr<v1::BackupList> List() const;
  // Verifies backup `id` (empty: the newest content backup) and records the outcome.
  // A backup that fails verification is not an error: the report says "failed" and why.
  StatusOr<v1::BackupReport> Verify(const audit::Actor& actor, std::string_view id, bool read_data);
  // Applies the keep policies (audited unless a dry run); while a legal hold is in force,
  // to vault backups only. Errors: as Start; I/O; the holds' lookup.
  StatusOr<v1::BackupForgetReport> Forget(const audit::Actor& actor, bool dry_run);

  BackupCounters counters() const;

 private:
  // Takes the one-operation slot. Errors: kFailedPrecondition.
  Status Acquire(std::string_view what);
  void Release();
  v1::BackupReport Run(const audit::Actor& actor);
  // Refuses a target whose newest content backup is older than the newest this archive made
  // (backups removed behind its back, or an older copy of the directory put in its place);
  // an empty or new target starts a new chain. The value is unused.
  StatusOr<backup::BackupResult> CheckTargetKept() const;
  void Schedule(Timestamp due);

  storage::Store* const main_;
  storage::Store* const vault_;
  const crypto::Keyring* const keyring_;
  audit::Committer* const committer_;
  const Clock& clock_;
  const BackupServiceOptions options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::string busy_;  // guarded by mu_: what is running, empty when idle
  std::optional<v1::BackupReport> report_;  // guarded by mu_
  BackupCounters counters_;                 // guarded by mu_
  bool stopping_ = false;                   // guarded by mu_
  std::thread thread_, schedule_thread_;
};

}  // namespace archived::service
