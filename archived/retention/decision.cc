#include "archived/retention/decision.h"

#include "archived/base/clock.h"

namespace archived::retention {
namespace {

using namespace std::chrono;

// The first day after the cut-off period the date falls in.
Date AfterCutOff(const Schedule& schedule, Date d) {
  switch (schedule.cut_off) {
    case CutOff::kNone:
      return d;
    case CutOff::kCalendarYear:
      return Date(d.year() + years(1), January, day(1));
    case CutOff::kFiscalYear: {
      const month start{schedule.fiscal_year_start_month};
      // The fiscal year that contains d starts on `start` 1 of d's year, or of the year before.
      const year start_year = d.month() >= start ? d.year() : d.year() - years(1);
      return Date(start_year + years(1), start, day(1));
    }
  }
  return d;
}

std::optional<Date> TriggerDate(const Schedule& schedule, const Facts& facts) {
  switch (schedule.trigger) {
    case Trigger::kFiling:
      return facts.filed;
    case Trigger::kDocumentDate:
      return facts.document_date ? facts.document_date : std::optional<Date>(facts.filed);
    case Trigger::kClosing:
      return facts.closed;
    case Trigger::kEvent:
      if (const auto it = facts.events.find(schedule.event); it != facts.events.end()) return it->second;
      return std::nullopt;
  }
  return std::nullopt;
}

int TotalMonths(const Schedule& s) { return s.years * 12 + s.months; }

}  // namespace

Date AddMonths(Date d, int months) {
  const year_month ym = year_month(d.year(), d.month()) + std::chrono::months(months);
  const day last = year_month_day_last(ym.year(), month_day_last(ym.month())).day();
  return Date(ym.year(), ym.month(), d.day() > last ? last : d.day());
}

Status Schedule::Validate() const {
  if (permanent) {
    if (years != 0 || months != 0) return InvalidArgumentError("a permanent schedule has no period");
    return OkStatus();
  }
  if (years < 0 || months < 0 || years > 1000 || months > 12000) return InvalidArgumentError("period out of range");
  if (years == 0 && months == 0) return InvalidArgumentError("a schedule needs a period, or to be permanent");
  if (destroy_after_transfer && action != Action::kTransfer) {
    return InvalidArgumentError("only a transfer can destroy the local copy after it");
  }
  if (trigger == Trigger::kEvent && event.empty()) return InvalidArgumentError("an event trigger needs the event's name");
  if (trigger != Trigger::kEvent && !event.empty()) return InvalidArgumentError("only an event trigger names an event");
  if (fiscal_year_start_month < 1 || fiscal_year_start_month > 12) {
    return InvalidArgumentError("the fiscal year starts in a month from 1 to 12");
  }
  return OkStatus();
}

StatusOr<Schedule> PresetFor(v1::RetentionClass retention_class) {
  switch (retention_class) {
    case v1::RETENTION_CLASS_PERMANENT:
      return Schedule{.permanent = true};
    case v1::RETENTION_CLASS_30_YEARS:
    case v1::RETENTION_CLASS_10_YEARS:
      return Schedule{.years = retention_class == v1::RETENTION_CLASS_30_YEARS ? 30 : 10,
                      .trigger = Trigger::kDocumentDate,
                      .cut_off = CutOff::kCalendarYear,
                      .action = Action::kReview};
    default:
      return InvalidArgumentError("a category needs a retention class (Y, D30 or D10)");
  }
}

std::optional<Date> DueDate(const Schedule& schedule, Date trigger_date) {
  if (schedule.permanent) return std::nullopt;
  return AddMonths(AfterCutOff(schedule, trigger_date), TotalMonths(schedule));
}

Decision Decide(const Schedule& schedule, const Facts& facts, const std::vector<std::string>& holds, Date today) {
  Decision d;
  d.action = schedule.action;
  if (facts.destroyed) {
    d.state = State::kDestroyed;
    return d;
  }
  if (facts.transferred) {
    d.state = State::kTransferred;
    return d;
  }
  if (schedule.permanent) {
    d.state = State::kPermanent;
    return d;
  }
  const std::optional<Date> trigger = TriggerDate(schedule, facts);
  if (!trigger) {
    d.state = State::kAwaitingTrigger;
    return d;
  }
  d.due = DueDate(schedule, *trigger);
  if (facts.retain_until && sys_days(*d.due) <= sys_days(*facts.retain_until)) {
    d.due = Date(sys_days(*facts.retain_until) + days(1));
  }
  if (sys_days(today) < sys_days(*d.due)) {
    d.state = State::kRetained;
    return d;
  }
  if (!holds.empty()) {
    d.state = State::kHeld;
    d.holds = holds;
    return d;
  }
  d.state = State::kDue;
  return d;
}

bool Shortens(const Schedule& from, const Schedule& to) {
  if (from.permanent) return !to.permanent;
  if (to.permanent) return false;
  if (from.trigger != to.trigger || from.event != to.event) return true;
  if (TotalMonths(to) < TotalMonths(from)) return true;
  // Dropping or moving the cut-off can bring the due date forward by up to a year.
  if (from.cut_off != to.cut_off || from.fiscal_year_start_month != to.fiscal_year_start_month) {
    return !(from.cut_off == CutOff::kNone && TotalMonths(to) >= TotalMonths(from));
  }
  // A review keeps the decision with a person; destroy or transfer instead is a shortening.
  // Destroying the local copy after a transfer, where it was kept, shortens too.
  if (to.destroy_after_transfer && !from.destroy_after_transfer) return true;
  return from.action == Action::kReview && to.action != Action::kReview;
}

Status CheckClock(system_clock::time_point latest_seen, system_clock::time_point now, hours max_forward) {
  if (now < latest_seen) {
    return FailedPreconditionError("the clock reads " + FormatRfc3339(now) + ", before " + FormatRfc3339(latest_seen) +
                                   ", which a disposition run has already seen: nothing is disposed until it is right");
  }
  if (now - latest_seen > max_forward) {
    return FailedPreconditionError("the clock jumped from " + FormatRfc3339(latest_seen) + " to " + FormatRfc3339(now) +
                                   ": a records officer must confirm the date before anything is disposed");
  }
  return OkStatus();
}

}  // namespace archived::retention
