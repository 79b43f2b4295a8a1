// Retention decisions (issue #6, DESIGN.md "Retention and disposition"): pure functions of a
// schedule, a document's facts, its holds and the date, so that every combination is tested
// with a fake clock. No I/O, no clock of its own. Thread-safe.
//
// A schedule keeps a document permanently, or for a period after a trigger (the filing date,
// the document's own date, its closing date, or a named event recorded later), optionally
// counted from the end of the calendar or fiscal year the trigger falls in (cut-off), and
// then calls for an action: destroy, transfer or review. A document is due on the first day
// after its period has run out. Month arithmetic keeps the day of the month, or takes the
// month's last day when it has no such day (29 February plus one year: 28 February).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "archived/base/status.h"
#include "archived/v1/catalog.pb.h"

namespace archived::retention {

using Date = std::chrono::year_month_day;

enum class Trigger { kFiling, kDocumentDate, kClosing, kEvent };
enum class CutOff { kNone, kCalendarYear, kFiscalYear };
enum class Action { kDestroy, kTransfer, kReview };

struct Schedule {
  bool permanent = false;
  int years = 0;
  int months = 0;
  Trigger trigger = Trigger::kFiling;
  std::string event;  // the event's name, for Trigger::kEvent ("staff separation" …)
  CutOff cut_off = CutOff::kNone;
  unsigned fiscal_year_start_month = 1;  // 1..12, for CutOff::kFiscalYear
  Action action = Action::kDestroy;
  bool destroy_after_transfer = false;  // for Action::kTransfer
  // Errors: kInvalidArgument naming what is wrong.
  Status Validate() const;
};

// The presets of the Chinese retention classes (DA/T 22): 永久 keeps for ever; 定期30年 and
// 定期10年 count whole years from the end of the year the document was formed in (its date,
// or its filing when it has none), then call for review (鉴定), which decides destruction.
// Errors: kInvalidArgument for RETENTION_CLASS_UNSPECIFIED.
StatusOr<Schedule> PresetFor(v1::RetentionClass retention_class);

struct Facts {
  Date filed;
  std::optional<Date> document_date;
  std::optional<Date> closed;             // the file or case closed
  std::map<std::string, Date> events;     // named events recorded for the document
  std::optional<Date> retain_until;       // kept at least until then (an exclusion, a review)
  bool destroyed = false;
  bool transferred = false;
};

enum class State {
  kPermanent,        // never due
  kRetained,         // due on `due`, in the future
  kAwaitingTrigger,  // the trigger has not happened (not closed; event not recorded)
  kDue,              // due since `due`: the schedule's action applies
  kHeld,             // would be due since `due`, but held
  kDestroyed,
  kTransferred,
};

struct Decision {
  State state = State::kRetained;
  std::optional<Date> due;  // when the period runs out, once the trigger is known
  Action action = Action::kDestroy;
  std::vector<std::string> holds;  // the holds that keep a due document
};

// The decision for a document with `facts` under `schedule`, with `holds` (names) on it, on
// `today`. A hold keeps a document whatever its schedule says.
Decision Decide(const Schedule& schedule, const Facts& facts, const std::vector<std::string>& holds, Date today);

// The day the period of `schedule` runs out for a trigger on `trigger_date` (the first day
// it is due); nullopt for a permanent schedule.
std::optional<Date> DueDate(const Schedule& schedule, Date trigger_date);

// `d` plus `months` months, on the same day of the month or the month's last day.
Date AddMonths(Date d, int months);

// True if changing a category from `from` to `to` could make some document due earlier:
// permanent to a period, a shorter period, a different trigger or cut-off, or an action that
// disposes instead of reviewing. Such a change needs the records officer and is audited.
bool Shortens(const Schedule& from, const Schedule& to);

// Guards disposition against a clock that jumped: `now` is trusted only if it is not before
// the latest time a run has seen, and not more than `max_forward` after it. Errors:
// kFailedPrecondition naming both times.
Status CheckClock(std::chrono::system_clock::time_point latest_seen, std::chrono::system_clock::time_point now,
                  std::chrono::hours max_forward);

}  // namespace archived::retention
