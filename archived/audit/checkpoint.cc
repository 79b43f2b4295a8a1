#include "archived/audit/checkpoint.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include "archived/base/bytes.h"
#include "archived/base/status_macros.h"
#include "archived/v1/proto_time.h"

namespace archived::audit {
namespace {

constexpr std::string_view kCheckpointDomain{"archived.audit.checkpoint.v1\0", 29};
constexpr std::string_view kKeyInfo = "archived audit checkpoint signing key v1";

using v1::TimeOf;

}  // namespace

StatusOr<crypto::SecretKey> InitialCheckpointSeed(const crypto::SecretKey& master_key) {
  ARCHIVED_ASSIGN_OR_RETURN(std::string seed, crypto::HkdfSha256(master_key.bytes(), "archived", kKeyInfo, 32));
  StatusOr<crypto::SecretKey> key = crypto::SecretKey::FromBytes(seed);
  seed.assign(seed.size(), '\0');
  return key;
}

StatusOr<crypto::Ed25519Key> CheckpointKey(const crypto::SecretKey& seed) {
  return crypto::Ed25519Key::FromSeed(seed.bytes());
}

StatusOr<std::string> CheckpointMessage(std::uint64_t seq, std::string_view head_hash_hex, Timestamp time) {
  const std::optional<std::string> hash = HexDecode(head_hash_hex);
  if (!hash || hash->size() != kHashBytes) return InvalidArgumentError("checkpoint: head_hash is not 32 bytes of hex");
  std::string message(kCheckpointDomain);
  AppendBigEndian64(message, seq);
  message += *hash;
  AppendBigEndian64(message, static_cast<std::uint64_t>(ToUnixMicros(time)));
  return message;
}

StatusOr<v1::AuditCheckpoint> MakeCheckpoint(const ChainHead& head, Timestamp time, const crypto::Ed25519Key& key) {
  v1::AuditCheckpoint out;
  out.set_seq(head.seq);
  out.set_head_hash(HexEncode(head.hash));
  v1::SetTime(out.mutable_time(), time);
  ARCHIVED_ASSIGN_OR_RETURN(const std::string message, CheckpointMessage(out.seq(), out.head_hash(), TimeOf(out.time())));
  ARCHIVED_ASSIGN_OR_RETURN(const std::string signature, key.Sign(message));
  out.set_public_key(HexEncode(key.public_key()));
  out.set_signature(HexEncode(signature));
  return out;
}

Status VerifyCheckpointSignature(const v1::AuditCheckpoint& checkpoint) {
  ARCHIVED_ASSIGN_OR_RETURN(const std::string message,
                            CheckpointMessage(checkpoint.seq(), checkpoint.head_hash(), TimeOf(checkpoint.time())));
  const std::optional<std::string> key = HexDecode(checkpoint.public_key());
  const std::optional<std::string> signature = HexDecode(checkpoint.signature());
  if (!key || !signature || !crypto::Ed25519Verify(*key, message, *signature)) {
    return DataLossError("the checkpoint's signature does not hold: it was altered or not made by archived");
  }
  return OkStatus();
}

std::string CheckpointJson(const v1::AuditCheckpoint& checkpoint) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(checkpoint, &out, options);
  return out + "\n";
}

StatusOr<v1::AuditCheckpoint> ParseCheckpointJson(std::string_view json) {
  v1::AuditCheckpoint out;
  if (!google::protobuf::util::JsonStringToMessage(std::string(json), &out).ok()) {
    return InvalidArgumentError("not an audit checkpoint (JSON written by archived)");
  }
  return out;
}

CheckpointFinding CompareWithCheckpoint(const v1::AuditVerification& v, const v1::AuditCheckpoint& checkpoint) {
  const std::string when = google::protobuf::util::TimeUtil::ToString(checkpoint.time()).substr(0, 19) + "Z";
  const auto n = [](std::uint64_t value) { return std::to_string(value); };
  if (!v.ok()) {
    return {false, "AUDIT TRAIL BROKEN at event " + n(v.first_bad_seq()) + ": " + v.problem()};
  }
  if (v.hash_at_seq().empty()) {
    return {false, "AUDIT TRAIL CUT SHORT: it ends at event " + n(v.events()) + ", but the checkpoint of " + when +
                       " saw " + n(checkpoint.seq()) + " events; events from " + n(v.events() + 1) + " are gone"};
  }
  if (v.hash_at_seq() != checkpoint.head_hash()) {
    return {false, "AUDIT TRAIL REWRITTEN: the chain up to event " + n(checkpoint.seq()) +
                       " differs from the checkpoint of " + when};
  }
  return {true, "audit trail intact: " + n(v.events()) + " events, and it holds the checkpoint of " + when +
                    " (event " + n(checkpoint.seq()) + ")"};
}

}  // namespace archived::audit
