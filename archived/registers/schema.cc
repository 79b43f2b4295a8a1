#include "archived/registers/schema.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "archived/base/clock.h"
#include "archived/base/status_macros.h"
#include "archived/base/text.h"

namespace archived::registers {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::vector<std::string> SplitChoices(const std::string& choices) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= choices.size() && !choices.empty()) {
    const std::size_t bar = choices.find('|', start);
    out.push_back(choices.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  return out;
}

std::string NumberText(const Message& message, const FieldDescriptor* field) {
  const Reflection* r = message.GetReflection();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_UINT32:
      return std::to_string(r->GetUInt32(message, field));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return FormatShortNumber(r->GetDouble(message, field));
    default:
      return "";
  }
}

// `name` is how an error names the field ("history[0].date").
Status CheckValue(const FieldDescriptor* field, const std::string& name, const std::string& value,
                  std::size_t max_field_bytes) {
  ARCHIVED_RETURN_IF_ERROR(ValidateText(name, value, max_field_bytes));
  if (value.empty()) return OkStatus();
  const std::string& format = field->options().GetExtension(v1::format);
  if (format == "date") {
    ARCHIVED_RETURN_IF_ERROR(ParseCalendarDate(name, value).status());
  } else if (format == "amount") {
    ARCHIVED_RETURN_IF_ERROR(ParseAmount(value).status().Annotate(name));
  }
  const std::string& choices = field->options().GetExtension(v1::choices);
  if (!choices.empty()) {
    const std::vector<std::string> allowed = SplitChoices(choices);
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
      std::string list;
      for (const std::string& c : allowed) list += (list.empty() ? "" : ", ") + c;
      return InvalidArgumentError(name + ": \"" + value + "\" is not one of " + list);
    }
  }
  const std::string& refers_to = field->options().GetExtension(v1::refers_to);
  if (!refers_to.empty() && value.rfind(refers_to + "-", 0) != 0) {
    return InvalidArgumentError(name + ": \"" + value + "\" is not a " + refers_to + " entry id (" + refers_to + "-N)");
  }
  return OkStatus();
}

Status CheckMessage(const Message& message, bool complete, std::size_t max_field_bytes, const std::string& where) {
  const Descriptor* d = message.GetDescriptor();
  const Reflection* r = message.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* field = d->field(i);
    const std::string name = where + std::string(field->name());
    if (complete && field->options().GetExtension(v1::required) && FieldText(message, field->name()).empty()) {
      return InvalidArgumentError(name + ": required");
    }
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      for (int j = 0; j < r->FieldSize(message, field); ++j) {
        ARCHIVED_RETURN_IF_ERROR(CheckMessage(r->GetRepeatedMessage(message, field, j), true, max_field_bytes,
                                              name + "[" + std::to_string(j) + "]."));
      }
      continue;
    }
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      if (field->is_repeated()) {
        for (int j = 0; j < r->FieldSize(message, field); ++j) {
          const std::string value = r->GetRepeatedString(message, field, j);
          if (value.empty()) return InvalidArgumentError(name + ": an empty item");
          ARCHIVED_RETURN_IF_ERROR(CheckValue(field, name, value, max_field_bytes));
        }
      } else {
        ARCHIVED_RETURN_IF_ERROR(CheckValue(field, name, r->GetString(message, field), max_field_bytes));
      }
      continue;
    }
    if (field->options().GetExtension(v1::format) == "percent" &&
        field->cpp_type() == FieldDescriptor::CPPTYPE_UINT32 && r->GetUInt32(message, field) > 100) {
      return InvalidArgumentError(name + ": a percentage, 0 to 100");
    }
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE && r->GetDouble(message, field) < 0) {
      return InvalidArgumentError(name + ": cannot be negative");
    }
  }
  return OkStatus();
}

void CollectTexts(const Message& message, std::vector<std::pair<std::string, std::string>>* out) {
  const Descriptor* d = message.GetDescriptor();
  const Reflection* r = message.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* field = d->field(i);
    const std::string name(field->name());
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      for (int j = 0; j < r->FieldSize(message, field); ++j) CollectTexts(r->GetRepeatedMessage(message, field, j), out);
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING && field->is_repeated()) {
      for (int j = 0; j < r->FieldSize(message, field); ++j) out->emplace_back(name, r->GetRepeatedString(message, field, j));
    } else {
      std::string text = FieldText(message, name);
      if (!text.empty()) out->emplace_back(name, std::move(text));
    }
  }
}

}  // namespace

std::optional<std::uint64_t> NumberOfId(std::string_view id) {
  const std::size_t dash = id.rfind('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::uint64_t n = 0;
  const char* end = id.data() + id.size();
  const auto [ptr, ec] = std::from_chars(id.data() + dash + 1, end, n);
  if (ec != std::errc() || ptr != end || n == 0) return std::nullopt;
  return n;
}

std::string_view KindOfId(std::string_view id) {
  const std::size_t dash = id.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || !NumberOfId(id)) return {};
  return id.substr(0, dash);
}

const std::vector<Kind>& Kinds() {
  static const std::vector<Kind> kinds = [] {
    std::vector<Kind> out;
    const google::protobuf::FileDescriptor* file = v1::RegisterEntry::descriptor()->file();
    for (int i = 0; i < file->message_type_count(); ++i) {
      const Descriptor* d = file->message_type(i);
      const std::string& name = d->options().GetExtension(v1::register_kind);
      if (name.empty()) continue;
      out.push_back({.name = name,
                     .group = d->options().GetExtension(v1::register_group),
                     .category = d->options().GetExtension(v1::register_category),
                     .title_field = d->options().GetExtension(v1::register_title),
                     .descriptor = d});
    }
    return out;
  }();
  return kinds;
}

StatusOr<const Kind*> FindKind(std::string_view name) {
  for (const Kind& kind : Kinds()) {
    if (kind.name == name) return &kind;
  }
  std::string names;
  for (const Kind& kind : Kinds()) names += (names.empty() ? "" : ", ") + kind.name;
  return NotFoundError("no register \"" + std::string(name) + "\" (registers: " + names + ")");
}

std::unique_ptr<Message> NewMessage(const Kind& kind) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(kind.descriptor)->New());
}

v1::RegisterKindList DescribeKinds() {
  v1::RegisterKindList list;
  for (const Kind& kind : Kinds()) {
    v1::RegisterKind* k = list.add_kinds();
    k->set_kind(kind.name);
    k->set_group(kind.group);
    k->set_category(kind.category);
    k->set_title_field(kind.title_field);
    for (int i = 0; i < kind.descriptor->field_count(); ++i) {
      const FieldDescriptor* field = kind.descriptor->field(i);
      v1::RegisterField* f = k->add_fields();
      f->set_name(std::string(field->name()));
      f->set_type(field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE ? "steps"
                  : field->is_repeated()                                 ? "list"
                  : field->cpp_type() == FieldDescriptor::CPPTYPE_STRING ? "string"
                                                                         : "number");
      f->set_required(field->options().GetExtension(v1::required));
      f->set_format(field->options().GetExtension(v1::format));
      for (std::string& c : SplitChoices(field->options().GetExtension(v1::choices))) f->add_choices(std::move(c));
      f->set_refers_to(field->options().GetExtension(v1::refers_to));
      f->set_event(field->options().GetExtension(v1::event));
    }
  }
  return list;
}

std::vector<std::string> AllFieldNames() {
  std::set<std::string> names;
  for (const Kind& kind : Kinds()) {
    for (int i = 0; i < kind.descriptor->field_count(); ++i) {
      const FieldDescriptor* field = kind.descriptor->field(i);
      names.insert(std::string(field->name()));
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
      for (int j = 0; j < field->message_type()->field_count(); ++j) {
        names.insert(std::string(field->message_type()->field(j)->name()));  // a step's note, by, to
      }
    }
  }
  return {names.begin(), names.end()};
}

Status CheckFields(const Message& message, bool complete, std::size_t max_field_bytes) {
  return CheckMessage(message, complete, max_field_bytes, "");
}

std::string FieldText(const Message& message, std::string_view name) {
  const FieldDescriptor* field = message.GetDescriptor()->FindFieldByName(std::string(name));
  if (field == nullptr) return "";
  const Reflection* r = message.GetReflection();
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    const int n = r->FieldSize(message, field);
    return n == 0 ? "" : std::to_string(n) + (n == 1 ? " step" : " steps");
  }
  if (field->is_repeated()) {
    std::string out;
    for (int j = 0; j < r->FieldSize(message, field); ++j) out += (j ? ", " : "") + r->GetRepeatedString(message, field, j);
    return out;
  }
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) return r->GetString(message, field);
  // proto3 numbers have no presence: 0 is unset.
  std::string number = NumberText(message, field);
  return number == "0" ? "" : number;
}

std::vector<std::pair<std::string, std::string>> FieldTexts(const Message& message) {
  std::vector<std::pair<std::string, std::string>> out;
  CollectTexts(message, &out);
  return out;
}

std::vector<std::pair<std::string, std::string>> EventDates(const Message& message) {
  std::vector<std::pair<std::string, std::string>> out;
  const Descriptor* d = message.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* field = d->field(i);
    const std::string& event = field->options().GetExtension(v1::event);
    if (event.empty()) continue;
    std::string date = FieldText(message, field->name());
    if (!date.empty()) out.emplace_back(event, std::move(date));
  }
  return out;
}

std::vector<Reference> References(const Message& message) {
  std::vector<Reference> out;
  const Descriptor* d = message.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* field = d->field(i);
    const std::string& kind = field->options().GetExtension(v1::refers_to);
    if (kind.empty()) continue;
    std::string id = FieldText(message, field->name());
    if (!id.empty()) out.push_back({std::string(field->name()), kind, std::move(id)});
  }
  return out;
}

Status MergeFields(const Message& patch, const std::vector<std::string>& names, Message* target) {
  const Descriptor* d = target->GetDescriptor();
  const Reflection* r = target->GetReflection();
  for (const std::string& name : names) {
    const FieldDescriptor* field = d->FindFieldByName(name);
    if (field == nullptr) return InvalidArgumentError(name + ": no such field");
    r->ClearField(target, field);
  }
  // Copy only the named fields: clear the others in a copy of the patch, then merge.
  std::unique_ptr<Message> only(patch.New());
  only->CopyFrom(patch);
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* field = d->field(i);
    if (std::find(names.begin(), names.end(), field->name()) == names.end()) {
      only->GetReflection()->ClearField(only.get(), field);
    }
  }
  target->MergeFrom(*only);
  return OkStatus();
}

StatusOr<std::int64_t> ParseAmount(std::string_view text) {
  const auto bad = [&] {
    return InvalidArgumentError("\"" + std::string(text) + "\" is not an amount (digits, at most two decimals: 1234.50)");
  };
  std::string_view t = text;
  bool negative = false;
  if (!t.empty() && t.front() == '-') {
    negative = true;
    t.remove_prefix(1);
  }
  const std::size_t dot = t.find('.');
  const std::string_view whole = t.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view() : t.substr(dot + 1);
  if (whole.empty() || whole.size() > 15 || fraction.size() > 2 || (dot != std::string_view::npos && fraction.empty())) {
    return bad();
  }
  std::int64_t cents = 0;
  for (const char c : whole) {
    if (c < '0' || c > '9') return bad();
    cents = cents * 10 + (c - '0');
  }
  for (std::size_t i = 0; i < 2; ++i) {
    const char c = i < fraction.size() ? fraction[i] : '0';
    if (c < '0' || c > '9') return bad();
    cents = cents * 10 + (c - '0');
  }
  return negative ? -cents : cents;
}

std::string FormatAmount(std::int64_t cents) {
  const bool negative = cents < 0;
  const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(cents) : static_cast<std::uint64_t>(cents);
  std::string fraction = std::to_string(magnitude % 100);
  if (fraction.size() < 2) fraction.insert(0, "0");
  return (negative ? "-" : "") + std::to_string(magnitude / 100) + "." + fraction;
}

}  // namespace archived::registers
