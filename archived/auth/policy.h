// The access policy: one table of what each role may do, the separation of duties of Chinese
// archive practice (三员分立) built in. The administrator runs the system but cannot read
// content, change the file plan or approve a destruction; the auditor reads the audit trail
// and nothing else. Every HTTP route names its Operation; tests derive the authorization
// matrix from this table. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "archived/base/status.h"
#include "archived/v1/auth.pb.h"

namespace archived::auth {

enum class Operation {
  kFileDocument,     // POST /documents
  kListDocuments,    // GET /documents
  kReadDocument,     // GET /documents/{id}, GET …/versions
  kReadContent,      // GET …/content
  kAddVersion,       // POST …/versions
  kUpdateDocument,   // PATCH /documents/{id}
  kSearch,           // GET /search
  kListCategories,   // GET /categories
  kSetCategoryAccess,  // PATCH /categories/{code}: readers and filers
  kVerifyAudit,      // GET /audit/verify
  kReadAudit,        // GET /audit/events
  kManageUsers,      // /users: create, list, read, change
  kScrub,            // /admin/scrub: start and read fixity scrubs
  kRotateMasterKey,  // /admin/rotate-master-key: start and read master-key rotations
  kBackup,           // POST /admin/backups: start a backup run; GET …/latest
  kListBackups,      // GET /admin/backups
  kVerifyBackup,     // POST /admin/backups/verify
  kForgetBackups,    // POST /admin/backups/forget: apply the keep policies
  kManageFilePlan,      // POST /categories; PUT /categories/{code}/schedule
  kRecordEvent,         // POST /documents/{id}/events
  kManageHolds,         // POST /holds; POST /holds/{name}/release
  kReadHolds,           // GET /holds, /holds/{name}
  kReadDispositions,    // GET /dispositions, /dispositions/due, /dispositions/{id}
  kRunDisposition,      // POST /dispositions; …/{id}/exclude, …/{id}/review
  kApproveDisposition,  // POST /dispositions/{id}/approve (executes with enough approvals)
  kReadCertificates,    // GET /certificates, /certificates/{id}, …/verify
  kRetentionReport,     // GET /reports/retention
  kReadRegister,      // GET /registers, /registers/{kind}/entries…, /documents/{id}/entries
  kWriteRegister,     // POST, PATCH /registers/{kind}/entries…; links
  kManageOwnTokens,  // /tokens: mint, list and revoke one's own; whoami
  kManageAllTokens,  // another user's tokens
};

struct Rule {
  Operation operation;
  std::string_view name;  // as audited: "document.read" …
  bool changes;           // refused to READ_ONLY tokens
  std::uint32_t roles;    // bit 1 << v1::Role for each role allowed
};

constexpr std::uint32_t RoleBits(std::initializer_list<v1::Role> roles) {
  std::uint32_t bits = 0;
  for (const v1::Role role : roles) bits |= 1u << role;
  return bits;
}

inline constexpr std::uint32_t kDocumentRoles = RoleBits({v1::ROLE_CLERK, v1::ROLE_RECORDS_OFFICER});
inline constexpr std::uint32_t kEveryRole =
    RoleBits({v1::ROLE_ADMIN, v1::ROLE_RECORDS_OFFICER, v1::ROLE_CLERK, v1::ROLE_AUDITOR});

inline constexpr Rule kPolicy[] = {
    {Operation::kFileDocument, "document.file", true, kDocumentRoles},
    {Operation::kListDocuments, "document.list", false, kDocumentRoles},
    {Operation::kReadDocument, "document.read", false, kDocumentRoles},
    {Operation::kReadContent, "document.content", false, kDocumentRoles},
    {Operation::kAddVersion, "document.version", true, kDocumentRoles},
    {Operation::kUpdateDocument, "document.update", true, kDocumentRoles},
    {Operation::kSearch, "search", false, kDocumentRoles},
    // Category codes and titles: the administrator assigns permissions by them.
    {Operation::kListCategories, "category.list", false,
     RoleBits({v1::ROLE_CLERK, v1::ROLE_RECORDS_OFFICER, v1::ROLE_ADMIN})},
    // Permissions are the administrator's (the file plan itself is the records officer's).
    {Operation::kSetCategoryAccess, "category.access", true, RoleBits({v1::ROLE_ADMIN})},
    {Operation::kVerifyAudit, "audit.verify", false, RoleBits({v1::ROLE_AUDITOR})},
    {Operation::kReadAudit, "audit.read", false, RoleBits({v1::ROLE_AUDITOR})},
    {Operation::kManageUsers, "user.manage", true, RoleBits({v1::ROLE_ADMIN})},
    // A scrub reads content only to check it: nothing of it leaves the daemon.
    {Operation::kScrub, "archive.scrub", true, RoleBits({v1::ROLE_ADMIN})},
    // Keys are the administrator's; a rotation never exposes a key or any content.
    {Operation::kRotateMasterKey, "keys.rotate", true, RoleBits({v1::ROLE_ADMIN})},
    // Backups hold everything, sealed: making and pruning them is the administrator's; the
    // auditor may list and verify them (nothing is read out).
    {Operation::kBackup, "backup.create", true, RoleBits({v1::ROLE_ADMIN})},
    {Operation::kListBackups, "backup.list", false, RoleBits({v1::ROLE_ADMIN, v1::ROLE_AUDITOR})},
    {Operation::kVerifyBackup, "backup.verify", false, RoleBits({v1::ROLE_ADMIN, v1::ROLE_AUDITOR})},
    {Operation::kForgetBackups, "backup.forget", true, RoleBits({v1::ROLE_ADMIN})},
    // Retention is the records officer's; the auditor reads holds, batches and certificates.
    {Operation::kManageFilePlan, "fileplan.change", true, RoleBits({v1::ROLE_RECORDS_OFFICER})},
    {Operation::kRecordEvent, "document.event", true, kDocumentRoles},
    {Operation::kManageHolds, "hold.change", true, RoleBits({v1::ROLE_RECORDS_OFFICER})},
    {Operation::kReadHolds, "hold.read", false, RoleBits({v1::ROLE_RECORDS_OFFICER, v1::ROLE_AUDITOR})},
    {Operation::kReadDispositions, "disposition.read", false, RoleBits({v1::ROLE_RECORDS_OFFICER, v1::ROLE_AUDITOR})},
    {Operation::kRunDisposition, "disposition.prepare", true, RoleBits({v1::ROLE_RECORDS_OFFICER})},
    {Operation::kApproveDisposition, "disposition.approve", true, RoleBits({v1::ROLE_RECORDS_OFFICER})},
    {Operation::kReadCertificates, "certificate.read", false, RoleBits({v1::ROLE_RECORDS_OFFICER, v1::ROLE_AUDITOR})},
    {Operation::kRetentionReport, "report.retention", false, RoleBits({v1::ROLE_RECORDS_OFFICER, v1::ROLE_AUDITOR})},
    // Registers are office work, as documents are; per register, its category's readers and
    // filers decide (personnel: whoever the BGS/HR category names).
    {Operation::kReadRegister, "register.read", false, kDocumentRoles},
    {Operation::kWriteRegister, "register.write", true, kDocumentRoles},
    {Operation::kManageOwnTokens, "token.own", true, kEveryRole},
    {Operation::kManageAllTokens, "token.any", true, RoleBits({v1::ROLE_ADMIN})},
};

const Rule& RuleFor(Operation operation);

// "clerk", "records_officer", "admin", "auditor"; and back (kInvalidArgument otherwise).
std::string RoleName(v1::Role role);
StatusOr<v1::Role> ParseRole(std::string_view name);

// Combinations that strict separation of duties refuses: the administrator or the auditor
// together with any other role. Errors: kInvalidArgument naming the combination.
Status CheckSeparation(std::span<const v1::Role> roles);

// Who is calling: the user behind a token, with the user's current roles.
struct Principal {
  std::string name;
  std::vector<v1::Role> roles;
  v1::Classification clearance = v1::PUBLIC;
  std::vector<std::string> departments;
  std::string token_id;
  v1::TokenScope scope = v1::FULL;
};

// The role `principal` may do `operation` under (the first of its roles the rule allows),
// or kPermissionDenied saying which roles it needs or that the token is read-only.
StatusOr<v1::Role> Authorize(const Principal& principal, Operation operation);

}  // namespace archived::auth
