// archivectl's pure parts: argument parsing, server URLs, error bodies back to Status, exit
// codes.
#include "client/cli.h"
#include "client/table.h"

#include <gtest/gtest.h>

namespace archived::client {
namespace {

TEST(CliTest, ParsesFlagsSwitchesAndShortForms) {
  const StatusOr<Args> a = ParseArgs({"put", "-r", "dir", "--category=BGS", "--tags", "a,b", "-j", "8", "--", "--odd"},
                                     {"category", "tags", "jobs"}, {"recursive"});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->positional, (std::vector<std::string>{"put", "dir", "--odd"}));
  EXPECT_EQ(a->Get("category"), "BGS");
  EXPECT_EQ(a->Get("tags"), "a,b");
  EXPECT_EQ(a->Get("jobs"), "8");
  EXPECT_TRUE(a->Has("recursive"));
  EXPECT_FALSE(ParseArgs({"--nope"}, {}, {}).ok());
  EXPECT_FALSE(ParseArgs({"--category"}, {"category"}, {}).ok());
}

TEST(CliTest, ServerUrls) {
  EXPECT_EQ(ParseServerUrl("http://127.0.0.1:8750")->port, "8750");
  EXPECT_EQ(ParseServerUrl("http://localhost/")->port, "80");
  EXPECT_FALSE(ParseServerUrl("127.0.0.1:8750").ok());
  EXPECT_FALSE(ParseServerUrl("http://h:1/path").ok());
}

TEST(CliTest, ErrorBodiesBecomeStatusAndExitCodes) {
  const Status s = StatusFromResponse(404, R"({"code":"NOT_FOUND","message":"document \"x\" not found","request_id":"r"})");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "document \"x\" not found");
  EXPECT_EQ(ExitCodeFor(s), 1);
  EXPECT_EQ(StatusFromResponse(502, "<html>").code(), StatusCode::kUnavailable);
  EXPECT_EQ(ExitCodeFor(InternalError("x")), 2);
  EXPECT_EQ(ExitCodeFor(UnavailableError("x")), 2);
  EXPECT_EQ(Escape("a b/报"), "a%20b/%E6%8A%A5");
}

TEST(CliTest, TablesLineUpChineseText) {
  Table table({"id", "title", "handler"}, {0, 9, 0});
  table.AddRow({"matter-1", "落实消防安全检查", "综合科"});
  table.AddRow({"matter-12", "reply", "信访办"});
  EXPECT_EQ(table.Render(),
            "id         title      handler\n"
            "---------  ---------  -------\n"
            "matter-1   落实消防…  综合科\n"
            "matter-12  reply      信访办\n");
}

}  // namespace
}  // namespace archived::client
