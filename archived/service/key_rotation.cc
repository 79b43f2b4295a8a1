#include "archived/service/key_rotation.h"

#include "archived/base/log.h"
#include "archived/base/status_macros.h"
#include "archived/catalog/key_vault.h"
#include "archived/v1/proto_time.h"

namespace archived::service {
namespace {

using v1::SetTime;

}  // namespace

KeyRotator::~KeyRotator() {
  if (thread_.joinable()) thread_.join();
}

std::optional<v1::KeyRotationReport> KeyRotator::Latest() const {
  std::lock_guard lock(mu_);
  return report_;
}

void KeyRotator::Update(const std::function<void(v1::KeyRotationReport&)>& change) {
  std::lock_guard lock(mu_);
  change(*report_);
}

void KeyRotator::Begin(const audit::Actor& actor) {
  if (thread_.joinable()) thread_.join();  // the previous run has finished
  running_ = true;
  report_.emplace();
  report_->set_state("running");
  report_->set_requested_by(actor.name);
  report_->set_old_key_id(keyring_->current_id());
  SetTime(report_->mutable_started_time(), clock_.Now());
}

StatusOr<v1::KeyRotationReport> KeyRotator::Start(const audit::Actor& actor) {
  std::lock_guard lock(mu_);
  if (running_ || keyring_->rotating()) {
    return FailedPreconditionError("a master-key rotation is under way; GET /api/v1/admin/rotate-master-key shows it");
  }
  ARCHIVED_ASSIGN_OR_RETURN(crypto::SecretKey next, crypto::SecretKey::Generate());
  // (1) The next key is on disk before anything is wrapped under it.
  ARCHIVED_RETURN_IF_ERROR(crypto::WriteNextMasterKey(files_, next).Annotate("write the next master key"));
  const std::string old_id = keyring_->current_id();
  ARCHIVED_RETURN_IF_ERROR(keyring_->BeginRotation(std::move(next)));
  // (2) Keys reserved under the old key are not handed out any more.
  catalog_->DiscardReservedKeys();
  Begin(actor);
  report_->set_new_key_id(keyring_->next_id());
  const v1::KeyRotationReport started = *report_;
  (void)committer_->Run([&](audit::Transaction& txn) {
    txn.Audit(audit::EventBy(actor, "keys.rotate.begin", "", "from=" + old_id + " to=" + started.new_key_id()));
    return OkStatus();
  });
  thread_ = std::thread([this, actor] { Run(actor); });
  return started;
}

void KeyRotator::ResumeIfInterrupted() {
  if (!keyring_->rotating()) return;
  const audit::Actor actor{.name = "restart"};
  {
    std::lock_guard lock(mu_);
    if (running_) return;
    Begin(actor);
    report_->set_new_key_id(keyring_->next_id());
  }
  LogLine("resuming the master-key rotation from " + keyring_->current_id() + " to " + keyring_->next_id());
  catalog_->DiscardReservedKeys();
  thread_ = std::thread([this, actor] { Run(actor); });
}

void KeyRotator::Run(const audit::Actor& actor) {
  const std::string old_id = keyring_->current_id();
  const std::string new_id = keyring_->next_id();
  // (3) Rewrap until no record is left under the old key.
  // Destructions wait meanwhile: a rewrap must not write back a key one just deleted.
  StatusOr<catalog::RewrapCounts> counts = [&] {
    const std::unique_lock hold = catalog_->HoldVaultDeletions();
    return catalog::RewrapVault(vault_, *keyring_, options_.batch_records, [&](std::uint64_t rewrapped) {
      Update([&](v1::KeyRotationReport& r) { r.set_rewrapped(rewrapped); });
    });
  }();
  Status done = counts.status();
  // (4) Only now may the old key go.
  if (done.ok()) done = crypto::PromoteNextMasterKey(files_).Annotate("promote the next master key");
  if (done.ok()) done = keyring_->FinishRotation();
  v1::KeyRotationReport final_report;
  Update([&](v1::KeyRotationReport& r) {
    r.set_state(done.ok() ? "done" : "failed");
    if (counts.ok()) r.set_records(counts->records);
    if (!done.ok()) r.set_error(done.message());
    SetTime(r.mutable_finished_time(), clock_.Now());
    final_report = r;
  });
  if (!done.ok()) LogLine("master-key rotation stopped: " + done.ToString());
  v1::AuditEvent event = audit::EventBy(
      actor, "keys.rotate", "",
      "from=" + old_id + " to=" + new_id + " state=" + final_report.state() +
          " records=" + std::to_string(final_report.records()) + " rewrapped=" +
          std::to_string(final_report.rewrapped()) + (done.ok() ? "" : " error=" + done.message()));
  if (!done.ok()) event.set_outcome("failed");
  (void)committer_->Run([&](audit::Transaction& txn) {
    txn.Audit(std::move(event));
    return OkStatus();
  });
  std::lock_guard lock(mu_);
  running_ = false;
}

}  // namespace archived::service
