// The retention routes (docs/retention.md): the file plan's categories and schedules,
// documents' retention events, holds, disposition batches and destruction certificates.
// Each parses its request, checks the policy, and calls retention::Retention on the pool.
#include "archived/http/internal/routes.h"

#include "archived/base/status_macros.h"
#include "archived/catalog/file_plan.h"
#include "archived/retention/report.h"
#include "archived/retention/schedules.h"

namespace archived::http::internal {
namespace {

using auth::Operation;

// The JSON body as `Message`, or an error already answered (nullopt).
template <typename Message>
net::awaitable<std::optional<Message>> Body(Exchange& ex) {
  Message message;
  StatusOr<std::set<std::string>> keys = co_await ReadJson(ex, &message);
  if (!keys.ok()) {
    co_await ex.SendError(keys.status());
    co_return std::nullopt;
  }
  co_return message;
}

// A flag parameter, the only one allowed; nullopt when an error was answered.
net::awaitable<std::optional<bool>> OnlyFlag(Exchange& ex, const Target& target, std::string_view name) {
  Status st = CheckParameters(target, {name});
  StatusOr<bool> flag = st.ok() ? FlagParameter(target, name) : StatusOr<bool>(st);
  if (!flag.ok()) {
    co_await ex.SendError(flag.status());
    co_return std::nullopt;
  }
  co_return *flag;
}

net::awaitable<void> HandleHolds(Exchange& ex, const ApiServices& s, const Target& target,
                                 const std::vector<std::string>& parts, const auth::Principal& principal,
                                 audit::Actor& actor) {
  const bhttp::verb method = ex.request().method();
  const std::size_t n = parts.size();
  retention::Retention& r = *s.retention;
  if (n == 3) {
    if (method == bhttp::verb::get) {
      if (!co_await Permit(ex, s, principal, Operation::kReadHolds, "", &actor)) co_return;
      const std::optional<bool> all = co_await OnlyFlag(ex, target, "include_released");
      if (!all) co_return;
      co_return co_await Answer(ex, 200, co_await RunBlocking(ex.pool(), [&] { return r.ListHolds(*all); }));
    }
    if (method != bhttp::verb::post) co_return co_await SendMethodNotAllowed(ex, "GET, POST");
    if (!co_await Permit(ex, s, principal, Operation::kManageHolds, "", &actor)) co_return;
    std::optional<v1::Hold> hold = co_await Body<v1::Hold>(ex);
    if (!hold) co_return;
    co_return co_await Answer(ex, 201, co_await RunBlocking(ex.pool(), [&] { return r.PlaceHold(actor, *hold); }));
  }
  const std::string& name = parts[3];
  if (n == 4) {
    if (method != bhttp::verb::get) co_return co_await SendMethodNotAllowed(ex, "GET");
    if (!co_await Permit(ex, s, principal, Operation::kReadHolds, name, &actor)) co_return;
    co_return co_await Answer(ex, 200, co_await RunBlocking(ex.pool(), [&] { return r.GetHold(name); }));
  }
  if (n == 5 && parts[4] == "release") {
    if (method != bhttp::verb::post) co_return co_await SendMethodNotAllowed(ex, "POST");
    if (!co_await Permit(ex, s, principal, Operation::kManageHolds, name, &actor)) co_return;
    std::optional<v1::HoldRelease> release = co_await Body<v1::HoldRelease>(ex);
    if (!release) co_return;
    co_return co_await Answer(
        ex, 200, co_await RunBlocking(ex.pool(), [&] { return r.ReleaseHold(actor, name, release->reason()); }));
  }
  co_await ex.SendError(NotFoundError("no such route: " + target.path));
}

net::awaitable<void> HandleDispositions(Exchange& ex, const ApiServices& s, const Target& target,
                                        const std::vector<std::string>& parts, const auth::Principal& principal,
                                        audit::Actor& actor) {
  const bhttp::verb method = ex.request().method();
  const std::size_t n = parts.size();
  retention::Retention& r = *s.retention;
  const auto permit = [&](Operation operation, std::string_view object) {
    return Permit(ex, s, principal, operation, object, &actor);
  };
  if (n == 3) {
    if (method == bhttp::verb::get) {
      if (!co_await permit(Operation::kReadDispositions, "")) co_return;
      if (Status st = CheckParameters(target, {}); !st.ok()) co_return co_await ex.SendError(st);
      co_return co_await Answer(ex, 200, co_await RunBlocking(ex.pool(), [&] { return r.ListBatches(); }));
    }
    if (method != bhttp::verb::post) co_return co_await SendMethodNotAllowed(ex, "GET, POST");
    if (!co_await permit(Operation::kRunDisposition, "")) co_return;
    const std::optional<bool> confirm = co_await OnlyFlag(ex, target, "confirm_clock");
    if (!confirm) co_return;
    StatusOr<v1::DispositionBatch> batch = co_await RunBlocking(ex.pool(), [&] { return r.Run(actor, *confirm); });
    // 201 for a new batch; 200 with no id when nothing new is due.
    co_return co_await Answer(ex, batch.ok() && !batch->id().empty() ? 201 : 200, batch);
  }
  if (n == 4 && parts[3] == "due") {
    if (method != bhttp::verb::get) co_return co_await SendMethodNotAllowed(ex, "GET");
    if (!co_await permit(Operation::kReadDispositions, "")) co_return;
    if (Status st = CheckParameters(target, {"as_of"}); !st.ok()) co_return co_await ex.SendError(st);
    const std::string as_of = target.Get("as_of").value_or("");
    co_return co_await Answer(ex, 200, co_await RunBlocking(ex.pool(), [&] { return r.Due(as_of); }));
  }
  const std::string& id = parts[3];
  if (n == 4) {
    if (method != bhttp::verb::get) co_return co_await SendMethodNotAllowed(ex, "GET");
    if (!co_await permit(Operation::kReadDispositions, id)) co_return;
    co_return co_await Answer(ex, 200, co_await RunBlocking(ex.pool(), [&] { return r.GetBatch(id); }));
  }
  if (n == 5 && (parts[4] == "exclude" || parts[4] == "review" || parts[4] == "approve")) {
    if (method != bhttp::verb::post) co_return co_await SendMethodNotAllowed(ex, "POST");
    if (parts[4] == "approve") {
      if (!co_await permit(Operation::kApproveDisposition, id)) co_return;
      const std::optional<bool> confirm = co_await OnlyFlag(ex, target, "confirm_clock");
      if (!confirm) co_return;
      co_return co_await Answer(ex, 200,
                                co_await RunBlocking(ex.pool(), [&] { return r.Approve(actor, id, *confirm); }));
    }
    if (!co_await permit(Operation::kRunDisposition, id)) co_return;
    if (parts[4] == "exclude") {
      std::optional<v1::DispositionExclusion> exclusion = co_await Body<v1::DispositionExclusion>(ex);
      if (!exclusion) co_return;
      co_return co_await Answer(ex, 200,
                                co_await RunBlocking(ex.pool(), [&] { return r.Exclude(actor, id, *exclusion); }));
    }
    std::optional<v1::DispositionReview> review = co_await Body<v1::DispositionReview>(ex);
    if (!review) co_return;
    co_return co_await Answer(ex, 200, co_await RunBlocking(ex.pool(), [&] { return r.Review(actor, id, *review); }));
  }
  co_await ex.SendError(NotFoundError("no such route: " + target.path));
}

net::awaitable<void> HandleCertificates(Exchange& ex, const ApiServices& s, const Target& target,
                                        const std::vector<std::string>& parts, const auth::Principal& principal,
                                        audit::Actor& actor) {
  const std::size_t n = parts.size();
  if (ex.request().method() != bhttp::verb::get) co_return co_await SendMethodNotAllowed(ex, "GET");
  const std::string id = n >= 4 ? parts[3] : "";
  if (!co_await Permit(ex, s, principal, Operation::kReadCertificates, id, &actor)) co_return;
  if (Status st = CheckParameters(target, {}); !st.ok()) co_return co_await ex.SendError(st);
  retention::Retention& r = *s.retention;
  if (n == 3) co_return co_await Answer(ex, 200, co_await RunBlocking(ex.pool(), [&] { return r.ListCertificates(); }));
  if (n == 4) co_return co_await Answer(ex, 200, co_await RunBlocking(ex.pool(), [&] { return r.GetCertificate(id); }));
  if (n == 5 && parts[4] == "verify") {
    co_return co_await Answer(ex, 200, co_await RunBlocking(ex.pool(), [&] { return r.VerifyCertificate(id); }));
  }
  co_await ex.SendError(NotFoundError("no such route: " + target.path));
}

// POST /categories; PUT /categories/{code}/schedule?allow_shorten=.
net::awaitable<void> HandleFilePlan(Exchange& ex, const ApiServices& s, const Target& target,
                                    const std::vector<std::string>& parts, const auth::Principal& principal,
                                    audit::Actor& actor) {
  const bhttp::verb method = ex.request().method();
  retention::Retention& r = *s.retention;
  if (parts.size() == 3) {
    if (!co_await Permit(ex, s, principal, Operation::kManageFilePlan, "", &actor)) co_return;
    std::optional<v1::Category> category = co_await Body<v1::Category>(ex);
    if (!category) co_return;
    co_return co_await Answer(ex, 201, co_await RunBlocking(ex.pool(), [&]() -> StatusOr<v1::Category> {
      ARCHIVED_RETURN_IF_ERROR(r.AddCategory(actor, *category));
      ARCHIVED_ASSIGN_OR_RETURN(v1::Category added, s.catalog->GetCategory(category->code()));
      return Described(std::move(added));
    }));
  }
  std::string code = parts[3];
  for (std::size_t i = 4; i + 1 < parts.size(); ++i) code += "/" + parts[i];
  if (method != bhttp::verb::put) co_return co_await SendMethodNotAllowed(ex, "PUT");
  if (!co_await Permit(ex, s, principal, Operation::kManageFilePlan, code, &actor)) co_return;
  const std::optional<bool> allow_shorten = co_await OnlyFlag(ex, target, "allow_shorten");
  if (!allow_shorten) co_return;
  std::optional<v1::RetentionSchedule> schedule = co_await Body<v1::RetentionSchedule>(ex);
  if (!schedule) co_return;
  co_await Answer(ex, 200, co_await RunBlocking(ex.pool(), [&]() -> StatusOr<v1::Category> {
    ARCHIVED_ASSIGN_OR_RETURN(v1::Category changed, r.SetSchedule(actor, code, *schedule, *allow_shorten));
    return Described(std::move(changed));
  }));
}

// POST /documents/{id}/events: {"name": "closed", "date": "2026-11-24"}.
net::awaitable<void> HandleEvent(Exchange& ex, const ApiServices& s, const std::string& id,
                                 const auth::Principal& principal, audit::Actor& actor) {
  if (ex.request().method() != bhttp::verb::post) co_return co_await SendMethodNotAllowed(ex, "POST");
  if (!co_await Permit(ex, s, principal, Operation::kRecordEvent, id, &actor)) co_return;
  if (!co_await PermitDocument(ex, s, principal, actor, Operation::kRecordEvent, id, true)) co_return;
  std::optional<v1::RetentionEvent> event = co_await Body<v1::RetentionEvent>(ex);
  if (!event) co_return;
  co_await Answer(ex, 200, co_await RunBlocking(ex.pool(), [&] {
    return s.catalog->RecordEvent(actor, id, event->name(), event->date());
  }));
}

// GET /reports/retention?format=json|csv|html&as_of=&horizon=&override=CODE=Y|D30|D10 (repeatable).
net::awaitable<void> HandleReport(Exchange& ex, const ApiServices& s, const Target& target,
                                  const auth::Principal& principal, audit::Actor& actor) {
  if (ex.request().method() != bhttp::verb::get) co_return co_await SendMethodNotAllowed(ex, "GET");
  if (!co_await Permit(ex, s, principal, Operation::kRetentionReport, "", &actor)) co_return;
  if (Status st = CheckParameters(target, {"format", "as_of", "horizon", "override"}); !st.ok()) {
    co_return co_await ex.SendError(st);
  }
  const std::string format = target.Get("format").value_or("json");
  if (format != "json" && format != "csv" && format != "html") {
    co_return co_await ex.SendError(InvalidArgumentError("format: json, csv or html"));
  }
  std::uint64_t horizon = 90;
  if (const auto h = target.Get("horizon")) {
    StatusOr<std::uint64_t> parsed = ParseNumber("horizon", *h);
    if (!parsed.ok()) co_return co_await ex.SendError(parsed.status());
    horizon = *parsed;
  }
  std::map<std::string, v1::RetentionSchedule> overrides;
  for (const std::string& o : target.GetAll("override")) {
    const std::size_t eq = o.find('=');
    StatusOr<v1::RetentionClass> klass =
        eq == std::string::npos ? InvalidArgumentError("override: CATEGORY=Y|D30|D10")
                                : catalog::ParseRetentionClass(o.substr(eq + 1));
    StatusOr<retention::Schedule> preset = klass.ok() ? retention::PresetFor(*klass) : klass.status();
    if (!preset.ok()) co_return co_await ex.SendError(InvalidArgumentError("override \"" + o + "\": CATEGORY=Y|D30|D10"));
    overrides[o.substr(0, eq)] = retention::ToProto(*preset);
  }
  const std::string as_of = target.Get("as_of").value_or("");
  StatusOr<v1::RetentionReport> report = co_await RunBlocking(ex.pool(), [&] {
    return s.retention->Report(as_of, static_cast<int>(std::min<std::uint64_t>(horizon, 1u << 30)), overrides);
  });
  if (!report.ok() || format == "json") co_return co_await Answer(ex, 200, report);
  if (format == "csv") co_return co_await ex.SendText(200, "text/csv; charset=utf-8", retention::ReportCsv(*report));
  co_await ex.SendText(200, "text/html; charset=utf-8", retention::ReportHtml(*report));
}

}  // namespace

v1::Category Described(v1::Category category) {
  const StatusOr<retention::Schedule> schedule = retention::ScheduleOf(category);
  category.set_schedule_text(schedule.ok() ? retention::Describe(*schedule)
                                           : "invalid: " + std::string(schedule.status().message()));
  return category;
}

net::awaitable<bool> DispatchRetention(Exchange& ex, const ApiServices& s, const Target& target,
                                       const std::vector<std::string>& parts, const auth::Principal& principal,
                                       audit::Actor& actor) {
  const std::size_t n = parts.size();
  if (n < 3) co_return false;
  const std::string& noun = parts[2];
  const bool file_plan = noun == "categories" && ((n == 3 && ex.request().method() == bhttp::verb::post) ||
                                                  (n >= 5 && parts.back() == "schedule"));
  const bool event = noun == "documents" && n == 5 && parts[4] == "events";
  const bool report = noun == "reports" && n == 4 && parts[3] == "retention";
  if (!file_plan && !event && !report && noun != "holds" && noun != "dispositions" && noun != "certificates") {
    co_return false;
  }
  if (s.retention == nullptr) {
    co_await ex.SendError(UnavailableError("retention is not available in this server"));
    co_return true;
  }
  if (file_plan) {
    co_await HandleFilePlan(ex, s, target, parts, principal, actor);
  } else if (report) {
    co_await HandleReport(ex, s, target, principal, actor);
  } else if (event) {
    co_await HandleEvent(ex, s, parts[3], principal, actor);
  } else if (noun == "holds" && n <= 5) {
    co_await HandleHolds(ex, s, target, parts, principal, actor);
  } else if (noun == "dispositions" && n <= 5) {
    co_await HandleDispositions(ex, s, target, parts, principal, actor);
  } else if (noun == "certificates" && n <= 5) {
    co_await HandleCertificates(ex, s, target, parts, principal, actor);
  } else {
    co_await ex.SendError(NotFoundError("no such route: " + target.path));
  }
  co_return true;
}

}  // namespace archived::http::internal
