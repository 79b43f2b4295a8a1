// Backup schedules in cron syntax: five fields, minute (0-59), hour (0-23), day of month
// (1-31), month (1-12) and day of week (0-7, 0 and 7 Sunday), each "*", a number, a range
// "a-b", a step "*/n" or "a-b/n", or a comma list of these; or one of @hourly, @daily
// (@midnight), @weekly, @monthly, @yearly (@annually). As in cron, when both day fields are
// restricted a day matching either one is due. Times are UTC. Thread-safe.
#pragma once

#include <bitset>
#include <string>
#include <string_view>

#include "archived/base/clock.h"
#include "archived/base/status.h"

namespace archived::backup {

class CronSchedule {
 public:
  // Errors: kInvalidArgument naming the bad field.
  static StatusOr<CronSchedule> Parse(std::string_view spec);
  // The first due minute strictly after `after`.
  Timestamp Next(Timestamp after) const;
  const std::string& spec() const { return spec_; }

 private:
  CronSchedule() = default;
  bool DayMatches(int month_day, int week_day) const;

  std::string spec_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> month_days_;  // 1..31
  std::bitset<13> months_;      // 1..12
  std::bitset<7> week_days_;    // 0..6, Sunday 0
  bool month_days_restricted_ = false;
  bool week_days_restricted_ = false;
};

}  // namespace archived::backup
