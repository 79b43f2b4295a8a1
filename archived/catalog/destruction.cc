// Destruction by crypto-shredding, and the destruction ledger (catalog.h, FORMAT.md).
#include <algorithm>

#include "archived/base/bytes.h"
#include "archived/base/status_macros.h"
#include "archived/catalog/catalog.h"
#include "archived/catalog/internal/keys.h"
#include "archived/catalog/internal/records.h"
#include "archived/v1/proto_time.h"

namespace archived::catalog {
namespace {

using storage::Keyspace;
namespace keys = internal;

// kMeta: the newest ledger seq this store has applied (u64 big-endian).
constexpr std::string_view kLedgerAppliedKey = "ledger_applied";

std::string LedgerKey(std::uint64_t seq) {
  std::string key;
  AppendBigEndian64(key, seq);
  return key;
}

StatusOr<std::uint64_t> LedgerApplied(const storage::Store& store) {
  return ParseStoredUint64(store.Get(Keyspace::kMeta, kLedgerAppliedKey), "the ledger high-water mark");
}

// Gives up `version`'s hold on its content: one share fewer if other versions share it,
// else the content goes (its chunks, and its owner and digest entries).
Status ReleaseContent(audit::Transaction& txn, const v1::Version& version) {
  const v1::ContentRef& ref = version.content();
  const std::string& content_id = ref.content_id();
  ARCHIVED_ASSIGN_OR_RETURN(const std::uint64_t shares, internal::ReadContentShares(txn, content_id));
  if (shares > 0) {
    internal::WriteContentShares(txn, content_id, shares - 1);
    return OkStatus();
  }
  txn.DeleteRange(Keyspace::kChunks, keys::ChunkRangeBegin(content_id), keys::ChunkRangeEnd(content_id));
  txn.Delete(Keyspace::kIndexes, keys::ContentOwnerKey(content_id));
  if (ref.sharing_scope().empty()) return OkStatus();  // stored before content was shared
  const std::optional<std::string> sha256 = HexDecode(version.sha256());
  if (!sha256) return DataLossError("version " + std::to_string(version.version()) + " has a malformed SHA-256");
  const std::string digest_key = keys::ContentDigestKey(ref.sharing_scope(), *sha256);
  // The digest entry may name newer content with the same digest prefix: that one stays.
  StatusOr<std::string> named = txn.Get(Keyspace::kIndexes, digest_key);
  if (!named.ok()) return named.status().code() == StatusCode::kNotFound ? OkStatus() : named.status();
  if (*named == content_id) txn.Delete(Keyspace::kIndexes, digest_key);
  return OkStatus();
}

}  // namespace

StatusOr<std::vector<v1::DestructionRecord>> Catalog::ReadLedger(std::uint64_t after) const {
  std::vector<v1::DestructionRecord> out;
  auto it = vault_->NewIterator(Keyspace::kLedger);
  for (it->Seek(LedgerKey(after + 1)); it->Valid(); it->Next()) {
    ARCHIVED_ASSIGN_OR_RETURN(v1::DestructionRecord record,
                              internal::Parse<v1::DestructionRecord>(std::string(it->value()), "destruction ledger"));
    out.push_back(std::move(record));
  }
  ARCHIVED_RETURN_IF_ERROR(it->status());
  return out;
}

StatusOr<v1::DestructionRecord> Catalog::DestroyDocument(const audit::Actor& actor, std::string_view id,
                                                         v1::DestructionStub stub) {
  std::lock_guard lock(destroy_mu_);
  ARCHIVED_ASSIGN_OR_RETURN(const v1::Document doc, LoadDocument(id));
  if (doc.state() == v1::DOCUMENT_STATE_DESTROYED) {
    return FailedPreconditionError("document " + doc.reference_code() + " is already destroyed");
  }
  ARCHIVED_ASSIGN_OR_RETURN(const std::vector<v1::Version> versions, ListVersions(doc.id()));
  // (1) The ledger first: from here on the destruction happens, now or at the next start.
  v1::DestructionRecord record;
  record.set_document_id(doc.id());
  record.set_reference_code(doc.reference_code());
  for (const v1::Version& v : versions) record.add_content_ids(v.content().content_id());
  *record.mutable_stub() = std::move(stub);
  ARCHIVED_RETURN_IF_ERROR(AppendToLedgerLocked(record));
  // (2) and (3).
  ARCHIVED_RETURN_IF_ERROR(ApplyDestruction(actor, record));
  return record;
}

StatusOr<v1::DestructionRecord> Catalog::AppendEntryDestruction(std::string_view entry_id, v1::DestructionStub stub) {
  std::lock_guard lock(destroy_mu_);
  v1::DestructionRecord record;
  record.set_entry_id(std::string(entry_id));
  *record.mutable_stub() = std::move(stub);
  ARCHIVED_RETURN_IF_ERROR(AppendToLedgerLocked(record));
  return record;
}

Status Catalog::AppendToLedgerLocked(v1::DestructionRecord& record) {
  std::uint64_t seq = 1;
  {
    auto it = vault_->NewIterator(Keyspace::kLedger);
    it->SeekToLast();
    if (it->Valid()) {
      const std::optional<std::uint64_t> last = ReadBigEndian64(it->key());
      if (!last) return DataLossError("a destruction ledger key is malformed");
      seq = *last + 1;
    }
    ARCHIVED_RETURN_IF_ERROR(it->status());
  }
  record.set_seq(seq);
  record.mutable_stub()->set_ledger_seq(seq);
  storage::WriteBatch batch;
  batch.Put(Keyspace::kLedger, LedgerKey(seq), record.SerializeAsString());
  return vault_->Commit(batch, {.sync = true}).Annotate("append to the destruction ledger");
}

Status Catalog::ApplyDestruction(const audit::Actor& actor, const v1::DestructionRecord& record) {
  ARCHIVED_RETURN_IF_ERROR(committer_->Run([&](audit::Transaction& txn) -> Status {
    std::uint64_t applied = 0;
    if (StatusOr<std::string> mark = txn.Get(Keyspace::kMeta, kLedgerAppliedKey); mark.ok()) {
      applied = ReadBigEndian64(*mark).value_or(0);
    }
    if (record.seq() > applied) {
      txn.Put(Keyspace::kMeta, kLedgerAppliedKey, LedgerKey(record.seq()));
    }
    // A register entry's destruction is the registers' to apply (Registers::ReplayDestructions).
    if (!record.entry_id().empty()) return OkStatus();
    StatusOr<v1::Document> found = internal::ReadDocument(txn, record.document_id());
    if (!found.ok() && found.status().code() == StatusCode::kNotFound) {
      // Filed after the content backup this store came from: nothing of it is here.
      return OkStatus();
    }
    ARCHIVED_RETURN_IF_ERROR(found.status());
    v1::Document doc = std::move(*found);
    if (doc.state() == v1::DOCUMENT_STATE_DESTROYED) return OkStatus();
    // The versions this store holds (a restored one may hold fewer than the record names).
    for (std::uint32_t number = 1; number <= doc.latest_version(); ++number) {
      ARCHIVED_ASSIGN_OR_RETURN(const v1::Version version,
                                internal::ReadVersion(txn, keys::VersionKey(doc.id(), number)));
      ARCHIVED_RETURN_IF_ERROR(ReleaseContent(txn, version));
    }
    doc.set_state(v1::DOCUMENT_STATE_DESTROYED);
    *doc.mutable_destruction() = record.stub();
    v1::SetTime(doc.mutable_modified_time(), txn.now());
    txn.Put(Keyspace::kDocuments, doc.id(), doc.SerializeAsString());
    txn.Audit(audit::EventBy(actor, "document.destroy", doc.id(),
                             "reference_code=" + doc.reference_code() + " batch=" + record.stub().batch_id() +
                                 " ledger=" + std::to_string(record.seq()) +
                                 " versions=" + std::to_string(record.content_ids_size())));
    return internal::EnqueueForIndex(txn, doc.id());
  }));
  // (3) The data keys of the content no longer stored: once they are gone, no copy of the
  // chunks opens. Content another document still shares keeps its key; content that is not
  // in this store at all (filed after the content backup it came from) loses it. A content
  // owner entry, once deleted, never comes back, so this check cannot race a filing.
  storage::WriteBatch batch;
  for (const std::string& content_id : record.content_ids()) {
    StatusOr<std::string> owner = store_->Get(Keyspace::kIndexes, keys::ContentOwnerKey(content_id));
    if (owner.ok()) continue;
    if (owner.status().code() != StatusCode::kNotFound) return owner.status();
    batch.Delete(Keyspace::kKeys, content_id);
  }
  if (batch.empty()) return OkStatus();
  std::unique_lock lock = HoldVaultDeletions();
  return vault_->Commit(batch, {.sync = true}).Annotate("delete the data keys of " + record.reference_code());
}

StatusOr<std::size_t> Catalog::ReplayLedger(const audit::Actor& actor) {
  std::lock_guard lock(destroy_mu_);
  ARCHIVED_ASSIGN_OR_RETURN(const std::uint64_t applied, LedgerApplied(*store_));
  std::size_t replayed = 0;
  std::vector<std::string> content_ids;
  auto it = vault_->NewIterator(Keyspace::kLedger);
  for (it->Seek(LedgerKey(applied + 1)); it->Valid(); it->Next()) {
    ARCHIVED_ASSIGN_OR_RETURN(const v1::DestructionRecord record,
                              internal::Parse<v1::DestructionRecord>(std::string(it->value()), "destruction ledger"));
    ARCHIVED_RETURN_IF_ERROR(ApplyDestruction(actor, record).Annotate("replay ledger record " +
                                                                        std::to_string(record.seq())));
    content_ids.insert(content_ids.end(), record.content_ids().begin(), record.content_ids().end());
    ++replayed;
  }
  ARCHIVED_RETURN_IF_ERROR(it->status());
  if (replayed > 0) ARCHIVED_RETURN_IF_ERROR(Purge(content_ids));
  return replayed;
}

Status Catalog::Purge(const std::vector<std::string>& content_ids) {
  if (content_ids.empty()) return OkStatus();
  // Every keyspace of each store is flushed, so that the logs holding the deleted values
  // (single-chunk content travels in the commit's log record; keys in the vault's) become
  // obsolete and are removed.
  ARCHIVED_RETURN_IF_ERROR(store_->FlushAll());
  ARCHIVED_RETURN_IF_ERROR(vault_->FlushAll());
  const auto [lowest, highest] = std::minmax_element(content_ids.begin(), content_ids.end());
  ARCHIVED_RETURN_IF_ERROR(
      store_->CompactRange(Keyspace::kChunks, keys::ChunkRangeBegin(*lowest), keys::ChunkRangeEnd(*highest)));
  ARCHIVED_RETURN_IF_ERROR(
      store_->CompactRange(Keyspace::kIndexes, keys::ContentOwnerKey(*lowest), keys::ContentOwnerKey(*highest) + '\xff'));
  return vault_->CompactRange(Keyspace::kKeys, *lowest, *highest + '\xff');
}

}  // namespace archived::catalog
