// Keep-policy arithmetic against a table of cases (restic's semantics: the newest backup of
// each of the newest N periods that have one), the vault's age limit, and the newest
// backup always kept.
#include "archived/backup/keep.h"

#include <gtest/gtest.h>

#include <chrono>

namespace archived::backup {
namespace {

using namespace std::chrono;

Timestamp At(int y, unsigned m, unsigned d, int hour = 12) {
  return sys_days{year{y} / month{m} / day{d}} + hours(hour);
}

TEST(KeepTest, TableOfCases) {
  // Backups: 2026-11-24 (Tue) 12:00 and 02:00, 11-23 (Mon), 11-22 (Sun), 11-16 (Mon),
  // 10-31, 09-15, 2025-12-31, 2025-06-01.
  const std::vector<Dated> backups = {
      {9, At(2026, 11, 24)}, {8, At(2026, 11, 24, 2)}, {7, At(2026, 11, 23)}, {6, At(2026, 11, 22)},
      {5, At(2026, 11, 16)}, {4, At(2026, 10, 31)},    {3, At(2026, 9, 15)},  {2, At(2025, 12, 31)},
      {1, At(2025, 6, 1)}};
  const Timestamp now = At(2026, 11, 24, 13);
  struct Case {
    const char* what;
    KeepPolicy policy;
    std::set<std::uint64_t> kept;
  };
  const Case cases[] = {
      {"no rule keeps everything", {}, {1, 2, 3, 4, 5, 6, 7, 8, 9}},
      {"last 3", {.last = 3}, {9, 8, 7}},
      {"daily 3: the newest of each of 3 days", {.daily = 3}, {9, 7, 6}},
      {"weekly 2: ISO weeks starting Monday", {.weekly = 2}, {9, 6}},
      {"weekly 3", {.weekly = 3}, {9, 6, 4}},
      {"monthly 3", {.monthly = 3}, {9, 4, 3}},
      {"yearly 5", {.yearly = 5}, {9, 2}},
      {"last 1 + monthly 2 + yearly 2", {.last = 1, .monthly = 2, .yearly = 2}, {9, 4, 2}},
      {"vault: last 7, nothing older than 35 days", {.last = 7, .max_age_days = 35}, {9, 8, 7, 6, 5, 4}},
      {"age limit never drops the newest", {.last = 2, .max_age_days = 1}, {9, 8}},
      {"more periods than backups", {.daily = 100}, {9, 7, 6, 5, 4, 3, 2, 1}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Kept(backups, c.policy, now), c.kept) << c.what;
  }
  // The newest is kept even when every one is past the age limit.
  EXPECT_EQ(Kept(backups, {.last = 3, .max_age_days = 1}, At(2027, 6, 1)), (std::set<std::uint64_t>{9}));
  EXPECT_TRUE(Kept({}, {.last = 3}, now).empty());
}

}  // namespace
}  // namespace archived::backup
