// archivectl admin scrub | rotate-master-key: the administrator's long-running jobs. Each is
// started with a POST, then polled with GET until it is no longer "running".
#include <chrono>
#include <cstdio>
#include <thread>

#include "archived/v1/api.pb.h"
#include "client/cli.h"

namespace archived::client {
namespace {

constexpr char kUsage[] = "usage: archivectl admin scrub [--no-wait] | admin rotate-master-key [--no-wait]";

// Starts the job at `path` and, unless --no-wait, polls it until it ends. With --json the
// final report's JSON is printed. Errors: the server's.
template <typename Report>
StatusOr<Report> StartAndWait(const Context& context, const Args& args, const std::string& path) {
  StatusOr<Response> started = context.NewClient().Call("POST", path);
  if (!started.ok()) return started.status();
  StatusOr<Report> report = ParseBody<Report>(*started);
  if (!report.ok() || args.Has("no-wait")) {
    if (report.ok() && context.json) std::printf("%s\n", started->body.c_str());
    return report;
  }
  std::string body = started->body;
  while (report->state() == "running") {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    StatusOr<Response> r = context.NewClient().Call("GET", path);
    if (!r.ok()) return r.status();
    report = ParseBody<Report>(*r);
    if (!report.ok()) return report.status();
    body = r->body;
  }
  if (context.json) std::printf("%s\n", body.c_str());
  return report;
}

int Scrub(const Context& context, const Args& args) {
  StatusOr<v1::ScrubReport> report = StartAndWait<v1::ScrubReport>(context, args, "/api/v1/admin/scrub");
  if (!report.ok()) return Fail("admin scrub", report.status());
  if (args.Has("no-wait")) {
    if (!context.json) std::printf("scrub started; archivectl admin scrub shows it when run again later\n");
    return 0;
  }
  if (!context.json) {
    std::printf("scrub %s: %llu documents, %llu versions, %s checked; %d problem%s\n", report->state().c_str(),
                static_cast<unsigned long long>(report->documents()), static_cast<unsigned long long>(report->versions()),
                HumanBytes(report->bytes()).c_str(), report->problems_size(), report->problems_size() == 1 ? "" : "s");
    for (const v1::ScrubProblem& p : report->problems()) {
      std::printf("  %s  version %u  (id %s): %s\n", p.reference_code().c_str(), p.version(), p.document_id().c_str(),
                  p.problem().c_str());
    }
    if (!report->error().empty()) std::printf("  stopped: %s\n", report->error().c_str());
  }
  return report->state() == "done" && report->problems().empty() ? 0 : 3;
}

int RotateMasterKey(const Context& context, const Args& args) {
  StatusOr<v1::KeyRotationReport> report =
      StartAndWait<v1::KeyRotationReport>(context, args, "/api/v1/admin/rotate-master-key");
  if (!report.ok()) return Fail("admin rotate-master-key", report.status());
  if (!context.json) {
    if (report->state() == "running") {
      std::printf("rotation from master key %s to %s started\n", report->old_key_id().c_str(),
                  report->new_key_id().c_str());
    } else {
      std::printf("rotation %s: master key %s replaced by %s; %llu data keys rewrapped, %llu in the vault\n",
                  report->state().c_str(), report->old_key_id().c_str(), report->new_key_id().c_str(),
                  static_cast<unsigned long long>(report->rewrapped()),
                  static_cast<unsigned long long>(report->records()));
      if (!report->error().empty()) std::printf("  stopped: %s (it resumes when the daemon restarts)\n", report->error().c_str());
      if (report->state() == "done") std::printf("back up the new DATA_DIR/master.key now: the old one opens nothing\n");
    }
  }
  return report->state() == "failed" ? 3 : 0;
}

}  // namespace

int RunAdmin(const Context& context, const Args& args) {
  if (args.positional.size() == 1 && args.positional[0] == "scrub") return Scrub(context, args);
  if (args.positional.size() == 1 && args.positional[0] == "rotate-master-key") return RotateMasterKey(context, args);
  return Fail("admin", InvalidArgumentError(kUsage));
}

}  // namespace archived::client
