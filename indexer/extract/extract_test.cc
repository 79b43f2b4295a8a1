// Extraction: every encoding of plain text the office meets (the GB18030 sample must yield the
// same text as the UTF-8 one), HTML without its scripts, XML, and hostile input that must fail
// or stop cleanly within its limits. Method: fixtures made here, plus the shared samples.
#include "indexer/extract/extract.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "indexer/extract/markup.h"
#include "indexer/extract/text_decode.h"
#include "tests/testing/status_matchers.h"

namespace archived::extract {
namespace {

std::string ReadSample(const std::string& name) {
  std::ifstream in(std::string(ARCHIVED_TEST_DATA_DIR) + "/samples/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(DecodeTextTest, Gb18030SampleDecodesToTheUtf8Sample) {
  const std::string utf8 = ReadSample("office-director-duties.zh.txt");
  const std::string gb = ReadSample("office-director-duties.zh.gb18030.txt");
  ASSERT_FALSE(utf8.empty());
  ASSERT_OK_AND_ASSIGN(DecodedText a, DecodeText(utf8));
  ASSERT_OK_AND_ASSIGN(DecodedText b, DecodeText(gb));
  EXPECT_EQ(a.encoding, "UTF-8");
  EXPECT_EQ(b.encoding, "GB18030");
  EXPECT_EQ(a.text, b.text);
  EXPECT_NE(b.text.find("文件管理"), std::string::npos);
}

TEST(DecodeTextTest, Utf16WithBomInBothByteOrders) {
  const std::string le("\xFF\xFE" "A\0\x2D\x4E" "\x3D\xD8\x00\xDE", 2 + 2 + 2 + 4);  // "A中😀"
  const std::string be("\xFE\xFF" "\0A\x4E\x2D", 6);
  ASSERT_OK_AND_ASSIGN(DecodedText l, DecodeText(le));
  ASSERT_OK_AND_ASSIGN(DecodedText b, DecodeText(be));
  EXPECT_EQ(l.text, "A中😀");
  EXPECT_EQ(l.encoding, "UTF-16LE");
  EXPECT_EQ(b.text, "A中");
}

TEST(DecodeTextTest, Utf8BomIsDroppedAndCutCharacterAtTheEndIsDropped) {
  ASSERT_OK_AND_ASSIGN(DecodedText a, DecodeText("\xEF\xBB\xBFhello"));
  EXPECT_EQ(a.text, "hello");
  const std::string cut = std::string("文件") + std::string("管").substr(0, 2);
  ASSERT_OK_AND_ASSIGN(DecodedText b, DecodeText(cut));
  EXPECT_EQ(b.encoding, "UTF-8");
  EXPECT_EQ(b.text, "文件");
}

TEST(DecodeTextTest, Latin1FallsBackToWindows1252) {
  ASSERT_OK_AND_ASSIGN(DecodedText a, DecodeText("caf\xE9 \x80 5"));
  EXPECT_EQ(a.encoding, "WINDOWS-1252");
  EXPECT_EQ(a.text, "café € 5");
}

TEST(DecodeTextTest, BinaryIsRefused) {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<char>((i * 7919) % 256));
  const StatusOr<DecodedText> d = DecodeText(junk);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(d.status().message().find("binary"), std::string::npos);
}

TEST(HtmlToTextTest, DropsScriptStyleAndCommentsAndDecodesEntities) {
  const std::string html =
      "<!DOCTYPE html><html><head><title>会议纪要</title><style>p{color:red}</style>"
      "<script>var x = '<p>secret</p>';</script></head><body><!-- hidden -->"
      "<p>Budget &amp; staff&nbsp;plan</p><div>a &lt; b &#x4E2D;&#25991; &copy; &bogus;</div>"
      "<p>文<b>件</b>管理</p></body></html>";
  const std::string text = HtmlToText(html, 1 << 20);
  EXPECT_NE(text.find("会议纪要"), std::string::npos);
  EXPECT_NE(text.find("Budget & staff plan"), std::string::npos);
  EXPECT_NE(text.find("a < b 中文 © &bogus;"), std::string::npos);
  EXPECT_NE(text.find("文件管理"), std::string::npos);
  EXPECT_EQ(text.find("secret"), std::string::npos);
  EXPECT_EQ(text.find("color"), std::string::npos);
  EXPECT_EQ(text.find("hidden"), std::string::npos);
}

TEST(HtmlToTextTest, ABreakAtTheLimitDoesNotLetLaterTextPastIt) {
  // "abcd" fills the limit exactly; the paragraph's break must not open room for more.
  EXPECT_EQ(HtmlToText("abcd<p>efgh ijkl", 4), "abcd");
  EXPECT_EQ(XmlToText("<w:p>abcd</w:p><w:p>efgh</w:p>", {"p"}, {}, 4), "abcd");
}

TEST(HtmlToTextTest, UnclosedScriptAndLoneAngleBrackets) {
  EXPECT_EQ(HtmlToText("x < y and z > w", 100), "x < y and z > w");
  EXPECT_EQ(HtmlToText("before<script>never closed", 100), "before");
}

TEST(XmlToTextTest, ParagraphsBreaksAndDeepNestingCostNothing) {
  const std::string xml = "<?xml version=\"1.0\"?><w:document><w:body><w:p><w:r><w:t>Hello</w:t></w:r>"
                          "<w:tab/><w:r><w:t xml:space=\"preserve\">world &amp; 世界</w:t></w:r></w:p>"
                          "<w:p><w:r><w:t><![CDATA[a<b]]></w:t></w:r></w:p></w:body></w:document>";
  EXPECT_EQ(XmlToText(xml, {"p"}, {"tab"}, 1 << 20), "Hello world & 世界\na<b\n");
  std::string deep;
  for (int i = 0; i < 200000; ++i) deep += "<a>";
  deep += "deep";
  EXPECT_EQ(XmlToText(deep, {"p"}, {}, 1 << 20), "deep");
}

TEST(XmlToTextTest, StopsAtTheTextLimitOnACharacterBoundary) {
  std::string xml = "<p>";
  for (int i = 0; i < 1000; ++i) xml += "文件";
  xml += "</p>";
  const std::string text = XmlToText(xml, {"p"}, {}, 100);
  EXPECT_LE(text.size(), 100u);
  EXPECT_EQ(text.size() % 3, 0u);
}

TEST(DetectContentTypeTest, MimeThenExtensionThenContent) {
  EXPECT_EQ(DetectContentType("application/pdf", "", ""), ContentType::kPdf);
  EXPECT_EQ(DetectContentType("application/octet-stream", "会议纪要.docx", "PK\x03\x04"), ContentType::kDocx);
  EXPECT_EQ(DetectContentType("text/plain", "page.html", "<html>"), ContentType::kHtml);
  EXPECT_EQ(DetectContentType("", "", "%PDF-1.7\n"), ContentType::kPdf);
  EXPECT_EQ(DetectContentType("", "notes", "plain words"), ContentType::kText);
  EXPECT_EQ(DetectContentType("", "", std::string("\x89PNG\r\n\x1a\n\0\0", 10)), ContentType::kOther);
  EXPECT_EQ(DetectContentType("message/rfc822", "", ""), ContentType::kEml);
}

TEST(ExtractTextTest, BinaryJunkNamedTxtFailsWithAReason) {
  std::string junk(8192, '\0');
  for (std::size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>(i * 31);
  const StatusOr<Extracted> e = ExtractText(junk, true, DetectContentType("text/plain", "junk.txt", junk), {});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
}

TEST(ExtractTextTest, TextIsCutAtTheTextLimit) {
  ExtractLimits limits;
  limits.max_text_bytes = 10;
  ASSERT_OK_AND_ASSIGN(Extracted e, ExtractText("文件管理办法全文", true, ContentType::kText, limits));
  EXPECT_EQ(e.text, "文件管");
  EXPECT_TRUE(e.truncated);
}

TEST(ExtractTextTest, OtherContentHasNoText) {
  ASSERT_OK_AND_ASSIGN(Extracted e, ExtractText("\x89PNG", true, ContentType::kOther, {}));
  EXPECT_TRUE(e.text.empty());
}

}  // namespace
}  // namespace archived::extract
