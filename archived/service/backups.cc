#include "archived/service/backups.h"

#include "archived/base/log.h"
#include "archived/base/status_macros.h"
#include "archived/v1/proto_time.h"

namespace archived::service {
namespace {

using v1::SetTime;

constexpr std::string_view kVerifiedPrefix = "backup.verified/";
// The seq of the newest backup this archive made, to notice a target that lost backups.
constexpr std::string_view kLastSeqKey = "backup.last_seq";

v1::BackupSummary Summarize(const backup::Listed& listed, const storage::Store& store) {
  v1::BackupSummary s;
  s.set_id(listed.id);
  s.set_kind(listed.kind);
  s.set_seq(listed.seq);
  if (listed.manifest) {
    const v1::BackupManifest& m = *listed.manifest;
    *s.mutable_started() = m.started();
    *s.mutable_finished() = m.finished();
    s.set_incremental(m.incremental());
    std::uint64_t total = 0;
    for (const v1::BackupMember& member : m.members()) total += member.size();
    s.set_total_bytes(total);
    s.set_written_bytes(m.written_bytes());
    s.set_archive_bytes(m.archive_bytes());
    for (const std::uint64_t n : m.needs()) s.add_needs(n);
    s.set_audit_seq(m.audit_seq());
    s.set_documents(m.documents());
  }
  StatusOr<std::string> verified = store.Get(storage::Keyspace::kMeta, std::string(kVerifiedPrefix) + listed.id);
  if (!listed.manifest) {
    s.set_verification("UNREADABLE: " + listed.problem.message());
  } else {
    s.set_verification(verified.ok() ? *verified : "unverified");
  }
  return s;
}

v1::BackupSummary SummarizeManifest(const v1::BackupManifest& m, const storage::Store& store) {
  return Summarize({.id = backup::BackupId(m.kind(), m.seq()), .kind = m.kind(), .seq = m.seq(), .manifest = m, .problem = {}},
                   store);
}

}  // namespace

BackupService::BackupService(storage::Store* main, storage::Store* vault, const crypto::Keyring* keyring,
                             audit::Committer* committer, const Clock& clock, BackupServiceOptions options)
    : main_(main), vault_(vault), keyring_(keyring), committer_(committer), clock_(clock), options_(std::move(options)) {}

BackupService::~BackupService() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (schedule_thread_.joinable()) schedule_thread_.join();
  if (thread_.joinable()) thread_.join();
}

Status BackupService::Acquire(std::string_view what) {
  if (!configured()) {
    return FailedPreconditionError("backups are not configured: set [backup] target in the daemon's configuration");
  }
  std::lock_guard lock(mu_);
  if (!busy_.empty()) return FailedPreconditionError("a " + busy_ + " is running; try again when it has finished");
  busy_ = what;
  return OkStatus();
}

void BackupService::Release() {
  {
    std::lock_guard lock(mu_);
    busy_.clear();
  }
  wake_.notify_all();
}

BackupCounters BackupService::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

std::optional<v1::BackupReport> BackupService::Latest() const {
  std::lock_guard lock(mu_);
  return report_;
}

StatusOr<v1::BackupReport> BackupService::Start(const audit::Actor& actor) {
  if (Status s = Acquire("backup"); !s.ok()) return s;
  std::lock_guard lock(mu_);
  if (thread_.joinable()) thread_.join();  // the previous run has finished
  report_.emplace();
  report_->set_state("running");
  SetTime(report_->mutable_started(), clock_.Now());
  thread_ = std::thread([this, actor] {
    Run(actor);
    Release();
  });
  return *report_;
}

StatusOr<v1::BackupReport> BackupService::RunNow(const audit::Actor& actor) {
  if (Status s = Acquire("backup"); !s.ok()) return s;
  const v1::BackupReport report = Run(actor);
  Release();
  return report;
}

v1::BackupReport BackupService::Run(const audit::Actor& actor) {
  const Timestamp started = clock_.Now();
  {
    std::lock_guard lock(mu_);
    report_.emplace();
    report_->set_state("running");
    SetTime(report_->mutable_started(), started);
  }
  backup::BackupOptions options{.target = options_.target,
                                .work_dir = options_.work_dir,
                                .zstd_level = options_.zstd_level,
                                .daemon_version = options_.daemon_version,
                                .append_only = options_.append_only};
  StatusOr<backup::BackupResult> made = CheckTargetKept();
  if (made.ok() && options_.active_holds) {
    // Recorded in the manifest for a forget run away from the archive.
    StatusOr<std::vector<std::string>> holds = options_.active_holds();
    if (holds.ok()) {
      options.legal_holds = std::move(*holds);
    } else {
      made = holds.status().Annotate("look up the legal holds in force");
    }
  }
  if (made.ok()) {
    made = backup::MakeBackup(
      options, *keyring_,
      [&](const std::filesystem::path& content_dir, const std::filesystem::path& vault_dir) {
        // On the committer's thread, between groups: no commit is half in the checkpoint.
        return committer_->Run([&](audit::Transaction&) -> Status {
          if (Status s = main_->Checkpoint(content_dir); !s.ok()) return s;
          return vault_->Checkpoint(vault_dir);
        });
      },
      clock_);
  }
  v1::BackupReport report;
  report.set_state(made.ok() ? "done" : "failed");
  SetTime(report.mutable_started(), started);
  SetTime(report.mutable_finished(), clock_.Now());
  std::string detail;
  if (made.ok()) {
    *report.mutable_content() = SummarizeManifest(made->content, *main_);
    *report.mutable_vault() = SummarizeManifest(made->vault, *main_);
    detail = report.content().id() + (made->content.incremental() ? " incremental" : " full") +
             " written=" + std::to_string(made->content.written_bytes()) +
             " archive=" + std::to_string(made->content.archive_bytes()) + " audit_seq=" +
             std::to_string(made->content.audit_seq()) + " documents=" + std::to_string(made->content.documents()) +
             "; " + report.vault().id() + " archive=" + std::to_string(made->vault.archive_bytes());
  } else {
    report.set_error(made.status().ToString());
    detail = "failed: " + made.status().ToString();
    LogLine("backup failed: " + made.status().ToString());
  }
  v1::AuditEvent event = audit::EventBy(actor, "backup.create", report.content().id(), detail);
  if (!made.ok()) event.set_outcome("failed");
  if (Status audited = committer_->Run([&](audit::Transaction& txn) {
        txn.Audit(std::move(event));
        if (made.ok()) txn.Put(storage::Keyspace::kMeta, kLastSeqKey, std::to_string(made->content.seq()));
        return OkStatus();
      });
      !audited.ok()) {
    LogLine("cannot audit the backup: " + audited.ToString());
  }
  std::lock_guard lock(mu_);
  if (made.ok()) {
    ++counters_.succeeded;
    counters_.last_success = clock_.Now();
  } else {
    ++counters_.failed;
  }
  report_ = report;
  return report;
}

StatusOr<backup::BackupResult> BackupService::CheckTargetKept() const {
  const StatusOr<std::string> last = main_->Get(storage::Keyspace::kMeta, kLastSeqKey);
  if (!last.ok()) return backup::BackupResult{};  // no backup made yet
  std::error_code ec;
  if (!std::filesystem::exists(options_.target, ec)) return backup::BackupResult{};  // a new target: a new chain
  StatusOr<std::vector<backup::Listed>> listed = backup::ListBackups(options_.target, *keyring_);
  if (!listed.ok()) return listed.status();
  std::uint64_t newest = 0;
  for (const backup::Listed& l : *listed) {
    if (l.kind == backup::kContent && l.manifest) newest = std::max(newest, l.seq);
  }
  const std::uint64_t made = std::strtoull(last->c_str(), nullptr, 10);
  if (!listed->empty() && newest < made) {
    return FailedPreconditionError("the backup target's newest readable backup is " +
                                   (newest == 0 ? std::string("none") : backup::BackupId(backup::kContent, newest)) +
                                   ", but this archive made " + backup::BackupId(backup::kContent, made) +
                                   ": backups were removed or the directory was replaced by an older copy; "
                                   "check it (archivectl backup list), or point [backup] target at an empty directory "
                                   "to start a new chain");
  }
  return backup::BackupResult{};
}

StatusOr<v1::BackupList> BackupService::List() const {
  if (!configured()) {
    return FailedPreconditionError("backups are not configured: set [backup] target in the daemon's configuration");
  }
  std::error_code ec;
  v1::BackupList list;
  if (!std::filesystem::exists(options_.target, ec)) return list;  // nothing backed up yet
  StatusOr<std::vector<backup::Listed>> listed = backup::ListBackups(options_.target, *keyring_);
  if (!listed.ok()) return listed.status();
  for (const backup::Listed& l : *listed) *list.add_backups() = Summarize(l, *main_);
  return list;
}

StatusOr<v1::BackupReport> BackupService::Verify(const audit::Actor& actor, std::string_view id, bool read_data) {
  // Verifications only read finished backups (a run in progress writes *.tmp files and its
  // manifest last), so they take no slot and run beside a backup.
  if (!configured()) return Acquire("verification");
  std::string which(id);
  if (which.empty()) {
    StatusOr<std::vector<backup::Listed>> listed = backup::ListBackups(options_.target, *keyring_);
    if (listed.ok()) {
      for (const backup::Listed& l : *listed) {
        if (l.kind == backup::kContent) which = l.id;
      }
    }
    if (which.empty()) return NotFoundError("there is no backup to verify");
  }
  StatusOr<std::pair<std::string, std::uint64_t>> parsed = backup::ParseBackupId(which);
  if (!parsed.ok()) return parsed.status();
  which = backup::BackupId(parsed->first, parsed->second);
  const Timestamp started = clock_.Now();
  const StatusOr<backup::VerifyResult> verified = backup::VerifyBackup(options_.target, *keyring_, which, read_data);
  if (!verified.ok() && verified.status().code() == StatusCode::kNotFound &&
      !std::filesystem::exists(options_.target / (which + ".manifest"))) {
    return NotFoundError("no backup " + which + " in " + options_.target.string());
  }
  v1::BackupReport report;
  report.set_state(verified.ok() ? "done" : "failed");
  SetTime(report.mutable_started(), started);
  SetTime(report.mutable_finished(), clock_.Now());
  const std::string when = FormatRfc3339(clock_.Now());
  const std::string depth = read_data ? "every byte read" : "manifest and sizes";
  std::string state;
  if (verified.ok()) {
    report.set_bytes_read(verified->bytes_read);
    state = "ok at " + when + " (" + depth + ")";
  } else {
    report.set_error(verified.status().message());
    state = "FAILED at " + when + ": " + verified.status().message();
  }
  v1::AuditEvent event =
      audit::EventBy(actor, "backup.verify", which, (verified.ok() ? "ok, " : "failed, ") + depth +
                                                         (verified.ok() ? "" : ": " + verified.status().message()));
  if (!verified.ok()) event.set_outcome("failed");
  ARCHIVED_RETURN_IF_ERROR(committer_->Run([&](audit::Transaction& txn) {
    txn.Put(storage::Keyspace::kMeta, std::string(kVerifiedPrefix) + which, state);
    txn.Audit(std::move(event));
    return OkStatus();
  }));
  StatusOr<v1::BackupList> list = List();
  if (list.ok()) {
    for (const v1::BackupSummary& s : list->backups()) {
      if (s.id() == which) *report.mutable_content() = s;
    }
  }
  return report;
}

StatusOr<v1::BackupForgetReport> BackupService::Forget(const audit::Actor& actor, bool dry_run) {
  if (options_.append_only && !dry_run) {
    return FailedPreconditionError(
        "the backup target is append-only (backup.append_only): this daemon never removes backups; prune as the "
        "backup host's administrator with `archived backup forget --target DIR --key-file KEY` (try --dry-run here)");
  }
  // A dry run only reads; a real one must not remove what a running backup builds on.
  if (Status s = dry_run ? (configured() ? OkStatus() : Acquire("")) : Acquire("forget"); !s.ok()) return s;
  StatusOr<std::vector<std::string>> holds = std::vector<std::string>();
  if (options_.active_holds) holds = options_.active_holds();
  StatusOr<backup::ForgetResult> result = [&]() -> StatusOr<backup::ForgetResult> {
    if (!holds.ok()) return holds.status().Annotate("look up the legal holds in force; nothing removed");
    return backup::ForgetBackups(options_.target, *keyring_, options_.keep, options_.vault_keep, clock_.Now(), dry_run,
                                 *holds);
  }();
  if (!dry_run) Release();
  v1::BackupForgetReport report;
  report.set_dry_run(dry_run);
  if (holds.ok()) {
    for (const std::string& name : *holds) report.add_held_by(name);
  }
  if (result.ok()) {
    for (const std::string& id : result->removed) report.add_removed(id);
    for (const std::string& id : result->kept) report.add_kept(id);
    for (const std::string& id : result->kept_as_needed) report.add_kept_as_needed(id);
    for (const std::string& id : result->unreadable) report.add_unreadable(id);
    for (const std::string& name : result->leftovers) report.add_leftovers(name);
  }
  if (dry_run) {
    if (!result.ok()) return result.status();
    return report;
  }
  std::string detail;
  if (result.ok()) {
    detail = "removed " + std::to_string(result->removed.size()) + ":";
    for (const std::string& id : result->removed) detail += " " + id;
    if (!holds->empty()) {
      detail += "; content backups kept under legal hold:";
      for (const std::string& name : *holds) detail += " " + name;
    }
  } else {
    detail = "failed: " + result.status().ToString();
  }
  v1::AuditEvent event = audit::EventBy(actor, "backup.forget", "", detail);
  if (!result.ok()) event.set_outcome("failed");
  ARCHIVED_RETURN_IF_ERROR(committer_->Run([&](audit::Transaction& txn) {
    txn.Audit(std::move(event));
    return OkStatus();
  }));
  if (!result.ok()) return result.status();
  return report;
}

void BackupService::StartSchedule() {
  if (!configured() || !options_.schedule) return;
  // The first due time is taken now, not when the thread gets going.
  const Timestamp due = options_.schedule->Next(clock_.Now());
  schedule_thread_ = std::thread([this, due] { Schedule(due); });
}

void BackupService::Schedule(Timestamp due) {
  const audit::Actor actor{.name = "schedule"};
  int failures = 0;
  LogLine("backups scheduled \"" + options_.schedule->spec() + "\"; next at " + FormatRfc3339(due));
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (stopping_) return;
      const std::int64_t wait_micros = ToUnixMicros(due) - ToUnixMicros(clock_.Now());
      if (wait_micros > 0) {
        // Wake at least every minute to look again (the clock may jump).
        wake_.wait_for(lock, std::chrono::microseconds(std::min<std::int64_t>(wait_micros, 60'000'000)));
        continue;
      }
    }
    StatusOr<v1::BackupReport> run = RunNow(actor);
    if (!run.ok() && run.status().code() == StatusCode::kFailedPrecondition) {
      // Another operation holds the slot: look again shortly.
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, std::chrono::seconds(5));
      continue;
    }
    if (run.ok() && run->state() == "done") {
      failures = 0;
      if (options_.append_only) {
        // Nothing to do: the administrator prunes (`archived backup forget`).
      } else if (StatusOr<v1::BackupForgetReport> forgot = Forget(actor, /*dry_run=*/false); !forgot.ok()) {
        LogLine("scheduled forget failed: " + forgot.status().ToString());
      }
      due = options_.schedule->Next(clock_.Now());
    } else if (++failures <= options_.retries) {
      due = clock_.Now() + options_.retry_after;
      LogLine("scheduled backup failed (" + std::to_string(failures) + " of " + std::to_string(options_.retries + 1) +
              " attempts); retrying at " + FormatRfc3339(due));
    } else {
      failures = 0;
      due = options_.schedule->Next(clock_.Now());
      LogLine("ERROR: scheduled backup failed after every retry; next at " + FormatRfc3339(due));
    }
  }
}

}  // namespace archived::service
