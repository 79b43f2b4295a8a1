#include "archived/retention/retention.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

#include "archived/audit/chain.h"
#include "archived/backup/package.h"
#include "archived/base/bytes.h"
#include "archived/base/log.h"
#include "archived/base/status_macros.h"
#include "archived/base/text.h"
#include "archived/retention/schedules.h"
#include "archived/v1/proto_time.h"

namespace archived::retention {
namespace {

using storage::Keyspace;
using namespace std::chrono;

constexpr std::string_view kHoldPrefix = "hold/";
constexpr std::string_view kBatchPrefix = "batch/";
constexpr std::string_view kClockKey = "clock";
constexpr std::string_view kBatchCounter = "disposition_batch";
// Signatures over certificates are domain-separated from every other signature of the
// archive's keys.
constexpr std::string_view kCertificateContext{"archived.certificate.v1\0", 24};

// Audit events read per page when a package gathers documents' histories.
constexpr std::size_t kAuditPageEvents = 10000;

// `message` as protobuf JSON with its proto field names; `pretty` adds whitespace.
// Errors: kInternal naming `what`.
StatusOr<std::string> ToJson(const google::protobuf::Message& message, std::string_view what, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.add_whitespace = pretty;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options).ok()) {
    return InternalError("cannot write " + std::string(what) + " as JSON");
  }
  return out;
}

std::string HoldKey(std::string_view name) { return std::string(kHoldPrefix) + std::string(name); }

std::string BatchKey(std::uint64_t id) {
  std::string key(kBatchPrefix);
  AppendBigEndian64(key, id);
  return key;
}

StatusOr<std::uint64_t> ParseBatchId(std::string_view id) {
  std::uint64_t n = 0;
  if (id.empty() || id.size() > 18) return InvalidArgumentError("batch id: a number, 1, 2, 3 …");
  for (const char c : id) {
    if (c < '0' || c > '9') return InvalidArgumentError("batch id: a number, 1, 2, 3 …");
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (n == 0) return InvalidArgumentError("batch id: a number, 1, 2, 3 …");
  return n;
}

template <typename Message>
StatusOr<Message> Parse(std::string_view bytes, std::string_view what) {
  Message message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return DataLossError(std::string(what) + " record is malformed");
  }
  return message;
}

Status ValidateHoldName(std::string_view name) {
  if (name.empty() || name.size() > 64) return InvalidArgumentError("name: 1 to 64 characters");
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return InvalidArgumentError("name: letters, digits, '-', '_' and '.' only");
  }
  return OkStatus();
}

// Reasons, notes, owners and queries: plain text of at most this many bytes.
constexpr std::size_t kMaxNoteBytes = 2000;

Status ValidateNote(std::string_view field, std::string_view text, bool required) {
  if (required && text.empty()) return InvalidArgumentError(std::string(field) + ": required");
  return ValidateText(field, text, kMaxNoteBytes);
}

// The file plan by code, to find the schedule of many documents.
class PlanIndex {
 public:
  static StatusOr<PlanIndex> Load(const catalog::Catalog& catalog) {
    ARCHIVED_ASSIGN_OR_RETURN(const v1::CategoryList plan, catalog.ListCategories());
    PlanIndex index;
    for (const v1::Category& c : plan.categories()) index.by_code_.emplace(c.code(), c);
    return index;
  }
  // Errors: kDataLoss for a document in a category that is not in the plan; as ScheduleFor.
  StatusOr<Schedule> ScheduleOf(const v1::Document& doc) const {
    const auto category = by_code_.find(doc.category());
    if (category == by_code_.end()) {
      return DataLossError("document " + doc.reference_code() + " is in category " + doc.category() +
                           ", which is not in the file plan");
    }
    return ScheduleFor(category->second, doc);
  }
  // nullptr for a category that is not in the plan.
  const v1::Category* Find(std::string_view code) const {
    const auto category = by_code_.find(code);
    return category == by_code_.end() ? nullptr : &category->second;
  }

 private:
  std::map<std::string, v1::Category, std::less<>> by_code_;
};

bool InSubtree(std::string_view category, std::string_view root) {
  return category == root || (category.size() > root.size() && category.starts_with(root) && category[root.size()] == '/');
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string_view StateName(State state) {
  switch (state) {
    case State::kPermanent:
      return "permanent";
    case State::kRetained:
      return "retained";
    case State::kAwaitingTrigger:
      return "awaiting its trigger";
    case State::kDue:
      return "due";
    case State::kHeld:
      return "held";
    case State::kDestroyed:
      return "destroyed";
    case State::kTransferred:
      return "transferred";
  }
  return "unknown";
}

// A document or a register entry, as batches, reports and certificates name it.
struct Subject {
  std::string id;              // the document's or the entry's
  std::string reference_code;  // a document's
  std::string title;
  std::string category;
  std::string kind;  // an entry's
};

Subject SubjectOf(const v1::Document& d) {
  return {.id = d.id(), .reference_code = d.reference_code(), .title = d.title(), .category = d.category()};
}
Subject SubjectOf(const v1::RegisterEntry& e) {
  return {.id = e.id(), .title = e.title(), .category = e.category(), .kind = e.kind()};
}

// Fills the naming fields of a DispositionItem or a RetentionReportItem.
template <typename Item>
void Name(const Subject& s, Item* item) {
  if (s.kind.empty()) {
    item->set_document_id(s.id);
    item->set_reference_code(s.reference_code);
  } else {
    item->set_entry_id(s.id);
    item->set_kind(s.kind);
  }
  item->set_title(s.title);
  item->set_category(s.category);
}

// The document or entry an item stands for: its id, and how people know it.
const std::string& ItemId(const v1::DispositionItem& item) {
  return item.entry_id().empty() ? item.document_id() : item.entry_id();
}
const std::string& ItemName(const v1::DispositionItem& item) {
  return item.entry_id().empty() ? item.reference_code() : item.entry_id();
}

}  // namespace

struct Retention::HoldIndex {
  std::map<std::string, std::vector<std::string>, std::less<>> by_id;  // documents' and entries'
  std::vector<std::pair<std::string, std::string>> by_category;     // subtree root, hold name

  // The holds on the document or entry `id` in `category`.
  std::vector<std::string> On(std::string_view id, std::string_view category) const {
    std::vector<std::string> out;
    if (const auto it = by_id.find(id); it != by_id.end()) out = it->second;
    for (const auto& [root, name] : by_category) {
      if (InSubtree(category, root)) out.push_back(name);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }
};

Status RetentionOptions::Validate() const {
  if (approvals_required < 1 || approvals_required > 2) return InvalidArgumentError("approvals_required: 1 or 2");
  if (review_period_months < 1 || review_period_months > 1200) {
    return InvalidArgumentError("review_period_months: from 1 to 1200");
  }
  if (max_clock_jump < hours(24)) return InvalidArgumentError("max_clock_jump: at least a day");
  if (certificate_category.empty()) return InvalidArgumentError("certificate_category: required");
  return OkStatus();
}

Retention::Retention(const RetentionOptions& options, catalog::Catalog* catalog, registers::Registers* registers,
                     audit::Committer* committer, const Clock& clock, crypto::Ed25519Key signing_key,
                     QueryMatcher matcher, std::function<void()> on_destruction)
    : options_(options), catalog_(catalog), registers_(registers), committer_(committer), clock_(clock),
      signing_key_(std::move(signing_key)), public_key_(HexEncode(signing_key_.public_key())),
      matcher_(std::move(matcher)), on_destruction_(std::move(on_destruction)) {}

StatusOr<std::unique_ptr<Retention>> Retention::Open(const RetentionOptions& options, catalog::Catalog* catalog,
                                                     registers::Registers* registers, audit::Committer* committer,
                                                     const Clock& clock, crypto::Ed25519Key signing_key,
                                                     QueryMatcher matcher, std::function<void()> on_destruction) {
  ARCHIVED_RETURN_IF_ERROR(options.Validate());
  std::unique_ptr<Retention> r(new Retention(options, catalog, registers, committer, clock, std::move(signing_key),
                                             std::move(matcher), std::move(on_destruction)));
  const audit::Actor system{.name = "system"};
  StatusOr<v1::Category> category = catalog->GetCategory(options.certificate_category);
  if (!category.ok() && category.status().code() == StatusCode::kNotFound) {
    // An archive made before certificates existed: the category is added to its plan.
    v1::Category added;
    added.set_code(options.certificate_category);
    added.set_name("档案管理");
    added.set_name_en("Records management (certificates)");
    added.set_retention_class(v1::RETENTION_CLASS_PERMANENT);
    ARCHIVED_RETURN_IF_ERROR(catalog->AddCategory(system, added).Annotate("add the certificate category"));
    category = catalog->GetCategory(options.certificate_category);
  }
  ARCHIVED_RETURN_IF_ERROR(category.status());
  ARCHIVED_ASSIGN_OR_RETURN(const Schedule schedule, ScheduleOf(*category));
  if (!schedule.permanent) {
    return FailedPreconditionError("the certificate category " + options.certificate_category +
                                   " must be kept permanently; its schedule is: " + Describe(schedule));
  }
  // A batch approved but not executed: a crash stopped it. Executing it again finishes it
  // (what was destroyed under it is recognised; the rest is decided afresh).
  ARCHIVED_ASSIGN_OR_RETURN(const v1::DispositionBatchList batches, r->ListBatches());
  for (const v1::DispositionBatch& batch : batches.batches()) {
    if (batch.state() == v1::DISPOSITION_BATCH_STATE_AWAITING_APPROVAL &&
        batch.approvals_size() >= static_cast<int>(batch.approvals_required())) {
      std::lock_guard lock(r->mu_);
      ARCHIVED_RETURN_IF_ERROR(r->Execute(system, batch).status().Annotate("finish disposition batch " + batch.id()));
    }
  }
  return r;
}

Retention::~Retention() {
  {
    std::lock_guard lock(schedule_mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (schedule_thread_.joinable()) schedule_thread_.join();
}

void Retention::StartScheduledRuns(std::function<Timestamp(Timestamp)> next) {
  schedule_thread_ = std::thread([this, next = std::move(next)] {
    const audit::Actor system{.name = "system", .role = "schedule"};
    std::unique_lock lock(schedule_mu_);
    for (Timestamp due = next(clock_.Now()); !stopping_; due = next(clock_.Now())) {
      if (wake_.wait_until(lock, due, [&] { return stopping_; })) break;
      lock.unlock();
      StatusOr<v1::DispositionBatch> batch = Run(system, /*confirm_clock=*/false);
      if (!batch.ok()) {
        LogLine("scheduled disposition run failed: " + batch.status().ToString());
        v1::AuditEvent event = audit::EventBy(system, "disposition.run", "", std::string(batch.status().message()));
        event.set_outcome("failed");
        IgnoreError(committer_->Run([&](audit::Transaction& txn) {
          txn.Audit(event);
          return OkStatus();
        }));
      } else if (!batch->id().empty()) {
        LogLine("disposition batch " + batch->id() + ": " + std::to_string(batch->items_size()) +
                " documents due, awaiting approval");
      }
      lock.lock();
    }
  });
}

Date Retention::Today() const { return DayOf(clock_.Now()); }

// --- The file plan ---

Status Retention::AddCategory(const audit::Actor& actor, const v1::Category& category) {
  if (category.has_schedule()) ARCHIVED_RETURN_IF_ERROR(FromProto(category.schedule()).status());
  return catalog_->AddCategory(actor, category);
}

StatusOr<v1::Category> Retention::SetSchedule(const audit::Actor& actor, std::string_view code,
                                              const v1::RetentionSchedule& schedule, bool allow_shorten) {
  ARCHIVED_ASSIGN_OR_RETURN(const Schedule next, FromProto(schedule));
  std::lock_guard lock(mu_);
  ARCHIVED_ASSIGN_OR_RETURN(const v1::Category category, catalog_->GetCategory(code));
  ARCHIVED_ASSIGN_OR_RETURN(const Schedule current, ScheduleOf(category));
  const bool shortens = Shortens(current, next);
  if (shortens && !allow_shorten) {
    return FailedPreconditionError("this shortens the retention of " + category.code() + " (from \"" +
                                   Describe(current) + "\" to \"" + Describe(next) +
                                   "\"): documents may fall due earlier; confirm with allow_shorten");
  }
  const std::string detail = "from=\"" + Describe(current) + "\" to=\"" + Describe(next) + "\"";
  ARCHIVED_RETURN_IF_ERROR(catalog_->SetCategorySchedule(actor, category.code(), category.schedule(), ToProto(next),
                                                         shortens ? "schedule.shorten" : "schedule.set", detail));
  return catalog_->GetCategory(category.code());
}

// --- Holds ---

StatusOr<v1::Hold> Retention::PlaceHold(const audit::Actor& actor, v1::Hold hold) {
  ARCHIVED_RETURN_IF_ERROR(ValidateHoldName(hold.name()));
  ARCHIVED_RETURN_IF_ERROR(ValidateNote("reason", hold.reason(), true));
  ARCHIVED_RETURN_IF_ERROR(ValidateNote("owner", hold.owner(), false));
  ARCHIVED_RETURN_IF_ERROR(ValidateNote("query", hold.query(), false));
  if (hold.document_ids().empty() && hold.entry_ids().empty() && hold.categories().empty() && hold.query().empty()) {
    return InvalidArgumentError("a hold needs a scope: document_ids, entry_ids, categories or a query");
  }
  // Documents by id or reference code; both resolve to ids.
  for (std::string& id : *hold.mutable_document_ids()) {
    ARCHIVED_ASSIGN_OR_RETURN(const v1::Document doc, catalog_->GetDocument(id));
    id = doc.id();
  }
  for (const std::string& id : hold.entry_ids()) {
    ARCHIVED_ASSIGN_OR_RETURN(const std::optional<v1::RegisterEntry> entry, registers_->FindStored(id));
    if (!entry) return NotFoundError("entry_ids: no register entry \"" + id + "\"");
  }
  for (const std::string& code : hold.categories()) {
    ARCHIVED_RETURN_IF_ERROR(catalog_->GetCategory(code).status());
  }
  if (!hold.query().empty()) ARCHIVED_RETURN_IF_ERROR(matcher_(hold.query()).status().Annotate("query"));
  if (hold.owner().empty()) hold.set_owner(actor.name);
  hold.set_placed_by(actor.name);
  hold.set_released(false);
  hold.clear_released_time();
  hold.clear_released_by();
  hold.clear_release_reason();
  std::lock_guard lock(mu_);
  ARCHIVED_RETURN_IF_ERROR(committer_->Run([&](audit::Transaction& txn) -> Status {
    if (txn.Get(Keyspace::kRetention, HoldKey(hold.name())).ok()) {
      return AlreadyExistsError("hold \"" + hold.name() + "\" exists (names are never reused)");
    }
    v1::SetTime(hold.mutable_placed_time(), txn.now());
    txn.Put(Keyspace::kRetention, HoldKey(hold.name()), hold.SerializeAsString());
    txn.Audit(audit::EventBy(actor, "hold.place", hold.name(),
                             "documents=" + std::to_string(hold.document_ids_size()) +
                                 " entries=" + std::to_string(hold.entry_ids_size()) +
                                 " categories=" + std::to_string(hold.categories_size()) +
                                 (hold.query().empty() ? "" : " query=\"" + hold.query() + "\"") + " reason=\"" +
                                 hold.reason() + "\""));
    return OkStatus();
  }));
  return hold;
}

StatusOr<v1::Hold> Retention::ReleaseHold(const audit::Actor& actor, std::string_view name, std::string_view reason) {
  ARCHIVED_RETURN_IF_ERROR(ValidateNote("reason", reason, true));
  std::lock_guard lock(mu_);
  v1::Hold hold;
  ARCHIVED_RETURN_IF_ERROR(committer_->Run([&](audit::Transaction& txn) -> Status {
    StatusOr<std::string> bytes = txn.Get(Keyspace::kRetention, HoldKey(name));
    if (!bytes.ok()) {
      return bytes.status().code() == StatusCode::kNotFound ? NotFoundError("hold \"" + std::string(name) + "\"")
                                                            : bytes.status();
    }
    ARCHIVED_ASSIGN_OR_RETURN(hold, Parse<v1::Hold>(*bytes, "hold"));
    if (hold.released()) return FailedPreconditionError("hold \"" + hold.name() + "\" is already released");
    hold.set_released(true);
    v1::SetTime(hold.mutable_released_time(), txn.now());
    hold.set_released_by(actor.name);
    hold.set_release_reason(std::string(reason));
    txn.Put(Keyspace::kRetention, HoldKey(hold.name()), hold.SerializeAsString());
    txn.Audit(audit::EventBy(actor, "hold.release", hold.name(), "reason=\"" + std::string(reason) + "\""));
    return OkStatus();
  }));
  return hold;
}

StatusOr<v1::HoldList> Retention::ListHolds(bool include_released) const {
  v1::HoldList out;
  auto it = catalog_->store()->NewIterator(Keyspace::kRetention);
  for (it->Seek(kHoldPrefix); it->Valid() && it->key().starts_with(kHoldPrefix); it->Next()) {
    ARCHIVED_ASSIGN_OR_RETURN(v1::Hold hold, Parse<v1::Hold>(it->value(), "hold"));
    if (include_released || !hold.released()) *out.add_holds() = std::move(hold);
  }
  ARCHIVED_RETURN_IF_ERROR(it->status());
  return out;
}

StatusOr<v1::Hold> Retention::GetHold(std::string_view name) const {
  StatusOr<std::string> bytes = catalog_->store()->Get(Keyspace::kRetention, HoldKey(name));
  if (!bytes.ok()) {
    return bytes.status().code() == StatusCode::kNotFound ? NotFoundError("hold \"" + std::string(name) + "\"")
                                                          : bytes.status();
  }
  return Parse<v1::Hold>(*bytes, "hold");
}

StatusOr<Retention::HoldIndex> Retention::LoadHolds() const {
  ARCHIVED_ASSIGN_OR_RETURN(const v1::HoldList holds, ListHolds(false));
  HoldIndex index;
  for (const v1::Hold& hold : holds.holds()) {
    for (const std::string& id : hold.document_ids()) index.by_id[id].push_back(hold.name());
    for (const std::string& id : hold.entry_ids()) index.by_id[id].push_back(hold.name());
    for (const std::string& code : hold.categories()) index.by_category.emplace_back(code, hold.name());
    if (!hold.query().empty()) {
      StatusOr<std::vector<std::string>> ids = matcher_(hold.query());
      if (!ids.ok()) return ids.status().Annotate("the query of hold \"" + hold.name() + "\"");
      for (const std::string& id : *ids) index.by_id[id].push_back(hold.name());
    }
  }
  return index;
}

StatusOr<std::vector<std::string>> Retention::HoldsOn(std::string_view id) const {
  Subject subject;
  if (!registers::KindOfId(id).empty()) {
    ARCHIVED_ASSIGN_OR_RETURN(const std::optional<v1::RegisterEntry> entry, registers_->FindStored(id));
    if (!entry) return NotFoundError("no register entry \"" + std::string(id) + "\"");
    subject = SubjectOf(*entry);
  } else {
    ARCHIVED_ASSIGN_OR_RETURN(const v1::Document doc, catalog_->GetDocument(id));
    subject = SubjectOf(doc);
  }
  ARCHIVED_ASSIGN_OR_RETURN(const HoldIndex holds, LoadHolds());
  return holds.On(subject.id, subject.category);
}

// --- Disposition ---

StatusOr<v1::DispositionBatch> Retention::Survey(Date as_of, const HoldIndex& holds, bool skip_held) const {
  ARCHIVED_ASSIGN_OR_RETURN(const PlanIndex plan, PlanIndex::Load(*catalog_));
  v1::DispositionBatch batch;
  batch.set_as_of(FormatDate(as_of));
  const auto consider = [&](const Subject& subject, const Schedule& schedule, const Facts& facts) {
    const Decision decision = Decide(schedule, facts, holds.On(subject.id, subject.category), as_of);
    if (decision.state != State::kDue && (decision.state != State::kHeld || skip_held)) return;
    v1::DispositionItem* item = batch.add_items();
    Name(subject, item);
    item->set_action(ToProto(decision.action));
    item->set_due_date(FormatDate(*decision.due));
    if (decision.state == State::kHeld) {
      item->set_state(v1::DISPOSITION_ITEM_STATE_SKIPPED);
      item->set_note("held by " + Join(decision.holds));
    } else {
      item->set_state(v1::DISPOSITION_ITEM_STATE_PENDING);
    }
  };
  ARCHIVED_RETURN_IF_ERROR(catalog_->ForEachDocument([&](const v1::Document& doc) -> Status {
    if (doc.state() == v1::DOCUMENT_STATE_DESTROYED || doc.state() == v1::DOCUMENT_STATE_TRANSFERRED) {
      return OkStatus();
    }
    ARCHIVED_ASSIGN_OR_RETURN(const Schedule schedule, plan.ScheduleOf(doc));
    ARCHIVED_ASSIGN_OR_RETURN(const Facts facts, FactsOf(doc));
    consider(SubjectOf(doc), schedule, facts);
    return OkStatus();
  }));
  ARCHIVED_RETURN_IF_ERROR(registers_->ForEachEntry([&](const v1::RegisterEntry& entry) -> Status {
    if (entry.state() == v1::REGISTER_ENTRY_STATE_DESTROYED) return OkStatus();
    // A register whose category is not in the file plan has no schedule: the report lists
    // its entries as unscheduled.
    const v1::Category* category = plan.Find(entry.category());
    if (category == nullptr) return OkStatus();
    ARCHIVED_ASSIGN_OR_RETURN(const Schedule schedule, ScheduleFor(*category, entry));
    ARCHIVED_ASSIGN_OR_RETURN(const Facts facts, FactsOf(entry));
    consider(SubjectOf(entry), schedule, facts);
    return OkStatus();
  }));
  // Grouped by category and action, for the reviewer.
  std::stable_sort(batch.mutable_items()->begin(), batch.mutable_items()->end(),
                   [](const v1::DispositionItem& a, const v1::DispositionItem& b) {
                     return a.category() != b.category() ? a.category() < b.category() : a.action() < b.action();
                   });
  return batch;
}

StatusOr<v1::DispositionBatch> Retention::Due(std::string_view as_of) const {
  Date day = Today();
  if (!as_of.empty()) {
    ARCHIVED_ASSIGN_OR_RETURN(day, ParseCalendarDate("as_of", as_of));
  }
  ARCHIVED_ASSIGN_OR_RETURN(const HoldIndex holds, LoadHolds());
  return Survey(day, holds, /*skip_held=*/false);
}

Status Retention::CheckClock(const audit::Actor& actor, bool confirm_clock) {
  const Timestamp now = clock_.Now();
  std::optional<Timestamp> latest;
  StatusOr<std::string> stored = catalog_->store()->Get(Keyspace::kRetention, kClockKey);
  if (stored.ok()) {
    const std::optional<std::uint64_t> micros = ReadBigEndian64(*stored);
    if (!micros) return DataLossError("the retention clock record is malformed");
    latest = FromUnixMicros(static_cast<std::int64_t>(*micros));
  } else if (stored.status().code() != StatusCode::kNotFound) {
    return stored.status();
  }
  Status doubtful = latest ? retention::CheckClock(*latest, now, options_.max_clock_jump) : OkStatus();
  if (!doubtful.ok() && !confirm_clock) {
    return FailedPreconditionError(std::string(doubtful.message()) + " (confirm_clock=true accepts the date)");
  }
  return committer_->Run([&](audit::Transaction& txn) -> Status {
    std::string value;
    AppendBigEndian64(value, static_cast<std::uint64_t>(ToUnixMicros(latest ? std::max(*latest, now) : now)));
    txn.Put(Keyspace::kRetention, kClockKey, value);
    if (!doubtful.ok()) {
      txn.Audit(audit::EventBy(actor, "retention.clock.confirm", "", std::string(doubtful.message())));
    }
    return OkStatus();
  });
}

StatusOr<v1::DispositionBatch> Retention::Run(const audit::Actor& actor, bool confirm_clock) {
  std::lock_guard lock(mu_);
  ARCHIVED_RETURN_IF_ERROR(CheckClock(actor, confirm_clock));
  ARCHIVED_ASSIGN_OR_RETURN(const HoldIndex holds, LoadHolds());
  ARCHIVED_ASSIGN_OR_RETURN(v1::DispositionBatch batch, Survey(Today(), holds, /*skip_held=*/true));
  // Documents and entries already waiting in an open batch stay there.
  std::set<std::string, std::less<>> waiting;
  ARCHIVED_ASSIGN_OR_RETURN(const v1::DispositionBatchList open, ListBatches());
  for (const v1::DispositionBatch& b : open.batches()) {
    if (b.state() != v1::DISPOSITION_BATCH_STATE_AWAITING_APPROVAL) continue;
    for (const v1::DispositionItem& item : b.items()) {
      if (item.state() == v1::DISPOSITION_ITEM_STATE_PENDING) waiting.insert(ItemId(item));
    }
  }
  auto* items = batch.mutable_items();
  items->erase(std::remove_if(items->begin(), items->end(),
                              [&](const v1::DispositionItem& item) { return waiting.contains(ItemId(item)); }),
               items->end());
  if (batch.items().empty()) return batch;  // nothing new is due: no batch
  batch.set_created_by(actor.name);
  batch.set_state(v1::DISPOSITION_BATCH_STATE_AWAITING_APPROVAL);
  batch.set_approvals_required(static_cast<std::uint32_t>(options_.approvals_required));
  std::map<std::string, int> by_action;
  for (const v1::DispositionItem& item : batch.items()) ++by_action[v1::DispositionAction_Name(item.action())];
  std::string detail = "as_of=" + batch.as_of() + " items=" + std::to_string(batch.items_size());
  for (const auto& [action, count] : by_action) detail += " " + action + "=" + std::to_string(count);
  ARCHIVED_RETURN_IF_ERROR(committer_->Run([&](audit::Transaction& txn) -> Status {
    ARCHIVED_ASSIGN_OR_RETURN(const std::uint64_t id, txn.NextCounter(kBatchCounter));
    batch.set_id(std::to_string(id));
    v1::SetTime(batch.mutable_created_time(), txn.now());
    txn.Put(Keyspace::kRetention, BatchKey(id), batch.SerializeAsString());
    txn.Audit(audit::EventBy(actor, "disposition.run", batch.id(), detail));
    return OkStatus();
  }));
  return batch;
}

StatusOr<v1::DispositionBatchList> Retention::ListBatches() const {
  v1::DispositionBatchList out;
  auto it = catalog_->store()->NewIterator(Keyspace::kRetention);
  for (it->Seek(kBatchPrefix); it->Valid() && it->key().starts_with(kBatchPrefix); it->Next()) {
    ARCHIVED_ASSIGN_OR_RETURN(*out.add_batches(), Parse<v1::DispositionBatch>(it->value(), "disposition batch"));
  }
  ARCHIVED_RETURN_IF_ERROR(it->status());
  return out;
}

StatusOr<v1::DispositionBatch> Retention::GetBatch(std::string_view id) const {
  ARCHIVED_ASSIGN_OR_RETURN(const std::uint64_t n, ParseBatchId(id));
  StatusOr<std::string> bytes = catalog_->store()->Get(Keyspace::kRetention, BatchKey(n));
  if (!bytes.ok()) {
    return bytes.status().code() == StatusCode::kNotFound ? NotFoundError("disposition batch " + std::string(id))
                                                          : bytes.status();
  }
  return Parse<v1::DispositionBatch>(*bytes, "disposition batch");
}

Status Retention::SaveBatch(const audit::Actor& actor, const v1::DispositionBatch& batch, std::string_view action,
                            std::string_view detail) {
  ARCHIVED_ASSIGN_OR_RETURN(const std::uint64_t n, ParseBatchId(batch.id()));
  return committer_->Run([&](audit::Transaction& txn) -> Status {
    txn.Put(Keyspace::kRetention, BatchKey(n), batch.SerializeAsString());
    txn.Audit(audit::EventBy(actor, std::string(action), batch.id(), std::string(detail)));
    return OkStatus();
  });
}

namespace {

// The open batch `batch` and its pending item for `id` (a document's id or reference code,
// or an entry's id). Errors: kFailedPrecondition for a closed batch; kNotFound for one not
// pending in it.
StatusOr<v1::DispositionItem*> PendingItem(v1::DispositionBatch& batch, std::string_view id) {
  if (batch.state() != v1::DISPOSITION_BATCH_STATE_AWAITING_APPROVAL) {
    return FailedPreconditionError("disposition batch " + batch.id() + " is closed");
  }
  v1::DispositionItem* item = nullptr;
  for (v1::DispositionItem& i : *batch.mutable_items()) {
    if (!id.empty() && (ItemId(i) == id || i.reference_code() == id)) item = &i;
  }
  if (item == nullptr) return NotFoundError(std::string(id) + " is not in disposition batch " + batch.id());
  if (item->state() != v1::DISPOSITION_ITEM_STATE_PENDING) {
    return FailedPreconditionError(ItemName(*item) + " is no longer pending in batch " + batch.id());
  }
  return item;
}

// The document or entry a decision names. Errors: kInvalidArgument for both or neither.
template <typename Request>
StatusOr<std::string> Named(const Request& request) {
  if (request.document_id().empty() == request.entry_id().empty()) {
    return InvalidArgumentError("name one document_id or one entry_id");
  }
  return request.entry_id().empty() ? request.document_id() : request.entry_id();
}

// Why a pending item is not disposed of now (empty: it is), whatever it is.
std::string WhyNotNow(const Decision& decision, const v1::DispositionItem& item) {
  if (decision.state == State::kHeld) return "held by " + Join(decision.holds);
  if (decision.state != State::kDue) return "no longer due (" + std::string(StateName(decision.state)) + ")";
  if (item.action() == v1::DISPOSITION_ACTION_REVIEW) return "not reviewed: it comes up again at the next run";
  return "";
}

}  // namespace

StatusOr<v1::DispositionBatch> Retention::Exclude(const audit::Actor& actor, std::string_view batch_id,
                                                  const v1::DispositionExclusion& exclusion) {
  ARCHIVED_RETURN_IF_ERROR(ValidateNote("reason", exclusion.reason(), true));
  ARCHIVED_ASSIGN_OR_RETURN(const std::string id, Named(exclusion));
  std::lock_guard lock(mu_);
  ARCHIVED_ASSIGN_OR_RETURN(v1::DispositionBatch batch, GetBatch(batch_id));
  ARCHIVED_ASSIGN_OR_RETURN(v1::DispositionItem* const item, PendingItem(batch, id));
  const std::string until = FormatDate(AddMonths(Today(), options_.review_period_months));
  ARCHIVED_RETURN_IF_ERROR(SetRetention(actor, *item, until, nullptr, "disposition.exclude",
                                        "batch=" + batch.id() + " retain_until=" + until + " reason=\"" +
                                            exclusion.reason() + "\""));
  item->set_state(v1::DISPOSITION_ITEM_STATE_EXCLUDED);
  item->set_note(exclusion.reason() + " (kept until " + until + ")");
  ARCHIVED_RETURN_IF_ERROR(SaveBatch(actor, batch, "disposition.batch.update", "excluded " + ItemName(*item)));
  return batch;
}

Status Retention::SetRetention(const audit::Actor& actor, const v1::DispositionItem& item, std::string_view until,
                               const v1::RetentionSchedule* schedule, std::string_view action,
                               std::string_view detail) {
  if (!item.entry_id().empty()) return registers_->SetRetention(actor, item.entry_id(), until, schedule, action, detail);
  return catalog_->SetDocumentRetention(actor, item.document_id(), until, schedule, action, detail);
}

StatusOr<v1::DispositionBatch> Retention::Review(const audit::Actor& actor, std::string_view batch_id,
                                                 const v1::DispositionReview& review) {
  ARCHIVED_RETURN_IF_ERROR(ValidateNote("note", review.note(), false));
  if (review.destroy() && review.has_schedule()) {
    return InvalidArgumentError("a review destroys, or retains under a schedule: not both");
  }
  std::optional<Schedule> schedule;
  if (review.has_schedule()) {
    ARCHIVED_ASSIGN_OR_RETURN(schedule, FromProto(review.schedule()));
  }
  ARCHIVED_ASSIGN_OR_RETURN(const std::string id, Named(review));
  std::lock_guard lock(mu_);
  ARCHIVED_ASSIGN_OR_RETURN(v1::DispositionBatch batch, GetBatch(batch_id));
  ARCHIVED_ASSIGN_OR_RETURN(v1::DispositionItem* const item, PendingItem(batch, id));
  if (item->action() != v1::DISPOSITION_ACTION_REVIEW) {
    return FailedPreconditionError(ItemName(*item) + " is due for " +
                                   v1::DispositionAction_Name(item->action()) + ", not for review");
  }
  const std::string note = review.note().empty() ? "" : ": " + review.note();
  if (review.destroy()) {
    item->set_action(v1::DISPOSITION_ACTION_DESTROY);
    item->set_note("reviewed by " + actor.name + ", to be destroyed" + note);
  } else {
    const std::string until = schedule ? "" : FormatDate(AddMonths(Today(), options_.review_period_months));
    const v1::RetentionSchedule stored = schedule ? ToProto(*schedule) : v1::RetentionSchedule();
    const std::string kept = schedule ? "under \"" + Describe(*schedule) + "\"" : "until " + until;
    ARCHIVED_RETURN_IF_ERROR(SetRetention(actor, *item, until, schedule ? &stored : nullptr, "disposition.review",
                                          "batch=" + batch.id() + " retained " + kept + note));
    item->set_state(v1::DISPOSITION_ITEM_STATE_RETAINED);
    item->set_note("reviewed by " + actor.name + ", retained " + kept + note);
  }
  ARCHIVED_RETURN_IF_ERROR(SaveBatch(actor, batch, "disposition.batch.update", "reviewed " + ItemName(*item)));
  return batch;
}

StatusOr<v1::DispositionBatch> Retention::Approve(const audit::Actor& actor, std::string_view batch_id,
                                                  bool confirm_clock) {
  std::lock_guard lock(mu_);
  ARCHIVED_ASSIGN_OR_RETURN(v1::DispositionBatch batch, GetBatch(batch_id));
  if (batch.state() != v1::DISPOSITION_BATCH_STATE_AWAITING_APPROVAL) {
    return FailedPreconditionError("disposition batch " + batch.id() + " is closed");
  }
  for (const v1::DispositionApproval& a : batch.approvals()) {
    if (a.user() == actor.name) {
      return FailedPreconditionError(actor.name + " has already approved batch " + batch.id() +
                                     ": a second approval must come from someone else");
    }
  }
  ARCHIVED_RETURN_IF_ERROR(CheckClock(actor, confirm_clock));
  v1::DispositionApproval* approval = batch.add_approvals();
  approval->set_user(actor.name);
  approval->set_role(actor.role);
  v1::SetTime(approval->mutable_time(), clock_.Now());
  ARCHIVED_RETURN_IF_ERROR(SaveBatch(actor, batch, "disposition.approve",
                                     std::to_string(batch.approvals_size()) + " of " +
                                         std::to_string(batch.approvals_required()) + " approvals"));
  if (batch.approvals_size() < static_cast<int>(batch.approvals_required())) return batch;
  return Execute(actor, std::move(batch));
}

// Requires mu_.
StatusOr<v1::DispositionBatch> Retention::Execute(const audit::Actor& actor, v1::DispositionBatch batch) {
  ARCHIVED_ASSIGN_OR_RETURN(const HoldIndex holds, LoadHolds());
  ARCHIVED_ASSIGN_OR_RETURN(const PlanIndex plan, PlanIndex::Load(*catalog_));
  const Date today = Today();
  std::vector<std::string> approvers;
  for (const v1::DispositionApproval& a : batch.approvals()) approvers.push_back(a.user());
  std::vector<v1::CertificateItem> certified;
  std::vector<std::string> content_ids;
  int skipped = 0, destroyed = 0, transferred = 0;
  const auto certify = [&](const v1::Document& d, const Schedule& schedule, const v1::DispositionItem& item,
                           std::string disposition) -> Status {
    v1::CertificateItem c;
    c.set_document_id(d.id());
    c.set_reference_code(d.reference_code());
    c.set_title(d.title());
    c.set_category(d.category());
    c.set_document_date(d.date());
    c.set_filed_date(FormatDate(DayOf(v1::TimeOf(d.filed_time()))));
    ARCHIVED_ASSIGN_OR_RETURN(const std::vector<v1::Version> versions, catalog_->ListVersions(d.id()));
    for (const v1::Version& v : versions) c.add_version_sha256(v.sha256());
    c.set_schedule(Describe(schedule));
    c.set_due_date(item.due_date());
    c.set_disposition(std::move(disposition));
    certified.push_back(std::move(c));
    return OkStatus();
  };
  const auto stub_for = [&](const Schedule& schedule) {
    v1::DestructionStub stub;
    v1::SetTime(stub.mutable_destroyed_time(), clock_.Now());
    stub.set_batch_id(batch.id());
    for (const std::string& a : approvers) stub.add_approvers(a);
    stub.set_executed_by(actor.name);
    *stub.mutable_schedule() = ToProto(schedule);
    return stub;
  };
  const auto destroy = [&](const v1::Document& doc, const Schedule& schedule) -> Status {
    ARCHIVED_ASSIGN_OR_RETURN(const v1::DestructionRecord record,
                              catalog_->DestroyDocument(actor, doc.id(), stub_for(schedule)));
    content_ids.insert(content_ids.end(), record.content_ids().begin(), record.content_ids().end());
    ++destroyed;
    return OkStatus();
  };
  const auto skip = [&](v1::DispositionItem& item, std::string why) {
    item.set_state(v1::DISPOSITION_ITEM_STATE_SKIPPED);
    item.set_note(std::move(why));
    ++skipped;
  };
  // A register entry: destroyed (its stub keeps each revision's SHA-256 for the
  // certificate), never transferred.
  bool entries_destroyed = false;
  const auto dispose_of_entry = [&](v1::DispositionItem& item) -> Status {
    ARCHIVED_ASSIGN_OR_RETURN(std::optional<v1::RegisterEntry> entry, registers_->FindStored(item.entry_id()));
    if (!entry) {
      skip(item, "no longer in the registers");
      return OkStatus();
    }
    if (entry->state() != v1::REGISTER_ENTRY_STATE_DESTROYED) {
      const v1::Category* category = plan.Find(entry->category());
      if (category == nullptr) {
        skip(item, "its category " + entry->category() + " is not in the file plan");
        return OkStatus();
      }
      ARCHIVED_ASSIGN_OR_RETURN(const Schedule schedule, ScheduleFor(*category, *entry));
      ARCHIVED_ASSIGN_OR_RETURN(const Facts facts, FactsOf(*entry));
      std::string why_not = WhyNotNow(Decide(schedule, facts, holds.On(entry->id(), entry->category()), today), item);
      if (why_not.empty() && item.action() == v1::DISPOSITION_ACTION_TRANSFER) {
        why_not = "register entries are not transferred: it stays due (keep it, or schedule it for destruction)";
      }
      if (!why_not.empty()) {
        skip(item, std::move(why_not));
        return OkStatus();
      }
      v1::DestructionStub stub = stub_for(schedule);
      ARCHIVED_ASSIGN_OR_RETURN(const std::vector<std::string> digests, registers_->RevisionDigests(entry->id()));
      for (const std::string& digest : digests) stub.add_revision_sha256(digest);
      ARCHIVED_ASSIGN_OR_RETURN(const v1::DestructionRecord record,
                                registers_->Destroy(actor, entry->id(), std::move(stub)));
      *entry->mutable_destruction() = record.stub();  // what the stub now holds
      ++destroyed;
      entries_destroyed = true;
    } else if (entry->destruction().batch_id() != batch.id()) {
      skip(item, "already destroyed by another batch");
      return OkStatus();
    }
    // Destroyed now, or under this batch before a crash: certified.
    ARCHIVED_ASSIGN_OR_RETURN(const Schedule schedule, FromProto(entry->destruction().schedule()));
    item.set_state(v1::DISPOSITION_ITEM_STATE_DESTROYED);
    v1::CertificateItem c;
    c.set_entry_id(entry->id());
    c.set_kind(entry->kind());
    c.set_title(entry->title());
    c.set_category(entry->category());
    c.set_filed_date(FormatDate(DayOf(v1::TimeOf(entry->created_time()))));
    *c.mutable_revision_sha256() = entry->destruction().revision_sha256();
    c.set_schedule(Describe(schedule));
    c.set_due_date(item.due_date());
    c.set_disposition("destroyed");
    certified.push_back(std::move(c));
    return OkStatus();
  };
  struct Transfer {
    v1::Document doc;
    Schedule schedule;
    v1::DispositionItem* item;
  };
  std::vector<Transfer> transfers;
  std::optional<v1::TransferRecord> written;  // a package this batch wrote before a crash
  for (v1::DispositionItem& item : *batch.mutable_items()) {
    if (item.state() != v1::DISPOSITION_ITEM_STATE_PENDING) continue;
    if (!item.entry_id().empty()) {
      ARCHIVED_RETURN_IF_ERROR(dispose_of_entry(item));
      continue;
    }
    ARCHIVED_ASSIGN_OR_RETURN(const v1::Document doc, catalog_->GetDocument(item.document_id()));
    ARCHIVED_ASSIGN_OR_RETURN(const Schedule schedule, plan.ScheduleOf(doc));
    // Done under this batch before a crash: recognised, not done twice.
    if (doc.state() == v1::DOCUMENT_STATE_DESTROYED || doc.state() == v1::DOCUMENT_STATE_TRANSFERRED) {
      const bool ours = doc.state() == v1::DOCUMENT_STATE_DESTROYED ? doc.destruction().batch_id() == batch.id()
                                                                    : doc.transfer().batch_id() == batch.id();
      if (!ours) {
        skip(item, "already disposed of by another batch");
      } else if (doc.state() == v1::DOCUMENT_STATE_TRANSFERRED) {
        written = doc.transfer();
        transfers.push_back({doc, schedule, &item});
      } else {
        const bool after_transfer = doc.has_transfer();
        item.set_state(after_transfer ? v1::DISPOSITION_ITEM_STATE_TRANSFERRED : v1::DISPOSITION_ITEM_STATE_DESTROYED);
        ARCHIVED_RETURN_IF_ERROR(certify(doc, schedule, item, after_transfer ? "transferred and destroyed" : "destroyed"));
        if (after_transfer) written = doc.transfer();
      }
      continue;
    }
    ARCHIVED_ASSIGN_OR_RETURN(const Facts facts, FactsOf(doc));
    std::string why_not = WhyNotNow(Decide(schedule, facts, holds.On(doc.id(), doc.category()), today), item);
    if (why_not.empty() && item.action() == v1::DISPOSITION_ACTION_TRANSFER && options_.transfer_dir.empty()) {
      why_not = "no transfer directory is configured (retention.transfer_dir): it stays due";
    }
    if (!why_not.empty()) {
      skip(item, std::move(why_not));
      continue;
    }
    if (item.action() == v1::DISPOSITION_ACTION_TRANSFER) {
      transfers.push_back({doc, schedule, &item});
      continue;
    }
    ARCHIVED_RETURN_IF_ERROR(destroy(doc, schedule));
    item.set_state(v1::DISPOSITION_ITEM_STATE_DESTROYED);
    ARCHIVED_RETURN_IF_ERROR(certify(doc, schedule, item, "destroyed"));
  }
  // Transfers: one package for the batch, written and synced before any document is marked.
  if (!transfers.empty() && !written) {
    std::vector<v1::Document> docs;
    for (const Transfer& t : transfers) docs.push_back(t.doc);
    ARCHIVED_ASSIGN_OR_RETURN(written, WritePackage(batch, docs));
  }
  for (Transfer& t : transfers) {
    if (t.doc.state() != v1::DOCUMENT_STATE_TRANSFERRED) {
      ARCHIVED_RETURN_IF_ERROR(catalog_->MarkTransferred(actor, t.doc.id(), *written));
    }
    ++transferred;
    t.item->set_state(v1::DISPOSITION_ITEM_STATE_TRANSFERRED);
    t.item->set_note("package " + written->package());
    if (t.schedule.destroy_after_transfer) ARCHIVED_RETURN_IF_ERROR(destroy(t.doc, t.schedule));
    ARCHIVED_RETURN_IF_ERROR(certify(t.doc, t.schedule, *t.item,
                                     t.schedule.destroy_after_transfer ? "transferred and destroyed" : "transferred"));
  }
  ARCHIVED_RETURN_IF_ERROR(catalog_->Purge(content_ids).Annotate("purge destroyed content"));
  if (entries_destroyed) ARCHIVED_RETURN_IF_ERROR(registers_->Purge().Annotate("purge destroyed register entries"));
  if (!certified.empty()) {
    ARCHIVED_ASSIGN_OR_RETURN(const std::string certificate_id,
                              FileCertificate(actor, batch, certified, written ? &*written : nullptr));
    batch.set_certificate_id(certificate_id);
  }
  batch.set_state(v1::DISPOSITION_BATCH_STATE_EXECUTED);
  v1::SetTime(batch.mutable_executed_time(), clock_.Now());
  ARCHIVED_RETURN_IF_ERROR(SaveBatch(actor, batch, "disposition.execute",
                                     "destroyed=" + std::to_string(destroyed) + " transferred=" +
                                         std::to_string(transferred) + " skipped=" + std::to_string(skipped) +
                                         " certificate=" + batch.certificate_id()));
  if (destroyed > 0 && on_destruction_) on_destruction_();
  return batch;
}

namespace {

// A version's file name as a package member: no '/', '\\' or control characters.
std::string MemberName(std::string_view name) {
  std::string out;
  for (const char c : name) {
    out += (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '_' : c;
  }
  if (out.empty() || out == "." || out == "..") out = "content";
  return out;
}

}  // namespace

StatusOr<v1::TransferRecord> Retention::WritePackage(const v1::DispositionBatch& batch,
                                                     const std::vector<v1::Document>& docs) {
  std::error_code ec;
  std::filesystem::create_directories(options_.transfer_dir, ec);
  if (ec) return InternalError("cannot create " + options_.transfer_dir.string() + ": " + ec.message());
  const std::string bag = "transfer-" + options_.fonds + "-batch-" + batch.id();
  const std::filesystem::path path = options_.transfer_dir / (bag + ".tar");
  std::filesystem::remove(path, ec);  // an unfinished package of this batch, from before a crash
  ARCHIVED_ASSIGN_OR_RETURN(std::unique_ptr<backup::PackageWriter> package, backup::PackageWriter::Create(path));
  // Each document's audit history, in one pass over the trail.
  std::map<std::string, std::string, std::less<>> history;
  for (const v1::Document& d : docs) history[d.id()] = "[";
  for (std::uint64_t from = 1;;) {
    ARCHIVED_ASSIGN_OR_RETURN(const std::vector<v1::AuditEvent> events,
                              audit::ReadEvents(*catalog_->store(), from, kAuditPageEvents));
    for (const v1::AuditEvent& e : events) {
      const auto it = history.find(e.object_id());
      if (it == history.end()) continue;
      ARCHIVED_ASSIGN_OR_RETURN(const std::string event, ToJson(e, "an audit event", /*pretty=*/false));
      it->second += (it->second.size() > 1 ? ",\n" : "\n") + event;
    }
    if (events.size() < kAuditPageEvents) break;
    from = events.back().seq() + 1;
  }
  std::string manifest;
  std::uint64_t payload_bytes = 0, payload_files = 0;
  const auto add = [&](const std::string& member, std::string_view data) -> Status {
    crypto::Sha256 hash;
    hash.Update(data);
    manifest += HexEncode(hash.Finish()) + "  " + member + "\n";
    payload_bytes += data.size();
    ++payload_files;
    return package->Add(bag + "/" + member, data);
  };
  for (const v1::Document& d : docs) {
    const std::string dir = "data/" + d.reference_code() + "/";
    ARCHIVED_ASSIGN_OR_RETURN(const std::string metadata, ToJson(d, "a document", /*pretty=*/true));
    ARCHIVED_RETURN_IF_ERROR(add(dir + "metadata.json", metadata));
    ARCHIVED_ASSIGN_OR_RETURN(std::vector<v1::Version> versions, catalog_->ListVersions(d.id()));
    v1::VersionList list;
    list.set_document_id(d.id());
    for (v1::Version& v : versions) {
      const std::string member = dir + "content/v" + std::to_string(v.version()) + "-" + MemberName(v.filename());
      ARCHIVED_ASSIGN_OR_RETURN(std::unique_ptr<catalog::ContentReader> reader, catalog_->OpenContent(v));
      crypto::Sha256 hash;
      std::string chunk;
      std::size_t offset = 0;
      std::uint64_t index = 0;
      ARCHIVED_RETURN_IF_ERROR(package->AddStream(
          bag + "/" + member, v.size(), [&](char* buffer, std::size_t capacity) -> StatusOr<std::size_t> {
            while (offset == chunk.size()) {
              if (index == reader->chunk_count()) return std::size_t{0};
              ARCHIVED_RETURN_IF_ERROR(reader->ReadChunk(index++, &chunk));
              offset = 0;
              hash.Update(chunk);
            }
            const std::size_t n = std::min(capacity, chunk.size() - offset);
            std::memcpy(buffer, chunk.data() + offset, n);
            offset += n;
            return n;
          }));
      const std::string digest = HexEncode(hash.Finish());
      if (digest != v.sha256()) {
        return DataLossError("version " + std::to_string(v.version()) + " of " + d.reference_code() +
                             " does not match its SHA-256: it is not transferred");
      }
      manifest += digest + "  " + member + "\n";
      payload_bytes += v.size();
      ++payload_files;
      v.clear_content();  // where the chunks were is this archive's business
      *list.add_versions() = std::move(v);
    }
    ARCHIVED_ASSIGN_OR_RETURN(const std::string listed, ToJson(list, "a version list", /*pretty=*/true));
    ARCHIVED_RETURN_IF_ERROR(add(dir + "versions.json", listed));
    ARCHIVED_RETURN_IF_ERROR(add(dir + "audit.json", history[d.id()] + "\n]\n"));
  }
  // The tag files (BagIt 1.0, RFC 8493), each listed in the tag manifest.
  std::string tags;
  const auto tag = [&](const std::string& name, const std::string& data) -> Status {
    crypto::Sha256 hash;
    hash.Update(data);
    tags += HexEncode(hash.Finish()) + "  " + name + "\n";
    return package->Add(bag + "/" + name, data);
  };
  ARCHIVED_RETURN_IF_ERROR(tag("bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"));
  ARCHIVED_RETURN_IF_ERROR(tag("bag-info.txt", "Source-Organization: fonds " + options_.fonds +
                                                   "\nBagging-Date: " + FormatDate(Today()) +
                                                   "\nExternal-Identifier: disposition batch " + batch.id() +
                                                   "\nExternal-Description: transfer of " + std::to_string(docs.size()) +
                                                   " documents by archived\nPayload-Oxum: " +
                                                   std::to_string(payload_bytes) + "." + std::to_string(payload_files) +
                                                   "\n"));
  ARCHIVED_RETURN_IF_ERROR(tag("manifest-sha256.txt", manifest));
  ARCHIVED_RETURN_IF_ERROR(package->Add(bag + "/tagmanifest-sha256.txt", tags));
  ARCHIVED_RETURN_IF_ERROR(package->Close());
  // The package's own digest, for the certificate and the documents' records.
  std::ifstream in(path, std::ios::binary);
  crypto::Sha256 whole;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    whole.Update(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
  }
  if (in.bad()) return InternalError("cannot read back " + path.string());
  v1::TransferRecord record;
  v1::SetTime(record.mutable_transferred_time(), clock_.Now());
  record.set_batch_id(batch.id());
  record.set_package(path.filename().string());
  record.set_package_sha256(HexEncode(whole.Finish()));
  return record;
}

// --- The retention audit report ---

StatusOr<v1::RetentionReport> Retention::Report(std::string_view as_of, int horizon_days,
                                                const std::map<std::string, v1::RetentionSchedule>& overrides) const {
  if (horizon_days < 0 || horizon_days > 36500) return InvalidArgumentError("horizon: from 0 to 36500 days");
  Date day = Today();
  if (!as_of.empty()) {
    ARCHIVED_ASSIGN_OR_RETURN(day, ParseCalendarDate("as_of", as_of));
  }
  const Date horizon_end = Date(sys_days(day) + days(horizon_days));
  v1::RetentionReport report;
  report.set_fonds(options_.fonds);
  report.set_as_of(FormatDate(day));
  report.set_horizon_days(static_cast<std::uint32_t>(horizon_days));
  v1::SetTime(report.mutable_generated_time(), clock_.Now());
  ARCHIVED_ASSIGN_OR_RETURN(const v1::CategoryList plan, catalog_->ListCategories());
  // Each category's schedule for this report: its own, or the what-if one.
  struct Row {
    v1::CategoryRetention* out;
    StatusOr<Schedule> schedule;
  };
  std::map<std::string, Row, std::less<>> rows;
  for (const v1::Category& c : plan.categories()) {
    v1::CategoryRetention* out = report.add_categories();
    out->set_code(c.code());
    out->set_name(c.name());
    out->set_name_en(c.name_en());
    const auto o = overrides.find(c.code());
    StatusOr<Schedule> schedule = o != overrides.end() ? FromProto(o->second) : ScheduleOf(c);
    if (o != overrides.end()) {
      ARCHIVED_RETURN_IF_ERROR(schedule.status().Annotate("the what-if schedule of " + c.code()));
      out->set_overridden(true);
      report.add_overrides(c.code() + "=" + Describe(*schedule));
    }
    out->set_schedule(schedule.ok() ? Describe(*schedule) : "invalid: " + std::string(schedule.status().message()));
    rows.emplace(c.code(), Row{out, std::move(schedule)});
  }
  for (const auto& [code, schedule] : overrides) {
    if (!rows.contains(code)) return NotFoundError("what-if: category \"" + code + "\" is not in the file plan");
  }
  ARCHIVED_ASSIGN_OR_RETURN(const HoldIndex holds, LoadHolds());
  std::map<std::string, std::uint32_t> held_documents, held_entries;  // by hold
  // One document or entry into the counts and lists. `own`: its own schedule (a review's).
  const auto tally = [&](const Subject& subject, bool destroyed, bool transferred, const v1::RetentionSchedule* own,
                         const std::function<StatusOr<Facts>()>& facts_of) {
    const auto row = rows.find(subject.category);
    const std::vector<std::string> on = holds.On(subject.id, subject.category);
    const auto item = [&](google::protobuf::RepeatedPtrField<v1::RetentionReportItem>* list, const Decision* d) {
      v1::RetentionReportItem* i = list->Add();
      Name(subject, i);
      if (d != nullptr) {
        if (d->due) i->set_due_date(FormatDate(*d->due));
        i->set_action(ToProto(d->action));
      }
      for (const std::string& h : on) i->add_holds(h);
    };
    if (row == rows.end()) {
      item(report.mutable_unscheduled(), nullptr);
      return;
    }
    v1::CategoryRetention& counts = *row->second.out;
    if (destroyed) {
      counts.set_destroyed(counts.destroyed() + 1);
      return;
    }
    if (transferred) {
      counts.set_transferred(counts.transferred() + 1);
      return;
    }
    for (const std::string& h : on) ++(subject.kind.empty() ? held_documents : held_entries)[h];
    if (!subject.kind.empty()) counts.set_entries(counts.entries() + 1);
    StatusOr<Schedule> schedule = own != nullptr ? FromProto(*own) : row->second.schedule;
    StatusOr<Facts> facts = facts_of();
    if (!schedule.ok() || !facts.ok()) {
      item(report.mutable_unscheduled(), nullptr);
      return;
    }
    const Decision d = Decide(*schedule, *facts, on, day);
    switch (d.state) {
      case State::kPermanent:
        counts.set_permanent(counts.permanent() + 1);
        counts.set_active(counts.active() + 1);
        break;
      case State::kAwaitingTrigger:
        counts.set_awaiting_trigger(counts.awaiting_trigger() + 1);
        counts.set_active(counts.active() + 1);
        break;
      case State::kRetained:
        counts.set_active(counts.active() + 1);
        if (sys_days(*d.due) <= sys_days(horizon_end)) {
          counts.set_due_within_horizon(counts.due_within_horizon() + 1);
          item(report.mutable_due_soon(), &d);
        }
        break;
      case State::kDue:
        counts.set_due(counts.due() + 1);
        item(report.mutable_due_now(), &d);
        break;
      case State::kHeld:
        counts.set_held(counts.held() + 1);
        item(report.mutable_due_now(), &d);
        break;
      case State::kDestroyed:
      case State::kTransferred:
        break;
    }
  };
  ARCHIVED_RETURN_IF_ERROR(catalog_->ForEachDocument([&](const v1::Document& doc) -> Status {
    tally(SubjectOf(doc), doc.state() == v1::DOCUMENT_STATE_DESTROYED, doc.state() == v1::DOCUMENT_STATE_TRANSFERRED,
          doc.has_schedule_override() ? &doc.schedule_override() : nullptr, [&] { return FactsOf(doc); });
    return OkStatus();
  }));
  ARCHIVED_RETURN_IF_ERROR(registers_->ForEachEntry([&](const v1::RegisterEntry& entry) -> Status {
    tally(SubjectOf(entry), entry.state() == v1::REGISTER_ENTRY_STATE_DESTROYED, false,
          entry.has_schedule_override() ? &entry.schedule_override() : nullptr, [&] { return FactsOf(entry); });
    return OkStatus();
  }));
  const auto by_due = [](const v1::RetentionReportItem& a, const v1::RetentionReportItem& b) {
    return a.due_date() != b.due_date() ? a.due_date() < b.due_date() : a.reference_code() < b.reference_code();
  };
  std::sort(report.mutable_due_now()->begin(), report.mutable_due_now()->end(), by_due);
  std::sort(report.mutable_due_soon()->begin(), report.mutable_due_soon()->end(), by_due);
  ARCHIVED_ASSIGN_OR_RETURN(const v1::HoldList active, ListHolds(false));
  for (const v1::Hold& h : active.holds()) {
    v1::HoldSummary* out = report.add_holds();
    out->set_name(h.name());
    out->set_reason(h.reason());
    out->set_owner(h.owner());
    *out->mutable_placed_time() = h.placed_time();
    std::string scope;
    if (h.document_ids_size() > 0) scope = std::to_string(h.document_ids_size()) + " documents";
    for (const std::string& c : h.categories()) scope += (scope.empty() ? "" : "; ") + ("category " + c + " and below");
    if (h.entry_ids_size() > 0) {
      scope += (scope.empty() ? "" : "; ") + std::to_string(h.entry_ids_size()) + " register entries";
    }
    if (!h.query().empty()) scope += (scope.empty() ? "" : "; ") + ("query \"" + h.query() + "\"");
    out->set_scope(scope);
    out->set_documents(held_documents[h.name()]);
    out->set_entries(held_entries[h.name()]);
  }
  // Destructions in the calendar year of as_of.
  const Date first(day.year(), January, std::chrono::day(1));
  const Date last(day.year(), December, std::chrono::day(31));
  report.set_period(FormatDate(first) + " – " + FormatDate(last));
  ARCHIVED_ASSIGN_OR_RETURN(const v1::DispositionBatchList batches, ListBatches());
  for (const v1::DispositionBatch& b : batches.batches()) {
    if (b.state() != v1::DISPOSITION_BATCH_STATE_EXECUTED || b.certificate_id().empty()) continue;
    const Date executed = DayOf(v1::TimeOf(b.executed_time()));
    if (executed.year() != day.year()) continue;
    v1::DestructionSummary* out = report.add_destructions();
    out->set_batch_id(b.id());
    *out->mutable_executed_time() = b.executed_time();
    for (const v1::DispositionItem& i : b.items()) {
      if (i.state() != v1::DISPOSITION_ITEM_STATE_DESTROYED) continue;
      if (i.entry_id().empty()) {
        out->set_documents(out->documents() + 1);
      } else {
        out->set_entries(out->entries() + 1);
      }
    }
    out->set_certificate_id(b.certificate_id());
    if (StatusOr<v1::Document> c = catalog_->GetDocument(b.certificate_id()); c.ok()) {
      out->set_certificate_reference_code(c->reference_code());
    }
    for (const v1::DispositionApproval& a : b.approvals()) out->add_approvers(a.user());
  }
  return report;
}

// --- Certificates ---

StatusOr<std::string> Retention::FileCertificate(const audit::Actor& actor, const v1::DispositionBatch& batch,
                                                 const std::vector<v1::CertificateItem>& items,
                                                 const v1::TransferRecord* transfer) {
  v1::CertificateBody body;
  const bool any_destroyed = std::any_of(items.begin(), items.end(), [](const v1::CertificateItem& i) {
    return i.disposition() != "transferred";
  });
  body.set_kind(transfer == nullptr ? "destruction" : any_destroyed ? "destruction and transfer" : "transfer");
  if (transfer != nullptr) {
    body.set_package(transfer->package());
    body.set_package_sha256(transfer->package_sha256());
  }
  body.set_fonds(options_.fonds);
  body.set_batch_id(batch.id());
  v1::SetTime(body.mutable_executed_time(), clock_.Now());
  *body.mutable_approvals() = batch.approvals();
  body.set_executed_by(actor.name);
  for (const v1::CertificateItem& item : items) *body.add_items() = item;
  ARCHIVED_ASSIGN_OR_RETURN(const audit::ChainHead head, audit::ReadHead(*catalog_->store()));
  body.set_audit_head(HexEncode(head.hash));
  v1::Certificate certificate;
  ARCHIVED_ASSIGN_OR_RETURN(*certificate.mutable_body_json(), ToJson(body, "the certificate", /*pretty=*/false));
  ARCHIVED_ASSIGN_OR_RETURN(const std::string signature,
                            signing_key_.Sign(std::string(kCertificateContext) + certificate.body_json()));
  certificate.set_public_key(public_key_);
  certificate.set_signature(HexEncode(signature));
  ARCHIVED_ASSIGN_OR_RETURN(const std::string content, ToJson(certificate, "the certificate", /*pretty=*/true));
  v1::FileMetadata metadata;
  metadata.set_title((transfer == nullptr ? "销毁证明 Destruction certificate" : "处置证明 Disposition certificate") +
                     std::string(", disposition batch ") + batch.id());
  metadata.set_category(options_.certificate_category);
  metadata.set_author("archived");
  metadata.set_date(FormatDate(Today()));
  metadata.add_tags("certificate");
  metadata.add_tags(transfer == nullptr ? "destruction" : "transfer");
  metadata.set_filename("disposition-certificate-" + batch.id() + ".json");
  metadata.set_mime_type("application/json");
  metadata.set_classification(v1::INTERNAL);
  ARCHIVED_ASSIGN_OR_RETURN(std::unique_ptr<catalog::ContentWriter> writer, catalog_->BeginContent());
  ARCHIVED_RETURN_IF_ERROR(writer->Append(content));
  ARCHIVED_ASSIGN_OR_RETURN(const v1::FileResponse filed, catalog_->FileDocument(actor, metadata, *writer));
  return filed.id();
}

StatusOr<v1::CertificateList> Retention::ListCertificates() const {
  ARCHIVED_ASSIGN_OR_RETURN(const v1::DispositionBatchList batches, ListBatches());
  v1::CertificateList out;
  out.set_public_key(public_key_);
  for (const v1::DispositionBatch& b : batches.batches()) {
    if (b.certificate_id().empty()) continue;
    v1::CertificateSummary* s = out.add_certificates();
    s->set_document_id(b.certificate_id());
    ARCHIVED_ASSIGN_OR_RETURN(const v1::Document doc, catalog_->GetDocument(b.certificate_id()));
    s->set_reference_code(doc.reference_code());
    s->set_batch_id(b.id());
    *s->mutable_executed_time() = b.executed_time();
    std::uint32_t destroyed = 0;
    for (const v1::DispositionItem& item : b.items()) destroyed += item.state() == v1::DISPOSITION_ITEM_STATE_DESTROYED;
    s->set_items(destroyed);
  }
  return out;
}

StatusOr<v1::Certificate> Retention::GetCertificate(std::string_view id) const {
  ARCHIVED_ASSIGN_OR_RETURN(const v1::Document doc, catalog_->GetDocument(id));
  ARCHIVED_ASSIGN_OR_RETURN(const v1::DispositionBatchList batches, ListBatches());
  const bool known = std::any_of(batches.batches().begin(), batches.batches().end(),
                                 [&](const v1::DispositionBatch& b) { return b.certificate_id() == doc.id(); });
  if (!known) return NotFoundError("document " + doc.reference_code() + " is not a destruction certificate");
  ARCHIVED_ASSIGN_OR_RETURN(const v1::Version version, catalog_->GetVersion(doc.id(), 0));
  ARCHIVED_ASSIGN_OR_RETURN(std::unique_ptr<catalog::ContentReader> reader, catalog_->OpenContent(version));
  std::string content, chunk;
  for (std::uint64_t i = 0; i < reader->chunk_count(); ++i) {
    ARCHIVED_RETURN_IF_ERROR(reader->ReadChunk(i, &chunk));
    content += chunk;
  }
  v1::Certificate certificate;
  if (!google::protobuf::util::JsonStringToMessage(content, &certificate).ok()) {
    return DataLossError("certificate " + doc.reference_code() + " is not a certificate document");
  }
  return certificate;
}

StatusOr<v1::CertificateVerification> Retention::VerifyCertificate(std::string_view id) const {
  ARCHIVED_ASSIGN_OR_RETURN(const v1::Certificate certificate, GetCertificate(id));
  ARCHIVED_ASSIGN_OR_RETURN(const v1::Document doc, catalog_->GetDocument(id));
  v1::CertificateVerification out;
  out.set_document_id(doc.id());
  out.set_public_key(certificate.public_key());
  const auto fail = [&](std::string problem) {
    out.set_valid(false);
    out.set_problem(std::move(problem));
    return out;
  };
  if (certificate.public_key() != public_key_) return fail("signed by another key than this archive's");
  const std::optional<std::string> key = HexDecode(certificate.public_key());
  const std::optional<std::string> signature = HexDecode(certificate.signature());
  if (!key || !signature ||
      !crypto::Ed25519Verify(*key, std::string(kCertificateContext) + certificate.body_json(), *signature)) {
    return fail("the signature does not match the certificate's text");
  }
  v1::CertificateBody body;
  if (!google::protobuf::util::JsonStringToMessage(certificate.body_json(), &body).ok()) {
    return fail("the signed text is not a certificate body");
  }
  out.set_batch_id(body.batch_id());
  out.set_items(static_cast<std::uint32_t>(body.items_size()));
  for (const v1::CertificateItem& item : body.items()) {
    if (!item.entry_id().empty()) {
      ARCHIVED_ASSIGN_OR_RETURN(const std::optional<v1::RegisterEntry> entry, registers_->FindStored(item.entry_id()));
      if (!entry) return fail("register entry " + item.entry_id() + " it lists is not in the archive");
      const bool as_listed = entry->state() == v1::REGISTER_ENTRY_STATE_DESTROYED &&
                             entry->destruction().batch_id() == body.batch_id() &&
                             std::equal(item.revision_sha256().begin(), item.revision_sha256().end(),
                                        entry->destruction().revision_sha256().begin(),
                                        entry->destruction().revision_sha256().end());
      if (!as_listed) {
        return fail("register entry " + item.entry_id() + " it lists is not destroyed under batch " + body.batch_id() +
                    " with the revisions it lists");
      }
      continue;
    }
    StatusOr<v1::Document> listed = catalog_->GetDocument(item.document_id());
    if (!listed.ok()) return fail("document " + item.reference_code() + " it lists is not in the archive");
    const bool destroyed_here =
        listed->state() == v1::DOCUMENT_STATE_DESTROYED && listed->destruction().batch_id() == body.batch_id();
    const bool transferred_here = listed->transfer().batch_id() == body.batch_id() &&
                                  listed->transfer().package_sha256() == body.package_sha256() &&
                                  (listed->state() == v1::DOCUMENT_STATE_TRANSFERRED || destroyed_here);
    const bool as_listed = item.disposition() == "transferred"                 ? transferred_here
                           : item.disposition() == "transferred and destroyed" ? transferred_here && destroyed_here
                                                                                : destroyed_here;
    if (!as_listed || listed->reference_code() != item.reference_code()) {
      return fail("document " + item.reference_code() + " it lists is not " +
                  (item.disposition().empty() ? std::string("destroyed") : item.disposition()) + " under batch " +
                  body.batch_id());
    }
  }
  out.set_valid(true);
  return out;
}

}  // namespace archived::retention
