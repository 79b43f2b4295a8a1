#include "archived/service/scrub.h"

#include <cstdlib>

#include "archived/base/log.h"
#include "archived/v1/proto_time.h"

namespace archived::service {
namespace {

using v1::SetTime;

}  // namespace

constexpr std::string_view kLastFinishedKey = "scrub.last_finished";

Scrubber::~Scrubber() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (schedule_thread_.joinable()) schedule_thread_.join();
  if (thread_.joinable()) thread_.join();
}

void Scrubber::StartSchedule() {
  if (options_.every.count() <= 0) return;
  if (!catalog_->store()->Get(storage::Keyspace::kMeta, kLastFinishedKey).ok()) {
    // Never scrubbed: the schedule counts from this first start, not from 1970.
    const Status started = committer_->Run([&](audit::Transaction& txn) {
      txn.Put(storage::Keyspace::kMeta, kLastFinishedKey, std::to_string(ToUnixMicros(clock_.Now())));
      return OkStatus();
    });
    if (!started.ok()) LogLine("scrub schedule: " + started.ToString());
  }
  schedule_thread_ = std::thread([this] { Schedule(); });
}

Timestamp Scrubber::LastFinished() const {
  StatusOr<std::string> value = catalog_->store()->Get(storage::Keyspace::kMeta, kLastFinishedKey);
  if (!value.ok()) return FromUnixMicros(0);
  return FromUnixMicros(std::strtoll(value->c_str(), nullptr, 10));
}

void Scrubber::Schedule() {
  for (;;) {
    const Timestamp due = FromUnixMicros(ToUnixMicros(LastFinished()) +
                                         std::chrono::duration_cast<std::chrono::microseconds>(options_.every).count());
    const std::int64_t wait_micros = ToUnixMicros(due) - ToUnixMicros(clock_.Now());
    {
      std::unique_lock lock(mu_);
      if (stopping_) return;
      if (wait_micros > 0) {
        // Wake at most every minute to look again (the clock may jump; a manual scrub moves
        // the due time).
        wake_.wait_for(lock, std::chrono::microseconds(std::min<std::int64_t>(wait_micros, 60'000'000)));
        continue;
      }
      if (running_) {  // a manual scrub is under way: it will move the due time
        wake_.wait_for(lock, std::chrono::seconds(1));
        continue;
      }
      BeginLocked({.name = "schedule"});
    }
    Run({.name = "schedule"});
  }
}

std::optional<v1::ScrubReport> Scrubber::Latest() const {
  std::lock_guard lock(mu_);
  return report_;
}

void Scrubber::Update(const std::function<void(v1::ScrubReport&)>& change) {
  std::lock_guard lock(mu_);
  change(*report_);
}

StatusOr<v1::ScrubReport> Scrubber::Start(const audit::Actor& actor) {
  std::lock_guard lock(mu_);
  if (running_) return FailedPreconditionError("a scrub is running already; GET /api/v1/admin/scrub shows it");
  if (thread_.joinable()) thread_.join();  // the previous run has finished
  BeginLocked(actor);
  thread_ = std::thread([this, actor] { Run(actor); });
  return *report_;
}

void Scrubber::BeginLocked(const audit::Actor& actor) {
  running_ = true;
  report_.emplace();
  report_->set_state("running");
  report_->set_requested_by(actor.name);
  SetTime(report_->mutable_started_time(), clock_.Now());
}

v1::ScrubReport Scrubber::RunNow(const audit::Actor& actor) {
  {
    std::lock_guard lock(mu_);
    BeginLocked(actor);
  }
  Run(actor);
  return *Latest();
}

void Scrubber::Run(const audit::Actor& actor) {
  const Status walked = catalog_->ForEachDocument([&](const v1::Document& doc) -> Status {
    if (stopping_) return CancelledError("the daemon is stopping");
    // A destroyed document has no content left to check: its stub is its record.
    if (doc.state() == v1::DOCUMENT_STATE_DESTROYED) return OkStatus();
    StatusOr<std::vector<v1::Version>> versions = catalog_->ListVersions(doc.id());
    if (!versions.ok()) {
      Update([&](v1::ScrubReport& r) {
        v1::ScrubProblem* p = r.add_problems();
        p->set_document_id(doc.id());
        p->set_reference_code(doc.reference_code());
        p->set_problem(versions.status().message());
      });
      return OkStatus();
    }
    for (const v1::Version& v : *versions) {
      std::uint64_t bytes = 0;
      const Status checked = catalog_->CheckVersion(v, &bytes);
      Update([&](v1::ScrubReport& r) {
        r.set_versions(r.versions() + 1);
        r.set_bytes(r.bytes() + bytes);
        if (!checked.ok()) {
          v1::ScrubProblem* p = r.add_problems();
          p->set_document_id(doc.id());
          p->set_reference_code(doc.reference_code());
          p->set_version(v.version());
          p->set_problem(checked.message());
        }
      });
    }
    Update([](v1::ScrubReport& r) { r.set_documents(r.documents() + 1); });
    return OkStatus();
  });
  v1::ScrubReport final_report;
  Update([&](v1::ScrubReport& r) {
    r.set_state(walked.ok() ? "done" : "failed");
    if (!walked.ok()) r.set_error(walked.message());
    SetTime(r.mutable_finished_time(), clock_.Now());
    final_report = r;
  });
  std::string detail = "state=" + final_report.state() + " documents=" + std::to_string(final_report.documents()) +
                       " versions=" + std::to_string(final_report.versions()) +
                       " bytes=" + std::to_string(final_report.bytes()) +
                       " problems=" + std::to_string(final_report.problems_size());
  for (const v1::ScrubProblem& p : final_report.problems()) {
    if (detail.size() > 4000) break;
    detail += "; " + p.reference_code() + " v" + std::to_string(p.version()) + ": " + p.problem();
  }
  v1::AuditEvent event = audit::EventBy(actor, "archive.scrub", "", std::move(detail));
  if (!final_report.problems().empty() || !walked.ok()) event.set_outcome("failed");
  (void)committer_->Run([&](audit::Transaction& txn) {
    txn.Audit(std::move(event));
    txn.Put(storage::Keyspace::kMeta, kLastFinishedKey, std::to_string(ToUnixMicros(clock_.Now())));
    return OkStatus();
  });
  std::lock_guard lock(mu_);
  running_ = false;
}

}  // namespace archived::service
