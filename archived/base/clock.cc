#include "archived/base/clock.h"

#include <cstdio>

namespace archived {

Timestamp SystemClock::Now() const { return std::chrono::system_clock::now(); }

const Clock& SystemClock::Get() {
  static const SystemClock* const clock = new SystemClock();
  return *clock;
}

Timestamp FakeClock::Now() const { return FromUnixMicros(micros_.load()); }

std::int64_t FakeClock::ToMicros(Timestamp t) { return ToUnixMicros(t); }

std::int64_t ToUnixMicros(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

Timestamp FromUnixMicros(std::int64_t micros) {
  return Timestamp(std::chrono::duration_cast<Timestamp::duration>(
      std::chrono::microseconds(micros)));
}

int UtcYear(Timestamp t) {
  const auto days = std::chrono::floor<std::chrono::days>(t);
  return static_cast<int>(std::chrono::year_month_day(days).year());
}

std::string FormatRfc3339(Timestamp t) {
  const auto days = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd(days);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t - days).count();
  const long long seconds_of_day = micros / 1000000;
  char out[40];
  std::snprintf(out, sizeof(out), "%04d-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), seconds_of_day / 3600,
                (seconds_of_day / 60) % 60, seconds_of_day % 60, static_cast<long long>(micros % 1000000));
  return out;
}

StatusOr<std::chrono::year_month_day> ParseCalendarDate(std::string_view field, std::string_view text) {
  unsigned y = 0, m = 0, d = 0;
  char tail = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' ||
      std::sscanf(std::string(text).c_str(), "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3) {
    return InvalidArgumentError(std::string(field) + ": use YYYY-MM-DD");
  }
  const std::chrono::year_month_day date{std::chrono::year(static_cast<int>(y)), std::chrono::month(m),
                                         std::chrono::day(d)};
  if (!date.ok() || y < 1000) return InvalidArgumentError(std::string(field) + ": not a calendar date");
  return date;
}

std::string FormatCalendarDate(std::chrono::year_month_day date) {
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()));
  return out;
}

}  // namespace archived
