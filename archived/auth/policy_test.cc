// The policy table: separation of duties, read-only tokens, and strict separation.
#include "archived/auth/policy.h"

#include <gtest/gtest.h>

namespace archived::auth {
namespace {

Principal With(std::vector<v1::Role> roles, v1::TokenScope scope = v1::FULL) {
  return Principal{.name = "u", .roles = std::move(roles), .scope = scope};
}

TEST(PolicyTest, EveryOperationHasExactlyOneRule) {
  for (int op = 0; op <= static_cast<int>(Operation::kManageAllTokens); ++op) {
    int rules = 0;
    for (const Rule& rule : kPolicy) rules += rule.operation == static_cast<Operation>(op);
    EXPECT_EQ(rules, 1) << op;
  }
}

TEST(PolicyTest, TheAdministratorRunsTheSystemButReadsNoDocument) {
  const Principal admin = With({v1::ROLE_ADMIN});
  EXPECT_TRUE(Authorize(admin, Operation::kManageUsers).ok());
  for (const Operation op : {Operation::kReadContent, Operation::kReadDocument, Operation::kSearch,
                             Operation::kFileDocument, Operation::kVerifyAudit}) {
    const auto r = Authorize(admin, op);
    EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied) << RuleFor(op).name;
  }
}

// The auditor oversees: reads and verifies the audit trail, lists and verifies backups,
// reads holds, disposition batches and certificates (never changes them).
TEST(PolicyTest, TheAuditorReadsTheAuditTrailChecksBackupsAndNothingElse) {
  const Principal auditor = With({v1::ROLE_AUDITOR});
  EXPECT_TRUE(Authorize(auditor, Operation::kVerifyAudit).ok());
  EXPECT_TRUE(Authorize(auditor, Operation::kManageOwnTokens).ok());
  EXPECT_TRUE(Authorize(auditor, Operation::kVerifyBackup).ok());
  for (const Rule& rule : kPolicy) {
    if (rule.operation == Operation::kVerifyAudit || rule.operation == Operation::kReadAudit ||
        rule.operation == Operation::kManageOwnTokens || rule.operation == Operation::kListBackups ||
        rule.operation == Operation::kVerifyBackup || rule.operation == Operation::kReadHolds ||
        rule.operation == Operation::kReadDispositions || rule.operation == Operation::kReadCertificates ||
        rule.operation == Operation::kRetentionReport) {
      if (rule.operation != Operation::kManageOwnTokens) {
        EXPECT_FALSE(rule.changes) << rule.name;
      }
      continue;
    }
    EXPECT_FALSE(Authorize(auditor, rule.operation).ok()) << rule.name;
  }
}

TEST(PolicyTest, TheRoleAnActionIsAllowedUnderIsReported) {
  const Principal both = With({v1::ROLE_ADMIN, v1::ROLE_CLERK});
  EXPECT_EQ(*Authorize(both, Operation::kFileDocument), v1::ROLE_CLERK);
  EXPECT_EQ(*Authorize(both, Operation::kManageUsers), v1::ROLE_ADMIN);
  const auto denied = Authorize(With({v1::ROLE_CLERK}), Operation::kManageUsers);
  EXPECT_NE(denied.status().message().find("needs the role admin"), std::string::npos) << denied.status().ToString();
}

TEST(PolicyTest, ReadOnlyTokensChangeNothing) {
  const Principal reader = With({v1::ROLE_CLERK}, v1::READ_ONLY);
  EXPECT_TRUE(Authorize(reader, Operation::kSearch).ok());
  EXPECT_TRUE(Authorize(reader, Operation::kReadContent).ok());
  for (const Rule& rule : kPolicy) {
    if (rule.changes) {
      EXPECT_EQ(Authorize(reader, rule.operation).status().code(), StatusCode::kPermissionDenied);
    }
  }
}

TEST(PolicyTest, StrictSeparationRefusesAdminOrAuditorWithAnotherRole) {
  const std::vector<v1::Role> fine[] = {{v1::ROLE_ADMIN}, {v1::ROLE_AUDITOR}, {v1::ROLE_CLERK, v1::ROLE_RECORDS_OFFICER}};
  for (const auto& roles : fine) EXPECT_TRUE(CheckSeparation(roles).ok());
  const std::vector<v1::Role> refused[] = {{v1::ROLE_ADMIN, v1::ROLE_CLERK}, {v1::ROLE_AUDITOR, v1::ROLE_RECORDS_OFFICER},
                                           {v1::ROLE_ADMIN, v1::ROLE_AUDITOR}};
  for (const auto& roles : refused) EXPECT_EQ(CheckSeparation(roles).code(), StatusCode::kInvalidArgument);
}

TEST(PolicyTest, RoleNamesRoundTrip) {
  for (const v1::Role r : {v1::ROLE_ADMIN, v1::ROLE_RECORDS_OFFICER, v1::ROLE_CLERK, v1::ROLE_AUDITOR}) {
    EXPECT_EQ(*ParseRole(RoleName(r)), r);
  }
  EXPECT_FALSE(ParseRole("root").ok());
}

}  // namespace
}  // namespace archived::auth
