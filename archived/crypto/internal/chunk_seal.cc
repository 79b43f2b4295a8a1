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

StatusOr<std::string> SealChunk(const SecretKey& data_key, std::string_view content_id,
                                std::uint64_t index, bool last, std::string_view plaintext) {
  ARCHIVED_ASSIGN_OR_RETURN(
      std::string sealed,
      SealAes256Gcm(data_key, Nonce(index, last), plaintext, AssociatedData(content_id, index, last)));
  std::string out;
  out.reserve(sealed.size() + 1);
  out.push_back(kFormatByte);
  out += sealed;
  return out;
}

StatusOr<std::string> OpenChunk(const SecretKey& data_key, std::string_view content_id,
                                std::uint64_t index, bool last, std::string_view sealed) {
  if (sealed.empty() || sealed[0] != kFormatByte) {
    return DataLossError("sealed chunk has an unknown format byte");
  }
  return OpenAes256Gcm(data_key, Nonce(index, last), sealed.substr(1),
                       AssociatedData(content_id, index, last));
}

}  // namespace archived::crypto
