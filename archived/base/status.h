// Status and StatusOr: the error values that cross every boundary we own (see STYLE.md).
// Codes are numbered as absl::StatusCode / google.rpc.Code. Value types; thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "archived/base/check.h"

namespace archived {

// Persisted in audit events and sent on the wire by name: never renumber.
enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// "INVALID_ARGUMENT" etc., as in google.rpc.Code.
std::string_view StatusCodeName(StatusCode code);
// The inverse of StatusCodeName; kUnknown for a name it does not know.
StatusCode StatusCodeFromName(std::string_view name);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK.
  Status(StatusCode code, std::string message);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is `context: message`. OK stays OK.
  Status Annotate(std::string_view context) const;
  // "NOT_FOUND: document \"x\"", or "OK".
  std::string ToString() const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status OkStatus() { return Status(); }
Status CancelledError(std::string_view message);
Status UnknownError(std::string_view message);
Status InvalidArgumentError(std::string_view message);
Status DeadlineExceededError(std::string_view message);
Status NotFoundError(std::string_view message);
Status AlreadyExistsError(std::string_view message);
Status PermissionDeniedError(std::string_view message);
Status ResourceExhaustedError(std::string_view message);
Status FailedPreconditionError(std::string_view message);
Status AbortedError(std::string_view message);
Status OutOfRangeError(std::string_view message);
Status UnimplementedError(std::string_view message);
Status InternalError(std::string_view message);
Status UnavailableError(std::string_view message);
Status DataLossError(std::string_view message);
Status UnauthenticatedError(std::string_view message);

// The only way to drop a Status on purpose; grep-able.
inline void IgnoreError(const Status&) {}

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  // A default StatusOr holds kUnknown; it exists so that StatusOr can travel through
  // completion handlers that need default construction.
  StatusOr() : status_(StatusCode::kUnknown, "uninitialized StatusOr") {}
  StatusOr(const Status& status) : status_(status) { ARCHIVED_CHECK(!status_.ok()); }
  StatusOr(Status&& status) : status_(std::move(status)) { ARCHIVED_CHECK(!status_.ok()); }
  StatusOr(const T& value) : value_(value) {}
  StatusOr(T&& value) : value_(std::move(value)) {}
  template <typename U>
    requires(std::is_constructible_v<T, U &&> && !std::is_same_v<std::decay_t<U>, Status> &&
             !std::is_same_v<std::decay_t<U>, StatusOr<T>> && !std::is_same_v<std::decay_t<U>, T>)
  StatusOr(U&& value) : value_(std::forward<U>(value)) {}

  bool ok() const { return status_.ok(); }
  const Status& status() const& { return status_; }
  Status status() && { return std::move(status_); }

  const T& value() const& {
    ARCHIVED_CHECK(ok());
    return *value_;
  }
  T& value() & {
    ARCHIVED_CHECK(ok());
    return *value_;
  }
  T&& value() && {
    ARCHIVED_CHECK(ok());
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace archived
