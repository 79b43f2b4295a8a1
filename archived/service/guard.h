// Guard: every authorization decision of the API, in one place (issue #4: "checked in the
// service layer on every access of every object"). The HTTP layer calls it before each use
// case and only translates its Status. Role and scope come from the policy table
// (auth/policy.h); categories and classifications from AccessRules over the current file
// plan. Every refusal is written to the audit trail before it is returned. A document the
// caller may not see is refused as kNotFound, exactly like one that does not exist.
// Check() is pure and cheap; the others read the catalogue or write the audit trail, so they
// belong on a blocking thread. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "archived/audit/actor.h"
#include "archived/auth/authenticator.h"
#include "archived/auth/policy.h"
#include "archived/catalog/catalog.h"
#include "archived/service/access.h"

namespace archived::service {

class Guard {
 public:
  // Both must outlive the guard.
  Guard(catalog::Catalog* catalog, auth::Authenticator* authenticator)
      : catalog_(catalog), authenticator_(authenticator) {}

  // May `principal` perform `operation` at all (role, token scope)? On success the role it is
  // allowed under is recorded on `actor`. Errors: kPermissionDenied (not yet audited: pass it
  // to Refuse).
  Status Check(const auth::Principal& principal, auth::Operation operation, audit::Actor* actor) const;
  // Audits `refusal` of `operation` on `object` and returns it (or the audit's failure).
  Status Refuse(const audit::Actor& actor, auth::Operation operation, std::string_view object,
                const Status& refusal) const;

  // May the caller see document `id` (and, with `to_change`, file in its category)?
  // Errors: kNotFound (invisible or absent), kPermissionDenied; both audited.
  Status CheckDocument(const auth::Principal& principal, const audit::Actor& actor, auth::Operation operation,
                       const std::string& id, bool to_change) const;
  // May the caller file a document with this metadata (its category, or the default one; its
  // classification, INTERNAL when none)? Errors: kPermissionDenied, audited.
  Status CheckFiling(const auth::Principal& principal, const audit::Actor& actor, const v1::FileMetadata& metadata) const;
  // May the caller move or reclassify document `id` as `patch` says? Errors: kPermissionDenied, audited.
  Status CheckUpdate(const auth::Principal& principal, const audit::Actor& actor, const std::string& id,
                     const v1::DocumentPatch& patch) const;
  // May the caller read (and, with `to_change`, write) the register whose entries sit in
  // `category` (the kind's file-plan category: its readers read, its filers write)?
  // Errors: kPermissionDenied, audited.
  Status CheckRegister(const auth::Principal& principal, const audit::Actor& actor, auth::Operation operation,
                       std::string_view kind, std::string_view category, bool to_change) const;
  // Which categories' register entries the caller may read.
  StatusOr<std::function<bool(std::string_view category)>> ReadableCategories(const auth::Principal& principal) const;
  // Which documents a listing may show the caller.
  StatusOr<std::function<bool(const v1::Document&)>> VisibleFilter(const auth::Principal& principal) const;
  // What a search may return to the caller.
  StatusOr<SearchScope> SearchScopeFor(const auth::Principal& principal) const;

 private:
  // The rules of the current file plan: built once per generation of the plan, not per request.
  StatusOr<std::shared_ptr<const AccessRules>> Rules() const;
  catalog::Catalog* const catalog_;
  auth::Authenticator* const authenticator_;
  mutable std::mutex rules_mu_;
  mutable std::shared_ptr<const AccessRules> rules_;  // guarded by rules_mu_
  mutable std::uint64_t rules_generation_ = 0;        // guarded by rules_mu_; 0: none yet
};

}  // namespace archived::service
