#include "archived/backup/schedule.h"

#include <chrono>
#include <vector>

namespace archived::backup {
namespace {

using namespace std::chrono;

std::vector<std::string_view> Split(std::string_view s, char by) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = s.find(by, start);
    parts.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

bool ParseInt(std::string_view s, int* out) {
  if (s.empty() || s.size() > 4) return false;
  int v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// Sets the bits of `field` ("*/15", "1-5", "0,30") within [lo, hi]; false if malformed.
template <std::size_t N>
bool ParseField(std::string_view field, int lo, int hi, std::bitset<N>* bits) {
  for (const std::string_view item : Split(field, ',')) {
    std::string_view range = item;
    int step = 1;
    if (const std::size_t slash = item.find('/'); slash != std::string_view::npos) {
      if (!ParseInt(item.substr(slash + 1), &step) || step == 0) return false;
      range = item.substr(0, slash);
    }
    int first = lo, last = hi;
    if (range != "*") {
      const std::size_t dash = range.find('-');
      if (dash == std::string_view::npos) {
        if (!ParseInt(range, &first)) return false;
        last = item.find('/') != std::string_view::npos ? hi : first;  // "5/10": from 5 on
      } else if (!ParseInt(range.substr(0, dash), &first) || !ParseInt(range.substr(dash + 1), &last)) {
        return false;
      }
    }
    if (first < lo || last > hi || first > last) return false;
    for (int v = first; v <= last; v += step) bits->set(static_cast<std::size_t>(v));
  }
  return true;
}

}  // namespace

StatusOr<CronSchedule> CronSchedule::Parse(std::string_view spec) {
  std::string text(spec);
  if (text == "@hourly") text = "0 * * * *";
  if (text == "@daily" || text == "@midnight") text = "0 0 * * *";
  if (text == "@weekly") text = "0 0 * * 0";
  if (text == "@monthly") text = "0 0 1 * *";
  if (text == "@yearly" || text == "@annually") text = "0 0 1 1 *";
  std::vector<std::string_view> fields;
  for (const std::string_view f : Split(text, ' ')) {
    if (!f.empty()) fields.push_back(f);
  }
  const auto bad = [&](const char* what) {
    return InvalidArgumentError("schedule \"" + std::string(spec) + "\": " + what +
                                " (cron syntax: minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\")");
  };
  if (fields.size() != 5) return bad("needs five fields");
  CronSchedule s;
  s.spec_ = std::string(spec);
  if (!ParseField(fields[0], 0, 59, &s.minutes_)) return bad("bad minute field");
  if (!ParseField(fields[1], 0, 23, &s.hours_)) return bad("bad hour field");
  if (!ParseField(fields[2], 1, 31, &s.month_days_)) return bad("bad day-of-month field");
  if (!ParseField(fields[3], 1, 12, &s.months_)) return bad("bad month field");
  std::bitset<8> week;
  if (!ParseField(fields[4], 0, 7, &week)) return bad("bad day-of-week field");
  for (int d = 0; d < 7; ++d) s.week_days_[static_cast<std::size_t>(d)] = week[static_cast<std::size_t>(d)];
  if (week[7]) s.week_days_.set(0);
  s.month_days_restricted_ = fields[2] != "*";
  s.week_days_restricted_ = fields[4] != "*";
  return s;
}

bool CronSchedule::DayMatches(int month_day, int week_day) const {
  const bool by_month = month_days_[static_cast<std::size_t>(month_day)];
  const bool by_week = week_days_[static_cast<std::size_t>(week_day)];
  if (month_days_restricted_ && week_days_restricted_) return by_month || by_week;
  return by_month && by_week;
}

Timestamp CronSchedule::Next(Timestamp after) const {
  // Day by day, then hour and minute within a matching day; at most a few years of days
  // (a "31 2 *" schedule never matches: it then gives a time far in the future).
  sys_days day = floor<days>(after);
  const minutes after_minute = floor<minutes>(after - day);
  for (int i = 0; i < 366 * 5; ++i, day += days(1)) {
    const year_month_day ymd{day};
    const int week_day = static_cast<int>(weekday{day}.c_encoding());
    if (!months_[static_cast<unsigned>(ymd.month())] || !DayMatches(static_cast<int>(static_cast<unsigned>(ymd.day())), week_day)) {
      continue;
    }
    for (int h = 0; h < 24; ++h) {
      if (!hours_[static_cast<std::size_t>(h)]) continue;
      for (int m = 0; m < 60; ++m) {
        if (!minutes_[static_cast<std::size_t>(m)]) continue;
        const minutes at = hours(h) + minutes(m);
        if (i == 0 && at <= after_minute) continue;
        return Timestamp(day) + at;
      }
    }
  }
  return Timestamp(day);
}

}  // namespace archived::backup
