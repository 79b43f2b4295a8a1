// The retention facts the catalogue keeps: categories and their schedules, a document's
// events, extensions and schedule override (catalog.h). archived/retention decides on them.
#include "archived/base/status_macros.h"
#include "archived/base/text.h"
#include "archived/catalog/catalog.h"
#include "archived/catalog/file_plan.h"
#include "archived/catalog/internal/keys.h"
#include "archived/catalog/internal/records.h"
#include "archived/v1/proto_time.h"

namespace archived::catalog {
namespace {

using storage::Keyspace;

StatusOr<v1::Category> ReadCategory(const audit::Transaction& txn, std::string_view code) {
  StatusOr<std::string> bytes = txn.Get(Keyspace::kCategories, code);
  if (!bytes.ok()) {
    return bytes.status().code() == StatusCode::kNotFound
               ? NotFoundError("category \"" + std::string(code) + "\" is not in the file plan")
               : bytes.status();
  }
  return internal::Parse<v1::Category>(*bytes, "category");
}


}  // namespace

Status Catalog::AddCategory(const audit::Actor& actor, const v1::Category& category) {
  ARCHIVED_RETURN_IF_ERROR(ValidateCategoryCode(category.code()).Annotate("code"));
  if (category.name().empty()) return InvalidArgumentError("name: a category needs a name");
  ARCHIVED_RETURN_IF_ERROR(ValidateText("name", category.name(), 200));
  ARCHIVED_RETURN_IF_ERROR(ValidateText("name_en", category.name_en(), 200));
  if (RetentionCode(category.retention_class()).empty()) {
    return InvalidArgumentError("retention_class: Y, D30 or D10 (it gives the reference code's retention part)");
  }
  for (const auto* list : {&category.readers(), &category.filers()}) {
    for (const std::string& entry : *list) ARCHIVED_RETURN_IF_ERROR(ValidateAccessEntry(entry));
  }
  return ChangeFilePlan([&](audit::Transaction& txn) -> Status {
    if (txn.Get(Keyspace::kCategories, category.code()).ok()) {
      return AlreadyExistsError("category \"" + category.code() + "\" is already in the file plan");
    }
    const std::size_t slash = category.code().rfind('/');
    if (slash != std::string::npos) {
      ARCHIVED_RETURN_IF_ERROR(ReadCategory(txn, category.code().substr(0, slash)).status().Annotate("parent"));
    }
    txn.Put(Keyspace::kCategories, category.code(), category.SerializeAsString());
    txn.Audit(audit::EventBy(actor, "category.add", category.code(),
                             "name=\"" + category.name() + "\" retention=" +
                                 std::string(RetentionCode(category.retention_class()))));
    return OkStatus();
  });
}

StatusOr<v1::Category> Catalog::GetCategory(std::string_view code) const {
  StatusOr<std::string> bytes = store_->Get(Keyspace::kCategories, code);
  if (!bytes.ok()) {
    return bytes.status().code() == StatusCode::kNotFound
               ? NotFoundError("category \"" + std::string(code) + "\" is not in the file plan")
               : bytes.status();
  }
  return internal::Parse<v1::Category>(*bytes, "category");
}

Status Catalog::SetCategorySchedule(const audit::Actor& actor, std::string_view code,
                                    const v1::RetentionSchedule& expected, const v1::RetentionSchedule& schedule,
                                    std::string_view action, std::string_view detail) {
  return ChangeFilePlan([&](audit::Transaction& txn) -> Status {
    ARCHIVED_ASSIGN_OR_RETURN(v1::Category category, ReadCategory(txn, code));
    if (category.schedule().SerializeAsString() != expected.SerializeAsString()) {
      return AbortedError("the schedule of " + category.code() + " changed meanwhile; look again");
    }
    *category.mutable_schedule() = schedule;
    txn.Put(Keyspace::kCategories, category.code(), category.SerializeAsString());
    txn.Audit(audit::EventBy(actor, std::string(action), category.code(), std::string(detail)));
    return OkStatus();
  });
}

Status Catalog::RecordEventIn(audit::Transaction& txn, const audit::Actor& actor, std::string_view id,
                              std::string_view name, std::string_view date) {
  if (name.empty()) return InvalidArgumentError("name: an event needs a name");
  ARCHIVED_RETURN_IF_ERROR(ValidateText("name", name, 100));
  if (date.empty()) return InvalidArgumentError("date: an event needs its date");
  ARCHIVED_RETURN_IF_ERROR(internal::ValidateDate(date));
  ARCHIVED_ASSIGN_OR_RETURN(v1::Document doc, internal::ReadLiveDocument(txn, id));
  const auto it = doc.events().find(std::string(name));
  const std::string before = it == doc.events().end() ? "" : it->second;
  if (before == date) return OkStatus();
  (*doc.mutable_events())[std::string(name)] = std::string(date);
  v1::SetTime(doc.mutable_modified_time(), txn.now());
  txn.Put(Keyspace::kDocuments, doc.id(), doc.SerializeAsString());
  txn.Audit(audit::EventBy(actor, "document.event", doc.id(),
                           "event=\"" + std::string(name) + "\" date=" + std::string(date) +
                               (before.empty() ? "" : " was=" + before)));
  return OkStatus();
}

Status Catalog::WithdrawEventIn(audit::Transaction& txn, const audit::Actor& actor, std::string_view id,
                                std::string_view name, std::string_view date, std::string_view why) {
  ARCHIVED_ASSIGN_OR_RETURN(v1::Document doc, internal::ReadLiveDocument(txn, id));
  const auto it = doc.events().find(std::string(name));
  if (it == doc.events().end() || it->second != date) return OkStatus();  // recorded otherwise since
  doc.mutable_events()->erase(std::string(name));
  v1::SetTime(doc.mutable_modified_time(), txn.now());
  txn.Put(Keyspace::kDocuments, doc.id(), doc.SerializeAsString());
  txn.Audit(audit::EventBy(actor, "document.event.withdraw", doc.id(),
                           "event=\"" + std::string(name) + "\" date=" + std::string(date) + " " + std::string(why)));
  return OkStatus();
}

StatusOr<v1::Document> Catalog::RecordEvent(const audit::Actor& actor, std::string_view id, std::string_view name,
                                            std::string_view date) {
  ARCHIVED_ASSIGN_OR_RETURN(const v1::Document found, LoadDocument(id));
  ARCHIVED_RETURN_IF_ERROR(committer_->Run([&](audit::Transaction& txn) -> Status {
    return RecordEventIn(txn, actor, found.id(), name, date);
  }));
  return LoadDocument(found.id());
}

Status Catalog::QueueEntryForIndex(audit::Transaction& txn, std::string_view entry_id) {
  return internal::EnqueueForIndex(txn, "", entry_id);
}

Status Catalog::SetDocumentRetention(const audit::Actor& actor, std::string_view id, std::string_view retain_until,
                                     const v1::RetentionSchedule* schedule, std::string_view action,
                                     std::string_view detail) {
  ARCHIVED_RETURN_IF_ERROR(internal::ValidateDate(retain_until).Annotate("retain_until"));
  return committer_->Run([&](audit::Transaction& txn) -> Status {
    ARCHIVED_ASSIGN_OR_RETURN(v1::Document doc, internal::ReadLiveDocument(txn, id));
    // Retention is only ever lengthened here: an earlier date than one set is ignored.
    if (!retain_until.empty() && std::string(retain_until) > doc.retain_until()) {
      doc.set_retain_until(std::string(retain_until));
    }
    if (schedule != nullptr) *doc.mutable_schedule_override() = *schedule;
    v1::SetTime(doc.mutable_modified_time(), txn.now());
    txn.Put(Keyspace::kDocuments, doc.id(), doc.SerializeAsString());
    txn.Audit(audit::EventBy(actor, std::string(action), doc.id(), std::string(detail)));
    return OkStatus();
  });
}

Status Catalog::MarkTransferred(const audit::Actor& actor, std::string_view id, const v1::TransferRecord& record) {
  return committer_->Run([&](audit::Transaction& txn) -> Status {
    ARCHIVED_ASSIGN_OR_RETURN(v1::Document doc, internal::ReadLiveDocument(txn, id));
    doc.set_state(v1::DOCUMENT_STATE_TRANSFERRED);
    *doc.mutable_transfer() = record;
    v1::SetTime(doc.mutable_modified_time(), txn.now());
    txn.Put(Keyspace::kDocuments, doc.id(), doc.SerializeAsString());
    txn.Audit(audit::EventBy(actor, "document.transfer", doc.id(),
                             "batch=" + record.batch_id() + " package=" + record.package() +
                                 " sha256=" + record.package_sha256()));
    return internal::EnqueueForIndex(txn, doc.id());
  });
}

}  // namespace archived::catalog
