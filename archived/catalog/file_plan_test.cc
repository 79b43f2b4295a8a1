// File plan rules: category syntax, retention classes and the reference-code format.
#include "archived/catalog/file_plan.h"

#include <gtest/gtest.h>

namespace archived::catalog {
namespace {

TEST(FilePlanTest, CategoryCodes) {
  EXPECT_TRUE(ValidateCategoryCode("BGS").ok());
  EXPECT_TRUE(ValidateCategoryCode("BGS/HR").ok());
  EXPECT_FALSE(ValidateCategoryCode("").ok());
  EXPECT_FALSE(ValidateCategoryCode("bgs").ok());
  EXPECT_FALSE(ValidateCategoryCode("BGS/").ok());
  EXPECT_FALSE(ValidateCategoryCode("A/B/C/D/E").ok());
  EXPECT_FALSE(ValidateCategoryCode("B-S").ok());
}

TEST(FilePlanTest, ReferenceCodes) {
  EXPECT_EQ(FormatReferenceCode("Z001", 2026, v1::RETENTION_CLASS_10_YEARS, "BGS", 42),
            "Z001-2026-D10-BGS-0042");
  EXPECT_EQ(FormatReferenceCode("Z001", 2026, v1::RETENTION_CLASS_PERMANENT, "BGS/HR", 12345),
            "Z001-2026-Y-BGS.HR-12345");
}

TEST(FilePlanTest, RetentionClassesParseBothNames) {
  EXPECT_EQ(*ParseRetentionClass("永久"), v1::RETENTION_CLASS_PERMANENT);
  EXPECT_EQ(*ParseRetentionClass("D30"), v1::RETENTION_CLASS_30_YEARS);
  EXPECT_EQ(*ParseRetentionClass("定期10年"), v1::RETENTION_CLASS_10_YEARS);
  EXPECT_FALSE(ParseRetentionClass("D5").ok());
}

TEST(FilePlanTest, DefaultPlanIsValid) {
  for (const v1::Category& c : DefaultFilePlan()) {
    EXPECT_TRUE(ValidateCategoryCode(c.code()).ok()) << c.code();
    EXPECT_FALSE(RetentionCode(c.retention_class()).empty());
  }
}

}  // namespace
}  // namespace archived::catalog
