// The one table from Status codes to HTTP statuses, and the JSON error body. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "archived/base/status.h"

namespace archived::http {

int HttpStatusFor(StatusCode code);

// {"code":"NOT_FOUND","message":"…","request_id":"…"}. Internal, DataLoss and Unknown get a
// generic message: their details go to the log only.
std::string ErrorBodyJson(const Status& status, std::string_view request_id);

}  // namespace archived::http
