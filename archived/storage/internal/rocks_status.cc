#include "archived/storage/internal/rocks_status.h"

#include <string>

namespace archived::storage::internal {

Status FromRocks(std::string_view operation, const rocksdb::Status& status) {
  if (status.ok()) {
    return OkStatus();
  }
  std::string message(operation);
  message += ": ";
  message += status.ToString();
  if (status.IsNotFound()) {
    return NotFoundError(message);
  }
  if (status.IsCorruption()) {
    return DataLossError(message);
  }
  if (status.IsNoSpace()) {
    return ResourceExhaustedError(message);
  }
  if (status.IsBusy() || status.IsTimedOut() || status.IsTryAgain() ||
      status.IsShutdownInProgress() ||
      (status.IsIOError() && status.ToString().find("lock") != std::string::npos)) {
    return UnavailableError(message);
  }
  if (status.IsInvalidArgument()) {
    return InvalidArgumentError(message);
  }
  if (status.IsNotSupported()) {
    return UnimplementedError(message);
  }
  return InternalError(message);
}

}  // namespace archived::storage::internal
