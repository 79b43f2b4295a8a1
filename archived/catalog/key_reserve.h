// KeyReserve: a stock of data keys that are already wrapped and durable in the key vault, so
// that filing a document costs no vault fsync of its own. Keys are made and synced in
// batches (one fsync per batch, like borg's nonce reservation); a key is handed out once and
// never reused. The reserve's own thread makes the next batch once the stock is down to half
// a batch, so that filings do not wait for it. The first key is asked for after the startup
// sweep, so no batch is made before it. Reserved keys never used (the process stopped first)
// have no owner and are deleted by the startup sweep. Thread-safe; the vault and master key
// must outlive it.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

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
  KeyReserve(storage::Store* vault, const crypto::Keyring* keyring, std::size_t batch_keys = 256);
  ~KeyReserve();  // stops the thread; a batch being made is finished first
  KeyReserve(const KeyReserve&) = delete;
  KeyReserve& operator=(const KeyReserve&) = delete;

  // A key already durable in the vault; waits for a batch when the stock is empty.
  // Errors: those of the batch that failed meanwhile: kInternal (random source); storage errors.
  StatusOr<ReservedKey> Take();
  // A key from the stock, never waiting; nullopt when the stock is empty.
  std::optional<ReservedKey> TryTake();
  // Drops the stock, and the batch being made if any (waiting until it is in the vault), so
  // that every key handed out from now on is wrapped by the keyring's wrapping key; the
  // dropped keys' vault records become orphans for the startup sweep. A rotation calls it
  // after starting to wrap under the next key and before the rewrap pass.
  void Discard();
  // Keys in stock now.
  std::size_t stocked() const;

 private:
  // Pops a key if there is one and asks for a batch when the stock runs low. Requires mu_.
  std::optional<ReservedKey> PopLocked();
  void RefillLoop();
  StatusOr<std::deque<ReservedKey>> MakeBatch() const;  // makes and syncs; no lock held

  storage::Store* const vault_;
  const crypto::Keyring* const keyring_;
  const std::size_t batch_keys_;
  mutable std::mutex mu_;
  std::condition_variable wanted_;   // the thread: a batch is asked for, or stop
  std::condition_variable refilled_;  // Take and Discard: a batch was made, or failed
  // Guarded by mu_:
  std::deque<ReservedKey> stock_;
  bool asked_ = false;               // a batch is wanted
  bool making_ = false;              // a batch is being made
  bool stopping_ = false;
  std::uint64_t batches_ended_ = 0;  // made or failed
  Status last_batch_;                // how the newest batch ended
  std::thread thread_;
};

}  // namespace archived::catalog
