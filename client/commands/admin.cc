// archivectl admin scrub: the fixity scrub, for the administrator.
#include <chrono>
#include <cstdio>
#include <thread>

#include "archived/v1/api.pb.h"
#include "client/cli.h"

namespace archived::client {

int RunAdmin(const Context& context, const Args& args) {
  if (args.positional.size() != 1 || args.positional[0] != "scrub") {
    return Fail("admin", InvalidArgumentError("usage: archivectl admin scrub [--no-wait]"));
  }
  StatusOr<Response> started = context.NewClient().Call("POST", "/api/v1/admin/scrub");
  if (!started.ok()) return Fail("admin scrub", started.status());
  StatusOr<v1::ScrubReport> report = ParseBody<v1::ScrubReport>(*started);
  if (!report.ok()) return Fail("admin scrub", report.status());
  if (args.Has("no-wait")) {
    if (!context.json) std::printf("scrub started; archivectl admin scrub shows it when run again later\n");
    return 0;
  }
  // Poll until the run ends.
  while (report->state() == "running") {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    StatusOr<Response> r = context.NewClient().Call("GET", "/api/v1/admin/scrub");
    if (!r.ok()) return Fail("admin scrub", r.status());
    report = ParseBody<v1::ScrubReport>(*r);
    if (!report.ok()) return Fail("admin scrub", report.status());
    if (context.json && report->state() != "running") std::printf("%s\n", r->body.c_str());
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

}  // namespace archived::client
