// The Status -> HTTP table and the error body: codes as the style guide lists them, and no
// internal detail leaking for 5xx.
#include "archived/http/error_mapping.h"

#include <gtest/gtest.h>

namespace archived::http {
namespace {

TEST(ErrorMappingTest, Table) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kFailedPrecondition), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kDataLoss), 500);
}

TEST(ErrorMappingTest, BodyHidesInternalDetails) {
  const std::string body = ErrorBodyJson(InternalError("key file /secret/path"), "req1");
  EXPECT_EQ(body.find("/secret/path"), std::string::npos);
  EXPECT_NE(body.find("\"code\":\"INTERNAL\""), std::string::npos);
  EXPECT_NE(body.find("\"request_id\":\"req1\""), std::string::npos);
  const std::string not_found = ErrorBodyJson(NotFoundError("document \"x\" not found"), "r");
  EXPECT_NE(not_found.find("document \\\"x\\\" not found"), std::string::npos);
}

}  // namespace
}  // namespace archived::http
