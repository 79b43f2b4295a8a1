// Between the persisted retention records (proto) and the pure decision types
// (decision.h): a category's or a document's schedule, a document's facts, dates as text.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "archived/base/clock.h"
#include "archived/base/status.h"
#include "archived/retention/decision.h"
#include "archived/v1/catalog.pb.h"
#include "archived/v1/registers.pb.h"
#include "archived/v1/retention.pb.h"

namespace archived::retention {

// The name of the event that closes a file or case (Trigger::kClosing).
inline constexpr std::string_view kClosedEvent = "closed";

// Errors: kInvalidArgument naming what is wrong.
StatusOr<Schedule> FromProto(const v1::RetentionSchedule& schedule);
v1::RetentionSchedule ToProto(const Schedule& schedule);

// The schedule a document follows: a review's override, else its category's own, else the
// preset of the category's retention class. Errors: kInvalidArgument for a stored schedule
// that does not validate.
StatusOr<Schedule> ScheduleFor(const v1::Category& category, const v1::Document& document);
// The same for a register entry (a stored one: its category is its kind's).
StatusOr<Schedule> ScheduleFor(const v1::Category& category, const v1::RegisterEntry& entry);
StatusOr<Schedule> ScheduleOf(const v1::Category& category);

// "10 years after the document date, counted from the end of its calendar year, then review".
std::string Describe(const Schedule& schedule);

// The dates that retention counts from. Errors: kDataLoss for a malformed stored date.
StatusOr<Facts> FactsOf(const v1::Document& document);
// A stored register entry's: filed the day it was added (it has no date of its own), its
// event fields' dates as events ("closed" as its closing). Errors: kDataLoss.
StatusOr<Facts> FactsOf(const v1::RegisterEntry& entry);

// Dates as text: ParseCalendarDate (archived/base/clock.h) and back.
std::string FormatDate(Date date);
// The UTC calendar day of `time`.
Date DayOf(Timestamp time);

std::string_view ActionName(Action action);  // "destroy", "transfer", "review"
v1::DispositionAction ToProto(Action action);

}  // namespace archived::retention
