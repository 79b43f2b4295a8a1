// KeyReserve: a stock of data keys that are already wrapped and durable in the key vault, so
// that filing a document costs no vault fsync of its own. Keys are made and synced in
// batches (one fsync per batch, like borg's nonce reservation); a key is handed out once and
// never reused. Reserved keys never used (the process stopped first) have no owner and are
// deleted by the startup sweep. Thread-safe; the vault and master key must outlive it.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "archived/base/status.h"
#include "archived/crypto/crypto.h"
#include "archived/crypto/keyring.h"
#include "archived/storage/store.h"

namespace archived::catalog {

struct ReservedKey {
  std::string content_id;  // 16 random bytes: the vault key and the chunk prefix
  crypto::SecretKey data_key;
};

class KeyReserve {
 public:
  // `batch_keys` keys are made per vault write. Default: 256.
  KeyReserve(storage::Store* vault, const crypto::Keyring* keyring, std::size_t batch_keys = 256)
      : vault_(vault), keyring_(keyring), batch_keys_(batch_keys) {}

  // A key already durable in the vault. Errors: kInternal (random source); storage errors.
  StatusOr<ReservedKey> Take();
  // A key from the stock, never waiting (not even for a refill under way); nullopt when
  // none can be had at once.
  std::optional<ReservedKey> TryTake();
  // Drops the stock (its vault records become orphans for the startup sweep), so that every
  // key handed out from now on is wrapped by the keyring's wrapping key. A rotation calls it.
  void Discard();

 private:
  Status Refill();  // requires mu_
  storage::Store* const vault_;
  const crypto::Keyring* const keyring_;
  const std::size_t batch_keys_;
  std::mutex mu_;
  std::deque<ReservedKey> stock_;  // guarded by mu_
};

}  // namespace archived::catalog
