#include "archived/catalog/key_reserve.h"

#include "archived/base/status_macros.h"
#include "archived/catalog/internal/keys.h"

namespace archived::catalog {

StatusOr<ReservedKey> KeyReserve::Take() {
  std::lock_guard lock(mu_);
  if (stock_.empty()) {
    // Refilled under the lock: the threads that find the stock empty wait for one vault
    // write together instead of each making their own.
    ARCHIVED_RETURN_IF_ERROR(Refill());
  }
  ReservedKey key = std::move(stock_.front());
  stock_.pop_front();
  return key;
}

std::optional<ReservedKey> KeyReserve::TryTake() {
  // try_to_lock: a refill holds the lock through a vault fsync, and this caller must not wait.
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || stock_.empty()) {
    return std::nullopt;
  }
  ReservedKey key = std::move(stock_.front());
  stock_.pop_front();
  return key;
}

void KeyReserve::Discard() {
  std::lock_guard lock(mu_);
  stock_.clear();
}

Status KeyReserve::Refill() {
  std::deque<ReservedKey> fresh;
  storage::WriteBatch batch;
  for (std::size_t i = 0; i < batch_keys_; ++i) {
    ARCHIVED_ASSIGN_OR_RETURN(std::string content_id, crypto::RandomBytes(internal::kContentIdBytes));
    ARCHIVED_ASSIGN_OR_RETURN(crypto::SecretKey data_key, crypto::SecretKey::Generate());
    ARCHIVED_ASSIGN_OR_RETURN(std::string wrapped, keyring_->Wrap(data_key));
    batch.Put(storage::Keyspace::kKeys, content_id, wrapped);
    fresh.push_back({std::move(content_id), std::move(data_key)});
  }
  ARCHIVED_RETURN_IF_ERROR(vault_->Commit(batch, {.sync = true}).Annotate("reserve data keys"));
  stock_ = std::move(fresh);
  return OkStatus();
}

}  // namespace archived::catalog
