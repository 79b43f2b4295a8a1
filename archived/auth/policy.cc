#include "archived/auth/policy.h"

#include <algorithm>

#include "archived/base/check.h"

namespace archived::auth {

const Rule& RuleFor(Operation operation) {
  for (const Rule& rule : kPolicy) {
    if (rule.operation == operation) return rule;
  }
  ARCHIVED_CHECK(false && "an operation without a rule in kPolicy");
  return kPolicy[0];
}

std::string RoleName(v1::Role role) {
  switch (role) {
    case v1::ROLE_ADMIN: return "admin";
    case v1::ROLE_RECORDS_OFFICER: return "records_officer";
    case v1::ROLE_CLERK: return "clerk";
    case v1::ROLE_AUDITOR: return "auditor";
    default: return "unknown";
  }
}

StatusOr<v1::Role> ParseRole(std::string_view name) {
  for (const v1::Role role : {v1::ROLE_ADMIN, v1::ROLE_RECORDS_OFFICER, v1::ROLE_CLERK, v1::ROLE_AUDITOR}) {
    if (name == RoleName(role)) return role;
  }
  return InvalidArgumentError("role \"" + std::string(name) + "\": one of admin, records_officer, clerk, auditor");
}

Status CheckSeparation(std::span<const v1::Role> roles) {
  const auto has = [&](v1::Role r) { return std::find(roles.begin(), roles.end(), r) != roles.end(); };
  for (const v1::Role alone : {v1::ROLE_ADMIN, v1::ROLE_AUDITOR}) {
    if (!has(alone)) continue;
    for (const v1::Role other : roles) {
      if (other != alone) {
        return InvalidArgumentError("roles: strict separation of duties (auth.strict_separation) does not let " +
                                    RoleName(alone) + " be combined with " + RoleName(other));
      }
    }
  }
  return OkStatus();
}

StatusOr<v1::Role> Authorize(const Principal& principal, Operation operation) {
  const Rule& rule = RuleFor(operation);
  if (rule.changes && principal.scope == v1::READ_ONLY) {
    return PermissionDeniedError(std::string(rule.name) + ": this token is read-only");
  }
  for (const v1::Role role : principal.roles) {
    if (rule.roles & (1u << role)) return role;
  }
  std::string needed;
  for (const v1::Role role : {v1::ROLE_CLERK, v1::ROLE_RECORDS_OFFICER, v1::ROLE_ADMIN, v1::ROLE_AUDITOR}) {
    if (rule.roles & (1u << role)) needed += (needed.empty() ? "" : " or ") + RoleName(role);
  }
  return PermissionDeniedError(std::string(rule.name) + " needs the role " + needed);
}

}  // namespace archived::auth
