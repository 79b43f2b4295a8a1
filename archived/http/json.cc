#include "archived/http/json.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "archived/base/text.h"

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


// The JSON writer. Protobuf's own (MessageToJsonString) serializes the message to bytes and
// converts them through a type resolver: ~110 allocations for a filing's 9-field answer, and
// a sizeable share of every request's CPU (docs/benchmarks.md). This one walks the message
// by reflection and writes the same mapping: proto field names; "<" and ">" escaped (so that
// an answer is inert inside HTML); every field without
// presence, at its default too (repeated as [], maps as {}); fields with presence (messages,
// `optional`, oneof members) only when set; 64-bit integers as strings; enums by name (by
// number when unknown); bytes in base64; Timestamp in RFC 3339. Any other well-known type is
// handed to protobuf's writer. json_test checks it against protobuf's output.
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// `text` with each byte that does not belong to a well-formed UTF-8 character replaced by
// U+FFFD. Stored text is validated on the way in; this keeps every answer valid JSON anyway
// (protobuf's writer dropped such bytes silently).
std::string ReplaceInvalidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t i = 0; i < text.size();) {
    // The length its lead byte claims; whether those bytes are a well-formed character.
    const std::size_t n = Utf8CodePointAt(text, i).second;
    if (IsValidUtf8(text.substr(i, n))) {
      out.append(text.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

void AppendString(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (!IsValidUtf8(text)) {
    AppendString(ReplaceInvalidUtf8(text), out);
    return;
  }
  out.push_back('"');
  std::size_t plain = 0;  // start of the run not yet copied
  for (std::size_t i = 0; i < text.size(); ++i) {
    // Eight bytes at a time while none needs escaping (UTF-8's bytes never do).
    while (i + 8 <= text.size()) {
      const std::uint64_t w = LoadWord(text.data() + i);
      if (AnyByteBelow(w, 0x20) | AnyByteIs(w, '"') | AnyByteIs(w, '\\') | AnyByteIs(w, 0x7f) | AnyByteIs(w, '<') |
          AnyByteIs(w, '>')) {
        break;
      }
      i += 8;
    }
    if (i == text.size()) break;
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f && c != '<' && c != '>') continue;
    out.append(text.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
    }
  }
  out.append(text.data() + plain, text.size() - plain);
  out.push_back('"');
}

template <typename T>
void AppendNumber(T value, std::string& out, bool quoted) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (quoted) out.push_back('"');
  out.append(buffer, result.ptr);
  if (quoted) out.push_back('"');
}

template <typename T>
void AppendFloating(T value, std::string& out) {
  if (std::isnan(value)) {
    out += "\"NaN\"";
  } else if (std::isinf(value)) {
    out += value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  } else {
    AppendNumber(value, out, false);
  }
}

void AppendBase64(std::string_view bytes, std::string& out) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out.push_back('"');
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t n = (static_cast<unsigned char>(bytes[i]) << 16) |
                            (static_cast<unsigned char>(bytes[i + 1]) << 8) | static_cast<unsigned char>(bytes[i + 2]);
    for (const int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(n >> shift) & 63]);
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    std::uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  out.push_back('"');
}

// RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as protobuf writes a Timestamp.
void AppendTimestamp(const Message& message, std::string& out) {
  const Descriptor* d = message.GetDescriptor();
  const Reflection* r = message.GetReflection();
  const std::int64_t seconds = r->GetInt64(message, d->FindFieldByNumber(1));
  const std::int32_t nanos = r->GetInt32(message, d->FindFieldByNumber(2));
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::size_t n = static_cast<std::size_t>(std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d",
                                                         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                                                         tm.tm_min, tm.tm_sec));
  if (nanos != 0) {
    const int digits = nanos % 1000000 == 0 ? 3 : nanos % 1000 == 0 ? 6 : 9;
    const int value = digits == 3 ? nanos / 1000000 : digits == 6 ? nanos / 1000 : nanos;
    n += static_cast<std::size_t>(std::snprintf(buffer + n, sizeof(buffer) - n, ".%0*d", digits, value));
  }
  out.push_back('"');
  out.append(buffer, n);
  out += "Z\"";
}

void AppendMessage(const Message& message, std::string& out);

// One value of `field`: the singular one, or element `index` of a repeated one.
void AppendValue(const Message& message, const FieldDescriptor* field, int index, std::string& out) {
  const Reflection* r = message.GetReflection();
  const bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      AppendNumber(repeated ? r->GetRepeatedInt32(message, field, index) : r->GetInt32(message, field), out, false);
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      AppendNumber(repeated ? r->GetRepeatedUInt32(message, field, index) : r->GetUInt32(message, field), out, false);
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      AppendNumber(repeated ? r->GetRepeatedInt64(message, field, index) : r->GetInt64(message, field), out, true);
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      AppendNumber(repeated ? r->GetRepeatedUInt64(message, field, index) : r->GetUInt64(message, field), out, true);
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      AppendFloating(repeated ? r->GetRepeatedDouble(message, field, index) : r->GetDouble(message, field), out);
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      AppendFloating(repeated ? r->GetRepeatedFloat(message, field, index) : r->GetFloat(message, field), out);
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      out += (repeated ? r->GetRepeatedBool(message, field, index) : r->GetBool(message, field)) ? "true" : "false";
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int number = repeated ? r->GetRepeatedEnumValue(message, field, index) : r->GetEnumValue(message, field);
      if (const auto* value = field->enum_type()->FindValueByNumber(number)) {
        AppendString(value->name(), out);
      } else {
        AppendNumber(number, out, false);
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& text = repeated ? r->GetRepeatedStringReference(message, field, index, &scratch)
                                         : r->GetStringReference(message, field, &scratch);
      if (field->type() == FieldDescriptor::TYPE_BYTES) {
        AppendBase64(text, out);
      } else {
        AppendString(text, out);
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      AppendMessage(repeated ? r->GetRepeatedMessage(message, field, index) : r->GetMessage(message, field), out);
      break;
  }
}

void AppendMessage(const Message& message, std::string& out) {
  const Descriptor* d = message.GetDescriptor();
  if (d->file()->package() == "google.protobuf") {
    if (d->full_name() == "google.protobuf.Timestamp") {
      AppendTimestamp(message, out);
      return;
    }
    std::string converted;  // other well-known types: protobuf's own mapping
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    options.always_print_primitive_fields = true;
    const auto status = google::protobuf::util::MessageToJsonString(message, &converted, options);
    ARCHIVED_CHECK(status.ok());
    out += converted;
    return;
  }
  const Reflection* r = message.GetReflection();
  out.push_back('{');
  bool first = true;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* field = d->field(i);
    if (!field->is_repeated() && field->has_presence() && !r->HasField(message, field)) continue;
    if (!first) out.push_back(',');
    first = false;
    // A field's name is an identifier: nothing to escape.
    out.push_back('"');
    out += field->name();
    out += "\":";
    if (field->is_map()) {
      // Entries as members: the key (a string or a number) as the name.
      const FieldDescriptor* key = field->message_type()->map_key();
      const FieldDescriptor* value = field->message_type()->map_value();
      out.push_back('{');
      const int size = r->FieldSize(message, field);
      for (int j = 0; j < size; ++j) {
        const Message& entry = r->GetRepeatedMessage(message, field, j);
        if (j > 0) out.push_back(',');
        if (key->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
          AppendValue(entry, key, -1, out);
        } else {
          std::string name;
          AppendValue(entry, key, -1, name);
          if (name.front() != '"') name = '"' + name + '"';
          out += name;
        }
        out.push_back(':');
        AppendValue(entry, value, -1, out);
      }
      out.push_back('}');
    } else if (field->is_repeated()) {
      out.push_back('[');
      const int size = r->FieldSize(message, field);
      for (int j = 0; j < size; ++j) {
        if (j > 0) out.push_back(',');
        AppendValue(message, field, j, out);
      }
      out.push_back(']');
    } else {
      AppendValue(message, field, -1, out);
    }
  }
  out.push_back('}');
}

}  // namespace

std::string ToJson(const google::protobuf::Message& message) {
  std::string out;
  out.reserve(256);
  AppendMessage(message, out);
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
