#include "archived/http/json.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

namespace archived::http {
namespace {

// Protobuf's parser recurses; refuse deep nesting before it does.
bool TooDeep(std::string_view json, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : json) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

}  // namespace

std::string ToJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  const auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  ARCHIVED_CHECK(status.ok());
  return out;
}

Status FromJson(std::string_view json, google::protobuf::Message* message) {
  if (TooDeep(json, 32)) {
    return InvalidArgumentError("invalid JSON: nested deeper than 32 levels");
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message, options);
  if (!status.ok()) {
    return InvalidArgumentError("invalid JSON: " + std::string(status.message()));
  }
  return OkStatus();
}

StatusOr<std::set<std::string>> TopLevelKeys(std::string_view json) {
  google::protobuf::Struct object;
  if (Status s = FromJson(json, &object); !s.ok()) {
    return InvalidArgumentError("the body must be a JSON object");
  }
  std::set<std::string> keys;
  for (const auto& [key, value] : object.fields()) {
    keys.insert(key);
  }
  return keys;
}

}  // namespace archived::http
