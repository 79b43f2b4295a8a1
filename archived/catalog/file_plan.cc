#include "archived/catalog/file_plan.h"

#include <cstdio>

#include "archived/base/text.h"

namespace archived::catalog {

Status ValidateCategoryCode(std::string_view code) {
  int segments = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = code.find('/', start);
    const std::string_view segment =
        code.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment.empty() || segment.size() > 16) {
      return InvalidArgumentError("category: each segment needs 1 to 16 characters");
    }
    for (const char c : segment) {
      if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
        return InvalidArgumentError("category: use upper-case letters, digits and '/' only");
      }
    }
    if (++segments > 4) {
      return InvalidArgumentError("category: at most 4 levels");
    }
    if (slash == std::string_view::npos) {
      return OkStatus();
    }
    start = slash + 1;
  }
}

Status ValidateFonds(std::string_view fonds) {
  if (fonds.empty() || fonds.size() > 16) {
    return InvalidArgumentError("fonds: needs 1 to 16 characters");
  }
  for (const char c : fonds) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      return InvalidArgumentError("fonds: use upper-case letters and digits only");
    }
  }
  return OkStatus();
}

std::string_view RetentionCode(v1::RetentionClass retention_class) {
  switch (retention_class) {
    case v1::RETENTION_CLASS_PERMANENT:
      return "Y";
    case v1::RETENTION_CLASS_30_YEARS:
      return "D30";
    case v1::RETENTION_CLASS_10_YEARS:
      return "D10";
    default:
      return "";
  }
}

StatusOr<v1::RetentionClass> ParseRetentionClass(std::string_view text) {
  if (text == "Y" || text == "永久") return v1::RETENTION_CLASS_PERMANENT;
  if (text == "D30" || text == "定期30年") return v1::RETENTION_CLASS_30_YEARS;
  if (text == "D10" || text == "定期10年") return v1::RETENTION_CLASS_10_YEARS;
  return InvalidArgumentError("retention: use Y (永久), D30 (定期30年) or D10 (定期10年)");
}

std::string FormatReferenceCode(std::string_view fonds, int year, v1::RetentionClass retention,
                                std::string_view category, std::uint64_t seq) {
  std::string dotted(category);
  for (char& c : dotted) {
    if (c == '/') c = '.';
  }
  char tail[32];
  std::snprintf(tail, sizeof(tail), "%04llu", static_cast<unsigned long long>(seq));
  std::string code(fonds);
  code += '-';
  code += std::to_string(year);
  code += '-';
  code += RetentionCode(retention);
  code += '-';
  code += dotted;
  code += '-';
  code += tail;
  return code;
}

std::vector<v1::Category> DefaultFilePlan() {
  struct Row {
    const char* code;
    const char* name;
    const char* name_en;
    v1::RetentionClass retention;
  };
  static constexpr Row kRows[] = {
      {"BGS", "办公室综合", "General office", v1::RETENTION_CLASS_30_YEARS},
      {"BGS/WS", "文书与通知", "Papers and notices", v1::RETENTION_CLASS_10_YEARS},
      {"BGS/HR", "人事", "Personnel", v1::RETENTION_CLASS_PERMANENT},
      {"BGS/ZC", "资产与采购", "Assets and purchasing", v1::RETENTION_CLASS_30_YEARS},
      {"BGS/CW", "预算与费用", "Budgets and expenses", v1::RETENTION_CLASS_30_YEARS},
      {"BGS/XM", "项目", "Projects", v1::RETENTION_CLASS_30_YEARS},
      {"BGS/LW", "来往文书与纠纷", "Correspondence and disputes", v1::RETENTION_CLASS_10_YEARS},
      {"BGS/CB", "承办事项", "Assigned matters", v1::RETENTION_CLASS_10_YEARS},
      {"BGS/DA", "档案管理", "Records management (certificates)", v1::RETENTION_CLASS_PERMANENT},
  };
  std::vector<v1::Category> plan;
  for (const Row& row : kRows) {
    v1::Category category;
    category.set_code(row.code);
    category.set_name(row.name);
    category.set_name_en(row.name_en);
    category.set_retention_class(row.retention);
    plan.push_back(std::move(category));
  }
  return plan;
}

Status ValidateClassification(v1::Classification classification) {
  if (classification < v1::PUBLIC || classification > v1::SECRET) {
    return InvalidArgumentError("classification: PUBLIC, INTERNAL, CONFIDENTIAL or SECRET");
  }
  return OkStatus();
}

v1::Classification EffectiveClassification(v1::Classification classification) {
  return classification == v1::CLASSIFICATION_UNSPECIFIED ? v1::INTERNAL : classification;
}

Status ValidateAccessEntry(std::string_view entry) {
  for (const std::string_view kind : {"user:", "dept:"}) {
    if (!entry.starts_with(kind)) continue;
    const std::string_view name = entry.substr(kind.size());
    if (name.empty() || name.size() > 64 || HasControlCharacters(name) || !IsValidUtf8(name)) break;
    return OkStatus();
  }
  return InvalidArgumentError("readers and filers: \"user:NAME\" or \"dept:NAME\", not \"" + std::string(entry) + "\"");
}

}  // namespace archived::catalog
