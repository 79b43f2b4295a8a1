// Signed checkpoints of the audit chain (proto AuditCheckpoint): made by the daemon every so
// many events or minutes and written to a file outside the data directory, and checked by
// `archivectl audit verify --checkpoint FILE`. Pure functions; thread-safe.
#pragma once

#include <string>

#include "archived/audit/chain.h"
#include "archived/base/clock.h"
#include "archived/base/status.h"
#include "archived/crypto/crypto.h"
#include "archived/v1/audit.pb.h"

namespace archived::audit {

// The checkpoint signing key comes from a 32-byte seed that the daemon keeps in the key vault
// (wrapped by the master key, so a master-key rotation carries it over and the public key
// stays the same). A new archive's seed is derived from its first master key (HKDF-SHA256,
// one-way: the seed does not reveal the key). Errors: kInternal.
StatusOr<crypto::SecretKey> InitialCheckpointSeed(const crypto::SecretKey& master_key);
StatusOr<crypto::Ed25519Key> CheckpointKey(const crypto::SecretKey& seed);

// The bytes a checkpoint's signature covers. Errors: kInvalidArgument for a malformed hash.
StatusOr<std::string> CheckpointMessage(std::uint64_t seq, std::string_view head_hash_hex, Timestamp time);

StatusOr<v1::AuditCheckpoint> MakeCheckpoint(const ChainHead& head, Timestamp time, const crypto::Ed25519Key& key);

// Errors: kDataLoss when the signature does not hold (the message says so).
Status VerifyCheckpointSignature(const v1::AuditCheckpoint& checkpoint);

// What the verification of a trail up to a checkpoint's seq (VerifyChain with at_seq) says of
// that checkpoint: whether the trail still holds it, and one line saying so or naming the
// problem ("AUDIT TRAIL BROKEN at event N", "… CUT SHORT", "… REWRITTEN"). The signature is
// checked separately (VerifyCheckpointSignature).
struct CheckpointFinding {
  bool holds = false;
  std::string message;
};
CheckpointFinding CompareWithCheckpoint(const v1::AuditVerification& verification,
                                        const v1::AuditCheckpoint& checkpoint);

// The checkpoint as one line of JSON, and back. Errors: kInvalidArgument.
std::string CheckpointJson(const v1::AuditCheckpoint& checkpoint);
StatusOr<v1::AuditCheckpoint> ParseCheckpointJson(std::string_view json);

}  // namespace archived::audit
