// Catalog: documents, their versions and content, reference codes (档号) and the file plan,
// over the main Store (metadata and sealed chunks) and the key vault (wrapped data keys).
// Every change runs as a transaction on the single Committer and carries its audit event in
// the same batch. Thread-safe; the store, vault, key, committer and clock must outlive it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "archived/audit/actor.h"
#include "archived/audit/committer.h"
#include "archived/base/clock.h"
#include "archived/base/status.h"
#include "archived/catalog/content.h"
#include "archived/catalog/key_reserve.h"
#include "archived/crypto/crypto.h"
#include "archived/storage/store.h"
#include "archived/v1/api.pb.h"
#include "archived/v1/catalog.pb.h"
#include "archived/v1/retention.pb.h"

namespace archived::catalog {

// The newest on-disk format this build reads and writes. Persisted in kMeta "format_version".
// 2: the audit chain hashes RFC 6962 style (audit/FORMAT.md). Format 1 is refused.
// 3: identical content is shared (FORMAT.md, Shared content); a format-2 store is upgraded
// in place on open (nothing in it changes: its content is simply never shared), and older
// builds refuse a format-3 store, which they would destroy wrongly.
inline constexpr int kFormatVersion = 3;
// The oldest format this build opens (and upgrades to kFormatVersion).
inline constexpr int kOldestFormatVersion = 2;

struct CatalogOptions {
  std::string fonds = "Z001";  // 全宗号, the first part of every reference code. Default: Z001.
  ContentOptions content;
  // Seeded into a new archive; empty means DefaultFilePlan(). Default: empty.
  std::vector<v1::Category> initial_file_plan;
  // Where a document filed without a category goes. Default: "BGS".
  std::string default_category = "BGS";
  std::size_t default_page_size = 50;  // Default: 50.
  std::size_t max_page_size = 1000;    // Default: 1000.
  std::size_t max_title_bytes = 1000;  // Default: 1000.
  std::size_t max_tags = 64;           // Default: 64.
  std::size_t max_tag_bytes = 128;     // Default: 128.
  Status Validate() const;
};

// A document ready to be committed: validated metadata and finished, sealed content.
struct Filing {
  audit::Actor actor;
  v1::FileMetadata metadata;  // normalized
  SealedContent sealed;
  std::string id;
  v1::Document document;  // filled in by the commit
  v1::Version version;    // filled in by the commit
  bool shared_content = false;  // set by the commit: the version shares stored content
};

class Catalog {
 public:
  // Opens the catalogue, creating a new archive (format version, file plan, first audit
  // event) in an empty store, sweeps what crashed uploads left behind, and replays the
  // destruction ledger (ReplayLedger).
  // Errors: kFailedPrecondition for a store of a newer format; kDataLoss for a malformed one.
  static StatusOr<std::unique_ptr<Catalog>> Open(const CatalogOptions& options,
                                                 storage::Store* store, storage::Store* vault,
                                                 const crypto::Keyring* keyring,
                                                 audit::Committer* committer, const Clock& clock);

  // Starts an upload. Errors: storage errors.
  StatusOr<std::unique_ptr<ContentWriter>> BeginContent();

  // Files a new document whose content is `content` (finished here). Returns once durable.
  // Errors: kInvalidArgument naming the bad field; kNotFound for a category not in the plan.
  StatusOr<v1::FileResponse> FileDocument(const audit::Actor& actor, const v1::FileMetadata& metadata,
                                          ContentWriter& content);
  // FileDocument in two steps, so that a caller can commit without blocking a thread.
  // PrepareFiling validates and finishes the content; it does no I/O when the content is a
  // single chunk (which is written by the commit). Errors as FileDocument.
  StatusOr<Filing> PrepareFiling(const audit::Actor& actor, const v1::FileMetadata& metadata,
                                 ContentWriter& content);
  // Commits a prepared filing; `done` runs on the committer's thread once it is durable (or
  // with why not), and must only hand the outcome on: the committer is every filing's one
  // thread, so the answer is built elsewhere, by FiledResponse. The filing's content must be
  // a single chunk (nothing of it written before the commit), or its writer must outlive `done`.
  void SubmitFiling(std::shared_ptr<Filing> filing, std::function<void(const Status&)> done);
  // The answer to a filing that SubmitFiling committed.
  static v1::FileResponse FiledResponse(const Filing& filing);
  // Where a document filed without a category goes.
  const std::string& default_category() const { return options_.default_category; }
  // Plaintext bytes per chunk: content up to this size is a single chunk.
  std::size_t chunk_bytes() const { return options_.content.chunk_bytes; }
  // Takes a reserved data key without waiting; nullopt when the stock is empty (then use
  // BeginContent, which refills it).
  std::optional<std::unique_ptr<ContentWriter>> TryBeginContent();

  // Adds the next version of document `id` (filename and mime_type are taken from
  // `metadata`; other fields are ignored). Errors: kNotFound; kInvalidArgument.
  StatusOr<v1::FileResponse> AddVersion(const audit::Actor& actor, std::string_view id,
                                        const v1::FileMetadata& metadata, ContentWriter& content);
  // Changes the fields present in `patch`; tags only when `tags_present`. Content never.
  // Errors: kNotFound; kInvalidArgument.
  StatusOr<v1::Document> UpdateDocument(const audit::Actor& actor, std::string_view id,
                                        const v1::DocumentPatch& patch, bool tags_present);

  // `id` may also be a reference code. Errors: kNotFound.
  StatusOr<v1::Document> GetDocument(std::string_view id) const;
  // Versions in order 1, 2, 3 …. Errors: kNotFound.
  StatusOr<std::vector<v1::Version>> ListVersions(std::string_view id) const;
  // `version` 0 means the latest. Errors: kNotFound for the document or the version.
  StatusOr<v1::Version> GetVersion(std::string_view id, std::uint32_t version) const;
  // Errors: kDataLoss when the version's key is missing or corrupt.
  StatusOr<std::unique_ptr<ContentReader>> OpenContent(const v1::Version& version) const;
  // Newest first. A non-empty `category` keeps documents filed exactly in it; `cursor` is
  // next_cursor of the previous page; `limit` 0 means the default page size.
  // Errors: kInvalidArgument for a bad cursor or limit.
  // `visible`, when given, leaves out the documents the caller may not see (pages stay full).
  StatusOr<v1::DocumentList> ListDocuments(std::string_view category, std::size_t limit,
                                           std::string_view cursor,
                                           const std::function<bool(const v1::Document&)>& visible = {}) const;
  StatusOr<v1::CategoryList> ListCategories() const;
  // Moves on after every committed change to the file plan (a category added, its access,
  // its schedule), so that a copy of the plan read at generation G is current while the
  // generation is still G. Read it before reading the plan.
  std::uint64_t file_plan_generation() const { return file_plan_generation_.load(std::memory_order_acquire); }
  // Replaces a category's readers and/or filers ("user:NAME", "dept:NAME"), audited.
  // Errors: kNotFound; kInvalidArgument for a malformed entry.
  Status SetCategoryAccess(const audit::Actor& actor, std::string_view code, const v1::CategoryAccess& access,
                           bool readers_present, bool filers_present);

  // The full-text outbox: entries after `after_seq`, oldest first, at most `max`.
  // Errors: kDataLoss for a malformed entry; storage errors.
  struct IndexQueueItem {
    std::uint64_t seq = 0;
    v1::IndexQueueEntry entry;
  };
  StatusOr<std::vector<IndexQueueItem>> ReadIndexQueue(std::uint64_t after_seq, std::size_t max) const;
  // Deletes the entries up to and including `through_seq`, which the index now holds, in the
  // committer's next group. After a crash that lost a trim, a replayed entry is skipped by
  // the index's high-water mark.
  Status TrimIndexQueue(std::uint64_t through_seq);
  // The last outbox sequence handed out; 0 when none. Errors: storage errors.
  StatusOr<std::uint64_t> IndexQueueHead() const;
  // Calls `fn` for every document in filing order; stops at and returns fn's first error.
  Status ForEachDocument(const std::function<Status(const v1::Document&)>& fn) const;
  // The same for the ids alone, without reading the documents.
  Status ForEachDocumentId(const std::function<Status(std::string_view id)>& fn) const;
  // Records how text extraction of `version` of document `id` went: "" when fine, else
  // "failed — <reason>". Writes (with an audit event) only when that changes and `version`
  // is still the latest. Errors: kNotFound; storage errors.
  Status RecordExtraction(std::string_view id, std::uint32_t version, std::string_view outcome);

  // Fixity: reads and authenticates every chunk of `version` and checks the SHA-256 of the
  // whole against the recorded one; `bytes` gets the plaintext length read. Errors:
  // kDataLoss naming the first problem (a missing or altered chunk, a missing key, a wrong
  // digest); storage errors.
  Status CheckVersion(const v1::Version& version, std::uint64_t* bytes) const;

  // Removes chunks and keys of uploads that never committed. Called by Open.
  // Returns how many uploads were swept.
  StatusOr<std::size_t> SweepOrphans();

  // --- Retention facts: archived/retention decides, the catalogue records. ---
  // Adds `category` to the file plan under its parent ("BGS" for "BGS/HR"), which must exist.
  // Errors: kInvalidArgument naming the field; kAlreadyExists; kNotFound for the parent.
  Status AddCategory(const audit::Actor& actor, const v1::Category& category);
  // Errors: kNotFound.
  StatusOr<v1::Category> GetCategory(std::string_view code) const;
  // Replaces the schedule of category `code` if it is still `expected` (so that a check made
  // on `expected` holds), audited as `action` with `detail`. Errors: kNotFound; kAborted
  // when the schedule changed meanwhile.
  Status SetCategorySchedule(const audit::Actor& actor, std::string_view code, const v1::RetentionSchedule& expected,
                             const v1::RetentionSchedule& schedule, std::string_view action, std::string_view detail);
  // Records the event `name` ("closed": the closing date) on `date` for document `id`,
  // audited ("document.event"). Recording it again with another date replaces it, audited.
  // Errors: kNotFound; kInvalidArgument; kFailedPrecondition for a destroyed document.
  StatusOr<v1::Document> RecordEvent(const audit::Actor& actor, std::string_view id, std::string_view name,
                                     std::string_view date);
  // RecordEvent as a step of another module's transaction (a register entry's event on its
  // linked documents), so that both commit together. Errors as RecordEvent.
  static Status RecordEventIn(audit::Transaction& txn, const audit::Actor& actor, std::string_view id,
                              std::string_view name, std::string_view date);
  // Takes the event `name` off document `id` as a step of another module's transaction, if
  // it is still recorded on `date` (a register entry's date that was cleared, or an entry
  // unlinked), audited ("document.event.withdraw", with `why`). Errors: kNotFound;
  // kFailedPrecondition for a destroyed document.
  static Status WithdrawEventIn(audit::Transaction& txn, const audit::Actor& actor, std::string_view id,
                                std::string_view name, std::string_view date, std::string_view why);
  // Queues register entry `entry_id` for the full-text index, in the transaction that
  // changed it (the index outbox is the catalogue's).
  static Status QueueEntryForIndex(audit::Transaction& txn, std::string_view entry_id);
  // Keeps document `id` at least until `retain_until` (YYYY-MM-DD; empty: unchanged) and,
  // when `schedule` is given, under it instead of its category's. Audited as `action`.
  // Errors: kNotFound; kInvalidArgument; kFailedPrecondition for a destroyed document.
  Status SetDocumentRetention(const audit::Actor& actor, std::string_view id, std::string_view retain_until,
                              const v1::RetentionSchedule* schedule, std::string_view action, std::string_view detail);

  // Marks document `id` transferred (state TRANSFERRED, with `record`), audited
  // ("document.transfer"), and queues it for removal from the search index; its content
  // stays readable until a destruction. Errors: kNotFound; kFailedPrecondition for a
  // destroyed or already transferred document.
  Status MarkTransferred(const audit::Actor& actor, std::string_view id, const v1::TransferRecord& record);

  // --- Destruction (crypto-shredding) and the destruction ledger in the key vault. ---
  // Destroys document `id`: (1) a ledger record naming it and its content ids is appended to
  // the vault, synced; (2) one transaction turns the document into its stub (state
  // DESTROYED, `stub`), deletes its chunks and content-owner entries, queues it for removal
  // from the index and audits "document.destroy"; (3) its data keys are deleted from the
  // vault, synced. A crash after (1) is finished by ReplayLedger at the next start. The
  // caller then calls Purge(). Errors: kNotFound; kFailedPrecondition if already destroyed.
  StatusOr<v1::DestructionRecord> DestroyDocument(const audit::Actor& actor, std::string_view id,
                                                  v1::DestructionStub stub);
  // Appends register entry `entry_id`'s destruction (with `stub`) to the ledger, synced, and
  // returns the record; the registers then apply it, and replay it at every start.
  StatusOr<v1::DestructionRecord> AppendEntryDestruction(std::string_view entry_id, v1::DestructionStub stub);
  // Applies the ledger records this store has not applied yet (2 and 3 above): at start,
  // after a crash, and after a restore of a content backup older than the vault. Returns
  // how many. Errors: kDataLoss for a malformed record; storage errors.
  StatusOr<std::size_t> ReplayLedger(const audit::Actor& actor);
  // The ledger records after seq `after` (0: every one), oldest first. Errors: kDataLoss;
  // storage errors.
  StatusOr<std::vector<v1::DestructionRecord>> ReadLedger(std::uint64_t after = 0) const;
  // Makes deletions final on disk: flushes both stores (so no log file still holds a
  // deleted value) and compacts the chunk and key ranges of `content_ids`, rewriting the
  // blob files they were in. Errors: storage errors.
  Status Purge(const std::vector<std::string>& content_ids);
  // Holds vault deletions off while the lock lives (a master-key rewrap pass rewrites
  // records, and must not write back one that a destruction deleted).
  std::unique_lock<std::mutex> HoldVaultDeletions() { return std::unique_lock(vault_deletions_mu_); }

  // Drops the data keys reserved ahead (a master-key rotation begins): later filings get keys
  // wrapped under the keyring's new wrapping key.
  void DiscardReservedKeys() { keys_.Discard(); }
  // The main store (read-only use: the daemon's own bookkeeping keys in kMeta).
  const storage::Store* store() const { return store_; }

 private:
  Catalog(const CatalogOptions& options, storage::Store* store, storage::Store* vault,
          const crypto::Keyring* keyring, audit::Committer* committer, const Clock& clock)
      : options_(options), store_(store), vault_(vault), keyring_(keyring),
        committer_(committer), clock_(clock), keys_(vault, keyring),
        hold_budget_(options.content.hold_bytes_total) {}
  Status InitializeOrCheckFormat();
  // Deletes the data key reserved for content that a commit did not store because the
  // version shares identical stored content. Unsynced: a key a crash keeps has no content
  // owner and is swept at the next start.
  void DropUnusedKey(const std::string& content_id);
  Status FileTransaction(audit::Transaction& txn, Filing& filing);
  StatusOr<v1::Document> LoadDocument(std::string_view id) const;
  // (2) and (3) of DestroyDocument for one ledger record; a record already applied changes
  // nothing.
  Status ApplyDestruction(const audit::Actor& actor, const v1::DestructionRecord& record);
  // Numbers `record` (seq, and its stub's ledger_seq) and appends it, synced. Requires destroy_mu_.
  Status AppendToLedgerLocked(v1::DestructionRecord& record);
  // Runs `fn`, which writes categories, as one transaction; then moves the file plan's
  // generation on, whatever the outcome.
  Status ChangeFilePlan(const std::function<Status(audit::Transaction&)>& fn);

  const CatalogOptions options_;
  storage::Store* const store_;
  storage::Store* const vault_;
  const crypto::Keyring* const keyring_;
  audit::Committer* const committer_;
  const Clock& clock_;
  KeyReserve keys_;
  HoldBudget hold_budget_;  // for every upload's ContentWriter
  std::mutex destroy_mu_;          // one destruction at a time: ledger order
  std::mutex vault_deletions_mu_;  // see HoldVaultDeletions
  std::atomic<std::uint64_t> file_plan_generation_{1};
};

}  // namespace archived::catalog
