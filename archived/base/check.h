// Checks for programmer errors. They stay on in release builds and abort with file:line, as
// TigerBeetle keeps assertions in production; expected failures are Status values instead.
// Thread-safe.
#pragma once

namespace archived::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition);
}  // namespace archived::internal

#define ARCHIVED_CHECK(cond)                                            \
  do {                                                                  \
    if (!(cond)) [[unlikely]] {                                         \
      ::archived::internal::CheckFailed(__FILE__, __LINE__, #cond);     \
    }                                                                   \
  } while (false)
#define ARCHIVED_CHECK_EQ(a, b) ARCHIVED_CHECK((a) == (b))
#define ARCHIVED_CHECK_NE(a, b) ARCHIVED_CHECK((a) != (b))
#define ARCHIVED_CHECK_LE(a, b) ARCHIVED_CHECK((a) <= (b))
#define ARCHIVED_CHECK_LT(a, b) ARCHIVED_CHECK((a) < (b))
#ifdef NDEBUG
#define ARCHIVED_DCHECK(cond) \
  do {                        \
  } while (false && (cond))
#else
#define ARCHIVED_DCHECK(cond) ARCHIVED_CHECK(cond)
#endif
