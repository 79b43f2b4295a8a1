#include "archived/retention/schedules.h"

#include <cstdio>

#include "archived/base/status_macros.h"
#include "archived/registers/registers.h"
#include "archived/v1/proto_time.h"

namespace archived::retention {
namespace {

using namespace std::chrono;

Trigger TriggerOf(v1::RetentionTrigger trigger) {
  switch (trigger) {
    case v1::RETENTION_TRIGGER_DOCUMENT_DATE:
      return Trigger::kDocumentDate;
    case v1::RETENTION_TRIGGER_CLOSING:
      return Trigger::kClosing;
    case v1::RETENTION_TRIGGER_EVENT:
      return Trigger::kEvent;
    default:
      return Trigger::kFiling;
  }
}

v1::RetentionTrigger TriggerProto(Trigger trigger) {
  switch (trigger) {
    case Trigger::kDocumentDate:
      return v1::RETENTION_TRIGGER_DOCUMENT_DATE;
    case Trigger::kClosing:
      return v1::RETENTION_TRIGGER_CLOSING;
    case Trigger::kEvent:
      return v1::RETENTION_TRIGGER_EVENT;
    case Trigger::kFiling:
      break;
  }
  return v1::RETENTION_TRIGGER_FILING;
}

std::string Plural(int n, std::string_view unit) {
  return std::to_string(n) + " " + std::string(unit) + (n == 1 ? "" : "s");
}

}  // namespace

StatusOr<Schedule> FromProto(const v1::RetentionSchedule& p) {
  if (!v1::RetentionTrigger_IsValid(p.trigger()) || !v1::RetentionCutOff_IsValid(p.cut_off()) ||
      !v1::DispositionAction_IsValid(p.action())) {
    return InvalidArgumentError("schedule: unknown trigger, cut-off or action");
  }
  if (p.years() > 1000 || p.months() > 12000) return InvalidArgumentError("schedule: period out of range");
  Schedule s;
  s.permanent = p.permanent();
  s.years = static_cast<int>(p.years());
  s.months = static_cast<int>(p.months());
  s.trigger = TriggerOf(p.trigger());
  s.event = p.event();
  switch (p.cut_off()) {
    case v1::RETENTION_CUT_OFF_CALENDAR_YEAR:
      s.cut_off = CutOff::kCalendarYear;
      break;
    case v1::RETENTION_CUT_OFF_FISCAL_YEAR:
      s.cut_off = CutOff::kFiscalYear;
      break;
    default:
      s.cut_off = CutOff::kNone;
  }
  s.fiscal_year_start_month = p.fiscal_year_start_month() == 0 ? 1 : p.fiscal_year_start_month();
  switch (p.action()) {
    case v1::DISPOSITION_ACTION_DESTROY:
      s.action = Action::kDestroy;
      break;
    case v1::DISPOSITION_ACTION_TRANSFER:
      s.action = Action::kTransfer;
      break;
    default:
      s.action = Action::kReview;  // unset: a person decides
  }
  s.destroy_after_transfer = p.destroy_after_transfer();
  ARCHIVED_RETURN_IF_ERROR(s.Validate().Annotate("schedule"));
  return s;
}

v1::DispositionAction ToProto(Action action) {
  switch (action) {
    case Action::kDestroy:
      return v1::DISPOSITION_ACTION_DESTROY;
    case Action::kTransfer:
      return v1::DISPOSITION_ACTION_TRANSFER;
    case Action::kReview:
      break;
  }
  return v1::DISPOSITION_ACTION_REVIEW;
}

v1::RetentionSchedule ToProto(const Schedule& s) {
  v1::RetentionSchedule p;
  p.set_permanent(s.permanent);
  p.set_years(static_cast<std::uint32_t>(s.years));
  p.set_months(static_cast<std::uint32_t>(s.months));
  p.set_trigger(TriggerProto(s.trigger));
  p.set_event(s.event);
  p.set_cut_off(s.cut_off == CutOff::kCalendarYear ? v1::RETENTION_CUT_OFF_CALENDAR_YEAR
                : s.cut_off == CutOff::kFiscalYear ? v1::RETENTION_CUT_OFF_FISCAL_YEAR
                                                   : v1::RETENTION_CUT_OFF_NONE);
  if (s.cut_off == CutOff::kFiscalYear) p.set_fiscal_year_start_month(s.fiscal_year_start_month);
  p.set_action(ToProto(s.action));
  p.set_destroy_after_transfer(s.destroy_after_transfer);
  return p;
}

StatusOr<Schedule> ScheduleOf(const v1::Category& category) {
  if (category.has_schedule()) return FromProto(category.schedule());
  return PresetFor(category.retention_class());
}

StatusOr<Schedule> ScheduleFor(const v1::Category& category, const v1::Document& document) {
  if (document.has_schedule_override()) return FromProto(document.schedule_override());
  return ScheduleOf(category);
}

StatusOr<Schedule> ScheduleFor(const v1::Category& category, const v1::RegisterEntry& entry) {
  if (entry.has_schedule_override()) return FromProto(entry.schedule_override());
  return ScheduleOf(category);
}

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kDestroy:
      return "destroy";
    case Action::kTransfer:
      return "transfer";
    case Action::kReview:
      break;
  }
  return "review";
}

std::string Describe(const Schedule& s) {
  if (s.permanent) return "permanent";
  std::string out;
  if (s.years > 0) out = Plural(s.years, "year");
  if (s.months > 0) out += (out.empty() ? "" : " ") + Plural(s.months, "month");
  switch (s.trigger) {
    case Trigger::kFiling:
      out += " after filing";
      break;
    case Trigger::kDocumentDate:
      out += " after the document date";
      break;
    case Trigger::kClosing:
      out += " after closing";
      break;
    case Trigger::kEvent:
      out += " after the event \"" + s.event + "\"";
      break;
  }
  if (s.cut_off == CutOff::kCalendarYear) out += ", counted from the end of its calendar year";
  if (s.cut_off == CutOff::kFiscalYear) {
    out += ", counted from the end of its fiscal year (starting in month " + std::to_string(s.fiscal_year_start_month) +
           ")";
  }
  out += ", then ";
  out += ActionName(s.action);
  if (s.destroy_after_transfer) out += " (and destroy the copy here)";
  return out;
}

std::string FormatDate(Date date) { return FormatCalendarDate(date); }

Date DayOf(Timestamp time) { return Date(floor<days>(time)); }

namespace {

StatusOr<Date> StoredDate(std::string_view field, std::string_view text) {
  StatusOr<Date> date = ParseCalendarDate(field, text);
  if (!date.ok()) return DataLossError("stored " + std::string(date.status().message()));
  return date;
}

// The facts a document and an entry share: when filed, their named events, retain_until.
template <typename Events>
StatusOr<Facts> CommonFacts(Timestamp filed, const Events& events, std::string_view retain_until) {
  Facts facts;
  facts.filed = DayOf(filed);
  for (const auto& [name, text] : events) {
    ARCHIVED_ASSIGN_OR_RETURN(const Date date, StoredDate("event " + name, text));
    if (name == kClosedEvent) facts.closed = date;
    facts.events[name] = date;
  }
  if (!retain_until.empty()) {
    ARCHIVED_ASSIGN_OR_RETURN(facts.retain_until, StoredDate("retain_until", retain_until));
  }
  return facts;
}

}  // namespace

StatusOr<Facts> FactsOf(const v1::Document& doc) {
  ARCHIVED_ASSIGN_OR_RETURN(Facts facts, CommonFacts(v1::TimeOf(doc.filed_time()), doc.events(), doc.retain_until()));
  if (!doc.date().empty()) {
    ARCHIVED_ASSIGN_OR_RETURN(facts.document_date, StoredDate("date", doc.date()));
  }
  facts.destroyed = doc.state() == v1::DOCUMENT_STATE_DESTROYED;
  facts.transferred = doc.state() == v1::DOCUMENT_STATE_TRANSFERRED;
  return facts;
}

StatusOr<Facts> FactsOf(const v1::RegisterEntry& entry) {
  if (entry.state() == v1::REGISTER_ENTRY_STATE_DESTROYED) {
    Facts facts{.filed = DayOf(v1::TimeOf(entry.created_time()))};
    facts.destroyed = true;
    return facts;
  }
  ARCHIVED_ASSIGN_OR_RETURN(const auto events, registers::EventDatesOf(entry));
  return CommonFacts(v1::TimeOf(entry.created_time()), events, entry.retain_until());
}

}  // namespace archived::retention
