// Registers: the office's duty modules (staff, assets, projects, correspondence, matters …)
// kept as typed entries beside the documents (docs/registers.md). An entry is a message of
// its kind (schema.h), checked against the kind's options, numbered per kind ("matter-12"),
// kept in every revision, audited, queued for the full-text index, and linked to documents
// both ways. A date field marked as a retention event (a staff separation, a project's
// closing, a contract's end) is recorded as that event on every linked document in the same
// transaction, and withdrawn from it when the date is cleared or the link removed (unless
// another linked entry records the same). Who may read and change a kind is the HTTP layer's (by the kind's file-plan
// category). Entries are under retention like documents (the retention module decides;
// this module keeps their retention fields and destroys them: Destroy). Thread-safe; the
// store, committer and catalogue must outlive it.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/message.h>

#include "archived/audit/actor.h"
#include "archived/audit/committer.h"
#include "archived/base/status.h"
#include "archived/catalog/catalog.h"
#include "archived/registers/schema.h"
#include "archived/storage/store.h"
#include "archived/v1/registers.pb.h"

namespace archived::registers {

struct RegistersOptions {
  std::size_t default_page_size = 50;  // Default: 50.
  std::size_t max_page_size = 1000;    // Default: 1000.
  std::size_t max_field_bytes = 20000; // a single field's text. Default: 20,000.
  std::size_t max_links = 1000;        // documents linked to one entry. Default: 1,000.
  Status Validate() const;
};

class Registers {
 public:
  Registers(const RegistersOptions& options, storage::Store* store, audit::Committer* committer,
            catalog::Catalog* catalog)
      : options_(options), store_(store), committer_(committer), catalog_(catalog) {}

  // Adds an entry of `kind` with `fields` (a message of the kind) linked to `links`
  // (document ids or reference codes). Errors: kInvalidArgument naming the field;
  // kNotFound for a referred entry or a linked document.
  StatusOr<v1::RegisterEntry> Create(const audit::Actor& actor, const Kind& kind,
                                     const google::protobuf::Message& fields, const std::vector<std::string>& links);
  // Replaces the fields named in `names` with their values in `patch` (absent: cleared),
  // as a new revision. `expected_revision` 0 means any; else a change made meanwhile is
  // kAborted. Errors: kNotFound; kInvalidArgument naming the field; kFailedPrecondition for
  // a destroyed entry (as for Link and Unlink).
  StatusOr<v1::RegisterEntry> Update(const audit::Actor& actor, const Kind& kind, std::string_view id,
                                     const google::protobuf::Message& patch, const std::vector<std::string>& names,
                                     std::uint32_t expected_revision);
  // Links document `document` (id or reference code) to the entry, and records the entry's
  // retention events on it. Linking it again changes nothing. Errors: kNotFound.
  StatusOr<v1::RegisterEntry> Link(const audit::Actor& actor, const Kind& kind, std::string_view id,
                                   std::string_view document);
  // Errors: kNotFound (also for a document that is not linked).
  StatusOr<v1::RegisterEntry> Unlink(const audit::Actor& actor, const Kind& kind, std::string_view id,
                                     std::string_view document);

  // The latest revision, with `fields` (a destroyed entry: its stub). Errors: kNotFound.
  StatusOr<v1::RegisterEntry> Get(const Kind& kind, std::string_view id) const;
  // Live entries of `kind` in the order added, those whose fields equal every filter (a list
  // field: contains it); `cursor` is next_cursor of the previous page; `limit` 0: the
  // default. Errors: kInvalidArgument for an unknown filter field, a bad cursor or limit.
  StatusOr<v1::RegisterEntryList> List(const Kind& kind, const std::map<std::string, std::string>& filters,
                                       std::size_t limit, std::string_view cursor) const;
  // Every revision, oldest first. Errors: kNotFound; kFailedPrecondition for a destroyed entry.
  StatusOr<v1::RegisterEntryList> History(const Kind& kind, std::string_view id) const;
  // The entries of every kind linked to document `document_id` (with fields).
  StatusOr<v1::RegisterEntryList> LinkedTo(std::string_view document_id) const;

  // The entry `id` of any kind with fields (a destroyed one: its stub), or nullopt when
  // there is none.
  StatusOr<std::optional<v1::RegisterEntry>> Find(std::string_view id) const;
  // For the indexer: every live entry's id, of every kind.
  Status ForEachEntryId(const std::function<Status(std::string_view)>& fn) const;

  // --- Retention (the retention module's) ---
  // Entry `id` as stored (`body` set, `fields` not), or nullopt when there is none.
  StatusOr<std::optional<v1::RegisterEntry>> FindStored(std::string_view id) const;
  // Every entry as stored, destroyed ones included.
  Status ForEachEntry(const std::function<Status(const v1::RegisterEntry&)>& fn) const;
  // Keeps entry `id` at least until `retain_until` (YYYY-MM-DD; empty: unchanged) and, when
  // `schedule` is given, under it instead of its category's; no new revision. Audited as
  // `action` with `detail`. Errors: kNotFound; kFailedPrecondition for a destroyed entry.
  Status SetRetention(const audit::Actor& actor, std::string_view id, std::string_view retain_until,
                      const v1::RetentionSchedule* schedule, std::string_view action, std::string_view detail);
  // The hex SHA-256 of each revision's fields (the stored message), oldest first: what a
  // destruction certificate lists. Errors: kNotFound.
  StatusOr<std::vector<std::string>> RevisionDigests(std::string_view id) const;
  // Destroys entry `id`: (1) its destruction is appended to the ledger in the key vault,
  // synced; (2) one transaction deletes every revision and link, leaves the stub (state
  // DESTROYED, `stub`), queues its removal from the index and audits "register.destroy".
  // A crash after (1) is finished by ReplayDestructions. The caller then calls Purge().
  // Errors: kNotFound; kFailedPrecondition if already destroyed.
  StatusOr<v1::DestructionRecord> Destroy(const audit::Actor& actor, std::string_view id, v1::DestructionStub stub);
  // Applies the entry destructions of the ledger recorded since the last replay that this
  // store has not applied (at start, and after a restore of a content backup older than
  // the vault, whose mark is older too). Returns how many.
  StatusOr<std::size_t> ReplayDestructions(const audit::Actor& actor);
  // Makes destructions final on disk: flushes the store (no log file keeps a deleted value)
  // and compacts the registers' keys.
  Status Purge();

 private:
  // What an edit changed: in words for the revision (values included), and for the audit
  // trail (which fields, without their values). An empty `change`: nothing changed.
  struct Edit {
    std::string change;
    std::string audited;
  };
  StatusOr<v1::RegisterEntry> Change(const audit::Actor& actor, const Kind& kind, std::string_view id,
                                     std::uint32_t expected_revision, std::string_view action,
                                     const std::function<StatusOr<Edit>(v1::RegisterEntry&,
                                                                        google::protobuf::Message&)>& edit);
  StatusOr<std::string> ResolveDocument(std::string_view document) const;
  // Withdraws `events` (that entry `entry_id` recorded) from document `document_id`, except
  // those another entry linked to it records too.
  Status WithdrawEvents(audit::Transaction& txn, const audit::Actor& actor, std::string_view entry_id,
                        std::string_view document_id,
                        const std::vector<std::pair<std::string, std::string>>& events) const;
  // (2) of Destroy for one ledger record; true if it destroyed something (an entry already
  // destroyed, or not in this store, is left alone).
  StatusOr<bool> ApplyDestruction(const audit::Actor& actor, const v1::DestructionRecord& record);

  const RegistersOptions options_;
  storage::Store* const store_;
  audit::Committer* const committer_;
  catalog::Catalog* const catalog_;
};

// `entry` with `fields` filled in from `body` (and body cleared), as answers carry it.
// Errors: kDataLoss for a malformed body.
StatusOr<v1::RegisterEntry> WithFields(v1::RegisterEntry entry);
// The (event, date) pairs that stored entry `entry`'s fields record (EventDates).
// Errors: kDataLoss for a malformed body.
StatusOr<std::vector<std::pair<std::string, std::string>>> EventDatesOf(const v1::RegisterEntry& entry);

}  // namespace archived::registers
