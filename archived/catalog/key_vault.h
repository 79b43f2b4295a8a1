// The key vault's maintenance, beside KeyReserve (which fills it): the rewrap pass of a
// master-key rotation, and named secrets the daemon keeps wrapped in the vault (the audit
// checkpoint signing seed), so that a rotation carries them over like every data key.
// The rewrap pass must not run while something deletes vault records (destruction takes the
// rotation's turn); filing may go on. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "archived/base/status.h"
#include "archived/crypto/crypto.h"
#include "archived/crypto/keyring.h"
#include "archived/storage/store.h"

namespace archived::catalog {

struct RewrapCounts {
  std::uint64_t records = 0;    // vault records seen in the last pass
  std::uint64_t rewrapped = 0;  // records rewrapped, over all passes
  int passes = 0;
};

// Rewraps every vault record that the keyring's wrapping key did not wrap, `batch_records` per
// synced vault batch, and repeats until a pass finds none (a key reserved just before the
// rotation began may land after the first pass went by). `progress` (optional) is called with
// the running rewrapped count after each batch. Errors: kDataLoss for a record no key of the
// ring opens (the pass stops: the old key must not be retired); storage errors.
StatusOr<RewrapCounts> RewrapVault(storage::Store* vault, const crypto::Keyring& keyring, std::size_t batch_records,
                                   const std::function<void(std::uint64_t)>& progress = nullptr);

// The vault secret `name`: read and unwrapped; when absent, `initial` is stored (wrapped and
// synced) and returned. Errors: kDataLoss if the record does not open; storage errors.
StatusOr<crypto::SecretKey> LoadOrCreateVaultSecret(storage::Store* vault, const crypto::Keyring& keyring,
                                                    std::string_view name, const crypto::SecretKey& initial);

// True for the vault key of a named secret (not a content id; the orphan sweep leaves it).
bool IsVaultSecretKey(std::string_view vault_key);

}  // namespace archived::catalog
