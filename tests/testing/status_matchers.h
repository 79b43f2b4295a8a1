// Test helpers for Status: ASSERT_OK, EXPECT_OK, ASSERT_OK_AND_ASSIGN and EXPECT_STATUS. Header only.
#pragma once

#include <gtest/gtest.h>

#include "archived/base/status.h"

namespace archived::testing {
inline const Status& GetStatus(const Status& s) { return s; }
template <typename T>
const Status& GetStatus(const StatusOr<T>& s) {
  return s.status();
}
// Success when `status` has `code` and its message contains `part`.
inline ::testing::AssertionResult HasStatus(const Status& status, StatusCode code, std::string_view part) {
  if (status.code() == code && status.message().find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "got " << status.ToString() << ", expected code "
                                       << Status(code, "").ToString() << " with \"" << part << "\"";
}
}  // namespace archived::testing

// EXPECT_STATUS(expr, kNotFound, "part of the message"): expr is a Status or a StatusOr.
#define EXPECT_STATUS(expr, code, part) \
  EXPECT_TRUE(::archived::testing::HasStatus(::archived::testing::GetStatus(expr), ::archived::StatusCode::code, part))

#define ASSERT_OK(expr) ASSERT_TRUE(::archived::testing::GetStatus(expr).ok()) << ::archived::testing::GetStatus(expr).ToString()
#define EXPECT_OK(expr) EXPECT_TRUE(::archived::testing::GetStatus(expr).ok()) << ::archived::testing::GetStatus(expr).ToString()
#define ARCHIVED_TEST_CONCAT_INNER(a, b) a##b
#define ARCHIVED_TEST_CONCAT(a, b) ARCHIVED_TEST_CONCAT_INNER(a, b)
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  ASSERT_OK_AND_ASSIGN_IMPL(ARCHIVED_TEST_CONCAT(statusor_, __LINE__), lhs, rexpr)
#define ASSERT_OK_AND_ASSIGN_IMPL(statusor, lhs, rexpr)        \
  auto statusor = (rexpr);                                     \
  ASSERT_TRUE(statusor.ok()) << statusor.status().ToString(); \
  lhs = std::move(statusor).value()
