// Access to documents: who may see a document and who may file where. A category's readers
// and filers ("user:NAME", "dept:NAME") come from the nearest category on its path that has
// any (BGS/HR/PAY follows BGS/HR when it has none itself); none on the whole path means every
// clerk. A records officer reads and files in every category. Whatever the category says, a
// document is seen only by users cleared to its classification. A document the caller may
// not see is answered as if it did not exist (404).
// Pure; thread-safe once made.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "archived/auth/policy.h"
#include "archived/v1/api.pb.h"
#include "archived/v1/catalog.pb.h"

namespace archived::service {

// What a search may return to a caller: the categories (exactly, not with their subtrees)
// and the classifications it may read.
struct SearchScope {
  bool all_categories = true;
  std::vector<std::string> categories;
  std::vector<v1::Classification> classifications;
};

class AccessRules {
 public:
  explicit AccessRules(const v1::CategoryList& file_plan);

  bool Cleared(const auth::Principal& principal, v1::Classification classification) const;
  bool MayReadCategory(const auth::Principal& principal, std::string_view category) const;
  bool MayFileIn(const auth::Principal& principal, std::string_view category) const;
  // Category and classification.
  bool MayRead(const auth::Principal& principal, const v1::Document& document) const;
  SearchScope SearchScopeOf(const auth::Principal& principal) const;

 private:
  // The nearest non-empty list on `category`'s path, or nullptr.
  const google::protobuf::RepeatedPtrField<std::string>* Nearest(std::string_view category, bool readers) const;
  bool Matches(const auth::Principal& principal, const google::protobuf::RepeatedPtrField<std::string>& list) const;

  std::map<std::string, v1::Category, std::less<>> plan_;
};

}  // namespace archived::service
