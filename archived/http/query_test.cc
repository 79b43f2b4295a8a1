// Request-target parsing, Range, If-None-Match and Content-Disposition, including Chinese
// filenames and hostile inputs.
#include "archived/http/query.h"

#include <gtest/gtest.h>

namespace archived::http {
namespace {

TEST(QueryTest, ParsesPathAndQuery) {
  const StatusOr<Target> t = ParseTarget("/api/v1/documents?title=%E4%BC%9A%E8%AE%AE+notes&tags=a,b&tags=c&x");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->path, "/api/v1/documents");
  EXPECT_EQ(t->Get("title"), "会议 notes");
  EXPECT_EQ(t->GetAll("tags"), (std::vector<std::string>{"a,b", "c"}));
  EXPECT_EQ(t->Get("x"), "");
  EXPECT_FALSE(t->Get("missing"));
  EXPECT_FALSE(ParseTarget("/a?b=%zz").ok());
  EXPECT_FALSE(ParseTarget("/a?b=%4").ok());
  EXPECT_FALSE(ParseTarget("http://evil/").ok());
  EXPECT_EQ(ParseTarget("/a+b")->path, "/a+b");
}

TEST(QueryTest, Ranges) {
  ByteRange r;
  EXPECT_EQ(ParseRange("bytes=0-99", 1000, &r), RangeResult::kSatisfiable);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 99u);
  EXPECT_EQ(ParseRange("bytes=900-", 1000, &r), RangeResult::kSatisfiable);
  EXPECT_EQ(r.last, 999u);
  EXPECT_EQ(ParseRange("bytes=-10", 1000, &r), RangeResult::kSatisfiable);
  EXPECT_EQ(r.first, 990u);
  EXPECT_EQ(ParseRange("bytes=990-5000", 1000, &r), RangeResult::kSatisfiable);
  EXPECT_EQ(r.last, 999u);
  EXPECT_EQ(ParseRange("bytes=1000-", 1000, &r), RangeResult::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=0-1,5-6", 1000, &r), RangeResult::kNone);
  EXPECT_EQ(ParseRange("bytes=5-1", 1000, &r), RangeResult::kNone);
  EXPECT_EQ(ParseRange("items=0-1", 1000, &r), RangeResult::kNone);
  EXPECT_EQ(ParseRange("", 1000, &r), RangeResult::kNone);
  EXPECT_EQ(ParseRange("bytes=0-", 0, &r), RangeResult::kUnsatisfiable);
}

TEST(QueryTest, IfNoneMatch) {
  EXPECT_TRUE(IfNoneMatchMatches("\"abc\"", "abc"));
  EXPECT_TRUE(IfNoneMatchMatches("W/\"x\", \"abc\"", "abc"));
  EXPECT_TRUE(IfNoneMatchMatches("*", "abc"));
  EXPECT_FALSE(IfNoneMatchMatches("\"abd\"", "abc"));
}

TEST(QueryTest, ContentDispositionCarriesUtf8Names) {
  const std::string d = ContentDisposition("会议纪要.docx");
  EXPECT_NE(d.find("filename*=UTF-8''%E4%BC%9A%E8%AE%AE%E7%BA%AA%E8%A6%81.docx"), std::string::npos);
  EXPECT_EQ(ContentDisposition("a\"b.txt").find("a\"b"), std::string::npos);
}

}  // namespace
}  // namespace archived::http
