// Record helpers shared by the catalogue's source files: parsing, field checks, and the
// transaction steps every change of a document takes. Internal to archived/catalog.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "archived/audit/committer.h"
#include "archived/base/status.h"
#include "archived/v1/catalog.pb.h"

namespace archived::catalog::internal {

// Errors: kDataLoss naming `what`.
template <typename Message>
StatusOr<Message> Parse(const std::string& bytes, std::string_view what) {
  Message message;
  if (!message.ParseFromString(bytes)) {
    return DataLossError(std::string(what) + " record is malformed");
  }
  return message;
}

// "" or YYYY-MM-DD, a calendar date. Errors: kInvalidArgument ("date: …").
Status ValidateDate(std::string_view date);
// Queues document `id` (or register entry `entry_id`) for the full-text index, in the
// transaction that changed it.
Status EnqueueForIndex(audit::Transaction& txn, std::string_view id, std::string_view entry_id = {});
// A document as this transaction sees it. Errors: kNotFound naming the id; kDataLoss.
StatusOr<v1::Document> ReadDocument(const audit::Transaction& txn, std::string_view id);
// The same for a document that may still change. Errors: as ReadDocument;
// kFailedPrecondition for a destroyed or transferred one.
StatusOr<v1::Document> ReadLiveDocument(const audit::Transaction& txn, std::string_view id);
// A version as this transaction sees it, by its VersionKey. Errors: the read's own
// (kNotFound if absent); kDataLoss.
StatusOr<v1::Version> ReadVersion(const audit::Transaction& txn, std::string_view version_key);
// How many versions share content `content_id` besides the first that stored it (its `n`
// entry; 0 without one). Errors: kDataLoss for a malformed count; storage errors.
StatusOr<std::uint64_t> ReadContentShares(const audit::Transaction& txn, std::string_view content_id);
// Sets that count in the transaction; 0 deletes the entry.
void WriteContentShares(audit::Transaction& txn, std::string_view content_id, std::uint64_t shares);

}  // namespace archived::catalog::internal
