#include "archived/daemon/checkpointer.h"

#include "archived/base/log.h"
#include "archived/base/status_macros.h"
#include "archived/base/files.h"
#include "archived/v1/proto_time.h"

namespace archived::daemon {

Checkpointer::Checkpointer(CheckpointerOptions options, audit::Committer* committer, crypto::Ed25519Key key,
                           const Clock& clock)
    : options_(std::move(options)), committer_(committer), key_(std::move(key)), clock_(clock) {}

Checkpointer::~Checkpointer() {
  if (thread_.joinable()) (void)Stop();
}

Status Checkpointer::WriteNow() {
  const audit::ChainHead head = committer_->head();
  ARCHIVED_ASSIGN_OR_RETURN(v1::AuditCheckpoint checkpoint, audit::MakeCheckpoint(head, clock_.Now(), key_));
  // Written atomically and durably (temp, fsync, rename, fsync directory).
  ARCHIVED_RETURN_IF_ERROR(WriteSecretFile(options_.file, audit::CheckpointJson(checkpoint)));
  std::lock_guard lock(mu_);
  latest_ = std::move(checkpoint);
  return OkStatus();
}

Status Checkpointer::Start() {
  ARCHIVED_RETURN_IF_ERROR(WriteNow());
  thread_ = std::thread([this] { Run(); });
  return OkStatus();
}

Status Checkpointer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  const std::optional<v1::AuditCheckpoint> last = latest();
  if (last && last->seq() == committer_->head().seq) return OkStatus();
  return WriteNow();
}

std::optional<v1::AuditCheckpoint> Checkpointer::latest() const {
  std::lock_guard lock(mu_);
  return latest_;
}

void Checkpointer::Run() {
  std::unique_lock lock(mu_);
  while (!wake_.wait_for(lock, options_.tick, [this] { return stopping_; })) {
    const std::uint64_t seq = committer_->head().seq;
    const std::uint64_t last_seq = latest_ ? latest_->seq() : 0;
    const auto last_time = latest_ ? v1::TimeOf(latest_->time()) : Timestamp();
    const bool due = seq >= last_seq + options_.every_events ||
                     (seq > last_seq && clock_.Now() - last_time >= options_.every);
    if (!due) continue;
    lock.unlock();
    if (Status written = WriteNow(); !written.ok()) {
      LogLine("cannot write the audit checkpoint " + options_.file.string() + ": " + written.ToString());
    }
    lock.lock();
  }
}

}  // namespace archived::daemon
