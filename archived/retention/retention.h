// The records officer's retention work over the catalogue (issue #6, DESIGN.md "Retention
// and disposition"): schedules on the file plan, legal holds, disposition batches, their
// review and approval, destruction, and signed destruction certificates.
//
// Register entries are under retention like documents: their kind's category's schedule,
// counted from the day each was added or from its own event dates; holds by category, by
// id and by query cover them; batches, reviews, certificates and the report list them
// beside documents (with `entry_id` set). Entries are destroyed, not transferred: an
// entry whose schedule says transfer is skipped with the reason, and stays due.
//
// Decisions are the pure functions of decision.h, given the date of the injected clock.
// Nothing is destroyed without approval (by `approvals_required` different records
// officers); a held document is never destroyed: holds are checked when a batch is drawn up
// and again, under the same lock that placing a hold takes, as each document is destroyed.
// A clock that went back, or jumped forward by more than `max_clock_jump`, stops runs and
// approvals until a records officer confirms the date. Every change is audited.
//
// Records (kRetention keyspace, FORMAT.md): "hold/<name>", "batch/<u64>", "clock".
// Thread-safe; everything given must outlive it.
#pragma once

#include <chrono>
#include <filesystem>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "archived/audit/actor.h"
#include "archived/audit/committer.h"
#include "archived/base/clock.h"
#include "archived/base/status.h"
#include "archived/catalog/catalog.h"
#include "archived/crypto/crypto.h"
#include "archived/registers/registers.h"
#include "archived/retention/decision.h"
#include "archived/v1/retention.pb.h"

namespace archived::retention {

struct RetentionOptions {
  std::string fonds = "Z001";
  // Where destruction certificates are filed; its schedule must be permanent. Default: BGS/DA.
  std::string certificate_category = "BGS/DA";
  int approvals_required = 1;  // 1, or 2 for a second approver. Default: 1.
  // How much longer a document taken out of a batch, or retained on review without a new
  // schedule, is kept. Default: 12 months.
  int review_period_months = 12;
  // The largest forward step of the clock between runs accepted without confirmation.
  // Default: 35 days.
  std::chrono::hours max_clock_jump{35 * 24};
  // Where transfer packages are written (created if missing); empty: transfers wait.
  // Default: empty.
  std::filesystem::path transfer_dir;
  Status Validate() const;
};

// The ids of the documents and register entries that the saved query `query` matches (the
// search index).
using QueryMatcher = std::function<StatusOr<std::vector<std::string>>(const std::string& query)>;

class Retention {
 public:
  // Checks the certificate category and finishes a batch whose approval was recorded but
  // whose execution a crash interrupted. `signing_key` signs certificates. `on_destruction`
  // (optional) is called after a batch destroyed something, that one included (e.g. to back
  // up the vault, so that backups learn of the destruction).
  // Errors: kFailedPrecondition for a certificate category that is not permanent.
  static StatusOr<std::unique_ptr<Retention>> Open(const RetentionOptions& options, catalog::Catalog* catalog,
                                                   registers::Registers* registers,
                                                   audit::Committer* committer, const Clock& clock,
                                                   crypto::Ed25519Key signing_key, QueryMatcher matcher,
                                                   std::function<void()> on_destruction = {});

  // --- The file plan ---
  // Adds a category (its schedule, when given, validated). Errors: as Catalog::AddCategory.
  Status AddCategory(const audit::Actor& actor, const v1::Category& category);
  // Sets the schedule of category `code`. A change that could make a document due earlier
  // (Shortens) needs `allow_shorten` and is audited as "schedule.shorten"; others as
  // "schedule.set". Errors: kNotFound; kInvalidArgument; kFailedPrecondition without
  // allow_shorten for a shortening.
  StatusOr<v1::Category> SetSchedule(const audit::Actor& actor, std::string_view code,
                                     const v1::RetentionSchedule& schedule, bool allow_shorten);

  // --- Holds ---
  // Documents are named by id or reference code, entries by id. Errors: kInvalidArgument
  // (name, reason and a scope are required); kAlreadyExists; kNotFound.
  StatusOr<v1::Hold> PlaceHold(const audit::Actor& actor, v1::Hold hold);
  // Errors: kNotFound; kFailedPrecondition if already released; kInvalidArgument without a reason.
  StatusOr<v1::Hold> ReleaseHold(const audit::Actor& actor, std::string_view name, std::string_view reason);
  StatusOr<v1::HoldList> ListHolds(bool include_released) const;
  StatusOr<v1::Hold> GetHold(std::string_view name) const;
  // The active holds on document `id` (an id or reference code) or register entry `id`.
  // Errors: kNotFound; the matcher's.
  StatusOr<std::vector<std::string>> HoldsOn(std::string_view id) const;

  // --- Disposition ---
  // What is due on `as_of` (today when empty), held ones included with state SKIPPED and
  // the holds named. Nothing is written.
  StatusOr<v1::DispositionBatch> Due(std::string_view as_of) const;
  // Draws up a batch of what is due today, held documents and those already in an open
  // batch left out. Returns it (with no id when nothing is due). `confirm_clock` accepts a
  // clock that jumped. Errors: kFailedPrecondition for a doubtful clock.
  StatusOr<v1::DispositionBatch> Run(const audit::Actor& actor, bool confirm_clock);
  StatusOr<v1::DispositionBatchList> ListBatches() const;
  StatusOr<v1::DispositionBatch> GetBatch(std::string_view id) const;
  // Takes a document or entry out of an open batch, keeping it `review_period_months` longer.
  StatusOr<v1::DispositionBatch> Exclude(const audit::Actor& actor, std::string_view batch_id,
                                         const v1::DispositionExclusion& exclusion);
  // Decides a REVIEW item: destroy it with the batch, or retain it (under a new schedule, or
  // for the review period).
  StatusOr<v1::DispositionBatch> Review(const audit::Actor& actor, std::string_view batch_id,
                                        const v1::DispositionReview& review);
  // Records `actor`'s approval; with enough approvals the batch is executed: DESTROY items
  // still due and not held are destroyed, and a signed certificate is filed. Errors:
  // kFailedPrecondition for a closed batch, a second approval by the same person, or a
  // doubtful clock.
  StatusOr<v1::DispositionBatch> Approve(const audit::Actor& actor, std::string_view batch_id, bool confirm_clock);

  // --- The retention audit report ---
  // Per category: counts by state, what is due now and within `horizon_days` of `as_of`
  // (today when empty), what has no usable schedule, the holds and the destructions of the
  // calendar year. `overrides` (category code -> schedule) show what would become due under
  // other schedules (what-if); nothing changes. Errors: kInvalidArgument; kNotFound for an
  // override of a category that is not in the plan.
  StatusOr<v1::RetentionReport> Report(std::string_view as_of, int horizon_days,
                                       const std::map<std::string, v1::RetentionSchedule>& overrides) const;

  // --- Certificates ---
  StatusOr<v1::CertificateList> ListCertificates() const;
  // The certificate filed as document `id`. Errors: kNotFound.
  StatusOr<v1::Certificate> GetCertificate(std::string_view id) const;
  // Checks the signature (against this archive's key) and that every document it lists is
  // destroyed under its batch. A certificate that fails is not an error: the report says why.
  StatusOr<v1::CertificateVerification> VerifyCertificate(std::string_view id) const;
  // Hex.
  const std::string& public_key() const { return public_key_; }

  // Draws up a batch by itself at each time `next` gives after the time it is passed (a
  // cron schedule), until destroyed. Nothing is disposed of without approval; a run the
  // clock guard refuses is audited as failed ("disposition.run") and logged.
  void StartScheduledRuns(std::function<Timestamp(Timestamp)> next);
  ~Retention();  // stops scheduled runs


 private:
  Retention(const RetentionOptions& options, catalog::Catalog* catalog, registers::Registers* registers,
            audit::Committer* committer, const Clock& clock, crypto::Ed25519Key signing_key, QueryMatcher matcher,
            std::function<void()> on_destruction);
  struct HoldIndex;
  StatusOr<HoldIndex> LoadHolds() const;
  StatusOr<v1::DispositionBatch> Survey(Date as_of, const HoldIndex& holds, bool skip_held) const;
  Status CheckClock(const audit::Actor& actor, bool confirm_clock);
  StatusOr<v1::DispositionBatch> Execute(const audit::Actor& actor, v1::DispositionBatch batch);
  StatusOr<std::string> FileCertificate(const audit::Actor& actor, const v1::DispositionBatch& batch,
                                        const std::vector<v1::CertificateItem>& items,
                                        const v1::TransferRecord* transfer);
  // Writes the BagIt package of `docs` (each version's content, metadata and audit history)
  // into transfer_dir, synced. Errors: kDataLoss for content that fails its checks; I/O.
  StatusOr<v1::TransferRecord> WritePackage(const v1::DispositionBatch& batch, const std::vector<v1::Document>& docs);
  // Keeps item `item`'s document or entry at least until `until` and/or under `schedule`.
  Status SetRetention(const audit::Actor& actor, const v1::DispositionItem& item, std::string_view until,
                      const v1::RetentionSchedule* schedule, std::string_view action, std::string_view detail);
  Status SaveBatch(const audit::Actor& actor, const v1::DispositionBatch& batch, std::string_view action,
                   std::string_view detail);
  Date Today() const;

  const RetentionOptions options_;
  catalog::Catalog* const catalog_;
  registers::Registers* const registers_;
  audit::Committer* const committer_;
  const Clock& clock_;
  const crypto::Ed25519Key signing_key_;
  const std::string public_key_;
  const QueryMatcher matcher_;
  const std::function<void()> on_destruction_;
  // Serializes what changes holds or batches, and each execution, so that a hold placed
  // while a batch executes is seen before its document is destroyed.
  mutable std::mutex mu_;
  std::mutex schedule_mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by schedule_mu_
  std::thread schedule_thread_;
};

}  // namespace archived::retention
