// archivectl admin scrub | rotate-master-key, and archivectl backup: the administrator's
// long-running jobs. Each is started with a POST, then polled with GET until it is no longer
// "running".
#include <chrono>
#include <cstdio>
#include <thread>

#include "archived/v1/api.pb.h"
#include "archived/v1/backup.pb.h"
#include "archived/v1/proto_time.h"
#include "client/cli.h"

namespace archived::client {
namespace {

constexpr char kUsage[] = "usage: archivectl admin scrub [--no-wait] | admin rotate-master-key [--no-wait]";

// Starts the job at `path` and, unless --no-wait, polls it (at `poll_path`, default `path`)
// until it ends. With --json the final report's JSON is printed. Errors: the server's.
template <typename Report>
StatusOr<Report> StartAndWait(const Context& context, const Args& args, const std::string& path,
                              std::string poll_path = "") {
  if (poll_path.empty()) poll_path = path;
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
    StatusOr<Response> r = context.NewClient().Call("GET", poll_path);
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

std::string Duration(const v1::BackupSummary& b) {
  const double seconds =
      static_cast<double>(ToUnixMicros(v1::TimeOf(b.finished())) - ToUnixMicros(v1::TimeOf(b.started()))) / 1e6;
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", seconds);
  return text;
}

void PrintBackup(const v1::BackupSummary& b) {
  std::printf("%-18s %-20s %-11s %10s %10s %9s  %s\n", b.id().c_str(),
              b.finished().seconds() == 0 ? "-" : FormatRfc3339(v1::TimeOf(b.finished())).substr(0, 19).c_str(),
              b.finished().seconds() == 0 ? "?" : (b.incremental() ? "incremental" : "full"),
              HumanBytes(b.total_bytes()).c_str(), HumanBytes(b.archive_bytes()).c_str(), Duration(b).c_str(),
              b.verification().c_str());
}

int BackupNow(const Context& context, const Args& args) {
  StatusOr<v1::BackupReport> report =
      StartAndWait<v1::BackupReport>(context, args, "/api/v1/admin/backups", "/api/v1/admin/backups/latest");
  if (!report.ok()) return Fail("backup now", report.status());
  if (context.json) return report->state() == "failed" ? 3 : 0;
  if (report->state() == "running") {
    std::printf("backup started; archivectl backup list shows it when it has finished\n");
    return 0;
  }
  if (report->state() != "done") {
    std::printf("backup FAILED: %s\n", report->error().c_str());
    return 3;
  }
  const v1::BackupSummary& c = report->content();
  std::printf("backup %s done: %s, %llu documents, %s of store, %s written (archive %s), %s; with %s\n",
              c.id().c_str(), c.incremental() ? "incremental" : "full", static_cast<unsigned long long>(c.documents()),
              HumanBytes(c.total_bytes()).c_str(), HumanBytes(c.written_bytes()).c_str(),
              HumanBytes(c.archive_bytes()).c_str(), Duration(c).c_str(), report->vault().id().c_str());
  return 0;
}

int BackupList(const Context& context) {
  StatusOr<Response> r = context.NewClient().Call("GET", "/api/v1/admin/backups");
  if (!r.ok()) return Fail("backup list", r.status());
  if (context.json) {
    std::printf("%s\n", r->body.c_str());
    return 0;
  }
  StatusOr<v1::BackupList> list = ParseBody<v1::BackupList>(*r);
  if (!list.ok()) return Fail("backup list", list.status());
  std::printf("%-18s %-20s %-11s %10s %10s %9s  %s\n", "ID", "FINISHED (UTC)", "TYPE", "STORE", "ARCHIVE", "TOOK",
              "VERIFIED");
  for (const v1::BackupSummary& b : list->backups()) PrintBackup(b);
  if (list->backups().empty()) std::printf("(no backups yet: archivectl backup now)\n");
  return 0;
}

int BackupVerify(const Context& context, const Args& args) {
  if (args.positional.size() > 2) return Fail("backup verify", InvalidArgumentError("usage: archivectl backup verify [ID] [--read-data]"));
  std::string path = "/api/v1/admin/backups/verify?read_data=" + std::string(args.Has("read-data") ? "true" : "false");
  if (args.positional.size() == 2) path += "&id=" + Escape(args.positional[1]);
  StatusOr<Response> r = context.NewClient().Call("POST", path);
  if (!r.ok()) return Fail("backup verify", r.status());
  StatusOr<v1::BackupReport> report = ParseBody<v1::BackupReport>(*r);
  if (!report.ok()) return Fail("backup verify", report.status());
  if (context.json) {
    std::printf("%s\n", r->body.c_str());
  } else if (report->state() == "done") {
    std::printf("backup %s verified%s\n", report->content().id().c_str(),
                args.Has("read-data") ? (": " + HumanBytes(report->bytes_read()) + " read and authenticated").c_str()
                                      : " (manifest and archive sizes; --read-data reads every byte)");
  } else {
    std::printf("backup %s FAILED verification: %s\n", report->content().id().c_str(), report->error().c_str());
  }
  return report->state() == "done" ? 0 : 3;
}

int BackupForget(const Context& context, const Args& args) {
  const bool dry_run = args.Has("dry-run");
  StatusOr<Response> r = context.NewClient().Call(
      "POST", std::string("/api/v1/admin/backups/forget?dry_run=") + (dry_run ? "true" : "false"));
  if (!r.ok()) return Fail("backup forget", r.status());
  StatusOr<v1::BackupForgetReport> report = ParseBody<v1::BackupForgetReport>(*r);
  if (!report.ok()) return Fail("backup forget", report.status());
  if (context.json) {
    std::printf("%s\n", r->body.c_str());
    return 0;
  }
  for (const std::string& id : report->removed()) std::printf("%s %s\n", dry_run ? "would remove" : "removed", id.c_str());
  for (const std::string& id : report->kept_as_needed()) std::printf("kept %s: a kept incremental backup needs it\n", id.c_str());
  for (const std::string& id : report->unreadable()) std::printf("left %s: its manifest cannot be read\n", id.c_str());
  for (const std::string& name : report->leftovers()) {
    std::printf("%s %s: left without a manifest by a run that failed\n", dry_run ? "would remove" : "removed", name.c_str());
  }
  if (report->held_by_size() > 0) {
    std::string names;
    for (const std::string& name : report->held_by()) names += (names.empty() ? "" : ", ") + name;
    std::printf("legal holds in force (%s): no content backup is removed until they are released\n", names.c_str());
  }
  std::printf("%d removed%s, %d kept\n", report->removed_size(), dry_run ? " (dry run: nothing was)" : "",
              report->kept_size());
  return 0;
}

}  // namespace

int RunBackup(const Context& context, const Args& args) {
  const std::string sub = args.positional.empty() ? "" : args.positional[0];
  if (sub == "now" && args.positional.size() == 1) return BackupNow(context, args);
  if (sub == "list" && args.positional.size() == 1) return BackupList(context);
  if (sub == "verify") return BackupVerify(context, args);
  if (sub == "forget" && args.positional.size() == 1) return BackupForget(context, args);
  return Fail("backup", InvalidArgumentError("usage: archivectl backup now [--no-wait] | list | verify [ID] [--read-data] | "
                                             "forget [--dry-run]"));
}

int RunAdmin(const Context& context, const Args& args) {
  if (args.positional.size() == 1 && args.positional[0] == "scrub") return Scrub(context, args);
  if (args.positional.size() == 1 && args.positional[0] == "rotate-master-key") return RotateMasterKey(context, args);
  return Fail("admin", InvalidArgumentError(kUsage));
}

}  // namespace archived::client
