#include "archived/http/error_mapping.h"

#include "archived/http/json.h"
#include "archived/v1/api.pb.h"

namespace archived::http {

int HttpStatusFor(StatusCode code) {
  // No default: -Wswitch flags a new code that is not mapped.
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kAborted:
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kCancelled:
      return 499;
    case StatusCode::kUnimplemented:
      return 501;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    case StatusCode::kInternal:
    case StatusCode::kDataLoss:
    case StatusCode::kUnknown:
      return 500;
  }
  return 500;
}

std::string ErrorBodyJson(const Status& status, std::string_view request_id) {
  v1::ErrorBody body;
  body.set_code(std::string(StatusCodeName(status.code())));
  switch (status.code()) {
    case StatusCode::kInternal:
    case StatusCode::kUnknown:
      body.set_message("internal error; see the daemon log for request " + std::string(request_id));
      break;
    case StatusCode::kDataLoss:
      body.set_message("stored data failed an integrity check; see the daemon log for request " +
                       std::string(request_id));
      break;
    default:
      body.set_message(status.message());
  }
  body.set_request_id(std::string(request_id));
  return ToJson(body);
}

}  // namespace archived::http
