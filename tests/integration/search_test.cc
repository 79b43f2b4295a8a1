// Search end to end: the real daemon on 127.0.0.1:0, documents filed with curl and archivectl,
// searched with curl and `archivectl search`. Both shared samples (UTF-8 and GB18030) are found
// by the four Chinese queries; a malformed query is a 400 that says what is wrong; metadata
// edits reach the index; and after kill -9 while indexing, the restarted daemon catches up and
// `archived index check` reports no difference.
#include <gmock/gmock.h>

#include <thread>

#include "tests/integration/harness.h"
#include "tests/testing/fixtures.h"

namespace archived::testing {
namespace {

using ::testing::HasSubstr;
using testing::MakeDocx;
using testing::MakePdf;
using testing::MakeZip;

std::string Sample(const std::string& name) { return std::string(ARCHIVED_TEST_DATA_DIR) + "/samples/" + name; }

class SearchTest : public DaemonTest {
 protected:
  std::string Search(const std::string& query_string) {
    const CommandResult r = Curl({"-G", Api("/search"), "--data-urlencode", query_string});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  std::string FileSample(const std::string& name) {
    const CommandResult r = Curl({"-X", "POST", "-H", "Content-Type: text/plain", "--data-binary",
                                  "@" + Sample(name), Api("/documents?title=duties&category=BGS/WS&filename=" + name)});
    EXPECT_EQ(r.exit_code, 0);
    return JsonField(r.out, "id");
  }
};

TEST_F(SearchTest, BothSamplesAreFoundByEachChineseQuery) {
  const std::string utf8 = FileSample("office-director-duties.zh.txt");
  const std::string gb = FileSample("office-director-duties.zh.gb18030.txt");
  WriteFile("notes.txt", "Minutes of the budget meeting; nothing about duties.");
  ASSERT_EQ(Ctl({"put", (dir_.path() / "files" / "notes.txt").string()}).exit_code, 0);
  WaitIndexed();
  for (const char* q : {"文件管理", "销毁", "催办", "办公室主任"}) {
    const std::string body = Search(std::string("q=") + q);
    EXPECT_THAT(body, HasSubstr(utf8)) << q;
    EXPECT_THAT(body, HasSubstr(gb)) << q;
    EXPECT_EQ(JsonField(body, "estimated_total"), "2") << q << body;
    EXPECT_THAT(body, HasSubstr("\\u003cmark\\u003e")) << q;  // a snippet with the match marked
  }
  const std::string mixed = Search("q=销毁 OR budget");
  EXPECT_EQ(JsonField(mixed, "estimated_total"), "3") << mixed;
  const std::string facets = Search("q=催办 OR budget");
  EXPECT_THAT(facets, HasSubstr("{\"value\":\"BGS/WS\",\"count\":2}"));
  EXPECT_THAT(facets, HasSubstr("{\"value\":\"text\",\"count\":3}"));

  const CommandResult ctl = Ctl({"search", "催办", "--category", "BGS/WS"});
  ASSERT_EQ(ctl.exit_code, 0) << ctl.err;
  EXPECT_THAT(ctl.out, HasSubstr("2 matches for \"催办\""));
  EXPECT_THAT(ctl.out, HasSubstr("**催办**"));
  EXPECT_THAT(ctl.out, HasSubstr("Z001-2026-D10-BGS.WS-0001"));
  const CommandResult json = Ctl({"--json", "search", "title:duties", "--sort", "date"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(JsonField(json.out, "estimated_total"), "2");
}

TEST_F(SearchTest, MalformedQueriesAndParametersAre400sThatSayWhat) {
  for (const std::string& q : {std::string("q=(budget"), std::string("q=colour:red"), std::string("q=a AND"),
                               std::string("sort=size"), std::string("limit=0"), std::string("from=2024-13"),
                               std::string("type=exe"), std::string("bogus=1")}) {
    const CommandResult r = Curl({"-G", "-w", "\n%{http_code}", Api("/search"), "--data-urlencode", q});
    EXPECT_THAT(r.out, HasSubstr("\"code\":\"INVALID_ARGUMENT\"")) << q << r.out;
    EXPECT_THAT(r.out, ::testing::EndsWith("\n400")) << q;
  }
  EXPECT_EQ(CurlStatus({Api("/search?q=x")}, false), 401);
  EXPECT_EQ(CurlStatus({"-X", "POST", Api("/search?q=x")}), 405);
  const CommandResult ctl = Ctl({"search", "colour:red"});
  EXPECT_EQ(ctl.exit_code, 1);
  EXPECT_THAT(ctl.err, HasSubstr("unknown field \"colour:\""));
}

TEST_F(SearchTest, EditsAndNewVersionsReachTheIndex) {
  WriteFile("plan.txt", "apples and pears");
  const CommandResult put = Ctl({"--json", "put", (dir_.path() / "files" / "plan.txt").string()});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  const std::string id = JsonField(put.out, "id");
  WriteFile("plan2.txt", "oranges only");
  ASSERT_EQ(Ctl({"version", id, (dir_.path() / "files" / "plan2.txt").string()}).exit_code, 0);
  ASSERT_EQ(CurlStatus({"-X", "PATCH", "-d", "{\"title\":\"Harvest 收获计划\",\"tags\":[\"farm\"]}", Api("/documents/" + id)}), 200);
  WaitIndexed();
  EXPECT_EQ(JsonField(Search("q=apples"), "estimated_total"), "0");
  EXPECT_EQ(JsonField(Search("q=oranges"), "estimated_total"), "1");
  EXPECT_EQ(JsonField(Search("q=title:收获"), "estimated_total"), "1");
  EXPECT_EQ(JsonField(Search("q=tag:farm"), "estimated_total"), "1");
}

TEST_F(SearchTest, PdfDocxAndEmailAreSearchableAndAZipBombFailsAlone) {
  WriteFile("report.pdf", MakePdf({"Quarterly procurement report", "approved by the director"}));
  WriteFile("minutes.docx", MakeDocx({"会议纪要：档案数字化", "next steps"}));
  WriteFile("notice.eml", "Subject: =?UTF-8?B?6YCa55+l?= holiday\r\nFrom: office@example.cn\r\n\r\n"
                          "The office closes on Friday.\r\n");
  WriteFile("bomb.docx", MakeZip({{"word/document.xml", std::string(300 << 20, '\0')}}));
  const auto path = [&](const char* name) { return (dir_.path() / "files" / name).string(); };
  const CommandResult put = Ctl({"--json", "put", path("report.pdf"), path("minutes.docx"), path("notice.eml"),
                                 path("bomb.docx")});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  WaitIndexed();
  EXPECT_EQ(JsonField(Search("q=procurement director"), "estimated_total"), "1");
  EXPECT_EQ(JsonField(Search("q=档案数字化"), "estimated_total"), "1");
  EXPECT_EQ(JsonField(Search("q=通知 Friday"), "estimated_total"), "1");
  const std::string types = Search("q=type:pdf OR type:docx OR type:eml");
  EXPECT_EQ(JsonField(types, "estimated_total"), "4") << types;
  // The bomb is filed, findable by its name, and marked; the daemon serves on.
  const std::string bomb = Search("q=bomb");
  ASSERT_EQ(JsonField(bomb, "estimated_total"), "1") << bomb;
  const std::string detail = Curl({Api("/documents/" + JsonField(bomb, "id"))}).out;
  EXPECT_THAT(detail, HasSubstr("\"extraction\":\"failed — the zip inflates beyond 256 MiB (a zip bomb?)\""));
  EXPECT_EQ(CurlStatus({daemon_->url() + "/healthz"}, false), 200);
  const CommandResult info = Ctl({"info", JsonField(bomb, "id")});
  EXPECT_THAT(info.out, HasSubstr("extraction:      failed — the zip inflates"));
}

TEST_F(SearchTest, KillDuringIndexingThenCatchUpAndIndexCheckAgrees) {
  std::vector<std::string> paths;
  for (int i = 0; i < 200; ++i) {
    paths.push_back(WriteFile("doc" + std::to_string(i) + ".txt",
                              "document number " + std::to_string(i) + " 档案 records " + RandomBytes(0, 1)).string());
  }
  std::vector<std::string> put = {"put", "--jobs", "8"};
  put.insert(put.end(), paths.begin(), paths.end());
  ASSERT_EQ(Ctl(put).exit_code, 0);
  daemon_->Kill();  // the indexer is (most likely) still behind
  StartDaemon();
  WaitIndexed();
  EXPECT_EQ(JsonField(Search("q=档案"), "estimated_total"), "200");
  ASSERT_EQ(daemon_->Stop(), 0) << daemon_->Log();
  const CommandResult check = IndexCheck();
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_THAT(check.out, HasSubstr("ok, same documents as the catalogue (200 documents)"));
  const CommandResult rebuild = RunCommand({ArchivedBinaryPath().string(), "index", "rebuild", "--data-dir",
                                            (dir_.path() / "data").string()});
  EXPECT_EQ(rebuild.exit_code, 0) << rebuild.err;
  EXPECT_THAT(rebuild.out, HasSubstr("search index rebuilt: 200 documents"));
  StartDaemon();
}

}  // namespace
}  // namespace archived::testing
