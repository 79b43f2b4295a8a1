// The audit chain's hashing and its verifier. Each event's hash is, RFC 6962 style,
// SHA-256(0x01 || prev_hash || SHA-256(0x00 || serialized event)), and the event itself
// carries prev_hash and its seq, so editing, deleting, reordering or inserting an event
// breaks the chain at that point. See FORMAT.md. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "archived/base/status.h"
#include "archived/storage/store.h"
#include "archived/v1/api.pb.h"
#include "archived/v1/audit.pb.h"

namespace archived::audit {

inline constexpr std::size_t kHashBytes = 32;

// The key of audit event `seq` in Keyspace::kAudit.
std::string AuditKey(std::uint64_t seq);

// The chain hash of `event_bytes` following `prev_hash`.
std::string ChainHash(std::string_view prev_hash, std::string_view event_bytes);

// The newest event's seq and hash; seq 0 and 32 zero bytes for an empty chain.
struct ChainHead {
  std::uint64_t seq = 0;
  std::string hash = std::string(kHashBytes, '\0');
};

// Reads and checks the newest event (its hash and its own seq), without walking the chain.
// Errors: kDataLoss if the newest record is malformed or its hash does not match.
StatusOr<ChainHead> ReadHead(const storage::Store& store);

// Up to `max` events from seq `from` on, in order, each checked against its own hash (not
// against the chain: VerifyChain does that). Errors: kDataLoss for a malformed record.
StatusOr<std::vector<v1::AuditEvent>> ReadEvents(const storage::Store& store, std::uint64_t from, std::size_t max);

// Walks the whole chain from seq 1 and checks every record: its key, its own seq, its hash,
// and its link to the one before. A broken chain is reported in the result (ok=false,
// problem=…, first_bad_seq=the first event missing, edited or out of place), not as an
// error. With `at_seq`, also reports the chain hash after that event (for a checkpoint).
// Errors: only storage read failures.
StatusOr<v1::AuditVerification> VerifyChain(const storage::Store& store, std::uint64_t at_seq = 0);

}  // namespace archived::audit
