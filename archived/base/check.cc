#include "archived/base/check.h"

#include <cstdio>
#include <cstdlib>

namespace archived::internal {

void CheckFailed(const char* file, int line, const char* condition) {
  std::fprintf(stderr, "check failed at %s:%d: %s\n", file, line, condition);
  std::fflush(stderr);
  std::abort();
}

}  // namespace archived::internal
