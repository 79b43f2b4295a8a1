#include "archived/service/scrub.h"
#include "archived/v1/proto_time.h"

namespace archived::service {
namespace {

using v1::SetTime;

}  // namespace

Scrubber::~Scrubber() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
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
  running_ = true;
  report_.emplace();
  report_->set_state("running");
  report_->set_requested_by(actor.name);
  SetTime(report_->mutable_started_time(), clock_.Now());
  thread_ = std::thread([this, actor] { Run(actor); });
  return *report_;
}

v1::ScrubReport Scrubber::RunNow(const audit::Actor& actor) {
  {
    std::lock_guard lock(mu_);
    running_ = true;
    report_.emplace();
    report_->set_state("running");
    report_->set_requested_by(actor.name);
    SetTime(report_->mutable_started_time(), clock_.Now());
  }
  Run(actor);
  return *Latest();
}

void Scrubber::Run(const audit::Actor& actor) {
  const Status walked = catalog_->ForEachDocument([&](const v1::Document& doc) -> Status {
    if (stopping_) return CancelledError("the daemon is stopping");
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
    return OkStatus();
  });
  std::lock_guard lock(mu_);
  running_ = false;
}

}  // namespace archived::service
