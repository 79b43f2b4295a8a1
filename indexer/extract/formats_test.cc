// The parser-backed extractors, in process and through the sandboxed helper: PDF, DOCX, XLSX,
// PPTX, ODT, ODS and e-mail from fixtures made here; and hostile input (zip bomb, too many
// entries, truncated PDF, a zip that is not one, a hung or crashing extractor) failing alone,
// within its limits, with a reason.
#include "indexer/extract/formats.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "indexer/extract/sandbox.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/status_matchers.h"

namespace archived::extract {
namespace {

using ::testing::HasSubstr;
using testing::MakeDocx;
using testing::MakePdf;
using testing::MakeZip;

ExtractLimits Sandboxed() {
  ExtractLimits limits;
  limits.helper = ARCHIVED_EXTRACT_HELPER;
  return limits;
}

TEST(PdfTest, TextOfEveryLineInProcessAndInTheHelper) {
  const std::string pdf = MakePdf({"Annual budget report", "Records (retention) schedule"});
  ASSERT_OK_AND_ASSIGN(const std::string text, PdfToText(pdf, {}));
  EXPECT_THAT(text, HasSubstr("Annual budget report"));
  EXPECT_THAT(text, HasSubstr("Records (retention) schedule"));
  ASSERT_OK_AND_ASSIGN(const Extracted sandboxed, ExtractText(pdf, true, ContentType::kPdf, Sandboxed()));
  EXPECT_THAT(sandboxed.text, HasSubstr("Annual budget report"));
}

TEST(PdfTest, TruncatedOrJunkPdfFailsCleanly) {
  const std::string pdf = MakePdf({"Annual budget report"});
  for (const std::string& bad : {pdf.substr(0, pdf.size() / 3), std::string("%PDF-1.4\n") + std::string(5000, '\x9c')}) {
    const StatusOr<Extracted> e = ExtractText(bad, true, ContentType::kPdf, Sandboxed());
    // Poppler may salvage nothing (an error with a reason) or little; it never takes us down.
    if (!e.ok()) {
      EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument) << e.status().ToString();
    }
  }
}

TEST(OfficeTest, DocxXlsxPptxOdtOds) {
  ASSERT_OK_AND_ASSIGN(const std::string docx, OfficeToText(MakeDocx({"会议纪要 first", "second &amp; budget"}),
                                                            ContentType::kDocx, {}));
  EXPECT_EQ(docx, "会议纪要 first\nsecond & budget\n");
  const std::string xlsx = MakeZip({{"xl/sharedStrings.xml", "<sst><si><t>预算</t></si><si><t>Travel</t></si></sst>"},
                                    {"xl/worksheets/sheet1.xml", "<worksheet><v>0</v></worksheet>"}});
  ASSERT_OK_AND_ASSIGN(const std::string xl, OfficeToText(xlsx, ContentType::kXlsx, {}));
  EXPECT_EQ(xl, "预算\nTravel\n");
  const std::string pptx = MakeZip({{"ppt/slides/slide1.xml", "<p:sld><a:p><a:r><a:t>Slide one</a:t></a:r></a:p></p:sld>"},
                                    {"ppt/slides/_rels/slide1.xml.rels", "<Relationships>junk</Relationships>"}});
  ASSERT_OK_AND_ASSIGN(const std::string pp, OfficeToText(pptx, ContentType::kPptx, {}));
  EXPECT_EQ(pp, "Slide one\n");
  const std::string odt = MakeZip({{"mimetype", "application/vnd.oasis.opendocument.text"},
                                   {"content.xml", "<office:document-content><office:body><text:h>标题</text:h>"
                                                   "<text:p>one<text:tab/>two<text:s/>three</text:p></office:body>"
                                                   "</office:document-content>"}});
  ASSERT_OK_AND_ASSIGN(const std::string od, OfficeToText(odt, ContentType::kOdt, {}));
  EXPECT_EQ(od, "标题\none two three\n");
  ASSERT_OK_AND_ASSIGN(const Extracted sandboxed, ExtractText(odt, true, ContentType::kOds, Sandboxed()));
  EXPECT_THAT(sandboxed.text, HasSubstr("one two three"));
}

TEST(OfficeTest, ZipBombStopsAtTheInflateLimit) {
  const std::string bomb = MakeZip({{"word/document.xml", std::string(64 << 20, '\0')}});
  ASSERT_LT(bomb.size(), 1u << 20);
  ExtractLimits limits = Sandboxed();
  limits.max_inflated_bytes = 8 << 20;
  const StatusOr<Extracted> e = ExtractText(bomb, true, ContentType::kDocx, limits);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);  // the helper's reason
  EXPECT_THAT(e.status().message(), HasSubstr("zip bomb"));
  const StatusOr<std::string> in_process = OfficeToText(bomb, ContentType::kDocx, limits);
  EXPECT_EQ(in_process.status().code(), StatusCode::kResourceExhausted);
}

TEST(OfficeTest, TooManyEntriesAndNotAZipAndNoTextPart) {
  std::vector<std::pair<std::string, std::string>> many;
  for (int i = 0; i < 120; ++i) many.emplace_back("f" + std::to_string(i), "x");
  ExtractLimits limits;
  limits.max_zip_entries = 100;
  EXPECT_EQ(OfficeToText(MakeZip(many), ContentType::kDocx, limits).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(OfficeToText("plain text, not a zip", ContentType::kDocx, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(OfficeToText(MakeZip({{"a.txt", "x"}}), ContentType::kDocx, {}).status().message(),
              HasSubstr("no docx text part"));
}

TEST(EmailTest, HeadersPartsEncodingsCharsetsAndNestedMessages) {
  const std::string eml =
      "From: =?UTF-8?B?5byg5LiJ?= <zhang@example.cn>\r\n"
      "To: office@example.cn\r\n"
      "Subject: =?GB2312?B?u+HS6bzN0qo=?= (minutes)\r\n"
      "Date: Tue, 24 Nov 2026 09:00:00 +0800\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
      "\r\n"
      "preamble\r\n"
      "--outer\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "Budget caf=C3=A9 meeting, soft=\r\nbreak\r\n"
      "--outer\r\n"
      "Content-Type: text/html; charset=gb2312\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "\r\n"
      "PHA+zsS8/rncwO08L3A+PHNjcmlwdD54PC9zY3JpcHQ+\r\n"
      "--outer\r\n"
      "Content-Type: application/pdf\r\n"
      "Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "\r\n"
      "JVBERi0=\r\n"
      "--outer\r\n"
      "Content-Type: message/rfc822\r\n"
      "\r\n"
      "Subject: forwarded\r\n"
      "\r\n"
      "inner body\r\n"
      "--outer--\r\n";
  ASSERT_OK_AND_ASSIGN(const std::string text, EmailToText(eml, {}));
  EXPECT_THAT(text, HasSubstr("张三 <zhang@example.cn>"));
  EXPECT_THAT(text, HasSubstr("会议纪要 (minutes)"));
  EXPECT_THAT(text, HasSubstr("Budget café meeting, softbreak"));
  EXPECT_THAT(text, HasSubstr("文件管理"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("x\n")));  // no script text
  EXPECT_THAT(text, HasSubstr("attachment: report.pdf"));
  EXPECT_THAT(text, HasSubstr("forwarded"));
  EXPECT_THAT(text, HasSubstr("inner body"));
  EXPECT_EQ(EmailToText("no header here", {}).status().code(), StatusCode::kInvalidArgument);
}

TEST(EmailTest, DeepNestingIsRefused) {
  std::string eml;
  for (int i = 0; i < 20; ++i) eml += "Content-Type: message/rfc822\r\n\r\n";
  eml += "Subject: deep\r\n\r\nbody\r\n";
  EXPECT_EQ(EmailToText(eml, {}).status().code(), StatusCode::kInvalidArgument);
}

TEST(SandboxTest, HelpersAreReusedAndAFailureLeavesTheNextFileUnharmed) {
  const ExtractLimits limits = Sandboxed();
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK_AND_ASSIGN(const std::string text, RunHelper(limits.helper, ContentType::kPdf,
                                                           MakePdf({"round " + std::to_string(i)}), limits));
    EXPECT_THAT(text, HasSubstr("round " + std::to_string(i)));
    const StatusOr<std::string> bad = RunHelper(limits.helper, ContentType::kDocx, "not a zip", limits);
    EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(SandboxTest, AHungOrCrashingExtractorFailsAlone) {
  ExtractLimits limits = Sandboxed();
  limits.max_time = std::chrono::milliseconds(1);
  const StatusOr<std::string> slow = RunHelper(limits.helper, ContentType::kPdf, MakePdf({"x"}), limits);
  EXPECT_EQ(slow.status().code(), StatusCode::kDeadlineExceeded) << slow.status().ToString();
  const StatusOr<std::string> crashed = RunHelper("/bin/false", ContentType::kPdf, "x", {});
  EXPECT_EQ(crashed.status().code(), StatusCode::kInternal);
  EXPECT_THAT(crashed.status().message(), HasSubstr("crashed"));
  const StatusOr<std::string> missing = RunHelper("/nonexistent/archived-extract", ContentType::kPdf, "x", {});
  EXPECT_EQ(missing.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace archived::extract
