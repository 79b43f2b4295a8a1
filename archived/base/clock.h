// Clock: the only source of wall time for production code (tidy.sh rejects direct
// system_clock::now() calls elsewhere). SystemClock is the real one; FakeClock is for tests.
// Both are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "archived/base/status.h"

namespace archived {

using Timestamp = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
  // A process-wide instance; never destroyed.
  static const Clock& Get();
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(Timestamp start) : micros_(ToMicros(start)) {}
  Timestamp Now() const override;
  void Advance(std::chrono::microseconds delta) { micros_ += delta.count(); }
  void Set(Timestamp t) { micros_ = ToMicros(t); }

 private:
  static std::int64_t ToMicros(Timestamp t);
  std::atomic<std::int64_t> micros_;
};

std::int64_t ToUnixMicros(Timestamp t);
Timestamp FromUnixMicros(std::int64_t micros);
// Civil year (UTC) of `t`, e.g. 2026.
int UtcYear(Timestamp t);
// "2026-11-24T08:15:30.123456Z".
std::string FormatRfc3339(Timestamp t);
// "YYYY-MM-DD", a calendar date in the years 1000–9999. Errors: kInvalidArgument naming
// `field` ("FIELD: use YYYY-MM-DD" or "FIELD: not a calendar date").
StatusOr<std::chrono::year_month_day> ParseCalendarDate(std::string_view field, std::string_view text);
// The inverse: "YYYY-MM-DD".
std::string FormatCalendarDate(std::chrono::year_month_day date);

}  // namespace archived
