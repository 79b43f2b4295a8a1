#include "archived/backup/keep.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>

namespace archived::backup {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

// The period a time falls in, for each calendar rule, as a comparable number.
std::int64_t DayOf(Timestamp t) { return std::chrono::floor<days>(t).time_since_epoch().count(); }
std::int64_t IsoWeekOf(Timestamp t) {
  // 1970-01-01 was a Thursday; shifting by 3 days makes weeks start on Monday.
  const std::int64_t d = DayOf(t) + 3;
  return d >= 0 ? d / 7 : (d - 6) / 7;
}
std::int64_t MonthOf(Timestamp t) {
  const year_month_day ymd{std::chrono::floor<days>(t)};
  return static_cast<std::int64_t>(static_cast<int>(ymd.year())) * 12 + static_cast<unsigned>(ymd.month());
}
std::int64_t YearOf(Timestamp t) {
  return static_cast<int>(year_month_day{std::chrono::floor<days>(t)}.year());
}

}  // namespace

std::set<std::uint64_t> Kept(std::vector<Dated> backups, const KeepPolicy& policy, Timestamp now) {
  std::set<std::uint64_t> kept;
  if (backups.empty()) return kept;
  // Newest first (by time, then seq).
  std::sort(backups.begin(), backups.end(), [](const Dated& a, const Dated& b) {
    return a.time != b.time ? a.time > b.time : a.seq > b.seq;
  });
  if (policy.empty()) {
    for (const Dated& b : backups) kept.insert(b.seq);
  } else {
    for (int i = 0; i < policy.last && i < static_cast<int>(backups.size()); ++i) kept.insert(backups[i].seq);
    const std::pair<int, std::function<std::int64_t(Timestamp)>> rules[] = {
        {policy.daily, DayOf}, {policy.weekly, IsoWeekOf}, {policy.monthly, MonthOf}, {policy.yearly, YearOf}};
    for (const auto& [count, period_of] : rules) {
      int periods = 0;
      std::optional<std::int64_t> previous;
      for (const Dated& b : backups) {
        if (periods >= count) break;
        const std::int64_t period = period_of(b.time);
        if (previous && *previous == period) continue;  // only the newest of each period
        previous = period;
        kept.insert(b.seq);
        ++periods;
      }
    }
  }
  if (policy.max_age_days > 0) {
    const Timestamp cutoff = now - days(policy.max_age_days);
    for (const Dated& b : backups) {
      if (b.time < cutoff) kept.erase(b.seq);
    }
  }
  kept.insert(backups.front().seq);  // never the newest
  return kept;
}

}  // namespace archived::backup
