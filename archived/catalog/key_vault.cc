#include "archived/catalog/key_vault.h"

#include "archived/base/bytes.h"
#include "archived/base/status_macros.h"

namespace archived::catalog {
namespace {

using storage::Keyspace;

// Content ids are 16 random bytes; named secrets are longer and start with this prefix.
constexpr std::string_view kSecretPrefix = "secret/";

}  // namespace

bool IsVaultSecretKey(std::string_view vault_key) { return vault_key.starts_with(kSecretPrefix); }

StatusOr<RewrapCounts> RewrapVault(storage::Store* vault, const crypto::Keyring& keyring, std::size_t batch_records,
                                   const std::function<void(std::uint64_t)>& progress) {
  RewrapCounts counts;
  if (batch_records == 0) batch_records = 1;
  for (;;) {
    ++counts.passes;
    std::uint64_t found = 0;
    counts.records = 0;
    storage::WriteBatch batch;
    std::size_t in_batch = 0;
    const auto commit = [&]() -> Status {
      if (in_batch == 0) return OkStatus();
      ARCHIVED_RETURN_IF_ERROR(vault->Commit(batch, {.sync = true}).Annotate("rewrap data keys"));
      batch = storage::WriteBatch();
      counts.rewrapped += in_batch;
      in_batch = 0;
      if (progress) progress(counts.rewrapped);
      return OkStatus();
    };
    auto it = vault->NewIterator(Keyspace::kKeys);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++counts.records;
      if (keyring.IsCurrent(it->value())) continue;
      StatusOr<std::string> rewrapped = keyring.Rewrap(it->value());
      if (!rewrapped.ok()) {
        return rewrapped.status().Annotate("rewrap the vault record of " + HexEncode(it->key()));
      }
      batch.Put(Keyspace::kKeys, it->key(), *rewrapped);
      ++found;
      if (++in_batch >= batch_records) {
        ARCHIVED_RETURN_IF_ERROR(commit());
      }
    }
    ARCHIVED_RETURN_IF_ERROR(it->status());
    ARCHIVED_RETURN_IF_ERROR(commit());
    if (found == 0) return counts;
  }
}

StatusOr<crypto::SecretKey> LoadOrCreateVaultSecret(storage::Store* vault, const crypto::Keyring& keyring,
                                                    std::string_view name, const crypto::SecretKey& initial) {
  const std::string key = std::string(kSecretPrefix) + std::string(name);
  StatusOr<std::string> record = vault->Get(Keyspace::kKeys, key);
  if (record.ok()) {
    StatusOr<crypto::SecretKey> secret = keyring.Unwrap(*record);
    if (!secret.ok()) return secret.status().Annotate("open the vault secret \"" + std::string(name) + "\"");
    return secret;
  }
  if (record.status().code() != StatusCode::kNotFound) {
    return record.status();
  }
  ARCHIVED_ASSIGN_OR_RETURN(std::string wrapped, keyring.Wrap(initial));
  storage::WriteBatch batch;
  batch.Put(Keyspace::kKeys, key, wrapped);
  ARCHIVED_RETURN_IF_ERROR(vault->Commit(batch, {.sync = true}).Annotate("store a vault secret"));
  return crypto::SecretKey::FromBytes(initial.bytes());
}

}  // namespace archived::catalog
