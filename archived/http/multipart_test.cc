// The streaming multipart parser: every split point of a body gives the same parts, boundaries
// split across pieces are found, UTF-8 filenames arrive intact, and malformed bodies and
// broken limits are refused.
#include "archived/http/multipart.h"

#include <gtest/gtest.h>

#include <vector>

namespace archived::http {
namespace {

struct Collected {
  std::vector<MultipartPart> parts;
  std::vector<std::string> data;
};

Status Parse(std::string_view body, std::size_t piece, Collected* out, MultipartLimits limits = {}) {
  MultipartParser parser("XyZ", limits,
                         {.on_part_begin = [&](const MultipartPart& p) { out->parts.push_back(p); out->data.emplace_back(); return OkStatus(); },
                          .on_part_data = [&](std::string_view d) { out->data.back().append(d); return OkStatus(); },
                          .on_part_end = [] { return OkStatus(); }});
  for (std::size_t at = 0; at < body.size(); at += piece) {
    if (Status s = parser.Feed(body.substr(at, piece)); !s.ok()) return s;
  }
  return parser.Finish();
}

const std::string kBody =
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"metadata\"\r\n"
    "Content-Type: application/json\r\n\r\n"
    "{\"title\":\"t\"}\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"会议纪要.docx\"\r\n"
    "Content-Type: application/octet-stream\r\n\r\n"
    "line1\r\n--XyNOT a boundary\r\nline3\r\n"
    "--XyZ--\r\n";

TEST(MultipartTest, SameResultAtEverySplit) {
  for (std::size_t piece = 1; piece <= kBody.size(); ++piece) {
    Collected c;
    ASSERT_TRUE(Parse(kBody, piece, &c).ok()) << piece;
    ASSERT_EQ(c.parts.size(), 2u);
    EXPECT_EQ(c.parts[0].name, "metadata");
    EXPECT_EQ(c.data[0], "{\"title\":\"t\"}");
    EXPECT_EQ(c.parts[1].filename, "会议纪要.docx");
    EXPECT_EQ(c.parts[1].content_type, "application/octet-stream");
    EXPECT_EQ(c.data[1], "line1\r\n--XyNOT a boundary\r\nline3");
  }
}

TEST(MultipartTest, ExtendedFilenameWins) {
  const std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fallback.txt\"; "
      "filename*=UTF-8''%E6%8A%A5%E5%91%8A.txt\r\n\r\nx\r\n--XyZ--";
  Collected c;
  ASSERT_TRUE(Parse(body, 7, &c).ok());
  EXPECT_EQ(c.parts[0].filename, "报告.txt");
}

TEST(MultipartTest, RejectsMalformedBodiesAndBrokenLimits) {
  Collected c;
  EXPECT_FALSE(Parse("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated", 5, &c).ok());
  EXPECT_FALSE(Parse("--XyZ\r\nNo-Colon-Here\r\n\r\nx\r\n--XyZ--", 100, &c).ok());
  EXPECT_FALSE(Parse("--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--", 100, &c).ok());
  std::string many;
  for (int i = 0; i < 20; ++i) many += "--XyZ\r\nContent-Disposition: form-data; name=\"p\"\r\n\r\nx\r\n";
  many += "--XyZ--";
  EXPECT_FALSE(Parse(many, 64, &c).ok());
  const std::string huge_header = "--XyZ\r\nContent-Disposition: form-data; name=\"" + std::string(10000, 'a') + "\"\r\n\r\nx\r\n--XyZ--";
  EXPECT_FALSE(Parse(huge_header, 512, &c).ok());
}

TEST(MultipartTest, Boundary) {
  EXPECT_EQ(*MultipartBoundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(*MultipartBoundary("Multipart/Form-Data; boundary=\"a b\""), "a b");
  EXPECT_FALSE(MultipartBoundary("multipart/form-data").ok());
  EXPECT_FALSE(MultipartBoundary("text/plain; boundary=x").ok());
}

}  // namespace
}  // namespace archived::http
