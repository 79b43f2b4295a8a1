// Registers end to end against the real daemon, driven by archivectl and curl: an entry of
// every kind round-trips; every kind of bad input is a 400 naming the field (and exit 1 from
// archivectl); revisions and history; links both ways, a document filed and linked in one
// step; Chinese search of entries by word and by field; permissions per register through the
// file plan; the reports with a fixed "today"; exact budget arithmetic; and a staff
// separation that makes the linked documents due for destruction.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "archived/base/text.h"
#include "archived/registers/schema.h"
#include "tests/integration/harness.h"

namespace archived::testing {
namespace {

namespace fs = std::filesystem;
using google::protobuf::FieldDescriptor;

class RegistersTest : public DaemonTest {
 protected:
  void SetUp() override {
    StartDaemon(WriteFile("archived.toml", "[retention]\nrun_schedule = \"\"\n"));
  }
  std::string TokenFor(const std::string& name, const std::string& roles, const std::string& departments = "",
                       const std::string& clearance = "INTERNAL") {
    const CommandResult u = Curl({"-X", "POST", "-d",
                                  R"({"name":")" + name + R"(","roles":[)" + roles + R"(],"departments":[)" + departments +
                                      R"(],"clearance":")" + clearance + R"("})",
                                  Api("/users")});
    EXPECT_EQ(JsonField(u.out, "name"), name) << u.out;
    return JsonField(Curl({"-X", "POST", "-d", R"({"user":")" + name + R"("})", Api("/tokens")}).out, "token");
  }
  CommandResult As(const std::string& token, std::vector<std::string> args) {
    args.insert(args.begin(), ArchivectlBinaryPath().string());
    return RunCommand(args, {{"ARCHIVED_URL", daemon_->url()}, {"ARCHIVED_TOKEN", token}});
  }
  int StatusAs(const std::string& token, std::vector<std::string> args) {
    args.insert(args.begin(), {"-H", "Authorization: Bearer " + token});
    return CurlStatus(args, false);
  }
  CommandResult Post(const std::string& path, const std::string& json) {
    return Curl({"-s", "-w", "\n%{http_code}", "-X", "POST", "-d", json, Api(path)});
  }
};

// `text` with every run of spaces made one (table cells compared whatever their widths).
std::string Collapsed(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out.push_back(c);
  }
  return out;
}

// A valid value for `field` of a new entry: the first choice, a date, an amount, the first
// entry of the kind it refers to, a number, or some Chinese text.
std::string ValueFor(const FieldDescriptor* field) {
  const auto& o = field->options();
  if (!o.GetExtension(v1::choices).empty()) {
    const std::string& choices = o.GetExtension(v1::choices);
    return choices.substr(0, choices.find('|'));
  }
  if (o.GetExtension(v1::format) == "date") return "2026-01-15";
  if (o.GetExtension(v1::format) == "amount") return "100.50";
  if (!o.GetExtension(v1::refers_to).empty()) return o.GetExtension(v1::refers_to) + "-1";
  if (field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) return "3";
  if (field->is_repeated()) return "甲方,乙方";
  return "测试" + std::string(field->name());
}

TEST_F(RegistersTest, EveryKindRoundTripsThroughArchivectlAndCurl) {
  // In the order of registers.proto, which adds a referred kind before the kinds referring to it.
  for (const registers::Kind& kind : registers::Kinds()) {
    std::vector<std::string> args = {kind.name, "add"};
    std::string title;
    for (int i = 0; i < kind.descriptor->field_count(); ++i) {
      const FieldDescriptor* field = kind.descriptor->field(i);
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) continue;
      std::string flag(field->name());
      std::replace(flag.begin(), flag.end(), '_', '-');
      args.push_back("--" + flag);
      args.push_back(ValueFor(field));
      if (field->name() == kind.title_field) title = args.back();
    }
    const CommandResult added = Ctl(args);
    ASSERT_EQ(added.exit_code, 0) << kind.name << ": " << added.out << added.err;
    EXPECT_NE(added.out.find("added " + kind.name + "-1"), std::string::npos) << added.out;
    const CommandResult got = Curl({Api("/registers/" + kind.name + "/entries/" + kind.name + "-1")});
    EXPECT_EQ(JsonField(got.out, "title"), title) << got.out;
    EXPECT_EQ(JsonField(got.out, "category"), kind.category) << got.out;
    // Every field came back as given.
    for (int i = 0; i < kind.descriptor->field_count(); ++i) {
      const FieldDescriptor* field = kind.descriptor->field(i);
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_STRING || field->is_repeated()) continue;
      EXPECT_NE(got.out.find("\"" + std::string(field->name()) + "\":\"" + ValueFor(field) + "\""), std::string::npos)
          << kind.name << "." << field->name() << ": " << got.out;
    }
    const CommandResult listed = Ctl({kind.name, "list"});
    EXPECT_NE(listed.out.find(kind.name + "-1"), std::string::npos) << listed.out;
    const CommandResult shown = Ctl({kind.name, "show", "1", "--json"});
    EXPECT_EQ(JsonField(shown.out, "id"), kind.name + "-1") << shown.out;
  }
  // The kinds and their fields, for clients that build forms.
  const CommandResult kinds = Curl({Api("/registers")});
  EXPECT_NE(kinds.out.find(R"("kind":"matter")"), std::string::npos);
  EXPECT_NE(kinds.out.find(R"("event":"separation")"), std::string::npos);
}

TEST_F(RegistersTest, BadInputIsA400NamingTheFieldAndLosesNothing) {
  const std::string matter = R"({"fields":{"title":"落实消防安全检查","source":"leader","mode":"lead"}})";
  struct Case {
    std::string body;
    std::string names;
  };
  const std::vector<Case> cases = {
      {R"({"fields":{"title":"x","source":"leader","mode":"lead","colour":"red"}})", "colour"},
      {R"({"fields":{"title":5,"source":"leader","mode":"lead"}})", "title"},
      {R"({"fields":{"title":"x","source":"leader"}})", "mode: required"},
      {R"({"fields":{"title":"x","source":"leader","mode":"主办"}})", "is not one of lead, joint, referral"},
      {R"({"fields":{"title":"x","source":"leader","mode":"lead","deadline":"2026-02-30"}})", "deadline"},
      {R"({"fields":{"title":"x","source":"leader","mode":"lead","chases":[{"by":"王"}]}})", "chases[0].date: required"},
      {R"({"fields":{"title":"x","source":"leader","mode":"lead"},"links":["nope"]})", "nope"},
      {R"({"fields":{"title":"x","source":"leader","mode":"lead"},"expected_revision":3})", "expected_revision"},
      {R"({"fields":[1,2]})", "fields"},
      {R"(not json)", "JSON"},
  };
  for (const Case& c : cases) {
    const CommandResult r = Post("/registers/matter/entries", c.body);
    EXPECT_TRUE(r.out.ends_with("400") || r.out.ends_with("404")) << c.body << " -> " << r.out;
    EXPECT_NE(r.out.find(c.names), std::string::npos) << c.body << " -> " << r.out;
    EXPECT_NE(r.out.find(R"("code":")"), std::string::npos) << r.out;
  }
  EXPECT_TRUE(Post("/registers/budget/entries",
                   R"({"fields":{"year":"abc","department":"d","line":"l","amount":"1"}})").out.find("year") !=
              std::string::npos);
  EXPECT_TRUE(Post("/registers/budget/entries",
                   R"({"fields":{"year":2026,"department":"d","line":"l","amount":"12.345"}})").out.ends_with("400"));
  EXPECT_TRUE(Post("/registers/training/entries", R"({"fields":{"staff":"staff-7","course":"c"}})").out.ends_with("404"));
  EXPECT_TRUE(Post("/registers/nope/entries", matter).out.ends_with("404"));
  // Nothing of that was kept; the daemon goes on serving.
  EXPECT_NE(Curl({Api("/registers/matter/entries")}).out.find(R"("entries":[])"), std::string::npos);
  ASSERT_TRUE(Post("/registers/matter/entries", matter).out.ends_with("201"));
  // archivectl says what is wrong and exits 1.
  const CommandResult bad = Ctl({"matter", "add", "--title", "x", "--source", "nowhere", "--mode", "lead"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("source: \"nowhere\" is not one of"), std::string::npos) << bad.err;
  const CommandResult wrong_flag = Ctl({"staff", "add", "--title", "x"});
  EXPECT_EQ(wrong_flag.exit_code, 1);
  EXPECT_NE(wrong_flag.err.find("--title: staff has no such field"), std::string::npos) << wrong_flag.err;
  EXPECT_EQ(Ctl({"matter", "update", "1", "--progress", "x"}).exit_code, 1);
}

TEST_F(RegistersTest, RevisionsHistoryLinksAndChineseSearch) {
  const fs::path sample = fs::path(ARCHIVED_TEST_DATA_DIR) / "samples" / "office-director-duties.zh.txt";
  ASSERT_EQ(Ctl({"matter", "add", "--title", "落实消防安全检查", "--source", "leader", "--source-detail", "张局长",
                 "--mode", "joint", "--lead-handler", "综合科", "--joint-handlers", "财务科,人事科", "--deadline",
                 "2026-11-20", "--status", "open", "--file", sample.string()})
                .exit_code,
            0);
  ASSERT_EQ(Ctl({"matter", "update", "1", "--status", "in_progress", "--expect-revision", "1"}).exit_code, 0);
  // A stale revision is refused (409), and changes nothing.
  const CommandResult stale = Ctl({"matter", "update", "1", "--status", "done", "--expect-revision", "1"});
  EXPECT_EQ(stale.exit_code, 1) << stale.out << stale.err;
  EXPECT_NE(stale.err.find("changed meanwhile"), std::string::npos) << stale.err;
  ASSERT_EQ(Ctl({"matter", "chase", "1", "--to", "综合科", "--note", "请于周五前报送检查报告", "--date", "2026-11-22"})
                .exit_code,
            0);
  const CommandResult history = Curl({Api("/registers/matter/entries/matter-1/history")});
  EXPECT_NE(history.out.find("status: open → in_progress"), std::string::npos) << history.out;
  EXPECT_NE(history.out.find("chases: (none) → 1 step"), std::string::npos) << history.out;
  const CommandResult shown = Ctl({"matter", "show", "1"});
  EXPECT_NE(shown.out.find("2026-11-22 admin → 综合科: 请于周五前报送检查报告"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("revision 3"), std::string::npos) << shown.out;

  // The document filed with --file is in the matters' category, and knows its entry.
  const CommandResult docs = Curl({Api("/documents?category=BGS/CB")});
  const std::string doc = JsonField(docs.out, "id");
  ASSERT_FALSE(doc.empty()) << docs.out;
  EXPECT_NE(Curl({Api("/documents/" + doc + "/entries")}).out.find(R"("id":"matter-1")"), std::string::npos);
  EXPECT_EQ(Curl({"-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE",
                  Api("/registers/matter/entries/matter-1/links/" + doc)})
                .out,
            "200");
  EXPECT_NE(Curl({Api("/documents/" + doc + "/entries")}).out.find(R"("entries":[])"), std::string::npos);
  ASSERT_EQ(Ctl({"matter", "link", "1", doc}).exit_code, 0);

  // Search: a Chinese word, the register, and a field.
  WaitIndexed();
  for (const std::string q : {"register:matter 消防", "lead_handler:综合科", "note:报送", "joint_handlers:财务科"}) {
    const CommandResult hits = Ctl({"search", q, "--json"});
    EXPECT_NE(hits.out.find(R"("id":"matter-1")"), std::string::npos) << q << ": " << hits.out << hits.err;
  }
  EXPECT_EQ(Ctl({"search", "register:staff 消防", "--json"}).out.find("matter-1"), std::string::npos);
  EXPECT_EQ(Ctl({"search", "colour:red"}).exit_code, 1);
}

TEST_F(RegistersTest, ChasesAtTheSameTimeAllLand) {
  ASSERT_EQ(Ctl({"matter", "add", "--title", "回复市民来信", "--source", "leader", "--mode", "lead"}).exit_code, 0);
  constexpr int kChasers = 6;
  std::vector<std::thread> threads;
  std::vector<CommandResult> results(kChasers);
  for (int i = 0; i < kChasers; ++i) {
    threads.emplace_back([&, i] {
      results[static_cast<std::size_t>(i)] =
          Ctl({"matter", "chase", "1", "--to", "信访办", "--note", "第" + std::to_string(i) + "次催办"});
    });
  }
  for (std::thread& t : threads) t.join();
  for (const CommandResult& r : results) EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // Each chase was made on the revision it read; those that lost a race read again.
  const CommandResult got = Curl({Api("/registers/matter/entries/matter-1")});
  for (int i = 0; i < kChasers; ++i) {
    EXPECT_NE(got.out.find("第" + std::to_string(i) + "次催办"), std::string::npos) << got.out;
  }
  EXPECT_EQ(JsonField(got.out, "revision"), std::to_string(kChasers + 1)) << got.out;
}

TEST_F(RegistersTest, PersonnelIsReadOnlyByWhomTheFilePlanNames) {
  // Personnel (BGS/HR) is read and kept by the HR department only; the rest of the office,
  // other registers.
  ASSERT_EQ(CurlStatus({"-X", "PATCH", "-d", R"({"readers":["dept:人事科"],"filers":["dept:人事科"]})",
                        Api("/categories/BGS/HR")}),
            200);
  const std::string hr = TokenFor("hr1", R"("ROLE_CLERK")", R"("人事科")");
  const std::string clerk = TokenFor("clerk1", R"("ROLE_CLERK")", R"("综合科")");
  const std::string officer = TokenFor("officer1", R"("ROLE_RECORDS_OFFICER")");
  const std::string admin = TokenFor("ops", R"("ROLE_ADMIN")");
  ASSERT_EQ(As(hr, {"staff", "add", "--name", "李娜", "--number", "007"}).exit_code, 0);
  EXPECT_EQ(StatusAs(hr, {Api("/registers/staff/entries/staff-1")}), 200);
  EXPECT_EQ(StatusAs(officer, {Api("/registers/staff/entries")}), 200);
  EXPECT_EQ(StatusAs(clerk, {Api("/registers/staff/entries")}), 403);
  EXPECT_EQ(StatusAs(clerk, {Api("/registers/staff/entries/staff-1")}), 403);
  EXPECT_EQ(StatusAs(admin, {Api("/registers/staff/entries")}), 403);  // 三员分立: not the administrator's
  // Entries are internal records: a user cleared for public documents only reads none.
  const std::string public_only = TokenFor("temp1", R"("ROLE_CLERK")", R"("人事科")", "PUBLIC");
  EXPECT_EQ(StatusAs(public_only, {Api("/registers/staff/entries")}), 403);
  const CommandResult refused = As(clerk, {"staff", "add", "--name", "x", "--number", "1"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("BGS/HR"), std::string::npos) << refused.err;
  // The clerk keeps other registers.
  EXPECT_EQ(As(clerk, {"notice", "add", "--title", "关于元旦放假的通知", "--date", "2026-12-25"}).exit_code, 0);
  // Search shows each caller only the registers it may read.
  WaitIndexed();
  EXPECT_NE(As(hr, {"search", "李娜", "--json"}).out.find("staff-1"), std::string::npos);
  EXPECT_EQ(As(clerk, {"search", "李娜", "--json"}).out.find("staff-1"), std::string::npos);
  // Refusals are on the audit trail.
  const std::string auditor = TokenFor("aud", R"("ROLE_AUDITOR")");
  EXPECT_NE(As(auditor, {"audit", "log", "--actor", "clerk1", "--json"}).out.find("denied"), std::string::npos);
}

TEST_F(RegistersTest, ReportsWithAFixedTodayAndExactBudgets) {
  ASSERT_EQ(Ctl({"matter", "add", "--title", "落实年度预算编制", "--source", "superior", "--mode", "lead",
                 "--lead-handler", "财务科", "--deadline", "2026-11-20", "--status", "open"})
                .exit_code,
            0);
  ASSERT_EQ(Ctl({"matter", "add", "--title", "回复市民来信", "--source", "leader", "--mode", "referral",
                 "--referred-to", "信访办", "--deadline", "2026-12-10"})
                .exit_code,
            0);
  ASSERT_EQ(Ctl({"matter", "add", "--title", "已办结事项", "--source", "leader", "--mode", "lead", "--lead-handler",
                 "财务科", "--deadline", "2026-10-01", "--status", "done"})
                .exit_code,
            0);
  ASSERT_EQ(Ctl({"matter", "chase", "1", "--to", "财务科", "--note", "请本周内报送", "--date", "2026-11-21"}).exit_code, 0);
  const CommandResult overdue = Ctl({"matter", "overdue", "--as-of", "2026-11-25"});
  ASSERT_EQ(overdue.exit_code, 0) << overdue.err;
  EXPECT_NE(overdue.out.find("财务科 (1)"), std::string::npos) << overdue.out;
  EXPECT_NE(overdue.out.find("5 days"), std::string::npos) << overdue.out;
  EXPECT_NE(overdue.out.find("2026-11-21 admin → 财务科: 请本周内报送"), std::string::npos) << overdue.out;
  EXPECT_EQ(overdue.out.find("回复市民来信"), std::string::npos) << overdue.out;  // not yet due
  EXPECT_EQ(overdue.out.find("已办结事项"), std::string::npos) << overdue.out;    // done
  const CommandResult soon = Ctl({"matter", "overdue", "--as-of", "2026-11-25", "--within", "15"});
  EXPECT_NE(soon.out.find("信访办 (1)"), std::string::npos) << soon.out;
  EXPECT_NE(soon.out.find("in 15 days"), std::string::npos) << soon.out;
  // Columns line up though the titles are Chinese: each row's "deadline" starts where the header's does.
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < soon.out.size();) {
    const std::size_t end = soon.out.find('\n', start);
    lines.push_back(soon.out.substr(start, end - start));
    start = end + 1;
  }
  for (std::size_t i = 0; i + 2 < lines.size(); ++i) {
    if (lines[i].find("deadline") == std::string::npos) continue;
    const std::size_t column = DisplayWidth(lines[i].substr(0, lines[i].find("deadline")));
    const std::string& row = lines[i + 2];
    EXPECT_EQ(DisplayWidth(row.substr(0, row.find("2026-"))), column) << lines[i] << "\n" << row;
  }

  // Maintenance and warranties due.
  ASSERT_EQ(Ctl({"asset", "add", "--tag", "ZC-001", "--name", "复印机", "--warranty-until", "2026-12-01"}).exit_code, 0);
  ASSERT_EQ(Ctl({"asset", "add", "--tag", "ZC-002", "--name", "服务器", "--warranty-until", "2028-01-01"}).exit_code, 0);
  ASSERT_EQ(Ctl({"maintenance", "add", "--asset", "asset-2", "--date", "2026-05-01", "--kind", "巡检", "--next-due",
                 "2026-11-01"})
                .exit_code,
            0);
  ASSERT_EQ(Ctl({"maintenance", "add", "--asset", "asset-2", "--date", "2026-11-02", "--kind", "巡检", "--next-due",
                 "2027-05-01"})
                .exit_code,
            0);
  const CommandResult due = Ctl({"asset", "due", "--as-of", "2026-11-25"});
  EXPECT_NE(due.out.find("warranty ends"), std::string::npos) << due.out;
  EXPECT_NE(due.out.find("复印机"), std::string::npos) << due.out;
  EXPECT_EQ(due.out.find("服务器"), std::string::npos) << due.out;  // its latest maintenance is not due
  EXPECT_NE(Ctl({"asset", "due", "--as-of", "2027-04-20"}).out.find("maintenance (巡检)"), std::string::npos);

  // Budgets in exact cents: three payments of 333.33 leave 0.01 of 1000.00.
  ASSERT_EQ(Ctl({"budget", "add", "--year", "2026", "--department", "办公室", "--line", "办公用品", "--amount",
                 "1000.00"})
                .exit_code,
            0);
  ASSERT_EQ(Ctl({"budget", "add", "--year", "2026", "--department", "办公室", "--line", "差旅", "--amount", "500"})
                .exit_code,
            0);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Ctl({"expense", "add", "--budget", "budget-1", "--amount", "333.33", "--date", "2026-03-0" + std::to_string(i + 1)})
                  .exit_code,
              0);
  }
  ASSERT_EQ(Ctl({"expense", "add", "--budget", "budget-2", "--amount", "500.10", "--date", "2026-04-01"}).exit_code, 0);
  const std::string budget = Collapsed(Ctl({"budget", "status", "--year", "2026"}).out);
  EXPECT_NE(budget.find("办公用品 1000.00 999.99 0.01 100.0%"), std::string::npos) << budget;
  EXPECT_NE(budget.find("差旅 500.00 500.10 -0.10 100.0% OVER"), std::string::npos) << budget;
  EXPECT_NE(budget.find("total: amount 1500.00, spent 1500.09, left -0.09"), std::string::npos) << budget;

  // The recruitment pipeline and a project's status.
  ASSERT_EQ(Ctl({"vacancy", "add", "--position", "档案管理员", "--headcount", "1", "--status", "open"}).exit_code, 0);
  for (const char* stage : {"applied", "applied", "interviewed", "rejected"}) {
    ASSERT_EQ(Ctl({"candidate", "add", "--vacancy", "vacancy-1", "--name", "候选人", "--stage", stage}).exit_code, 0);
  }
  const std::string pipeline = Collapsed(Ctl({"vacancy", "pipeline"}).out);
  // applied 2, screened 0, interviewed 1, offered 0, hired 0, rejected 1
  EXPECT_NE(pipeline.find("vacancy-1 档案管理员 1 2 0 1 0 0 1"), std::string::npos) << pipeline;
  ASSERT_EQ(Ctl({"project", "add", "--code", "XM-2026-01", "--name", "档案数字化", "--status", "active"}).exit_code, 0);
  ASSERT_EQ(Ctl({"task", "add", "--project", "project-1", "--title", "扫描", "--status", "done", "--due-date",
                 "2026-06-01"})
                .exit_code,
            0);
  ASSERT_EQ(Ctl({"task", "add", "--project", "project-1", "--title", "著录", "--status", "doing", "--progress", "40",
                 "--due-date", "2026-09-01"})
                .exit_code,
            0);
  const CommandResult status = Ctl({"project", "status", "1", "--as-of", "2026-11-25"});
  EXPECT_NE(status.out.find("tasks 2:  todo 0  doing 1  blocked 0  done 1"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("progress 70%"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("著录"), std::string::npos) << status.out;  // overdue
}

TEST_F(RegistersTest, AStaffSeparationStartsTheRetentionOfTheLinkedDocuments) {
  // Personnel files are kept one year after the separation, then destroyed.
  ASSERT_EQ(Ctl({"category", "add", "BGS/HR/LZ", "--name", "离职人员档案", "--class", "D10", "--years", "1", "--trigger",
                 "event", "--event", "separation", "--action", "destroy"})
                .exit_code,
            0);
  const CommandResult filed = Curl({"-X", "POST", "-H", "Content-Type: text/plain", "--data-binary", "劳动合同",
                                    Api("/documents?title=contract&category=BGS/HR/LZ")});
  const std::string doc = JsonField(filed.out, "id");
  ASSERT_FALSE(doc.empty()) << filed.out;
  ASSERT_EQ(Ctl({"staff", "add", "--name", "王芳", "--number", "009", "--status", "active", "--link", doc}).exit_code, 0);
  EXPECT_EQ(Ctl({"disposition", "due", "--as-of", "2028-01-01", "--json"}).out.find(doc), std::string::npos);
  const CommandResult separated = Ctl({"staff", "update", "1", "--separation-date", "2026-06-30", "--status", "separated"});
  ASSERT_EQ(separated.exit_code, 0) << separated.err;
  EXPECT_NE(Curl({Api("/documents/" + doc)}).out.find(R"("separation":"2026-06-30")"), std::string::npos);
  EXPECT_EQ(Ctl({"disposition", "due", "--as-of", "2027-06-29", "--json"}).out.find(doc), std::string::npos);
  EXPECT_NE(Ctl({"disposition", "due", "--as-of", "2027-07-01", "--json"}).out.find(doc), std::string::npos);
  // The audit trail has the entry's change and the event it recorded.
  const CommandResult events = Curl({Api("/audit/events?limit=1000")});
  EXPECT_NE(events.out.find(R"("action":"register.update")"), std::string::npos);
  EXPECT_NE(events.out.find(R"("action":"document.event")"), std::string::npos);
}

TEST_F(RegistersTest, EntriesAreDrawnIntoDispositionHeldExcludedAndDestroyedWithACertificate) {
  // Personnel entries are kept one year after the separation recorded on them.
  const CommandResult schedule = Ctl({"schedule", "set", "BGS/HR", "--years", "1", "--trigger", "event", "--event",
                                      "separation", "--action", "destroy", "--allow-shorten"});
  ASSERT_EQ(schedule.exit_code, 0) << schedule.err;
  for (const auto& [name, separated] : std::vector<std::pair<std::string, std::string>>{
           {"王芳", "2020-01-15"}, {"赵强", "2020-02-15"}, {"孙丽", "2020-03-15"}, {"周杰", ""}}) {
    // Only the first has the word wombatqz: it must leave every file with the destruction.
    const std::string notes = name == "王芳" ? "离职交接清单 wombatqz" : "离职交接清单";
    std::vector<std::string> add = {"staff", "add", "--name", name, "--number", "N-" + name, "--notes", notes};
    if (!separated.empty()) add.insert(add.end(), {"--separation-date", separated, "--status", "separated"});
    ASSERT_EQ(Ctl(add).exit_code, 0);
  }
  const CommandResult held = Ctl({"hold", "add", "arbitration", "--reason", "劳动仲裁", "--entries", "staff-2"});
  ASSERT_EQ(held.exit_code, 0) << held.out << held.err;
  EXPECT_NE(Ctl({"hold", "add", "typo", "--reason", "x", "--entries", "staff-9"}).exit_code, 0);
  WaitIndexed();
  EXPECT_EQ(Ctl({"search", "离职交接清单", "--json"}).out.find("staff-1") != std::string::npos, true);
  const auto files_holding = [&] {
    return RunCommand({"/bin/grep", "-rl", "wombatqz", (dir_.path() / "data").string()}).out;
  };
  ASSERT_NE(files_holding(), "") << "the check must be able to fail";

  const CommandResult run = Ctl({"disposition", "run", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find(R"("entry_id":"staff-1")"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find(R"("entry_id":"staff-3")"), std::string::npos);
  EXPECT_EQ(run.out.find("staff-2"), std::string::npos);  // held
  EXPECT_EQ(run.out.find("staff-4"), std::string::npos);  // still employed
  const std::string batch = JsonField(run.out, "id");
  EXPECT_NE(Ctl({"disposition", "show", batch}).out.find("staff-1"), std::string::npos);
  const CommandResult excluded = Ctl({"disposition", "exclude", batch, "staff-3", "--reason", "仍在核对社保"});
  ASSERT_EQ(excluded.exit_code, 0) << excluded.err;
  const CommandResult approved = Ctl({"disposition", "approve", batch, "--json"});
  ASSERT_EQ(approved.exit_code, 0) << approved.err;
  const std::string certificate = JsonField(approved.out, "certificate_id");
  ASSERT_FALSE(certificate.empty()) << approved.out;

  // What is left of staff-1 is its stub; it can no longer change; staff-3 was kept.
  const CommandResult stub = Curl({Api("/registers/staff/entries/staff-1")});
  EXPECT_NE(stub.out.find(R"("state":"REGISTER_ENTRY_STATE_DESTROYED")"), std::string::npos) << stub.out;
  EXPECT_EQ(stub.out.find("离职交接清单"), std::string::npos);
  EXPECT_EQ(CurlStatus({Api("/registers/staff/entries/staff-1/history")}), 409);
  const CommandResult patch = Curl({"-X", "PATCH", "-H", "Content-Type: application/json", "--data",
                                    R"({"fields":{"status":"active"}})", "-w", "\n%{http_code}",
                                    Api("/registers/staff/entries/staff-1")});
  EXPECT_NE(patch.out.find("destroyed"), std::string::npos) << patch.out;
  EXPECT_NE(patch.out.find("409"), std::string::npos) << patch.out;
  EXPECT_NE(Ctl({"staff", "update", "1", "--status", "active"}).exit_code, 0);
  EXPECT_NE(Ctl({"staff", "show", "1"}).out.find("DESTROYED"), std::string::npos);
  const CommandResult listed = Ctl({"staff", "list", "--json"});
  EXPECT_EQ(listed.out.find("staff-1"), std::string::npos);
  EXPECT_NE(listed.out.find("staff-3"), std::string::npos);
  EXPECT_NE(Curl({Api("/registers/staff/entries/staff-3")}).out.find("retain_until"), std::string::npos);

  // Search no longer finds it; the certificate verifies; the trail holds together.
  WaitIndexed();
  const CommandResult found = Ctl({"search", "离职交接清单", "--json"});
  EXPECT_EQ(found.out.find("staff-1"), std::string::npos) << found.out;
  EXPECT_NE(found.out.find("staff-3"), std::string::npos) << found.out;
  // No file of the data directory holds its fields any more: the store's are compacted at
  // once, the index's once the removal is indexed.
  std::string holding = "?";
  for (int i = 0; i < 200 && !holding.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    holding = files_holding();
  }
  EXPECT_EQ(holding, "");
  const CommandResult verified = Ctl({"certificate", "verify", certificate});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_NE(verified.out.find("(1 items)"), std::string::npos) << verified.out;
  const CommandResult report = Ctl({"report", "retention"});
  EXPECT_NE(report.out.find("0 documents, 1 entries"), std::string::npos) << report.out;
  EXPECT_EQ(Ctl({"audit", "verify"}).exit_code, 0);
}

}  // namespace
}  // namespace archived::testing
