// The benchmark tools' own CPU time, for the CPU each document costs them.
#pragma once

#include <sys/resource.h>

namespace archived::bench {

// This process's CPU time so far, user and system, over all its threads, in microseconds.
inline double CpuMicros() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto micros = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_usec);
  };
  return micros(usage.ru_utime) + micros(usage.ru_stime);
}

}  // namespace archived::bench
