// The register schema read from registers.proto's options: every kind is found, fields are
// checked by their options, amounts are exact.
#include "archived/registers/schema.h"

#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace archived::registers {
namespace {

TEST(SchemaTest, EveryKindIsDescribedWithACategoryAndTitleField) {
  const std::vector<std::string> expected = {"staff",       "vacancy", "candidate", "training",  "appraisal",
                                             "case",        "asset",   "purchase",  "budget",    "expense",
                                             "maintenance", "contract", "project",  "task",      "milestone",
                                             "review",      "correspondence", "dispute", "notice", "matter"};
  std::vector<std::string> names;
  for (const Kind& kind : Kinds()) {
    names.push_back(kind.name);
    EXPECT_FALSE(kind.category.empty()) << kind.name;
    EXPECT_FALSE(kind.group.empty()) << kind.name;
    EXPECT_NE(kind.descriptor->FindFieldByName(kind.title_field), nullptr) << kind.name;
  }
  EXPECT_EQ(names, expected);
  EXPECT_STATUS(FindKind("staf").status(), kNotFound, "staff, vacancy");
  const v1::RegisterKindList described = DescribeKinds();
  ASSERT_EQ(described.kinds_size(), 20);
  const v1::RegisterKind& matter = described.kinds(19);
  EXPECT_EQ(matter.category(), "BGS/CB");
  bool saw_mode = false;
  for (const v1::RegisterField& f : matter.fields()) {
    if (f.name() != "mode") continue;
    saw_mode = true;
    EXPECT_TRUE(f.required());
    EXPECT_EQ(std::vector<std::string>(f.choices().begin(), f.choices().end()),
              (std::vector<std::string>{"lead", "joint", "referral"}));
  }
  EXPECT_TRUE(saw_mode);
}

TEST(SchemaTest, FieldsAreCheckedByTheirOptions) {
  v1::Matter m;
  EXPECT_STATUS(CheckFields(m, true, 100), kInvalidArgument, "title: required");
  EXPECT_OK(CheckFields(m, false, 100));  // a patch need not be complete
  m.set_title("落实安全检查");
  m.set_source("leader");
  m.set_mode("lead");
  EXPECT_OK(CheckFields(m, true, 100));
  m.set_mode("主办");
  EXPECT_STATUS(CheckFields(m, true, 100), kInvalidArgument, "mode: \"主办\" is not one of lead, joint, referral");
  m.set_mode("joint");
  m.set_deadline("2026-02-30");
  EXPECT_STATUS(CheckFields(m, true, 100), kInvalidArgument, "deadline");
  m.set_deadline("2026-12-31");
  v1::MatterStep* chase = m.add_chases();
  chase->set_by("王主任");
  EXPECT_STATUS(CheckFields(m, true, 100), kInvalidArgument, "chases[0].date: required");
  chase->set_date("2026-12-01");
  EXPECT_OK(CheckFields(m, true, 100));
  m.set_title(std::string(101, 'x'));
  EXPECT_STATUS(CheckFields(m, true, 100), kInvalidArgument, "title");

  v1::Task t;
  t.set_project("project-1");
  t.set_title("t");
  t.set_progress(101);
  EXPECT_STATUS(CheckFields(t, true, 100), kInvalidArgument, "progress");
  t.set_progress(100);
  t.set_project("staff-1");
  EXPECT_STATUS(CheckFields(t, true, 100), kInvalidArgument, "project: \"staff-1\" is not a project entry id");

  v1::Budget b;
  b.set_year(2026);
  b.set_department("办公室");
  b.set_line("办公用品");
  b.set_amount("12.345");
  EXPECT_STATUS(CheckFields(b, true, 100), kInvalidArgument, "amount");
}

TEST(SchemaTest, AmountsAreExactCents) {
  EXPECT_EQ(*ParseAmount("1234.5"), 123450);
  EXPECT_EQ(*ParseAmount("0.07"), 7);
  EXPECT_EQ(*ParseAmount("-3"), -300);
  EXPECT_EQ(*ParseAmount("999999999999999.99"), 99999999999999999);
  for (const char* bad : {"", ".5", "1.", "1.234", "1,000", "1e3", "--1", "abc", "1000000000000000"}) {
    EXPECT_STATUS(ParseAmount(bad).status(), kInvalidArgument, "") << bad;
  }
  EXPECT_EQ(FormatAmount(123450), "1234.50");
  EXPECT_EQ(FormatAmount(7), "0.07");
  EXPECT_EQ(FormatAmount(-300), "-3.00");
  // 0.1 + 0.2 in cents is exactly 0.3.
  EXPECT_EQ(FormatAmount(*ParseAmount("0.1") + *ParseAmount("0.2")), "0.30");
}

TEST(SchemaTest, TextsEventsReferencesAndMerges) {
  v1::Staff s;
  s.set_name("李娜");
  s.set_number("A-7");
  s.set_separation_date("2026-06-30");
  EXPECT_EQ(EventDates(s), (std::vector<std::pair<std::string, std::string>>{{"separation", "2026-06-30"}}));
  v1::Training t;
  t.set_staff("staff-3");
  t.set_course("档案法规");
  t.set_hours(12.5);
  ASSERT_EQ(References(t).size(), 1u);
  EXPECT_EQ(References(t)[0].kind, "staff");
  EXPECT_EQ(FieldText(t, "hours"), "12.5");
  EXPECT_EQ(FieldText(t, "nothing"), "");
  v1::Matter m;
  m.add_joint_handlers("财务科");
  m.add_joint_handlers("人事科");
  m.add_chases()->set_note("请尽快");
  EXPECT_EQ(FieldText(m, "joint_handlers"), "财务科, 人事科");
  EXPECT_EQ(FieldText(m, "chases"), "1 step");
  const auto texts = FieldTexts(m);
  EXPECT_NE(std::find(texts.begin(), texts.end(), std::make_pair(std::string("note"), std::string("请尽快"))), texts.end());

  v1::Matter patch;
  patch.set_status("done");
  m.set_title("old");
  ASSERT_OK(MergeFields(patch, {"status", "joint_handlers"}, &m));
  EXPECT_EQ(m.status(), "done");
  EXPECT_EQ(m.joint_handlers_size(), 0);  // named and absent in the patch: cleared
  EXPECT_EQ(m.title(), "old");            // not named: kept
  EXPECT_STATUS(MergeFields(patch, {"bogus"}, &m), kInvalidArgument, "bogus");
}

}  // namespace
}  // namespace archived::registers
