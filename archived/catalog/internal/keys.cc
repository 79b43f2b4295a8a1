#include "archived/catalog/internal/keys.h"

#include "archived/base/bytes.h"

namespace archived::catalog::internal {

std::string VersionPrefix(std::string_view document_id) {
  std::string key(document_id);
  key.push_back('\0');
  return key;
}

std::string VersionKey(std::string_view document_id, std::uint32_t version) {
  std::string key = VersionPrefix(document_id);
  AppendBigEndian32(key, version);
  return key;
}

std::string ChunkKey(std::string_view content_id, std::uint64_t index) {
  std::string key(content_id);
  AppendBigEndian64(key, index);
  return key;
}

std::string ChunkRangeBegin(std::string_view content_id) { return std::string(content_id); }

std::string ChunkRangeEnd(std::string_view content_id) {
  // Every chunk key is content_id + 8 bytes, so content_id + 0xff * 9 is past all of them.
  std::string key(content_id);
  key.append(9, '\xff');
  return key;
}

std::string FilingOrderPrefix() { return "t"; }

std::string FilingOrderKey(std::uint64_t filing_seq) {
  std::string key = FilingOrderPrefix();
  AppendBigEndian64(key, filing_seq);
  return key;
}

std::string CategoryOrderPrefix(std::string_view category) {
  std::string key = "c";
  key += category;
  key.push_back('\0');
  return key;
}

std::string CategoryOrderKey(std::string_view category, std::uint64_t filing_seq) {
  std::string key = CategoryOrderPrefix(category);
  AppendBigEndian64(key, filing_seq);
  return key;
}

// Built by appending: GCC 12 at -O3 misreports -Wrestrict on "x" + std::string(…).
std::string ReferenceCodeKey(std::string_view reference_code) {
  std::string key = "r";
  key += reference_code;
  return key;
}

std::string ContentOwnerKey(std::string_view content_id) {
  std::string key = "k";
  key += content_id;
  return key;
}

std::string ContentSharesKey(std::string_view content_id) {
  std::string key = "n";
  key += content_id;
  return key;
}

std::string ContentDigestKey(std::string_view scope, std::string_view sha256) {
  std::string key = "h";
  key += scope;
  key.push_back('\0');
  key += sha256.substr(0, kDigestPrefixBytes);
  return key;
}

std::string IndexQueueKey(std::uint64_t seq) {
  std::string key;
  AppendBigEndian64(key, seq);
  return key;
}

}  // namespace archived::catalog::internal
