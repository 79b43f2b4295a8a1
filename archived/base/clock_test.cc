// Clock helpers: RFC 3339 formatting, years, and the fake clock tests rely on.
#include "archived/base/clock.h"

#include <gtest/gtest.h>

namespace archived {
namespace {

TEST(ClockTest, FormatsRfc3339InUtc) {
  const Timestamp t = FromUnixMicros(1795508130123456LL);  // 2026-11-24T...
  EXPECT_EQ(FormatRfc3339(t), "2026-11-24T08:15:30.123456Z");
  EXPECT_EQ(UtcYear(t), 2026);
  EXPECT_EQ(ToUnixMicros(t), 1795508130123456LL);
}

TEST(ClockTest, FakeClockAdvances) {
  FakeClock clock(FromUnixMicros(0));
  clock.Advance(std::chrono::seconds(2));
  EXPECT_EQ(ToUnixMicros(clock.Now()), 2000000);
}

}  // namespace
}  // namespace archived
