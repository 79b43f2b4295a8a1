// Retention decisions against tables of cases with fixed dates: every trigger, with and
// without cut-offs (calendar and fiscal), leap days and year ends, holds, destroyed and
// transferred documents, the presets, which changes shorten a schedule, and the clock guard.
#include "archived/retention/decision.h"

#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace archived::retention {
namespace {

using namespace std::chrono;

Date D(int y, unsigned m, unsigned d) { return Date{year{y}, month{m}, day{d}}; }

std::string Show(const std::optional<Date>& d) {
  if (!d) return "none";
  return std::to_string(static_cast<int>(d->year())) + "-" + std::to_string(static_cast<unsigned>(d->month())) + "-" +
         std::to_string(static_cast<unsigned>(d->day()));
}

TEST(RetentionTest, DueDates) {
  struct Case {
    const char* what;
    Schedule schedule;
    Date trigger;
    std::optional<Date> due;
  };
  const Case cases[] = {
      {"10 years, no cut-off", {.years = 10}, D(2026, 3, 10), D(2036, 3, 10)},
      {"10 years from a leap day", {.years = 10}, D(2024, 2, 29), D(2034, 2, 28)},
      {"4 years from a leap day lands on one", {.years = 4}, D(2024, 2, 29), D(2028, 2, 29)},
      {"18 months from 31 August", {.years = 1, .months = 6}, D(2026, 8, 31), D(2028, 2, 29)},
      {"1 month from 31 January", {.months = 1}, D(2027, 1, 31), D(2027, 2, 28)},
      {"calendar cut-off counts from 1 January next", {.years = 10, .cut_off = CutOff::kCalendarYear},
       D(2026, 3, 10), D(2037, 1, 1)},
      {"calendar cut-off on 31 December", {.years = 10, .cut_off = CutOff::kCalendarYear}, D(2026, 12, 31),
       D(2037, 1, 1)},
      {"calendar cut-off on 1 January", {.years = 10, .cut_off = CutOff::kCalendarYear}, D(2026, 1, 1), D(2037, 1, 1)},
      {"fiscal year from July, trigger in March",
       {.years = 7, .cut_off = CutOff::kFiscalYear, .fiscal_year_start_month = 7}, D(2026, 3, 10), D(2033, 7, 1)},
      {"fiscal year from July, trigger in July",
       {.years = 7, .cut_off = CutOff::kFiscalYear, .fiscal_year_start_month = 7}, D(2026, 7, 1), D(2034, 7, 1)},
      {"fiscal year from April, trigger 31 March",
       {.years = 1, .cut_off = CutOff::kFiscalYear, .fiscal_year_start_month = 4}, D(2026, 3, 31), D(2027, 4, 1)},
      {"permanent", {.permanent = true}, D(2026, 3, 10), std::nullopt},
  };
  for (const Case& c : cases) {
    ASSERT_OK(c.schedule.Validate());
    EXPECT_EQ(Show(DueDate(c.schedule, c.trigger)), Show(c.due)) << c.what;
  }
}

TEST(RetentionTest, DecisionsForEveryTriggerHoldAndState) {
  const Schedule by_filing{.years = 2};
  const Schedule by_date{.years = 2, .trigger = Trigger::kDocumentDate};
  const Schedule by_closing{.months = 6, .trigger = Trigger::kClosing, .action = Action::kTransfer};
  const Schedule by_event{.years = 5, .trigger = Trigger::kEvent, .event = "staff separation"};
  Facts facts{.filed = D(2024, 5, 1), .document_date = D(2023, 12, 30), .closed = {}, .events = {}};
  struct Case {
    const char* what;
    Schedule schedule;
    Facts facts;
    std::vector<std::string> holds;
    Date today;
    State state;
    std::optional<Date> due;
  };
  Facts closed = facts;
  closed.closed = D(2025, 1, 15);
  Facts separated = facts;
  separated.events["staff separation"] = D(2026, 2, 1);
  Facts undated = facts;
  undated.document_date.reset();
  Facts destroyed = facts;
  destroyed.destroyed = true;
  Facts transferred = facts;
  transferred.transferred = true;
  Facts extended = facts;  // taken out of a batch: kept until 2027-02-28 (a year end in between)
  extended.retain_until = D(2027, 2, 28);
  Facts extended_earlier = facts;  // an extension before the due date changes nothing
  extended_earlier.retain_until = D(2025, 12, 31);
  const Case cases[] = {
      {"extended: due the day after", by_filing, extended, {}, D(2027, 2, 28), State::kRetained, D(2027, 3, 1)},
      {"extended: then due", by_filing, extended, {}, D(2027, 3, 1), State::kDue, D(2027, 3, 1)},
      {"an earlier extension", by_filing, extended_earlier, {}, D(2026, 5, 1), State::kDue, D(2026, 5, 1)},
      {"filing: the day before due", by_filing, facts, {}, D(2026, 4, 30), State::kRetained, D(2026, 5, 1)},
      {"filing: due on the day", by_filing, facts, {}, D(2026, 5, 1), State::kDue, D(2026, 5, 1)},
      {"filing: due and held", by_filing, facts, {"audit 2026"}, D(2027, 1, 1), State::kHeld, D(2026, 5, 1)},
      {"held but not yet due stays retained", by_filing, facts, {"audit 2026"}, D(2025, 1, 1), State::kRetained,
       D(2026, 5, 1)},
      {"document date", by_date, facts, {}, D(2025, 12, 30), State::kDue, D(2025, 12, 30)},
      {"document date missing: filing date", by_date, undated, {}, D(2025, 12, 30), State::kRetained, D(2026, 5, 1)},
      {"not closed yet", by_closing, facts, {}, D(2040, 1, 1), State::kAwaitingTrigger, std::nullopt},
      {"closed", by_closing, closed, {}, D(2025, 7, 15), State::kDue, D(2025, 7, 15)},
      {"event not recorded", by_event, facts, {}, D(2040, 1, 1), State::kAwaitingTrigger, std::nullopt},
      {"event recorded", by_event, separated, {}, D(2031, 1, 31), State::kRetained, D(2031, 2, 1)},
      {"event recorded, due", by_event, separated, {}, D(2031, 2, 1), State::kDue, D(2031, 2, 1)},
      {"permanent is never due", {.permanent = true}, facts, {}, D(2999, 1, 1), State::kPermanent, std::nullopt},
      {"destroyed", by_filing, destroyed, {}, D(2030, 1, 1), State::kDestroyed, std::nullopt},
      {"transferred", by_filing, transferred, {"x"}, D(2030, 1, 1), State::kTransferred, std::nullopt},
  };
  for (const Case& c : cases) {
    const Decision d = Decide(c.schedule, c.facts, c.holds, c.today);
    EXPECT_EQ(static_cast<int>(d.state), static_cast<int>(c.state)) << c.what;
    EXPECT_EQ(Show(d.due), Show(c.due)) << c.what;
    if (c.state == State::kHeld) {
      EXPECT_EQ(d.holds, c.holds) << c.what;
    }
    EXPECT_EQ(d.action, c.schedule.action) << c.what;
  }
}

TEST(RetentionTest, PresetsOfTheChineseClasses) {
  ASSERT_OK_AND_ASSIGN(const Schedule y, PresetFor(v1::RETENTION_CLASS_PERMANENT));
  EXPECT_TRUE(y.permanent);
  ASSERT_OK_AND_ASSIGN(const Schedule d30, PresetFor(v1::RETENTION_CLASS_30_YEARS));
  ASSERT_OK_AND_ASSIGN(const Schedule d10, PresetFor(v1::RETENTION_CLASS_10_YEARS));
  // A 2026 document: counted from 1 January 2027.
  const Facts facts{.filed = D(2026, 11, 24), .document_date = D(2026, 6, 30), .closed = {}, .events = {}};
  EXPECT_EQ(Show(Decide(d10, facts, {}, D(2036, 12, 31)).due), "2037-1-1");
  EXPECT_EQ(static_cast<int>(Decide(d10, facts, {}, D(2036, 12, 31)).state), static_cast<int>(State::kRetained));
  EXPECT_EQ(static_cast<int>(Decide(d10, facts, {}, D(2037, 1, 1)).state), static_cast<int>(State::kDue));
  EXPECT_EQ(Show(Decide(d30, facts, {}, D(2057, 1, 1)).due), "2057-1-1");
  EXPECT_EQ(d30.action, Action::kReview) << "定期 archives are appraised (鉴定) before destruction";
  EXPECT_FALSE(PresetFor(v1::RETENTION_CLASS_UNSPECIFIED).ok());
}

TEST(RetentionTest, WhichChangesShortenASchedule) {
  const Schedule d10 = *PresetFor(v1::RETENTION_CLASS_10_YEARS);
  const Schedule d30 = *PresetFor(v1::RETENTION_CLASS_30_YEARS);
  const Schedule y = *PresetFor(v1::RETENTION_CLASS_PERMANENT);
  Schedule d10_no_cutoff = d10;
  d10_no_cutoff.cut_off = CutOff::kNone;
  Schedule d10_destroy = d10;
  d10_destroy.action = Action::kDestroy;
  Schedule d10_by_filing = d10;
  d10_by_filing.trigger = Trigger::kFiling;
  Schedule plain{.years = 10};
  Schedule plain_with_cutoff = plain;
  plain_with_cutoff.cut_off = CutOff::kCalendarYear;
  Schedule transfer = plain;
  transfer.action = Action::kTransfer;
  Schedule transfer_and_destroy = transfer;
  transfer_and_destroy.destroy_after_transfer = true;
  struct Case {
    const char* what;
    Schedule from, to;
    bool shortens;
  };
  const Case cases[] = {
      {"D10 to D30 lengthens", d10, d30, false},
      {"D30 to D10", d30, d10, true},
      {"to permanent lengthens", d10, y, false},
      {"permanent to D30", y, d30, true},
      {"permanent stays", y, y, false},
      {"the same", d10, d10, false},
      {"dropping the cut-off", d10, d10_no_cutoff, true},
      {"adding a cut-off lengthens", plain, plain_with_cutoff, false},
      {"review to destroy", d10, d10_destroy, true},
      {"destroy to review", d10_destroy, d10, false},
      {"another trigger", d10, d10_by_filing, true},
      {"destroying the copy after a transfer", transfer, transfer_and_destroy, true},
      {"keeping the copy after a transfer", transfer_and_destroy, transfer, false},
  };
  for (const Case& c : cases) EXPECT_EQ(Shortens(c.from, c.to), c.shortens) << c.what;
}

TEST(RetentionTest, BadSchedulesAreRefused) {
  EXPECT_FALSE((Schedule{}).Validate().ok()) << "no period";
  EXPECT_FALSE((Schedule{.permanent = true, .years = 1}).Validate().ok());
  EXPECT_FALSE((Schedule{.years = -1}).Validate().ok());
  EXPECT_FALSE((Schedule{.years = 1, .trigger = Trigger::kEvent}).Validate().ok()) << "event without a name";
  EXPECT_FALSE((Schedule{.years = 1, .event = "x"}).Validate().ok());
  EXPECT_FALSE((Schedule{.years = 1, .cut_off = CutOff::kFiscalYear, .fiscal_year_start_month = 13}).Validate().ok());
}

TEST(RetentionTest, AClockJumpNeverDisposesByItself) {
  const auto seen = sys_days{year{2026} / 11 / 24} + hours(2);
  EXPECT_OK(CheckClock(seen, seen + hours(24), hours(72)));
  EXPECT_OK(CheckClock(seen, seen, hours(72)));
  const Status back = CheckClock(seen, seen - hours(1), hours(72));
  EXPECT_EQ(back.code(), StatusCode::kFailedPrecondition);
  const Status jump = CheckClock(seen, seen + days(3650), hours(72));
  EXPECT_EQ(jump.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(jump.message().find("jumped"), std::string::npos) << jump.message();
}

}  // namespace
}  // namespace archived::retention
