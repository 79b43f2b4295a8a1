#include "archived/crypto/keyring.h"

#include <mutex>

#include "archived/base/bytes.h"
#include "archived/base/status_macros.h"

namespace archived::crypto {
namespace {

constexpr std::size_t kWrappedBytes = kKeyBytes + 8;  // RFC 5649 of a 256-bit key

std::string KeyIdRaw(const SecretKey& kek) {
  Sha256 hash;
  hash.Update(std::string_view("archived.kek.id\0", 16));
  hash.Update(kek.bytes());
  return hash.Finish().substr(0, kKeyIdBytes);
}


}  // namespace

std::string KeyIdHex(const SecretKey& kek) { return HexEncode(KeyIdRaw(kek)); }

Keyring::Keyring(SecretKey current) {
  std::string id = KeyIdRaw(current);
  current_.emplace(Entry{std::move(current), std::move(id)});
}

Status Keyring::BeginRotation(SecretKey next) {
  std::unique_lock lock(mu_);
  if (next_) {
    return FailedPreconditionError("a master-key rotation is already under way");
  }
  std::string id = KeyIdRaw(next);
  if (id == current_->id) {
    return InvalidArgumentError("the new master key is the current one");
  }
  next_.emplace(Entry{std::move(next), std::move(id)});
  return OkStatus();
}

Status Keyring::FinishRotation() {
  std::unique_lock lock(mu_);
  if (!next_) {
    return FailedPreconditionError("no master-key rotation is under way");
  }
  current_ = std::move(next_);  // the old key's SecretKey wipes itself
  next_.reset();
  return OkStatus();
}

bool Keyring::rotating() const {
  std::shared_lock lock(mu_);
  return next_.has_value();
}

StatusOr<SecretKey> Keyring::Derive(std::string_view kek_id, std::string_view salt, std::string_view info,
                                    std::string* used_id) const {
  std::shared_lock lock(mu_);
  const Entry* entry = &WrappingLocked();
  if (!kek_id.empty()) {
    entry = nullptr;
    for (const std::optional<Entry>* candidate : {&current_, &next_}) {
      if (candidate->has_value() && HexEncode((*candidate)->id) == kek_id) entry = &**candidate;
    }
    if (entry == nullptr) {
      return NotFoundError("master key " + std::string(kek_id) + " is not here (this archive holds " +
                           HexEncode(current_->id) + ")");
    }
  }
  if (used_id != nullptr) *used_id = HexEncode(entry->id);
  ARCHIVED_ASSIGN_OR_RETURN(std::string bytes, HkdfSha256(entry->key.bytes(), salt, info, kKeyBytes));
  return SecretKey::FromBytes(bytes);
}

std::string Keyring::current_id() const {
  std::shared_lock lock(mu_);
  return HexEncode(current_->id);
}

std::string Keyring::next_id() const {
  std::shared_lock lock(mu_);
  return next_ ? HexEncode(next_->id) : std::string();
}

std::string Keyring::wrapping_id() const {
  std::shared_lock lock(mu_);
  return HexEncode(WrappingLocked().id);
}

StatusOr<std::string> Keyring::Wrap(const SecretKey& data_key) const {
  std::shared_lock lock(mu_);
  const Entry& entry = WrappingLocked();
  ARCHIVED_ASSIGN_OR_RETURN(std::string wrapped, WrapKey(entry.key, data_key));
  return entry.id + wrapped;
}

StatusOr<SecretKey> Keyring::Unwrap(std::string_view record) const {
  std::shared_lock lock(mu_);
  if (record.size() == kWrappedBytes) {
    // A record from before key ids: whichever key opens it.
    for (const std::optional<Entry>* entry : {&current_, &next_}) {
      if (!entry->has_value()) continue;
      StatusOr<SecretKey> key = UnwrapKey((*entry)->key, record);
      if (key.ok()) return key;
    }
    return DataLossError("no master key of this archive opens the data key");
  }
  if (record.size() != kKeyIdBytes + kWrappedBytes) {
    return DataLossError("a key-vault record of " + std::to_string(record.size()) + " bytes is malformed");
  }
  const std::string_view id = record.substr(0, kKeyIdBytes);
  for (const std::optional<Entry>* entry : {&current_, &next_}) {
    if (entry->has_value() && (*entry)->id == id) {
      return UnwrapKey((*entry)->key, record.substr(kKeyIdBytes));
    }
  }
  return DataLossError("the data key is wrapped by master key " + HexEncode(id) +
                       ", which this archive does not hold (current " + HexEncode(current_->id) + ")");
}

bool Keyring::IsCurrent(std::string_view record) const {
  std::shared_lock lock(mu_);
  return record.size() == kKeyIdBytes + kWrappedBytes && record.substr(0, kKeyIdBytes) == WrappingLocked().id;
}

StatusOr<std::string> Keyring::Rewrap(std::string_view record) const {
  ARCHIVED_ASSIGN_OR_RETURN(SecretKey data_key, Unwrap(record));
  return Wrap(data_key);
}

}  // namespace archived::crypto
