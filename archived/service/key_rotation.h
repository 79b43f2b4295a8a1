// KeyRotator: master-key rotation (issue #4, RELIABILITY R8). One at a time, on a thread of
// its own, while the daemon keeps serving:
//   1. a new random master key is written durably as DATA_DIR/master.key.next;
//   2. the keyring starts wrapping new data keys under it (the reserved stock is dropped);
//   3. every vault record is rewrapped under it, in synced batches, until none is left;
//   4. master.key.next is renamed over master.key and the old key is dropped from memory.
// A kill at any point leaves files from which every data key opens: before (4) both keys are
// on disk and the next start resumes the rotation from (3); after it only the new one is
// needed. Each rotation is audited when it begins ("keys.rotate.begin") and ends
// ("keys.rotate", with the key ids and counts; outcome "failed" if it stopped). Thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "archived/audit/actor.h"
#include "archived/audit/committer.h"
#include "archived/catalog/catalog.h"
#include "archived/crypto/keyring.h"
#include "archived/crypto/master_key.h"
#include "archived/storage/store.h"
#include "archived/v1/api.pb.h"

namespace archived::service {

struct KeyRotationOptions {
  std::size_t batch_records = 1024;  // vault records per synced batch. Default: 1024.
};

class KeyRotator {
 public:
  // Everything must outlive the rotator.
  KeyRotator(crypto::MasterKeyFiles files, crypto::Keyring* keyring, storage::Store* vault,
             catalog::Catalog* catalog, audit::Committer* committer, const Clock& clock,
             KeyRotationOptions options = {})
      : files_(std::move(files)), keyring_(keyring), vault_(vault), catalog_(catalog), committer_(committer),
        clock_(clock), options_(options) {}
  ~KeyRotator();  // waits for a running rotation to finish (a pass costs ~2 µs per data key)

  // Starts a rotation for `actor`. Errors: kFailedPrecondition while one is under way.
  StatusOr<v1::KeyRotationReport> Start(const audit::Actor& actor);
  // Finishes a rotation that a previous run left half done (the keyring is already rotating,
  // loaded from master.key.next). Does nothing otherwise.
  void ResumeIfInterrupted();
  // The running or newest rotation; nullopt before the first.
  std::optional<v1::KeyRotationReport> Latest() const;

 private:
  void Run(const audit::Actor& actor);
  void Update(const std::function<void(v1::KeyRotationReport&)>& change);
  void Begin(const audit::Actor& actor);  // requires mu_: a fresh report, running_ = true

  const crypto::MasterKeyFiles files_;
  crypto::Keyring* const keyring_;
  storage::Store* const vault_;
  catalog::Catalog* const catalog_;
  audit::Committer* const committer_;
  const Clock& clock_;
  const KeyRotationOptions options_;
  mutable std::mutex mu_;
  std::optional<v1::KeyRotationReport> report_;  // guarded by mu_
  bool running_ = false;                         // guarded by mu_
  std::thread thread_;
};

}  // namespace archived::service
