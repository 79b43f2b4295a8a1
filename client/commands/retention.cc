// archivectl category | schedule | event | hold | disposition | certificate: the records
// officer's retention work (docs/retention.md). Tables by default, the API's JSON with --json.
#include <cstdio>
#include <functional>
#include <map>

#include "archived/base/bytes.h"
#include "archived/base/status_macros.h"
#include "archived/base/text.h"
#include "archived/crypto/crypto.h"
#include "archived/registers/schema.h"
#include "archived/v1/api.pb.h"
#include "archived/v1/catalog.pb.h"
#include "archived/v1/proto_time.h"
#include "archived/v1/retention.pb.h"
#include "client/cli.h"

namespace archived::client {
namespace {

constexpr std::string_view kScheduleFlags =
    "--permanent | --years N [--months N] [--trigger filing|date|closing|event] [--event NAME] "
    "[--cut-off none|year|fiscal] [--fiscal-start MONTH] [--action destroy|transfer|review] "
    "[--destroy-after-transfer]";

// True for a register entry's id ("matter-3": a kind and a number), false for a document's
// id or reference code.
bool IsEntryId(std::string_view id) {
  const std::string_view kind = registers::KindOfId(id);
  return !kind.empty() && registers::FindKind(kind).ok();
}

// A schedule from the flags. Errors: kInvalidArgument naming the flag.
StatusOr<v1::RetentionSchedule> ScheduleFromFlags(const Args& args) {
  v1::RetentionSchedule s;
  s.set_permanent(args.Has("permanent"));
  ARCHIVED_ASSIGN_OR_RETURN(const std::uint32_t years, WholeNumberFlag(args, "years"));
  ARCHIVED_ASSIGN_OR_RETURN(const std::uint32_t months, WholeNumberFlag(args, "months"));
  ARCHIVED_ASSIGN_OR_RETURN(const std::uint32_t fiscal, WholeNumberFlag(args, "fiscal-start"));
  s.set_years(years);
  s.set_months(months);
  s.set_fiscal_year_start_month(fiscal);
  static const std::map<std::string, v1::RetentionTrigger> kTriggers = {
      {"filing", v1::RETENTION_TRIGGER_FILING}, {"date", v1::RETENTION_TRIGGER_DOCUMENT_DATE},
      {"closing", v1::RETENTION_TRIGGER_CLOSING}, {"event", v1::RETENTION_TRIGGER_EVENT}};
  static const std::map<std::string, v1::RetentionCutOff> kCutOffs = {{"none", v1::RETENTION_CUT_OFF_NONE},
                                                                      {"year", v1::RETENTION_CUT_OFF_CALENDAR_YEAR},
                                                                      {"fiscal", v1::RETENTION_CUT_OFF_FISCAL_YEAR}};
  static const std::map<std::string, v1::DispositionAction> kActions = {{"destroy", v1::DISPOSITION_ACTION_DESTROY},
                                                                        {"transfer", v1::DISPOSITION_ACTION_TRANSFER},
                                                                        {"review", v1::DISPOSITION_ACTION_REVIEW}};
  const auto pick = [&](const auto& table, std::string_view flag, auto fallback) -> StatusOr<decltype(fallback)> {
    const std::optional<std::string> value = args.Get(flag);
    if (!value) return fallback;
    const auto it = table.find(*value);
    if (it == table.end()) return InvalidArgumentError("--" + std::string(flag) + ": unknown value \"" + *value + "\"");
    return it->second;
  };
  ARCHIVED_ASSIGN_OR_RETURN(const v1::RetentionTrigger trigger,
                            pick(kTriggers, "trigger", args.Has("event") ? v1::RETENTION_TRIGGER_EVENT
                                                                         : v1::RETENTION_TRIGGER_FILING));
  ARCHIVED_ASSIGN_OR_RETURN(const v1::RetentionCutOff cut_off, pick(kCutOffs, "cut-off", v1::RETENTION_CUT_OFF_NONE));
  ARCHIVED_ASSIGN_OR_RETURN(const v1::DispositionAction action, pick(kActions, "action", v1::DISPOSITION_ACTION_REVIEW));
  if (!s.permanent()) {
    s.set_trigger(trigger);
    s.set_cut_off(cut_off);
    s.set_action(action);
    s.set_event(args.Get("event").value_or(""));
    s.set_destroy_after_transfer(args.Has("destroy-after-transfer"));
  }
  return s;
}

std::string Day(const google::protobuf::Timestamp& t) {
  return t.seconds() == 0 ? "-" : FormatRfc3339(v1::TimeOf(t)).substr(0, 10);
}

// "destroy", "transfer", "review" (unset reads as review), from the enum's own name.
std::string ActionWord(v1::DispositionAction action) {
  if (action == v1::DISPOSITION_ACTION_UNSPECIFIED) return "review";
  return AsciiLower(std::string_view(v1::DispositionAction_Name(action)).substr(std::string_view("DISPOSITION_ACTION_").size()));
}

std::string_view ItemStateWord(v1::DispositionItemState state) {
  switch (state) {
    case v1::DISPOSITION_ITEM_STATE_PENDING:
      return "pending";
    case v1::DISPOSITION_ITEM_STATE_EXCLUDED:
      return "excluded";
    case v1::DISPOSITION_ITEM_STATE_DESTROYED:
      return "DESTROYED";
    case v1::DISPOSITION_ITEM_STATE_TRANSFERRED:
      return "transferred";
    case v1::DISPOSITION_ITEM_STATE_RETAINED:
      return "retained";
    case v1::DISPOSITION_ITEM_STATE_SKIPPED:
      return "skipped";
    default:
      return "?";
  }
}

std::string_view BatchStateWord(v1::DispositionBatchState state) {
  switch (state) {
    case v1::DISPOSITION_BATCH_STATE_AWAITING_APPROVAL:
      return "awaiting approval";
    case v1::DISPOSITION_BATCH_STATE_EXECUTED:
      return "executed";
    case v1::DISPOSITION_BATCH_STATE_CANCELLED:
      return "cancelled";
    default:
      return "?";
  }
}

int PrintBatch(const v1::DispositionBatch& b) {
  if (b.id().empty()) {
    std::printf("nothing %s is due on %s\n", b.items().empty() ? "new" : "", b.as_of().c_str());
  } else {
    std::printf("disposition batch %s, as of %s: %s (%d of %u approvals)%s%s\n", b.id().c_str(), b.as_of().c_str(),
                std::string(BatchStateWord(b.state())).c_str(), b.approvals_size(), b.approvals_required(),
                b.certificate_id().empty() ? "" : ", certificate ", b.certificate_id().c_str());
  }
  std::string group;
  for (const v1::DispositionItem& item : b.items()) {
    const std::string here = item.category() + " · " + ActionWord(item.action());
    if (here != group) {
      std::printf("\n  %s\n", here.c_str());
      group = here;
    }
    // A document by reference code and id; a register entry by its id and kind.
    const bool entry = !item.entry_id().empty();
    std::printf("    %-28s %-10s due %s  %s  [%s]%s%s\n", (entry ? item.entry_id() : item.reference_code()).c_str(),
                (entry ? item.kind() : item.document_id().substr(0, 10)).c_str(),
                item.due_date().c_str(), item.title().c_str(), std::string(ItemStateWord(item.state())).c_str(),
                item.note().empty() ? "" : " ", item.note().c_str());
  }
  return 0;
}

int PrintHold(const v1::Hold& h) {
  std::printf("hold %s%s\n  reason: %s\n  owner: %s; placed %s by %s\n", h.name().c_str(),
              h.released() ? " (RELEASED)" : "", h.reason().c_str(), h.owner().c_str(), Day(h.placed_time()).c_str(),
              h.placed_by().c_str());
  for (const std::string& id : h.document_ids()) std::printf("  document %s\n", id.c_str());
  for (const std::string& id : h.entry_ids()) std::printf("  register entry %s\n", id.c_str());
  for (const std::string& c : h.categories()) std::printf("  category %s (and below)\n", c.c_str());
  if (!h.query().empty()) {
    std::printf("  query \"%s\" (documents and entries added later that match are held too)\n", h.query().c_str());
  }
  if (h.released()) {
    std::printf("  released %s by %s: %s\n", Day(h.released_time()).c_str(), h.released_by().c_str(),
                h.release_reason().c_str());
  }
  return 0;
}

int Category(const Context& context, const Args& args) {
  const std::vector<std::string>& p = args.positional;
  if (p.size() == 1 && p[0] == "list") {
    return CallAndPrint<v1::CategoryList>(context, "category list", "GET", "/api/v1/categories", "",
                                          [](const v1::CategoryList& list) {
                                            for (const v1::Category& c : list.categories()) {
                                              std::printf("%-14s %-4s %s%s%s\n  %s\n", c.code().c_str(),
                                                          c.retention_class() == v1::RETENTION_CLASS_PERMANENT ? "Y"
                                                          : c.retention_class() == v1::RETENTION_CLASS_30_YEARS ? "D30"
                                                                                                               : "D10",
                                                          c.name().c_str(), c.name_en().empty() ? "" : " / ",
                                                          c.name_en().c_str(), c.schedule_text().c_str());
                                            }
                                            return 0;
                                          });
  }
  if (p.size() == 2 && p[0] == "add") {
    v1::Category c;
    c.set_code(p[1]);
    c.set_name(args.Get("name").value_or(""));
    c.set_name_en(args.Get("name-en").value_or(""));
    const std::string klass = args.Get("class").value_or("");
    c.set_retention_class(klass == "Y" || klass == "永久"      ? v1::RETENTION_CLASS_PERMANENT
                          : klass == "D30" || klass == "定期30年" ? v1::RETENTION_CLASS_30_YEARS
                          : klass == "D10" || klass == "定期10年" ? v1::RETENTION_CLASS_10_YEARS
                                                                  : v1::RETENTION_CLASS_UNSPECIFIED);
    if (args.Has("years") || args.Has("months") || args.Has("permanent")) {
      StatusOr<v1::RetentionSchedule> s = ScheduleFromFlags(args);
      if (!s.ok()) return Fail("category add", s.status());
      *c.mutable_schedule() = *s;
    }
    return CallAndPrint<v1::Category>(context, "category add " + p[1], "POST", "/api/v1/categories", ToJson(c),
                                      [](const v1::Category& added) {
                                        std::printf("added %s %s: %s\n", added.code().c_str(), added.name().c_str(),
                                                    added.schedule_text().c_str());
                                        return 0;
                                      });
  }
  return Fail("category", InvalidArgumentError("usage: archivectl category list | add CODE --name NAME [--name-en NAME] "
                                               "--class Y|D30|D10 [schedule flags]"));
}

int Schedule(const Context& context, const Args& args) {
  const std::vector<std::string>& p = args.positional;
  if (p.size() == 2 && p[0] == "show") {
    return CallAndPrint<v1::CategoryList>(context, "schedule show", "GET", "/api/v1/categories", "",
                                          [&](const v1::CategoryList& list) {
                                            for (const v1::Category& c : list.categories()) {
                                              if (c.code() != p[1]) continue;
                                              std::printf("%s %s: %s%s\n", c.code().c_str(), c.name().c_str(),
                                                          c.schedule_text().c_str(),
                                                          c.has_schedule() ? "" : " (the preset of its class)");
                                              return 0;
                                            }
                                            return Fail("schedule show", NotFoundError("category " + p[1]));
                                          });
  }
  if (p.size() == 2 && p[0] == "set") {
    StatusOr<v1::RetentionSchedule> s = ScheduleFromFlags(args);
    if (!s.ok()) return Fail("schedule set", s.status());
    std::string path = "/api/v1/categories/" + p[1] + "/schedule";
    if (args.Has("allow-shorten")) path += "?allow_shorten=true";
    return CallAndPrint<v1::Category>(context, "schedule set " + p[1], "PUT", path, ToJson(*s),
                                      [](const v1::Category& c) {
                                        std::printf("%s now: %s\n", c.code().c_str(), c.schedule_text().c_str());
                                        return 0;
                                      });
  }
  return Fail("schedule", InvalidArgumentError("usage: archivectl schedule show CATEGORY | set CATEGORY " +
                                               std::string(kScheduleFlags) + " [--allow-shorten]"));
}

int Event(const Context& context, const Args& args) {
  const std::vector<std::string>& p = args.positional;
  if (p.size() != 3 || p[0] != "record" || !args.Has("date")) {
    return Fail("event", InvalidArgumentError("usage: archivectl event record DOCUMENT NAME --date YYYY-MM-DD "
                                              "(NAME \"closed\" is the closing date)"));
  }
  v1::RetentionEvent event;
  event.set_name(p[2]);
  event.set_date(*args.Get("date"));
  return CallAndPrint<v1::Document>(context, "event record", "POST", "/api/v1/documents/" + Escape(p[1]) + "/events",
                                    ToJson(event), [&](const v1::Document& d) {
                                      std::printf("%s: event \"%s\" on %s recorded\n", d.reference_code().c_str(),
                                                  p[2].c_str(), event.date().c_str());
                                      return 0;
                                    });
}

int Hold(const Context& context, const Args& args) {
  const std::vector<std::string>& p = args.positional;
  const std::string sub = p.empty() ? "" : p[0];
  if (sub == "list" && p.size() == 1) {
    return CallAndPrint<v1::HoldList>(
        context, "hold list", "GET", std::string("/api/v1/holds") + (args.Has("all") ? "?include_released=true" : ""),
        "", [](const v1::HoldList& list) {
          for (const v1::Hold& h : list.holds()) {
            std::printf("%-24s %-9s %-12s %s\n", h.name().c_str(), h.released() ? "released" : "active",
                        h.owner().c_str(), h.reason().c_str());
          }
          if (list.holds().empty()) std::printf("(no holds)\n");
          return 0;
        });
  }
  if (sub == "show" && p.size() == 2) {
    return CallAndPrint<v1::Hold>(context, "hold show", "GET", "/api/v1/holds/" + Escape(p[1]), "", PrintHold);
  }
  if (sub == "add" && p.size() == 2) {
    v1::Hold h;
    h.set_name(p[1]);
    h.set_reason(args.Get("reason").value_or(""));
    h.set_owner(args.Get("owner").value_or(""));
    for (const std::string& id : SplitList(args.Get("documents").value_or(""))) h.add_document_ids(id);
    for (const std::string& id : SplitList(args.Get("entries").value_or(""))) h.add_entry_ids(id);
    for (const std::string& c : SplitList(args.Get("categories").value_or(""))) h.add_categories(c);
    h.set_query(args.Get("query").value_or(""));
    return CallAndPrint<v1::Hold>(context, "hold add", "POST", "/api/v1/holds", ToJson(h), PrintHold);
  }
  if (sub == "release" && p.size() == 2) {
    v1::HoldRelease release;
    release.set_reason(args.Get("reason").value_or(""));
    return CallAndPrint<v1::Hold>(context, "hold release", "POST", "/api/v1/holds/" + Escape(p[1]) + "/release",
                                  ToJson(release), PrintHold);
  }
  return Fail("hold", InvalidArgumentError("usage: archivectl hold add NAME --reason R [--owner U] [--documents ID,…] "
                                           "[--entries ENTRY_ID,…] [--categories CODE,…] [--query Q] | release NAME --reason R | list [--all] | "
                                           "show NAME"));
}

int Disposition(const Context& context, const Args& args) {
  const std::vector<std::string>& p = args.positional;
  const std::string sub = p.empty() ? "" : p[0];
  const std::string confirm = args.Has("confirm-clock") ? "?confirm_clock=true" : "";
  const std::function<int(const v1::DispositionBatch&)> print = PrintBatch;
  if (sub == "due" && p.size() == 1) {
    std::string path = "/api/v1/dispositions/due";
    if (const auto as_of = args.Get("as-of")) path += "?as_of=" + Escape(*as_of);
    return CallAndPrint(context, "disposition due", "GET", path, "", print);
  }
  if (sub == "run" && p.size() == 1) {
    return CallAndPrint(context, "disposition run", "POST", "/api/v1/dispositions" + confirm, "", print);
  }
  if (sub == "list" && p.size() == 1) {
    return CallAndPrint<v1::DispositionBatchList>(context, "disposition list", "GET", "/api/v1/dispositions", "",
                                                  [](const v1::DispositionBatchList& list) {
                                                    for (const v1::DispositionBatch& b : list.batches()) {
                                                      std::printf("%-5s %s  %-18s %3d items  %s\n", b.id().c_str(),
                                                                  Day(b.created_time()).c_str(),
                                                                  std::string(BatchStateWord(b.state())).c_str(),
                                                                  b.items_size(), b.certificate_id().c_str());
                                                    }
                                                    if (list.batches().empty()) std::printf("(no batches yet)\n");
                                                    return 0;
                                                  });
  }
  if (sub == "show" && p.size() == 2) {
    return CallAndPrint(context, "disposition show", "GET", "/api/v1/dispositions/" + Escape(p[1]), "", print);
  }
  if (sub == "approve" && p.size() == 2) {
    return CallAndPrint(context, "disposition approve", "POST", "/api/v1/dispositions/" + Escape(p[1]) + "/approve" + confirm,
                        "", print);
  }
  if (sub == "exclude" && p.size() == 3) {
    v1::DispositionExclusion exclusion;
    (IsEntryId(p[2]) ? exclusion.mutable_entry_id() : exclusion.mutable_document_id())->assign(p[2]);
    exclusion.set_reason(args.Get("reason").value_or(""));
    return CallAndPrint(context, "disposition exclude", "POST", "/api/v1/dispositions/" + Escape(p[1]) + "/exclude",
                        ToJson(exclusion), print);
  }
  if (sub == "review" && p.size() == 3 && (args.Has("destroy") != args.Has("retain"))) {
    v1::DispositionReview review;
    (IsEntryId(p[2]) ? review.mutable_entry_id() : review.mutable_document_id())->assign(p[2]);
    review.set_destroy(args.Has("destroy"));
    review.set_note(args.Get("note").value_or(""));
    if (args.Has("retain") && (args.Has("years") || args.Has("months") || args.Has("permanent"))) {
      StatusOr<v1::RetentionSchedule> s = ScheduleFromFlags(args);
      if (!s.ok()) return Fail("disposition review", s.status());
      *review.mutable_schedule() = *s;
    }
    return CallAndPrint(context, "disposition review", "POST", "/api/v1/dispositions/" + Escape(p[1]) + "/review",
                        ToJson(review), print);
  }
  return Fail("disposition",
              InvalidArgumentError("usage: archivectl disposition due [--as-of DATE] | run [--confirm-clock] | list | "
                                   "show ID | approve ID [--confirm-clock] | exclude ID DOCUMENT|ENTRY --reason R | "
                                   "review ID DOCUMENT|ENTRY (--destroy | --retain [schedule flags]) [--note N]"));
}

// Verifies a certificate here, with the key pinned by --public-key or the archive's, then
// asks the server to check the stubs of the documents it lists. Exit 3 if either fails.
int VerifyCertificate(const Context& context, const Args& args, const std::string& id) {
  HttpClient client = context.NewClient();
  StatusOr<Response> r = client.Call("GET", "/api/v1/certificates/" + Escape(id));
  StatusOr<v1::Certificate> certificate = r.ok() ? ParseBody<v1::Certificate>(*r) : StatusOr<v1::Certificate>(r.status());
  if (!certificate.ok()) return Fail("certificate verify", certificate.status());
  std::string key_hex = args.Get("public-key").value_or("");
  if (key_hex.empty()) {
    StatusOr<Response> list = client.Call("GET", "/api/v1/certificates");
    StatusOr<v1::CertificateList> parsed = list.ok() ? ParseBody<v1::CertificateList>(*list)
                                                     : StatusOr<v1::CertificateList>(list.status());
    if (!parsed.ok()) return Fail("certificate verify", parsed.status());
    key_hex = parsed->public_key();
  }
  const std::optional<std::string> key = HexDecode(key_hex);
  const std::optional<std::string> signature = HexDecode(certificate->signature());
  const bool signed_ok =
      key && signature && certificate->public_key() == key_hex &&
      crypto::Ed25519Verify(*key, std::string("archived.certificate.v1\0", 24) + certificate->body_json(), *signature);
  StatusOr<Response> checked = client.Call("GET", "/api/v1/certificates/" + Escape(id) + "/verify");
  StatusOr<v1::CertificateVerification> verification =
      checked.ok() ? ParseBody<v1::CertificateVerification>(*checked) : StatusOr<v1::CertificateVerification>(checked.status());
  if (!verification.ok()) return Fail("certificate verify", verification.status());
  if (context.json) {
    std::printf("%s\n", checked->body.c_str());
  } else {
    std::printf("signature: %s (key %s)\n", signed_ok ? "valid" : "INVALID", key_hex.substr(0, 16).c_str());
    std::printf("archive: %s%s%s\n", verification->valid() ? "everything listed is disposed of under batch " : "FAILED: ",
                verification->valid() ? verification->batch_id().c_str() : verification->problem().c_str(),
                verification->valid() ? (" (" + std::to_string(verification->items()) + " items)").c_str() : "");
  }
  return signed_ok && verification->valid() ? 0 : 3;
}

int Certificate(const Context& context, const Args& args) {
  const std::vector<std::string>& p = args.positional;
  const std::string sub = p.empty() ? "" : p[0];
  if (sub == "list" && p.size() == 1) {
    return CallAndPrint<v1::CertificateList>(context, "certificate list", "GET", "/api/v1/certificates", "",
                                             [](const v1::CertificateList& list) {
                                               for (const v1::CertificateSummary& c : list.certificates()) {
                                                 std::printf("%-26s batch %-5s %s  %u destroyed  id %s\n",
                                                             c.reference_code().c_str(), c.batch_id().c_str(),
                                                             Day(c.executed_time()).c_str(), c.items(),
                                                             c.document_id().c_str());
                                               }
                                               if (list.certificates().empty()) std::printf("(no certificates yet)\n");
                                               return 0;
                                             });
  }
  if (sub == "show" && p.size() == 2) {
    return CallAndPrint<v1::Certificate>(context, "certificate show", "GET", "/api/v1/certificates/" + Escape(p[1]), "",
                                         [](const v1::Certificate& c) {
                                           std::printf("%s\nsigned by %s\nsignature %s\n", c.body_json().c_str(),
                                                       c.public_key().c_str(), c.signature().c_str());
                                           return 0;
                                         });
  }
  if (sub == "verify" && p.size() == 2) return VerifyCertificate(context, args, p[1]);
  return Fail("certificate", InvalidArgumentError("usage: archivectl certificate list | show ID | verify ID "
                                                  "[--public-key HEX]"));
}

// archivectl report retention: a summary table, or the report as JSON, CSV or HTML (to stdout
// or -o FILE).
int Report(const Context& context, const Args& args) {
  const std::vector<std::string>& p = args.positional;
  if (p.size() != 1 || p[0] != "retention") {
    return Fail("report", InvalidArgumentError("usage: archivectl report retention [--format json|csv|html] "
                                               "[--as-of DATE] [--horizon DAYS] [--schedule-override CAT=D10,…] [-o FILE]"));
  }
  const std::string format = context.json ? "json" : args.Get("format").value_or("");
  std::string path = "/api/v1/reports/retention?format=" + Escape(format.empty() ? "json" : format);
  if (const auto as_of = args.Get("as-of")) path += "&as_of=" + Escape(*as_of);
  if (const auto horizon = args.Get("horizon")) path += "&horizon=" + Escape(*horizon);
  for (const std::string& o : SplitList(args.Get("schedule-override").value_or(""))) path += "&override=" + Escape(o);
  StatusOr<Response> r = context.NewClient().Call("GET", path);
  if (!r.ok()) return Fail("report retention", r.status());
  if (!format.empty()) {
    const std::string out = args.Get("output").value_or("-");
    if (out == "-") {
      std::fwrite(r->body.data(), 1, r->body.size(), stdout);
      return 0;
    }
    std::FILE* f = std::fopen(out.c_str(), "wb");
    if (f == nullptr || std::fwrite(r->body.data(), 1, r->body.size(), f) != r->body.size() || std::fclose(f) != 0) {
      return Fail("report retention", InternalError("cannot write " + out));
    }
    std::printf("wrote %s (%s)\n", out.c_str(), HumanBytes(r->body.size()).c_str());
    return 0;
  }
  StatusOr<v1::RetentionReport> report = ParseBody<v1::RetentionReport>(*r);
  if (!report.ok()) return Fail("report retention", report.status());
  std::printf("retention report, fonds %s, as of %s, horizon %u days%s%s\n\n", report->fonds().c_str(),
              report->as_of().c_str(), report->horizon_days(), report->overrides().empty() ? "" : "; what-if: ",
              [&] {
                std::string o;
                for (const std::string& x : report->overrides()) o += (o.empty() ? "" : ", ") + x;
                return o;
              }().c_str());
  std::printf("%-12s %7s %5s %5s %9s %11s %8s %9s  %s\n", "CATEGORY", "ACTIVE", "DUE", "HELD", "DESTROYED",
              "TRANSFERRED", "DUE SOON", "AWAITING", "SCHEDULE");
  for (const v1::CategoryRetention& c : report->categories()) {
    std::printf("%-12s %7u %5u %5u %9u %11u %8u %9u  %s%s\n", c.code().c_str(), c.active(), c.due(), c.held(),
                c.destroyed(), c.transferred(), c.due_within_horizon(), c.awaiting_trigger(), c.schedule().c_str(),
                c.overridden() ? " (what-if)" : "");
  }
  const auto items = [](const char* title, const auto& list) {
    if (list.empty()) return;
    std::printf("\n%s\n", title);
    for (const v1::RetentionReportItem& i : list) {
      std::string holds;
      for (const std::string& h : i.holds()) holds += (holds.empty() ? " held by " : ", ") + h;
      std::printf("  %s  %-28s %s (%s)%s\n", i.due_date().c_str(),
                  (i.entry_id().empty() ? i.reference_code() : i.entry_id()).c_str(), i.title().c_str(),
                  ActionWord(i.action()).c_str(), holds.c_str());
    }
  };
  items("due now:", report->due_now());
  items("due within the horizon:", report->due_soon());
  items("without a usable schedule:", report->unscheduled());
  if (!report->holds().empty()) std::printf("\nholds:\n");
  for (const v1::HoldSummary& h : report->holds()) {
    std::printf("  %-20s %u documents, %u entries; %s; %s\n", h.name().c_str(), h.documents(), h.entries(),
                h.scope().c_str(), h.reason().c_str());
  }
  std::printf("\ndestructions %s:%s\n", report->period().c_str(), report->destructions().empty() ? " none" : "");
  for (const v1::DestructionSummary& d : report->destructions()) {
    std::printf("  batch %-5s %s  %u documents, %u entries  certificate %s\n", d.batch_id().c_str(),
                FormatRfc3339(v1::TimeOf(d.executed_time())).substr(0, 10).c_str(), d.documents(), d.entries(),
                d.certificate_reference_code().c_str());
  }
  return 0;
}

}  // namespace

int RunReport(const Context& context, const Args& args) { return Report(context, args); }
int RunCategory(const Context& context, const Args& args) { return Category(context, args); }
int RunSchedule(const Context& context, const Args& args) { return Schedule(context, args); }
int RunEvent(const Context& context, const Args& args) { return Event(context, args); }
int RunHold(const Context& context, const Args& args) { return Hold(context, args); }
int RunDisposition(const Context& context, const Args& args) { return Disposition(context, args); }
int RunCertificate(const Context& context, const Args& args) { return Certificate(context, args); }

}  // namespace archived::client
