// The register kinds: each is one message of proto/archived/v1/registers.proto, described by
// its options (kind, group, category, title field; per field: required, format, choices,
// refers_to, event). Everything here reads those options through protobuf reflection, so a
// new kind is a new message and nothing else. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "archived/base/status.h"
#include "archived/v1/registers.pb.h"

namespace archived::registers {

struct Kind {
  std::string name;         // "matter"
  std::string group;        // "matters"
  std::string category;     // "BGS/CB"
  std::string title_field;  // "title"
  const google::protobuf::Descriptor* descriptor = nullptr;
};

// Every kind, in the order of registers.proto.
const std::vector<Kind>& Kinds();
// Errors: kNotFound listing the kinds there are.
StatusOr<const Kind*> FindKind(std::string_view name);
// The kind of an entry id ("matter" of "matter-12"), or "" when `id` is not an entry id
// (the kind is not checked: FindKind does).
std::string_view KindOfId(std::string_view id);
// The number of an entry id (12 of "matter-12"), or nullopt when it has none.
std::optional<std::uint64_t> NumberOfId(std::string_view id);
// An empty message of `kind`.
std::unique_ptr<google::protobuf::Message> NewMessage(const Kind& kind);
// The kinds and their fields, as GET /api/v1/registers answers them.
v1::RegisterKindList DescribeKinds();
// Every field name of every kind (for the search syntax's field prefixes).
std::vector<std::string> AllFieldNames();

// Checks each field's format and choices, and (when `complete`, i.e. the whole entry) that
// every required field is set, also inside repeated steps.
// Errors: kInvalidArgument naming the field ("deadline: …").
Status CheckFields(const google::protobuf::Message& message, bool complete, std::size_t max_field_bytes);

// Field `name` of `message` as text: "" when unset; repeated values joined with ", "; a
// list of steps as "N steps". Errors: none (an unknown name gives "").
std::string FieldText(const google::protobuf::Message& message, std::string_view name);
// Every string value of `message` (also inside steps), for the full-text index, each with
// its field name.
std::vector<std::pair<std::string, std::string>> FieldTexts(const google::protobuf::Message& message);
// The fields of `message` whose `event` option names a retention event, with their dates
// (only those set).
std::vector<std::pair<std::string, std::string>> EventDates(const google::protobuf::Message& message);
// The (field, entry id) pairs of `message`'s refers_to fields that are set, with the kind
// each must be.
struct Reference {
  std::string field;
  std::string kind;
  std::string id;
};
std::vector<Reference> References(const google::protobuf::Message& message);

// Copies the fields named in `names` from `patch` into `target` (an absent or empty value in
// `patch` clears the field). Errors: kInvalidArgument for a name that is not a field.
Status MergeFields(const google::protobuf::Message& patch, const std::vector<std::string>& names,
                   google::protobuf::Message* target);

// Money: "1234.5" -> 123450 cents; at most two decimal places, optional leading '-'.
// Errors: kInvalidArgument.
StatusOr<std::int64_t> ParseAmount(std::string_view text);
// 123450 -> "1234.50".
std::string FormatAmount(std::int64_t cents);

}  // namespace archived::registers
