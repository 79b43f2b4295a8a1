#include "archived/service/guard.h"

#include <memory>

#include "archived/base/status_macros.h"

namespace archived::service {

StatusOr<std::shared_ptr<const AccessRules>> Guard::Rules() const {
  // The generation is read first: a plan that changes while it is read is read again by the
  // next caller, since its generation has moved on.
  const std::uint64_t generation = catalog_->file_plan_generation();
  {
    std::lock_guard lock(rules_mu_);
    if (rules_generation_ == generation) return rules_;
  }
  ARCHIVED_ASSIGN_OR_RETURN(const v1::CategoryList plan, catalog_->ListCategories());
  auto rules = std::make_shared<const AccessRules>(plan);
  std::lock_guard lock(rules_mu_);
  if (generation > rules_generation_) {  // never back to an older plan
    rules_ = rules;
    rules_generation_ = generation;
  }
  return rules;
}

Status Guard::Check(const auth::Principal& principal, auth::Operation operation, audit::Actor* actor) const {
  StatusOr<v1::Role> role = auth::Authorize(principal, operation);
  if (!role.ok()) return role.status();
  actor->role = auth::RoleName(*role);
  return OkStatus();
}

Status Guard::Refuse(const audit::Actor& actor, auth::Operation operation, std::string_view object,
                     const Status& refusal) const {
  const std::string reason = refusal.code() == StatusCode::kNotFound ? "not visible to the caller" : refusal.message();
  ARCHIVED_RETURN_IF_ERROR(authenticator_->AuditDenial(actor, auth::RuleFor(operation).name, object, reason));
  return refusal;
}

Status Guard::CheckDocument(const auth::Principal& principal, const audit::Actor& actor, auth::Operation operation,
                            const std::string& id, bool to_change) const {
  ARCHIVED_ASSIGN_OR_RETURN(const v1::Document doc, catalog_->GetDocument(id));
  ARCHIVED_ASSIGN_OR_RETURN(const std::shared_ptr<const AccessRules> rules, Rules());
  if (!rules->MayRead(principal, doc)) {
    return Refuse(actor, operation, doc.id(), NotFoundError("document \"" + id + "\" not found"));
  }
  if (to_change && !rules->MayFileIn(principal, doc.category())) {
    return Refuse(actor, operation, doc.id(), PermissionDeniedError("you may not file in category " + doc.category()));
  }
  return OkStatus();
}

Status Guard::CheckFiling(const auth::Principal& principal, const audit::Actor& actor,
                          const v1::FileMetadata& metadata) const {
  ARCHIVED_ASSIGN_OR_RETURN(const std::shared_ptr<const AccessRules> rules, Rules());
  const std::string category = metadata.category().empty() ? catalog_->default_category() : metadata.category();
  if (!rules->MayFileIn(principal, category)) {
    return Refuse(actor, auth::Operation::kFileDocument, category,
                  PermissionDeniedError("you may not file in category " + category));
  }
  if (!rules->Cleared(principal, metadata.classification())) {
    return Refuse(actor, auth::Operation::kFileDocument, category,
                  PermissionDeniedError("classification: above your clearance"));
  }
  return OkStatus();
}

Status Guard::CheckUpdate(const auth::Principal& principal, const audit::Actor& actor, const std::string& id,
                          const v1::DocumentPatch& patch) const {
  ARCHIVED_ASSIGN_OR_RETURN(const std::shared_ptr<const AccessRules> rules, Rules());
  // Moving a document needs the right to file in its new category; classifying it, a
  // clearance that reaches the new level.
  if (patch.has_category() && !rules->MayFileIn(principal, patch.category())) {
    return Refuse(actor, auth::Operation::kUpdateDocument, id,
                  PermissionDeniedError("category: you may not file in " + patch.category()));
  }
  if (patch.has_classification() && !rules->Cleared(principal, patch.classification())) {
    return Refuse(actor, auth::Operation::kUpdateDocument, id,
                  PermissionDeniedError("classification: above your clearance"));
  }
  return OkStatus();
}

Status Guard::CheckRegister(const auth::Principal& principal, const audit::Actor& actor, auth::Operation operation,
                            std::string_view kind, std::string_view category, bool to_change) const {
  ARCHIVED_ASSIGN_OR_RETURN(const std::shared_ptr<const AccessRules> rules, Rules());
  // Entries are internal records (as the search index files them).
  if (!rules->Cleared(principal, v1::INTERNAL)) {
    return Refuse(actor, operation, kind, PermissionDeniedError("registers are internal: above your clearance"));
  }
  if (!rules->MayReadCategory(principal, category)) {
    return Refuse(actor, operation, kind,
                  PermissionDeniedError("the " + std::string(kind) + " register is kept in category " +
                                        std::string(category) + ", which you may not read"));
  }
  if (to_change && !rules->MayFileIn(principal, category)) {
    return Refuse(actor, operation, kind,
                  PermissionDeniedError("the " + std::string(kind) + " register is kept in category " +
                                        std::string(category) + ", where you may not file"));
  }
  return OkStatus();
}

StatusOr<std::function<bool(std::string_view)>> Guard::ReadableCategories(const auth::Principal& principal) const {
  ARCHIVED_ASSIGN_OR_RETURN(std::shared_ptr<const AccessRules> shared, Rules());
  return std::function<bool(std::string_view)>(
      [shared, principal](std::string_view category) { return shared->MayReadCategory(principal, category); });
}

StatusOr<std::function<bool(const v1::Document&)>> Guard::VisibleFilter(const auth::Principal& principal) const {
  ARCHIVED_ASSIGN_OR_RETURN(std::shared_ptr<const AccessRules> shared, Rules());
  return std::function<bool(const v1::Document&)>(
      [shared, principal](const v1::Document& d) { return shared->MayRead(principal, d); });
}

StatusOr<SearchScope> Guard::SearchScopeFor(const auth::Principal& principal) const {
  ARCHIVED_ASSIGN_OR_RETURN(const std::shared_ptr<const AccessRules> rules, Rules());
  return rules->SearchScopeOf(principal);
}

}  // namespace archived::service
