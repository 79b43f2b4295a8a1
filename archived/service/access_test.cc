// Who may see a document and file where: category readers and filers along the path,
// departments, the records officer, and clearance against classification.
#include "archived/service/access.h"

#include <gtest/gtest.h>

namespace archived::service {
namespace {

v1::CategoryList Plan() {
  v1::CategoryList plan;
  const auto add = [&](const std::string& code, std::vector<std::string> readers, std::vector<std::string> filers) {
    v1::Category* c = plan.add_categories();
    c->set_code(code);
    for (auto& r : readers) c->add_readers(r);
    for (auto& f : filers) c->add_filers(f);
  };
  add("BGS", {}, {});
  add("BGS/HR", {"dept:人事处", "user:wang"}, {"dept:人事处"});
  add("BGS/HR/PAY", {}, {});  // follows BGS/HR
  add("BGS/WS", {}, {"user:li"});
  return plan;
}

auth::Principal Clerk(std::string name, std::vector<std::string> departments = {},
                      v1::Classification clearance = v1::INTERNAL) {
  return auth::Principal{.name = std::move(name), .roles = {v1::ROLE_CLERK}, .clearance = clearance,
                         .departments = std::move(departments)};
}

v1::Document Doc(const std::string& category, v1::Classification c = v1::INTERNAL) {
  v1::Document d;
  d.set_category(category);
  d.set_classification(c);
  return d;
}

TEST(AccessTest, ReadersComeFromTheNearestCategoryOnThePathThatNamesAny) {
  const AccessRules rules(Plan());
  const auto hr = Clerk("zhao", {"人事处"});
  const auto other = Clerk("qian", {"财务处"});
  const auto wang = Clerk("wang");
  for (const std::string category : {"BGS/HR", "BGS/HR/PAY"}) {
    EXPECT_TRUE(rules.MayRead(hr, Doc(category))) << category;
    EXPECT_TRUE(rules.MayRead(wang, Doc(category))) << category;
    EXPECT_FALSE(rules.MayRead(other, Doc(category))) << category;
  }
  // No list on the path: every clerk.
  EXPECT_TRUE(rules.MayRead(other, Doc("BGS")));
  EXPECT_TRUE(rules.MayRead(other, Doc("BGS/WS")));
}

TEST(AccessTest, FilersAreSeparateFromReaders) {
  const AccessRules rules(Plan());
  EXPECT_TRUE(rules.MayFileIn(Clerk("li"), "BGS/WS"));
  EXPECT_FALSE(rules.MayFileIn(Clerk("zhao"), "BGS/WS"));
  EXPECT_TRUE(rules.MayReadCategory(Clerk("zhao"), "BGS/WS"));
  EXPECT_FALSE(rules.MayFileIn(Clerk("wang"), "BGS/HR"));  // a reader, not a filer
  EXPECT_TRUE(rules.MayFileIn(Clerk("zhao", {"人事处"}), "BGS/HR/PAY"));
}

TEST(AccessTest, ClearanceMustReachTheClassificationForEveryone) {
  const AccessRules rules(Plan());
  const auto internal = Clerk("a", {}, v1::INTERNAL);
  EXPECT_TRUE(rules.MayRead(internal, Doc("BGS", v1::PUBLIC)));
  EXPECT_TRUE(rules.MayRead(internal, Doc("BGS", v1::CLASSIFICATION_UNSPECIFIED)));  // reads as INTERNAL
  EXPECT_FALSE(rules.MayRead(internal, Doc("BGS", v1::CONFIDENTIAL)));
  auth::Principal officer{.name = "o", .roles = {v1::ROLE_RECORDS_OFFICER}, .clearance = v1::CONFIDENTIAL};
  EXPECT_TRUE(rules.MayRead(officer, Doc("BGS/HR", v1::CONFIDENTIAL)));  // every category…
  EXPECT_FALSE(rules.MayRead(officer, Doc("BGS/HR", v1::SECRET)));       // …but not above clearance
  EXPECT_TRUE(rules.MayFileIn(officer, "BGS/WS"));
}

TEST(AccessTest, SearchScopeListsReadableCategoriesAndClassifications) {
  const AccessRules rules(Plan());
  const SearchScope other = rules.SearchScopeOf(Clerk("qian", {"财务处"}, v1::PUBLIC));
  EXPECT_FALSE(other.all_categories);
  EXPECT_EQ(other.categories, (std::vector<std::string>{"BGS", "BGS/WS"}));
  EXPECT_EQ(other.classifications, std::vector<v1::Classification>{v1::PUBLIC});
  const SearchScope officer =
      rules.SearchScopeOf({.name = "o", .roles = {v1::ROLE_RECORDS_OFFICER}, .clearance = v1::SECRET});
  EXPECT_TRUE(officer.all_categories);
  EXPECT_EQ(officer.classifications.size(), 4u);
}

}  // namespace
}  // namespace archived::service
