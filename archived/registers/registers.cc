#include "archived/registers/registers.h"

#include <algorithm>
#include <charconv>
#include <set>

#include <google/protobuf/util/json_util.h>

#include "archived/base/bytes.h"
#include "archived/base/clock.h"
#include "archived/base/status_macros.h"
#include "archived/crypto/crypto.h"
#include "archived/v1/proto_time.h"

namespace archived::registers {
namespace {

using google::protobuf::Message;
using storage::Keyspace;

// kMeta: the newest destruction-ledger seq the registers have replayed (u64 big-endian).
constexpr std::string_view kLedgerReplayedKey = "registers_ledger_replayed";

// Keys in kRegisters (archived/registers/FORMAT.md).
std::string EntryKey(std::string_view id) { return "e" + std::string(id); }
std::string RevisionPrefix(std::string_view id) { return "r" + std::string(id) + '\0'; }
std::string RevisionKey(std::string_view id, std::uint32_t revision) {
  std::string key = RevisionPrefix(id);
  AppendBigEndian32(key, revision);
  return key;
}
std::string OrderPrefix(std::string_view kind) { return "k" + std::string(kind) + '\0'; }
std::string OrderKey(std::string_view kind, std::uint64_t number) {
  std::string key = OrderPrefix(kind);
  AppendBigEndian64(key, number);
  return key;
}
std::string LinkPrefix(std::string_view document_id) { return "l" + std::string(document_id) + '\0'; }
std::string LinkKey(std::string_view document_id, std::string_view entry_id) {
  return LinkPrefix(document_id) + std::string(entry_id);
}

StatusOr<v1::RegisterEntry> ParseEntry(const std::string& bytes) {
  v1::RegisterEntry entry;
  if (!entry.ParseFromString(bytes)) return DataLossError("register entry record is malformed");
  return entry;
}

StatusOr<std::unique_ptr<Message>> BodyOf(const v1::RegisterEntry& entry) {
  ARCHIVED_ASSIGN_OR_RETURN(const Kind* kind, FindKind(entry.kind()));
  std::unique_ptr<Message> body = NewMessage(*kind);
  if (!body->ParseFromString(entry.body())) return DataLossError("register entry " + entry.id() + " has a malformed body");
  return body;
}

StatusOr<v1::RegisterEntry> ReadEntry(const audit::Transaction& txn, std::string_view id) {
  StatusOr<std::string> bytes = txn.Get(Keyspace::kRegisters, EntryKey(id));
  if (!bytes.ok()) {
    return bytes.status().code() == StatusCode::kNotFound
               ? NotFoundError("register entry \"" + std::string(id) + "\" not found")
               : bytes.status();
  }
  return ParseEntry(*bytes);
}

// One field an update changed: its text before and after, or (a list of steps of the same
// length) the first step that changed.
struct FieldChange {
  std::string name;
  std::string before, after;
  int step = 0;  // 1, 2 …: that step changed
};

std::vector<FieldChange> Changes(const Message& before, const Message& after) {
  std::vector<FieldChange> out;
  const google::protobuf::Descriptor* d = after.GetDescriptor();
  const google::protobuf::Reflection* r = after.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = d->field(i);
    FieldChange change{.name = std::string(field->name())};
    change.before = FieldText(before, change.name);
    change.after = FieldText(after, change.name);
    if (change.before == change.after && field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      // As many steps as before: a change only if one of them changed.
      for (int j = 0; j < r->FieldSize(after, field) && change.step == 0; ++j) {
        if (r->GetRepeatedMessage(before, field, j).SerializeAsString() !=
            r->GetRepeatedMessage(after, field, j).SerializeAsString()) {
          change.step = j + 1;
        }
      }
      if (change.step > 0) out.push_back(std::move(change));
      continue;
    }
    if (change.before != change.after) out.push_back(std::move(change));
  }
  return out;
}

// What an update changed, in words, for the revision: "status: open → done; deadline:
// (none) → 2026-12-01".
std::string Difference(const std::vector<FieldChange>& changes) {
  constexpr std::size_t kShown = 60;
  const auto shown = [](std::string text) {
    if (text.empty()) return std::string("(none)");
    if (text.size() > kShown) {
      std::size_t cut = kShown;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 characters
      text = text.substr(0, cut) + "…";
    }
    return text;
  };
  std::string out;
  for (const FieldChange& c : changes) {
    out += (out.empty() ? "" : "; ") + c.name + ": " +
           (c.step > 0 ? "step " + std::to_string(c.step) + " changed" : shown(c.before) + " → " + shown(c.after));
  }
  return out;
}

// The names of the fields an update changed, for the audit trail: "status, deadline". The
// values stay in the revisions, which a destruction removes; the trail is never rewritten.
std::string FieldNames(const std::vector<FieldChange>& changes) {
  std::string out;
  for (const FieldChange& c : changes) out += (out.empty() ? "" : ", ") + c.name;
  return out;
}

std::string DestroyedMessage(const v1::RegisterEntry& entry) {
  const std::chrono::year_month_day day(
      std::chrono::floor<std::chrono::days>(v1::TimeOf(entry.destruction().destroyed_time())));
  return "register entry " + entry.id() + " was destroyed on " + FormatCalendarDate(day) +
         " under disposition batch " + entry.destruction().batch_id();
}

// Records `kind`'s event dates of `body` on document `document_id`; a destroyed or
// transferred document is left as it is.
Status RecordEvents(audit::Transaction& txn, const audit::Actor& actor, const Message& body,
                    std::string_view document_id, const std::vector<std::pair<std::string, std::string>>& only = {}) {
  const auto events = only.empty() ? EventDates(body) : only;
  for (const auto& [event, date] : events) {
    const Status s = catalog::Catalog::RecordEventIn(txn, actor, document_id, event, date);
    if (!s.ok() && s.code() != StatusCode::kFailedPrecondition) return s;
  }
  return OkStatus();
}

Status CheckReferences(const audit::Transaction& txn, const Message& body) {
  for (const Reference& ref : References(body)) {
    StatusOr<std::string> found = txn.Get(Keyspace::kRegisters, EntryKey(ref.id));
    if (!found.ok()) {
      return found.status().code() == StatusCode::kNotFound
                 ? NotFoundError(ref.field + ": no " + ref.kind + " entry \"" + ref.id + "\"")
                 : found.status();
    }
  }
  return OkStatus();
}

// Puts `entry` (its body set) as the latest revision and as a revision of its own, audits
// `action` and queues it for the index.
Status Store(audit::Transaction& txn, const audit::Actor& actor, const v1::RegisterEntry& entry,
             std::string_view action, const std::string& detail) {
  const std::string bytes = entry.SerializeAsString();
  txn.Put(Keyspace::kRegisters, EntryKey(entry.id()), bytes);
  txn.Put(Keyspace::kRegisters, RevisionKey(entry.id(), entry.revision()), bytes);
  txn.Audit(audit::EventBy(actor, std::string(action), entry.id(), detail));
  return catalog::Catalog::QueueEntryForIndex(txn, entry.id());
}

}  // namespace

Status RegistersOptions::Validate() const {
  if (default_page_size == 0 || max_page_size == 0 || default_page_size > max_page_size) {
    return InvalidArgumentError("registers: page sizes must be positive, the default at most the maximum");
  }
  if (max_field_bytes == 0 || max_links == 0) return InvalidArgumentError("registers: limits must be positive");
  return OkStatus();
}

StatusOr<v1::RegisterEntry> WithFields(v1::RegisterEntry entry) {
  ARCHIVED_ASSIGN_OR_RETURN(const std::unique_ptr<Message> body, BodyOf(entry));
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(*body, &json, print).ok() ||
      !google::protobuf::util::JsonStringToMessage(json, entry.mutable_fields()).ok()) {
    return InternalError("register entry " + entry.id() + ": its fields cannot be shown");
  }
  entry.clear_body();
  return entry;
}

StatusOr<std::string> Registers::ResolveDocument(std::string_view document) const {
  ARCHIVED_ASSIGN_OR_RETURN(const v1::Document doc, catalog_->GetDocument(document));
  return doc.id();
}

StatusOr<v1::RegisterEntry> Registers::Create(const audit::Actor& actor, const Kind& kind, const Message& fields,
                                              const std::vector<std::string>& links) {
  if (fields.GetDescriptor() != kind.descriptor) return InvalidArgumentError("the fields are not a " + kind.name);
  ARCHIVED_RETURN_IF_ERROR(CheckFields(fields, /*complete=*/true, options_.max_field_bytes));
  if (links.size() > options_.max_links) {
    return InvalidArgumentError("links: at most " + std::to_string(options_.max_links) + " documents");
  }
  std::vector<std::string> document_ids;
  for (const std::string& link : links) {
    StatusOr<std::string> id = ResolveDocument(link);
    if (!id.ok()) return id.status().Annotate("links");
    if (std::find(document_ids.begin(), document_ids.end(), *id) == document_ids.end()) document_ids.push_back(*id);
  }
  v1::RegisterEntry entry;
  ARCHIVED_RETURN_IF_ERROR(committer_->Run([&](audit::Transaction& txn) -> Status {
    ARCHIVED_RETURN_IF_ERROR(CheckReferences(txn, fields));
    ARCHIVED_ASSIGN_OR_RETURN(const std::uint64_t number, txn.NextCounter("register." + kind.name));
    entry.Clear();
    entry.set_id(kind.name + "-" + std::to_string(number));
    entry.set_kind(kind.name);
    entry.set_revision(1);
    entry.set_title(FieldText(fields, kind.title_field));
    entry.set_category(kind.category);
    entry.set_body(fields.SerializeAsString());
    for (const std::string& id : document_ids) entry.add_links(id);
    v1::SetTime(entry.mutable_created_time(), txn.now());
    entry.set_created_by(actor.name);
    *entry.mutable_modified_time() = entry.created_time();
    entry.set_modified_by(actor.name);
    entry.set_change("added");
    txn.Put(Keyspace::kRegisters, OrderKey(kind.name, number), entry.id());
    for (const std::string& id : document_ids) {
      txn.Put(Keyspace::kRegisters, LinkKey(id, entry.id()), "");
      ARCHIVED_RETURN_IF_ERROR(RecordEvents(txn, actor, fields, id));
    }
    return Store(txn, actor, entry, "register.add",
                 "title=\"" + entry.title() + "\" links=" + std::to_string(document_ids.size()));
  }));
  return WithFields(std::move(entry));
}

StatusOr<v1::RegisterEntry> Registers::Change(const audit::Actor& actor, const Kind& kind, std::string_view id,
                                              std::uint32_t expected_revision, std::string_view action,
                                              const std::function<StatusOr<Edit>(v1::RegisterEntry&, Message&)>& edit) {
  if (KindOfId(id) != kind.name) return NotFoundError("no " + kind.name + " entry \"" + std::string(id) + "\"");
  v1::RegisterEntry entry;
  ARCHIVED_RETURN_IF_ERROR(committer_->Run([&](audit::Transaction& txn) -> Status {
    ARCHIVED_ASSIGN_OR_RETURN(entry, ReadEntry(txn, id));
    if (entry.state() == v1::REGISTER_ENTRY_STATE_DESTROYED) return FailedPreconditionError(DestroyedMessage(entry));
    if (expected_revision != 0 && entry.revision() != expected_revision) {
      return AbortedError(entry.id() + " is at revision " + std::to_string(entry.revision()) + ", not " +
                          std::to_string(expected_revision) + ": it changed meanwhile; look again");
    }
    ARCHIVED_ASSIGN_OR_RETURN(std::unique_ptr<Message> body, BodyOf(entry));
    const std::vector<std::string> before_links(entry.links().begin(), entry.links().end());
    const auto before_events = EventDates(*body);
    ARCHIVED_ASSIGN_OR_RETURN(const Edit change, edit(entry, *body));
    if (change.change.empty()) return OkStatus();  // nothing changed: no revision
    ARCHIVED_RETURN_IF_ERROR(CheckReferences(txn, *body));
    // Links added get every event; events that changed go to every link; events cleared
    // are withdrawn from every link, and every event from a link removed.
    const auto after_events = EventDates(*body);
    std::vector<std::pair<std::string, std::string>> changed_events, cleared_events;
    for (const auto& event : after_events) {
      if (std::find(before_events.begin(), before_events.end(), event) == before_events.end()) {
        changed_events.push_back(event);
      }
    }
    for (const auto& event : before_events) {
      const bool kept = std::any_of(after_events.begin(), after_events.end(),
                                    [&](const auto& after) { return after.first == event.first; });
      if (!kept) cleared_events.push_back(event);
    }
    for (const std::string& link : entry.links()) {
      const bool added = std::find(before_links.begin(), before_links.end(), link) == before_links.end();
      if (added) {
        txn.Put(Keyspace::kRegisters, LinkKey(link, entry.id()), "");
        ARCHIVED_RETURN_IF_ERROR(RecordEvents(txn, actor, *body, link));
      } else {
        if (!changed_events.empty()) ARCHIVED_RETURN_IF_ERROR(RecordEvents(txn, actor, *body, link, changed_events));
        ARCHIVED_RETURN_IF_ERROR(WithdrawEvents(txn, actor, entry.id(), link, cleared_events));
      }
    }
    for (const std::string& link : before_links) {
      if (std::find(entry.links().begin(), entry.links().end(), link) == entry.links().end()) {
        txn.Delete(Keyspace::kRegisters, LinkKey(link, entry.id()));
        ARCHIVED_RETURN_IF_ERROR(WithdrawEvents(txn, actor, entry.id(), link, before_events));
      }
    }
    entry.set_revision(entry.revision() + 1);
    entry.set_title(FieldText(*body, kind.title_field));
    entry.set_body(body->SerializeAsString());
    v1::SetTime(entry.mutable_modified_time(), txn.now());
    entry.set_modified_by(actor.name);
    entry.set_change(change.change);
    return Store(txn, actor, entry, action, "revision=" + std::to_string(entry.revision()) + " " + change.audited);
  }));
  return WithFields(std::move(entry));
}

Status Registers::WithdrawEvents(audit::Transaction& txn, const audit::Actor& actor, std::string_view entry_id,
                                 std::string_view document_id,
                                 const std::vector<std::pair<std::string, std::string>>& events) const {
  if (events.empty()) return OkStatus();
  // What the document's other entries record stays recorded.
  std::vector<std::pair<std::string, std::string>> others;
  const std::string prefix = LinkPrefix(document_id);
  const std::unique_ptr<storage::Iterator> it = store_->NewIterator(Keyspace::kRegisters);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string other(it->key().substr(prefix.size()));
    if (other == entry_id) continue;
    ARCHIVED_ASSIGN_OR_RETURN(const v1::RegisterEntry linked, ReadEntry(txn, other));
    if (linked.state() == v1::REGISTER_ENTRY_STATE_DESTROYED) continue;
    ARCHIVED_ASSIGN_OR_RETURN(const auto recorded, EventDatesOf(linked));
    others.insert(others.end(), recorded.begin(), recorded.end());
  }
  ARCHIVED_RETURN_IF_ERROR(it->status());
  for (const auto& event : events) {
    if (std::find(others.begin(), others.end(), event) != others.end()) continue;
    const Status s = catalog::Catalog::WithdrawEventIn(txn, actor, document_id, event.first, event.second,
                                                       "by=" + std::string(entry_id));
    // A destroyed, transferred or missing document is left as it is.
    if (!s.ok() && s.code() != StatusCode::kFailedPrecondition && s.code() != StatusCode::kNotFound) return s;
  }
  return OkStatus();
}

StatusOr<v1::RegisterEntry> Registers::Update(const audit::Actor& actor, const Kind& kind, std::string_view id,
                                              const Message& patch, const std::vector<std::string>& names,
                                              std::uint32_t expected_revision) {
  if (patch.GetDescriptor() != kind.descriptor) return InvalidArgumentError("the fields are not a " + kind.name);
  if (names.empty()) return InvalidArgumentError("an update needs at least one field");
  ARCHIVED_RETURN_IF_ERROR(CheckFields(patch, /*complete=*/false, options_.max_field_bytes));
  return Change(actor, kind, id, expected_revision, "register.update",
                [&](v1::RegisterEntry&, Message& body) -> StatusOr<Edit> {
                  std::unique_ptr<Message> before(body.New());
                  before->CopyFrom(body);
                  ARCHIVED_RETURN_IF_ERROR(MergeFields(patch, names, &body));
                  ARCHIVED_RETURN_IF_ERROR(CheckFields(body, /*complete=*/true, options_.max_field_bytes));
                  const std::vector<FieldChange> changes = Changes(*before, body);
                  if (changes.empty()) return Edit{};
                  return Edit{.change = Difference(changes), .audited = "changed " + FieldNames(changes)};
                });
}

StatusOr<v1::RegisterEntry> Registers::Link(const audit::Actor& actor, const Kind& kind, std::string_view id,
                                            std::string_view document) {
  ARCHIVED_ASSIGN_OR_RETURN(const std::string document_id, ResolveDocument(document));
  return Change(actor, kind, id, 0, "register.link",
                [&](v1::RegisterEntry& entry, Message&) -> StatusOr<Edit> {
                  if (std::find(entry.links().begin(), entry.links().end(), document_id) != entry.links().end()) {
                    return Edit{};
                  }
                  if (static_cast<std::size_t>(entry.links_size()) >= options_.max_links) {
                    return InvalidArgumentError("links: at most " + std::to_string(options_.max_links) + " documents");
                  }
                  entry.add_links(document_id);
                  return Edit{.change = "linked document " + document_id, .audited = "linked document " + document_id};
                });
}

StatusOr<v1::RegisterEntry> Registers::Unlink(const audit::Actor& actor, const Kind& kind, std::string_view id,
                                              std::string_view document) {
  ARCHIVED_ASSIGN_OR_RETURN(const std::string document_id, ResolveDocument(document));
  return Change(actor, kind, id, 0, "register.unlink",
                [&](v1::RegisterEntry& entry, Message&) -> StatusOr<Edit> {
                  auto* links = entry.mutable_links();
                  const auto it = std::find(links->begin(), links->end(), document_id);
                  if (it == links->end()) {
                    return NotFoundError("document " + document_id + " is not linked to " + entry.id());
                  }
                  links->erase(it);
                  return Edit{.change = "unlinked document " + document_id,
                              .audited = "unlinked document " + document_id};
                });
}

StatusOr<std::optional<v1::RegisterEntry>> Registers::FindStored(std::string_view id) const {
  StatusOr<std::string> bytes = store_->Get(Keyspace::kRegisters, EntryKey(id));
  if (!bytes.ok() && bytes.status().code() == StatusCode::kNotFound) return std::optional<v1::RegisterEntry>();
  if (!bytes.ok()) return bytes.status();
  ARCHIVED_ASSIGN_OR_RETURN(v1::RegisterEntry entry, ParseEntry(*bytes));
  return std::optional<v1::RegisterEntry>(std::move(entry));
}

StatusOr<std::optional<v1::RegisterEntry>> Registers::Find(std::string_view id) const {
  ARCHIVED_ASSIGN_OR_RETURN(std::optional<v1::RegisterEntry> entry, FindStored(id));
  if (!entry) return entry;
  ARCHIVED_ASSIGN_OR_RETURN(*entry, WithFields(std::move(*entry)));
  return entry;
}

StatusOr<v1::RegisterEntry> Registers::Get(const Kind& kind, std::string_view id) const {
  if (KindOfId(id) == kind.name) {
    ARCHIVED_ASSIGN_OR_RETURN(std::optional<v1::RegisterEntry> entry, Find(id));
    if (entry) return std::move(*entry);
  }
  return NotFoundError("no " + kind.name + " entry \"" + std::string(id) + "\"");
}

StatusOr<v1::RegisterEntryList> Registers::List(const Kind& kind, const std::map<std::string, std::string>& filters,
                                                std::size_t limit, std::string_view cursor) const {
  if (limit == 0) limit = options_.default_page_size;
  if (limit > options_.max_page_size) {
    return InvalidArgumentError("limit: at most " + std::to_string(options_.max_page_size));
  }
  for (const auto& [name, value] : filters) {
    if (kind.descriptor->FindFieldByName(name) == nullptr) {
      return InvalidArgumentError(name + ": " + kind.name + " has no such field");
    }
  }
  std::uint64_t after = 0;
  if (!cursor.empty()) {
    const auto [ptr, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), after);
    if (ec != std::errc() || ptr != cursor.data() + cursor.size()) return InvalidArgumentError("cursor: not one this server gave");
  }
  v1::RegisterEntryList list;
  const std::string prefix = OrderPrefix(kind.name);
  const std::unique_ptr<storage::Iterator> it = store_->NewIterator(Keyspace::kRegisters);
  for (it->Seek(OrderKey(kind.name, after + 1)); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string id(it->value());
    StatusOr<std::string> bytes = store_->Get(Keyspace::kRegisters, EntryKey(id));
    if (!bytes.ok()) {
      return bytes.status().code() == StatusCode::kNotFound
                 ? DataLossError("the register order names " + id + ", which is missing")
                 : bytes.status();
    }
    if (list.entries_size() == static_cast<int>(limit)) {
      list.set_next_cursor(std::to_string(*NumberOfId(list.entries(list.entries_size() - 1).id())));
      break;
    }
    ARCHIVED_ASSIGN_OR_RETURN(v1::RegisterEntry stored, ParseEntry(*bytes));
    bool keep = stored.state() != v1::REGISTER_ENTRY_STATE_DESTROYED;
    if (keep && !filters.empty()) {
      ARCHIVED_ASSIGN_OR_RETURN(const std::unique_ptr<Message> body, BodyOf(stored));
      for (const auto& [name, value] : filters) {
        const google::protobuf::FieldDescriptor* field = kind.descriptor->FindFieldByName(name);
        if (field->is_repeated() && field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_STRING) {
          bool contains = false;
          for (int j = 0; j < body->GetReflection()->FieldSize(*body, field) && !contains; ++j) {
            contains = body->GetReflection()->GetRepeatedString(*body, field, j) == value;
          }
          keep = keep && contains;
        } else {
          keep = keep && FieldText(*body, name) == value;
        }
      }
    }
    if (keep) {
      ARCHIVED_ASSIGN_OR_RETURN(*list.add_entries(), WithFields(std::move(stored)));
    }
  }
  ARCHIVED_RETURN_IF_ERROR(it->status());
  return list;
}

StatusOr<v1::RegisterEntryList> Registers::History(const Kind& kind, std::string_view id) const {
  v1::RegisterEntryList list;
  if (KindOfId(id) != kind.name) return NotFoundError("no " + kind.name + " entry \"" + std::string(id) + "\"");
  const std::string prefix = RevisionPrefix(id);
  const std::unique_ptr<storage::Iterator> it = store_->NewIterator(Keyspace::kRegisters);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    ARCHIVED_ASSIGN_OR_RETURN(v1::RegisterEntry revision, ParseEntry(std::string(it->value())));
    ARCHIVED_ASSIGN_OR_RETURN(*list.add_entries(), WithFields(std::move(revision)));
  }
  ARCHIVED_RETURN_IF_ERROR(it->status());
  if (list.entries().empty()) {
    // Every entry has its first revision from the start: none means no entry, or a
    // destroyed one.
    ARCHIVED_ASSIGN_OR_RETURN(const std::optional<v1::RegisterEntry> stub, FindStored(id));
    if (stub && stub->state() == v1::REGISTER_ENTRY_STATE_DESTROYED) {
      return FailedPreconditionError(DestroyedMessage(*stub) + ": its revisions are gone");
    }
    return NotFoundError("no " + kind.name + " entry \"" + std::string(id) + "\"");
  }
  return list;
}

StatusOr<v1::RegisterEntryList> Registers::LinkedTo(std::string_view document_id) const {
  v1::RegisterEntryList list;
  const std::string prefix = LinkPrefix(document_id);
  const std::unique_ptr<storage::Iterator> it = store_->NewIterator(Keyspace::kRegisters);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string id(it->key().substr(prefix.size()));
    ARCHIVED_ASSIGN_OR_RETURN(std::optional<v1::RegisterEntry> entry, Find(id));
    if (entry) *list.add_entries() = std::move(*entry);
  }
  ARCHIVED_RETURN_IF_ERROR(it->status());
  return list;
}

Status Registers::ForEachEntryId(const std::function<Status(std::string_view)>& fn) const {
  return ForEachEntry([&](const v1::RegisterEntry& entry) {
    return entry.state() == v1::REGISTER_ENTRY_STATE_DESTROYED ? OkStatus() : fn(entry.id());
  });
}

Status Registers::ForEachEntry(const std::function<Status(const v1::RegisterEntry&)>& fn) const {
  const std::unique_ptr<storage::Iterator> it = store_->NewIterator(Keyspace::kRegisters);
  for (it->Seek("e"); it->Valid() && it->key().starts_with("e"); it->Next()) {
    ARCHIVED_ASSIGN_OR_RETURN(const v1::RegisterEntry entry, ParseEntry(std::string(it->value())));
    ARCHIVED_RETURN_IF_ERROR(fn(entry));
  }
  return it->status();
}

StatusOr<std::vector<std::pair<std::string, std::string>>> EventDatesOf(const v1::RegisterEntry& entry) {
  ARCHIVED_ASSIGN_OR_RETURN(const std::unique_ptr<Message> body, BodyOf(entry));
  return EventDates(*body);
}

Status Registers::SetRetention(const audit::Actor& actor, std::string_view id, std::string_view retain_until,
                               const v1::RetentionSchedule* schedule, std::string_view action,
                               std::string_view detail) {
  if (!retain_until.empty()) ARCHIVED_RETURN_IF_ERROR(ParseCalendarDate("retain_until", retain_until).status());
  return committer_->Run([&](audit::Transaction& txn) -> Status {
    ARCHIVED_ASSIGN_OR_RETURN(v1::RegisterEntry entry, ReadEntry(txn, id));
    if (entry.state() == v1::REGISTER_ENTRY_STATE_DESTROYED) return FailedPreconditionError(DestroyedMessage(entry));
    if (!retain_until.empty()) entry.set_retain_until(std::string(retain_until));
    if (schedule != nullptr) *entry.mutable_schedule_override() = *schedule;
    // The latest revision's record only: retention is not a change of the entry's fields.
    txn.Put(Keyspace::kRegisters, EntryKey(entry.id()), entry.SerializeAsString());
    txn.Audit(audit::EventBy(actor, std::string(action), entry.id(), std::string(detail)));
    return OkStatus();
  });
}

StatusOr<std::vector<std::string>> Registers::RevisionDigests(std::string_view id) const {
  std::vector<std::string> out;
  const std::string prefix = RevisionPrefix(id);
  const std::unique_ptr<storage::Iterator> it = store_->NewIterator(Keyspace::kRegisters);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    ARCHIVED_ASSIGN_OR_RETURN(const v1::RegisterEntry revision, ParseEntry(std::string(it->value())));
    crypto::Sha256 hash;
    hash.Update(revision.body());
    out.push_back(HexEncode(hash.Finish()));
  }
  ARCHIVED_RETURN_IF_ERROR(it->status());
  if (out.empty()) return NotFoundError("register entry \"" + std::string(id) + "\" has no revisions");
  return out;
}

StatusOr<v1::DestructionRecord> Registers::Destroy(const audit::Actor& actor, std::string_view id,
                                                   v1::DestructionStub stub) {
  ARCHIVED_ASSIGN_OR_RETURN(const std::optional<v1::RegisterEntry> entry, FindStored(id));
  if (!entry) return NotFoundError("register entry \"" + std::string(id) + "\" not found");
  if (entry->state() == v1::REGISTER_ENTRY_STATE_DESTROYED) return FailedPreconditionError(DestroyedMessage(*entry));
  // (1) The ledger first: from here on the destruction happens, now or at the next start.
  ARCHIVED_ASSIGN_OR_RETURN(const v1::DestructionRecord record, catalog_->AppendEntryDestruction(id, std::move(stub)));
  // (2)
  ARCHIVED_RETURN_IF_ERROR(ApplyDestruction(actor, record).status());
  return record;
}

StatusOr<bool> Registers::ApplyDestruction(const audit::Actor& actor, const v1::DestructionRecord& record) {
  bool destroyed = false;
  ARCHIVED_RETURN_IF_ERROR(committer_->Run([&](audit::Transaction& txn) -> Status {
    StatusOr<v1::RegisterEntry> found = ReadEntry(txn, record.entry_id());
    // Added after the content backup this store came from: nothing of it is here.
    if (!found.ok() && found.status().code() == StatusCode::kNotFound) return OkStatus();
    ARCHIVED_RETURN_IF_ERROR(found.status());
    if (found->state() == v1::REGISTER_ENTRY_STATE_DESTROYED) return OkStatus();
    const v1::RegisterEntry& entry = *found;
    for (const std::string& link : entry.links()) txn.Delete(Keyspace::kRegisters, LinkKey(link, entry.id()));
    const std::string revisions = RevisionPrefix(entry.id());
    std::string end = revisions;
    end.back() = '\1';
    txn.DeleteRange(Keyspace::kRegisters, revisions, end);
    v1::RegisterEntry stub;
    stub.set_id(entry.id());
    stub.set_kind(entry.kind());
    stub.set_revision(entry.revision());
    stub.set_title(entry.title());
    stub.set_category(entry.category());
    *stub.mutable_created_time() = entry.created_time();
    stub.set_created_by(entry.created_by());
    v1::SetTime(stub.mutable_modified_time(), txn.now());
    stub.set_modified_by(actor.name);
    stub.set_change("destroyed");
    stub.set_state(v1::REGISTER_ENTRY_STATE_DESTROYED);
    *stub.mutable_destruction() = record.stub();
    txn.Put(Keyspace::kRegisters, EntryKey(entry.id()), stub.SerializeAsString());
    txn.Audit(audit::EventBy(actor, "register.destroy", entry.id(),
                             "batch=" + record.stub().batch_id() + " ledger=" + std::to_string(record.seq()) +
                                 " revisions=" + std::to_string(entry.revision()) +
                                 " links=" + std::to_string(entry.links_size())));
    destroyed = true;
    return catalog::Catalog::QueueEntryForIndex(txn, entry.id());
  }));
  return destroyed;
}

StatusOr<std::size_t> Registers::ReplayDestructions(const audit::Actor& actor) {
  // Only the records after the last replay: a start does not read the whole ledger.
  ARCHIVED_ASSIGN_OR_RETURN(
      const std::uint64_t replayed,
      ParseStoredUint64(store_->Get(Keyspace::kMeta, kLedgerReplayedKey), "the registers' ledger mark"));
  ARCHIVED_ASSIGN_OR_RETURN(const std::vector<v1::DestructionRecord> ledger, catalog_->ReadLedger(replayed));
  std::size_t applied = 0;
  for (const v1::DestructionRecord& record : ledger) {
    if (record.entry_id().empty()) continue;
    // Those destroyed live are applied already: looked at first, without a transaction.
    ARCHIVED_ASSIGN_OR_RETURN(const std::optional<v1::RegisterEntry> entry, FindStored(record.entry_id()));
    if (!entry || entry->state() == v1::REGISTER_ENTRY_STATE_DESTROYED) continue;
    ARCHIVED_ASSIGN_OR_RETURN(const bool destroyed, ApplyDestruction(actor, record));
    applied += destroyed ? 1 : 0;
  }
  if (applied > 0) ARCHIVED_RETURN_IF_ERROR(Purge());
  if (!ledger.empty()) {
    // After the purge: a crash before it replays (and purges) again.
    ARCHIVED_RETURN_IF_ERROR(committer_->Run([&](audit::Transaction& txn) {
      std::string value;
      AppendBigEndian64(value, ledger.back().seq());
      txn.Put(Keyspace::kMeta, kLedgerReplayedKey, value);
      return OkStatus();
    }));
  }
  return applied;
}

Status Registers::Purge() {
  ARCHIVED_RETURN_IF_ERROR(store_->FlushAll());
  return store_->CompactRange(Keyspace::kRegisters, "", "");
}

}  // namespace archived::registers
