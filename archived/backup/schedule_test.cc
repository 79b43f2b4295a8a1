// Cron schedules: parsing (and refusing) specs, and the next due time with a fake clock's
// instants, across hour, day, month and year ends and the either-day rule.
#include "archived/backup/schedule.h"

#include <gtest/gtest.h>

#include <chrono>

#include "tests/testing/status_matchers.h"

namespace archived::backup {
namespace {

using namespace std::chrono;

Timestamp At(int y, unsigned mo, unsigned d, int h, int mi, int s = 0) {
  return sys_days{year{y} / month{mo} / day{d}} + hours(h) + minutes(mi) + seconds(s);
}

TEST(CronScheduleTest, NextDueTimes) {
  struct Case {
    const char* spec;
    Timestamp after, next;
  };
  const Case cases[] = {
      {"0 2 * * *", At(2026, 11, 24, 1, 59, 59), At(2026, 11, 24, 2, 0)},
      {"0 2 * * *", At(2026, 11, 24, 2, 0), At(2026, 11, 25, 2, 0)},  // strictly after
      {"0 2 * * *", At(2026, 12, 31, 3, 0), At(2027, 1, 1, 2, 0)},
      {"*/15 * * * *", At(2026, 11, 24, 10, 7), At(2026, 11, 24, 10, 15)},
      {"*/15 * * * *", At(2026, 11, 24, 23, 50), At(2026, 11, 25, 0, 0)},
      {"30 1 1 * *", At(2026, 11, 24, 0, 0), At(2026, 12, 1, 1, 30)},
      {"0 3 * * 0", At(2026, 11, 24, 0, 0), At(2026, 11, 29, 3, 0)},   // next Sunday
      {"0 3 * * 7", At(2026, 11, 24, 0, 0), At(2026, 11, 29, 3, 0)},   // 7 is Sunday too
      {"0 0 1 * 1", At(2026, 11, 24, 0, 0), At(2026, 11, 30, 0, 0)},   // the 1st or a Monday
      {"0 9-17/4 * * 1-5", At(2026, 11, 28, 12, 0), At(2026, 11, 30, 9, 0)},  // Sat -> Mon 09:00
      {"0 9-17/4 * * 1-5", At(2026, 11, 30, 9, 0), At(2026, 11, 30, 13, 0)},
      {"0 0 29 2 *", At(2026, 3, 1, 0, 0), At(2028, 2, 29, 0, 0)},     // leap day
      {"@daily", At(2026, 11, 24, 0, 0, 1), At(2026, 11, 25, 0, 0)},
      {"@hourly", At(2026, 11, 24, 10, 0), At(2026, 11, 24, 11, 0)},
      {"@weekly", At(2026, 11, 24, 10, 0), At(2026, 11, 29, 0, 0)},
      {"@monthly", At(2026, 11, 24, 10, 0), At(2026, 12, 1, 0, 0)},
      {"@yearly", At(2026, 11, 24, 10, 0), At(2027, 1, 1, 0, 0)},
      {"5,35 * * * *", At(2026, 11, 24, 10, 6), At(2026, 11, 24, 10, 35)},
  };
  for (const Case& c : cases) {
    ASSERT_OK_AND_ASSIGN(const CronSchedule s, CronSchedule::Parse(c.spec));
    EXPECT_EQ(s.Next(c.after), c.next) << c.spec << " after " << FormatRfc3339(c.after) << ": got "
                                       << FormatRfc3339(s.Next(c.after));
  }
}

TEST(CronScheduleTest, BadSpecsAreRefusedWithTheField) {
  for (const char* spec : {"", "0 2 * *", "0 2 * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *",
                           "* * * * 8", "*/0 * * * *", "5-1 * * * *", "a * * * *", "@sometimes", "1,,2 * * * *"}) {
    const StatusOr<CronSchedule> s = CronSchedule::Parse(spec);
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument) << "\"" << spec << "\"";
  }
  EXPECT_NE(CronSchedule::Parse("* 24 * * *").status().message().find("hour"), std::string::npos);
}

}  // namespace
}  // namespace archived::backup
