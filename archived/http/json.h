// JSON for the proto messages (protobuf's JSON mapping with the proto field names, i.e.
// snake_case; 64-bit integers are strings, as that mapping says). Unknown fields are
// rejected, so a client cannot slip in fields the server does not expect. Thread-safe.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include <google/protobuf/message.h>

#include "archived/base/status.h"

namespace archived::http {

std::string ToJson(const google::protobuf::Message& message);

// Errors: kInvalidArgument naming the problem, for malformed JSON, unknown fields or wrong
// types, or nesting deeper than 32 levels.
Status FromJson(std::string_view json, google::protobuf::Message* message);

// The top-level keys of a JSON object (used to tell an absent field from an empty one).
// Errors: kInvalidArgument if `json` is not an object.
StatusOr<std::set<std::string>> TopLevelKeys(std::string_view json);

}  // namespace archived::http
