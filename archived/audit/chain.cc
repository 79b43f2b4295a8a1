#include "archived/audit/chain.h"

#include "archived/base/bytes.h"
#include "archived/base/status_macros.h"
#include "archived/crypto/crypto.h"

namespace archived::audit {
namespace {

// RFC 6962 §2.1 domain separation: leaves and interior nodes hash with different prefixes.
constexpr std::string_view kLeafPrefix{"\x00", 1};
constexpr std::string_view kNodePrefix{"\x01", 1};

struct Decoded {
  v1::AuditEvent event;
  std::string hash;
};

StatusOr<Decoded> Decode(std::string_view key, std::string_view value) {
  v1::AuditRecord record;
  Decoded out;
  const std::optional<std::uint64_t> seq = ReadBigEndian64(key);
  if (!seq || key.size() != 8 || !record.ParseFromArray(value.data(), static_cast<int>(value.size())) ||
      !out.event.ParseFromString(record.event()) || record.hash().size() != kHashBytes) {
    return DataLossError("audit record is malformed");
  }
  if (out.event.seq() != *seq) {
    return DataLossError("audit record " + std::to_string(*seq) + " carries seq " +
                         std::to_string(out.event.seq()));
  }
  if (ChainHash(out.event.prev_hash(), record.event()) != record.hash()) {
    return DataLossError("audit event " + std::to_string(*seq) + " does not match its hash");
  }
  out.hash = record.hash();
  return out;
}

}  // namespace

std::string AuditKey(std::uint64_t seq) {
  std::string key;
  AppendBigEndian64(key, seq);
  return key;
}

std::string ChainHash(std::string_view prev_hash, std::string_view event_bytes) {
  crypto::Sha256 leaf;
  leaf.Update(kLeafPrefix);
  leaf.Update(event_bytes);
  const std::string leaf_hash = leaf.Finish();
  crypto::Sha256 node;
  node.Update(kNodePrefix);
  node.Update(prev_hash);
  node.Update(leaf_hash);
  return node.Finish();
}

StatusOr<ChainHead> ReadHead(const storage::Store& store) {
  auto it = store.NewIterator(storage::Keyspace::kAudit);
  it->SeekToLast();
  ARCHIVED_RETURN_IF_ERROR(it->status());
  ChainHead head;
  if (!it->Valid()) {
    return head;
  }
  ARCHIVED_ASSIGN_OR_RETURN(Decoded last, Decode(it->key(), it->value()));
  head.seq = last.event.seq();
  head.hash = last.hash;
  return head;
}

StatusOr<std::vector<v1::AuditEvent>> ReadEvents(const storage::Store& store, std::uint64_t from, std::size_t max) {
  std::vector<v1::AuditEvent> out;
  auto it = store.NewIterator(storage::Keyspace::kAudit);
  for (it->Seek(AuditKey(from)); it->Valid() && out.size() < max; it->Next()) {
    ARCHIVED_ASSIGN_OR_RETURN(Decoded decoded, Decode(it->key(), it->value()));
    out.push_back(std::move(decoded.event));
  }
  ARCHIVED_RETURN_IF_ERROR(it->status());
  return out;
}

StatusOr<v1::AuditVerification> VerifyChain(const storage::Store& store, std::uint64_t at_seq) {
  v1::AuditVerification result;
  ChainHead head;
  const auto fail = [&](std::uint64_t seq, std::string problem) {
    result.set_first_bad_seq(seq);
    result.set_problem(std::move(problem));
  };
  auto it = store.NewIterator(storage::Keyspace::kAudit);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::uint64_t expected = head.seq + 1;
    const std::optional<std::uint64_t> key_seq = it->key().size() == 8 ? ReadBigEndian64(it->key()) : std::nullopt;
    if (!key_seq) {
      fail(expected, "audit record after event " + std::to_string(head.seq) + " has a malformed key");
      break;
    }
    if (*key_seq != expected) {
      fail(expected, "audit event " + std::to_string(expected) + " is missing (the next is " +
                         std::to_string(*key_seq) + ")");
      break;
    }
    StatusOr<Decoded> decoded = Decode(it->key(), it->value());
    if (!decoded.ok()) {
      fail(expected, decoded.status().message());
      break;
    }
    if (decoded->event.prev_hash() != head.hash) {
      fail(expected, "audit event " + std::to_string(expected) + " does not link to the event before it");
      break;
    }
    head.seq = expected;
    head.hash = decoded->hash;
    if (head.seq == at_seq) result.set_hash_at_seq(HexEncode(head.hash));
  }
  ARCHIVED_RETURN_IF_ERROR(it->status());
  result.set_ok(result.problem().empty());
  result.set_events(head.seq);
  result.set_head_hash(HexEncode(head.hash));
  result.set_at_seq(at_seq);
  return result;
}

}  // namespace archived::audit
