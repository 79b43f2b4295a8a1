#include "archived/catalog/internal/records.h"

#include <chrono>
#include <cstdio>

#include "archived/base/bytes.h"
#include "archived/base/status_macros.h"
#include "archived/base/text.h"
#include "archived/catalog/internal/keys.h"
#include "archived/v1/proto_time.h"

namespace archived::catalog::internal {
namespace {

using storage::Keyspace;

constexpr std::string_view kIndexQueueCounter = "index_queue";

}  // namespace

Status ValidateDate(std::string_view date) {
  if (date.empty()) return OkStatus();
  return ParseCalendarDate("date", date).status();
}

// Queues document `id` for the full-text index, in the transaction that changed it.
Status EnqueueForIndex(audit::Transaction& txn, std::string_view id, std::string_view entry_id) {
  ARCHIVED_ASSIGN_OR_RETURN(const std::uint64_t seq, txn.NextCounter(kIndexQueueCounter));
  v1::IndexQueueEntry entry;
  entry.set_document_id(std::string(id));
  entry.set_entry_id(std::string(entry_id));
  entry.set_queued_unix_micros(ToUnixMicros(txn.now()));
  txn.Put(Keyspace::kIndexQueue, IndexQueueKey(seq), entry.SerializeAsString());
  return OkStatus();
}

// A document as this transaction sees it. Errors: kNotFound naming the id; kDataLoss.
StatusOr<v1::Document> ReadDocument(const audit::Transaction& txn, std::string_view id) {
  StatusOr<std::string> bytes = txn.Get(Keyspace::kDocuments, id);
  if (!bytes.ok()) {
    return bytes.status().code() == StatusCode::kNotFound
               ? NotFoundError("document \"" + std::string(id) + "\" not found")
               : bytes.status();
  }
  return Parse<v1::Document>(*bytes, "document");
}

// A document that may still change. Errors: kFailedPrecondition for a destroyed or
// transferred one.
StatusOr<v1::Document> ReadLiveDocument(const audit::Transaction& txn, std::string_view id) {
  ARCHIVED_ASSIGN_OR_RETURN(v1::Document doc, ReadDocument(txn, id));
  if (doc.state() == v1::DOCUMENT_STATE_DESTROYED || doc.state() == v1::DOCUMENT_STATE_TRANSFERRED) {
    return FailedPreconditionError("document " + doc.reference_code() + " is " +
                                   (doc.state() == v1::DOCUMENT_STATE_DESTROYED ? "destroyed" : "transferred") +
                                   ": only its record remains");
  }
  return doc;
}

StatusOr<v1::Version> ReadVersion(const audit::Transaction& txn, std::string_view version_key) {
  ARCHIVED_ASSIGN_OR_RETURN(const std::string bytes, txn.Get(Keyspace::kVersions, version_key));
  return Parse<v1::Version>(bytes, "version");
}

StatusOr<std::uint64_t> ReadContentShares(const audit::Transaction& txn, std::string_view content_id) {
  return ParseStoredUint64(txn.Get(Keyspace::kIndexes, ContentSharesKey(content_id)), "a content share count");
}

void WriteContentShares(audit::Transaction& txn, std::string_view content_id, std::uint64_t shares) {
  const std::string key = ContentSharesKey(content_id);
  if (shares == 0) {
    txn.Delete(Keyspace::kIndexes, key);
    return;
  }
  std::string count;
  AppendBigEndian64(count, shares);
  txn.Put(Keyspace::kIndexes, key, count);
}

}  // namespace archived::catalog::internal
