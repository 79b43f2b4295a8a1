#include "archived/base/status.h"

#include <array>

namespace archived {
namespace {

constexpr std::array<std::string_view, 17> kCodeNames = {
    "OK",       "CANCELLED",          "UNKNOWN",           "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS",    "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",      "UNIMPLEMENTED",    "INTERNAL",
    "UNAVAILABLE", "DATA_LOSS",       "UNAUTHENTICATED",
};

}  // namespace

std::string_view StatusCodeName(StatusCode code) {
  const auto index = static_cast<std::size_t>(code);
  return index < kCodeNames.size() ? kCodeNames[index] : "UNKNOWN";
}

StatusCode StatusCodeFromName(std::string_view name) {
  for (std::size_t i = 0; i < kCodeNames.size(); ++i) {
    if (kCodeNames[i] == name) {
      return static_cast<StatusCode>(i);
    }
  }
  return StatusCode::kUnknown;
}

Status::Status(StatusCode code, std::string message)
    : code_(code), message_(code == StatusCode::kOk ? std::string() : std::move(message)) {}

Status Status::Annotate(std::string_view context) const {
  if (ok()) {
    return *this;
  }
  std::string annotated(context);
  annotated += ": ";
  annotated += message_;
  return Status(code_, std::move(annotated));
}

std::string Status::ToString() const {
  if (ok()) {
    return "OK";
  }
  std::string out(StatusCodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

#define ARCHIVED_DEFINE_ERROR(Name, Code) \
  Status Name(std::string_view message) { return Status(StatusCode::Code, std::string(message)); }
ARCHIVED_DEFINE_ERROR(CancelledError, kCancelled)
ARCHIVED_DEFINE_ERROR(UnknownError, kUnknown)
ARCHIVED_DEFINE_ERROR(InvalidArgumentError, kInvalidArgument)
ARCHIVED_DEFINE_ERROR(DeadlineExceededError, kDeadlineExceeded)
ARCHIVED_DEFINE_ERROR(NotFoundError, kNotFound)
ARCHIVED_DEFINE_ERROR(AlreadyExistsError, kAlreadyExists)
ARCHIVED_DEFINE_ERROR(PermissionDeniedError, kPermissionDenied)
ARCHIVED_DEFINE_ERROR(ResourceExhaustedError, kResourceExhausted)
ARCHIVED_DEFINE_ERROR(FailedPreconditionError, kFailedPrecondition)
ARCHIVED_DEFINE_ERROR(AbortedError, kAborted)
ARCHIVED_DEFINE_ERROR(OutOfRangeError, kOutOfRange)
ARCHIVED_DEFINE_ERROR(UnimplementedError, kUnimplemented)
ARCHIVED_DEFINE_ERROR(InternalError, kInternal)
ARCHIVED_DEFINE_ERROR(UnavailableError, kUnavailable)
ARCHIVED_DEFINE_ERROR(DataLossError, kDataLoss)
ARCHIVED_DEFINE_ERROR(UnauthenticatedError, kUnauthenticated)
#undef ARCHIVED_DEFINE_ERROR

}  // namespace archived
