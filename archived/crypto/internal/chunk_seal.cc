#include "archived/crypto/chunk_seal.h"

#include "archived/base/bytes.h"
#include "archived/base/status_macros.h"

namespace archived::crypto {
namespace {

constexpr char kFormatByte = 0x01;
constexpr std::string_view kDomain = "archived.chunk.v1";

std::string Nonce(std::uint64_t index, bool last) {
  std::string nonce(3, '\0');
  AppendBigEndian64(nonce, index);
  nonce.push_back(last ? '\x01' : '\x00');
  return nonce;
}

std::string AssociatedData(std::string_view content_id, std::uint64_t index, bool last) {
  std::string ad(kDomain);
  ad.push_back('\0');
  ad += content_id;
  AppendBigEndian64(ad, index);
  ad.push_back(last ? '\x01' : '\x00');
  return ad;
}

}  // namespace

Status SealChunkInto(const SecretKey& data_key, std::string_view content_id, std::uint64_t index,
                     bool last, std::string_view plaintext, std::string* out) {
  out->assign(1, kFormatByte);
  return SealAes256GcmInto(data_key, Nonce(index, last), plaintext,
                           AssociatedData(content_id, index, last), out, 1);
}

StatusOr<std::string> SealChunk(const SecretKey& data_key, std::string_view content_id,
                                std::uint64_t index, bool last, std::string_view plaintext) {
  std::string out;
  ARCHIVED_RETURN_IF_ERROR(SealChunkInto(data_key, content_id, index, last, plaintext, &out));
  return out;
}

Status OpenChunkInto(const SecretKey& data_key, std::string_view content_id, std::uint64_t index,
                     bool last, std::string_view sealed, std::string* out) {
  if (sealed.empty() || sealed[0] != kFormatByte) {
    out->clear();
    return DataLossError("sealed chunk has an unknown format byte");
  }
  return OpenAes256GcmInto(data_key, Nonce(index, last), sealed.substr(1),
                           AssociatedData(content_id, index, last), out);
}

StatusOr<std::string> OpenChunk(const SecretKey& data_key, std::string_view content_id,
                                std::uint64_t index, bool last, std::string_view sealed) {
  std::string out;
  ARCHIVED_RETURN_IF_ERROR(OpenChunkInto(data_key, content_id, index, last, sealed, &out));
  return out;
}

}  // namespace archived::crypto
