#include "archived/service/access.h"

#include <algorithm>

namespace archived::service {
namespace {

bool IsRecordsOfficer(const auth::Principal& p) {
  return std::find(p.roles.begin(), p.roles.end(), v1::ROLE_RECORDS_OFFICER) != p.roles.end();
}

// UNSPECIFIED reads as INTERNAL: documents filed before classifications, users made without one.
v1::Classification Level(v1::Classification c) { return c == v1::CLASSIFICATION_UNSPECIFIED ? v1::INTERNAL : c; }

}  // namespace

AccessRules::AccessRules(const v1::CategoryList& file_plan) {
  for (const v1::Category& c : file_plan.categories()) plan_.emplace(c.code(), c);
}

bool AccessRules::Cleared(const auth::Principal& principal, v1::Classification classification) const {
  return Level(principal.clearance) >= Level(classification);
}

const google::protobuf::RepeatedPtrField<std::string>* AccessRules::Nearest(std::string_view category,
                                                                            bool readers) const {
  std::string_view code = category;
  while (!code.empty()) {
    if (const auto it = plan_.find(code); it != plan_.end()) {
      const auto& list = readers ? it->second.readers() : it->second.filers();
      if (!list.empty()) return &list;
    }
    const std::size_t slash = code.rfind('/');
    code = slash == std::string_view::npos ? std::string_view() : code.substr(0, slash);
  }
  return nullptr;
}

bool AccessRules::Matches(const auth::Principal& principal,
                          const google::protobuf::RepeatedPtrField<std::string>& list) const {
  for (const std::string& entry : list) {
    if (entry.starts_with("user:") && std::string_view(entry).substr(5) == principal.name) return true;
    if (entry.starts_with("dept:") &&
        std::find(principal.departments.begin(), principal.departments.end(), std::string_view(entry).substr(5)) !=
            principal.departments.end()) {
      return true;
    }
  }
  return false;
}

bool AccessRules::MayReadCategory(const auth::Principal& principal, std::string_view category) const {
  if (IsRecordsOfficer(principal)) return true;
  const auto* readers = Nearest(category, true);
  return readers == nullptr || Matches(principal, *readers);
}

bool AccessRules::MayFileIn(const auth::Principal& principal, std::string_view category) const {
  if (IsRecordsOfficer(principal)) return true;
  const auto* filers = Nearest(category, false);
  return filers == nullptr || Matches(principal, *filers);
}

bool AccessRules::MayRead(const auth::Principal& principal, const v1::Document& document) const {
  return Cleared(principal, document.classification()) && MayReadCategory(principal, document.category());
}

SearchScope AccessRules::SearchScopeOf(const auth::Principal& principal) const {
  SearchScope scope;
  for (const v1::Classification c : {v1::PUBLIC, v1::INTERNAL, v1::CONFIDENTIAL, v1::SECRET}) {
    if (Cleared(principal, c)) scope.classifications.push_back(c);
  }
  for (const auto& [code, category] : plan_) {
    if (MayReadCategory(principal, code)) {
      scope.categories.push_back(code);
    } else {
      scope.all_categories = false;
    }
  }
  if (scope.all_categories) scope.categories.clear();
  return scope;
}

}  // namespace archived::service
