#include "archived/catalog/key_reserve.h"

#include <pthread.h>

#include "archived/base/status_macros.h"
#include "archived/catalog/internal/keys.h"

namespace archived::catalog {

KeyReserve::KeyReserve(storage::Store* vault, const crypto::Keyring* keyring, std::size_t batch_keys)
    : vault_(vault), keyring_(keyring), batch_keys_(batch_keys), thread_([this] { RefillLoop(); }) {}

KeyReserve::~KeyReserve() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wanted_.notify_one();
  thread_.join();
}

std::optional<ReservedKey> KeyReserve::PopLocked() {
  std::optional<ReservedKey> key;
  if (!stock_.empty()) {
    key = std::move(stock_.front());
    stock_.pop_front();
  }
  if (!asked_ && stock_.size() <= batch_keys_ / 2) {
    asked_ = true;  // low: the next batch is made while this half is used
    wanted_.notify_one();
  }
  return key;
}

StatusOr<ReservedKey> KeyReserve::Take() {
  std::unique_lock lock(mu_);
  const std::uint64_t waited_from = batches_ended_;
  for (;;) {
    if (std::optional<ReservedKey> key = PopLocked()) {
      return std::move(*key);
    }
    // Empty: report a batch that failed while this caller waited, else wait for the next.
    if (batches_ended_ != waited_from && !last_batch_.ok()) {
      return last_batch_;
    }
    refilled_.wait(lock);
  }
}

std::optional<ReservedKey> KeyReserve::TryTake() {
  std::lock_guard lock(mu_);
  return PopLocked();
}

void KeyReserve::Discard() {
  std::unique_lock lock(mu_);
  // A batch being made is waited for, so that its records are in the vault before a
  // rewrap pass starts (it may be wrapped under the key being retired), and then dropped.
  refilled_.wait(lock, [this] { return !making_; });
  stock_.clear();
}

std::size_t KeyReserve::stocked() const {
  std::lock_guard lock(mu_);
  return stock_.size();
}

void KeyReserve::RefillLoop() {
  ::pthread_setname_np(::pthread_self(), "archived-keys");  // for top and perf
  std::unique_lock lock(mu_);
  for (;;) {
    wanted_.wait(lock, [this] { return stopping_ || asked_; });
    if (stopping_) {
      return;
    }
    making_ = true;
    lock.unlock();
    StatusOr<std::deque<ReservedKey>> batch = MakeBatch();
    lock.lock();
    making_ = false;
    if (batch.ok()) {
      for (ReservedKey& key : *batch) {
        stock_.push_back(std::move(key));
      }
    }
    last_batch_ = batch.status();
    ++batches_ended_;
    // Still low (a failure, or a fast drain) asks again at the next take.
    asked_ = false;
    refilled_.notify_all();
  }
}

StatusOr<std::deque<ReservedKey>> KeyReserve::MakeBatch() const {
  // Two draws of the random source for the whole batch, not two a key: each draw pays for
  // OpenSSL's fork and reseed checks.
  ARCHIVED_ASSIGN_OR_RETURN(const std::string ids, crypto::RandomBytes(internal::kContentIdBytes * batch_keys_));
  ARCHIVED_ASSIGN_OR_RETURN(std::vector<crypto::SecretKey> keys, crypto::SecretKey::GenerateMany(batch_keys_));
  std::deque<ReservedKey> fresh;
  storage::WriteBatch batch;
  for (std::size_t i = 0; i < batch_keys_; ++i) {
    std::string content_id = ids.substr(i * internal::kContentIdBytes, internal::kContentIdBytes);
    ARCHIVED_ASSIGN_OR_RETURN(std::string wrapped, keyring_->Wrap(keys[i]));
    batch.Put(storage::Keyspace::kKeys, content_id, wrapped);
    fresh.push_back({std::move(content_id), std::move(keys[i])});
  }
  ARCHIVED_RETURN_IF_ERROR(vault_->Commit(batch, {.sync = true}).Annotate("reserve data keys"));
  return fresh;
}

}  // namespace archived::catalog
