// Status and StatusOr: codes, names, annotation and value access.
#include "archived/base/status.h"

#include <gtest/gtest.h>

#include <memory>

#include "archived/base/status_macros.h"

namespace archived {
namespace {

TEST(StatusTest, DefaultIsOk) {
  EXPECT_TRUE(Status().ok());
  EXPECT_EQ(Status().ToString(), "OK");
}

TEST(StatusTest, AnnotatePrependsContext) {
  const Status s = NotFoundError("no such key").Annotate("open document \"x\"");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "open document \"x\": no such key");
  EXPECT_TRUE(OkStatus().Annotate("ctx").ok());
}

TEST(StatusTest, CodeNamesRoundTrip) {
  for (int i = 0; i <= 16; ++i) {
    const auto code = static_cast<StatusCode>(i);
    EXPECT_EQ(StatusCodeFromName(StatusCodeName(code)), code);
  }
  EXPECT_EQ(StatusCodeName(StatusCode::kFailedPrecondition), "FAILED_PRECONDITION");
  EXPECT_EQ(StatusCodeFromName("NOPE"), StatusCode::kUnknown);
}

StatusOr<int> Half(int x) {
  if (x % 2 != 0) {
    return InvalidArgumentError("odd");
  }
  return x / 2;
}

StatusOr<int> Quarter(int x) {
  ARCHIVED_ASSIGN_OR_RETURN(const int half, Half(x));
  ARCHIVED_ASSIGN_OR_RETURN(const int quarter, Half(half));
  return quarter;
}

TEST(StatusOrTest, MacrosPropagateErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), StatusCode::kInvalidArgument);
}

TEST(StatusOrTest, HoldsMoveOnlyValues) {
  StatusOr<std::unique_ptr<int>> p = std::make_unique<int>(7);
  ASSERT_TRUE(p.ok());
  std::unique_ptr<int> owned = std::move(p).value();
  EXPECT_EQ(*owned, 7);
}

TEST(StatusOrDeathTest, ValueOfErrorAborts) {
  StatusOr<int> bad = InternalError("x");
  EXPECT_DEATH(IgnoreError(Status(StatusCode::kOk, std::to_string(bad.value()))), "check failed");
}

}  // namespace
}  // namespace archived
