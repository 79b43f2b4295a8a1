// Early-return helpers for Status and StatusOr. Header only.
#pragma once

#include "archived/base/status.h"

#define ARCHIVED_STATUS_CONCAT_INNER(a, b) a##b
#define ARCHIVED_STATUS_CONCAT(a, b) ARCHIVED_STATUS_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the enclosing function unless it is OK.
#define ARCHIVED_RETURN_IF_ERROR(expr) \
  ARCHIVED_RETURN_IF_ERROR_IMPL(ARCHIVED_STATUS_CONCAT(archived_status_, __COUNTER__), expr)
#define ARCHIVED_RETURN_IF_ERROR_IMPL(status, expr) \
  do {                                              \
    ::archived::Status status = (expr);             \
    if (!status.ok()) return status;                \
  } while (false)

// Evaluates `rexpr` (a StatusOr); returns its Status on error, else moves the value into `lhs`.
#define ARCHIVED_ASSIGN_OR_RETURN(lhs, rexpr) \
  ARCHIVED_ASSIGN_OR_RETURN_IMPL(ARCHIVED_STATUS_CONCAT(archived_statusor_, __LINE__), lhs, rexpr)
#define ARCHIVED_ASSIGN_OR_RETURN_IMPL(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = std::move(statusor).value()
