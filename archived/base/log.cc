#include "archived/base/log.h"

#include <cstdio>
#include <mutex>
#include <string>

#include "archived/base/clock.h"

namespace archived {

void LogLine(std::string_view line) {
  static std::mutex mu;
  std::string out = FormatRfc3339(SystemClock::Get().Now());
  out += ' ';
  // Neutralize control characters so that user strings cannot forge log lines.
  for (const char c : line) {
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
  }
  out += '\n';
  std::lock_guard lock(mu);
  std::fwrite(out.data(), 1, out.size(), stderr);
  std::fflush(stderr);
}

}  // namespace archived
