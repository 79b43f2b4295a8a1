// Key encodings of the catalogue (see ../FORMAT.md). Private to the catalog module.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace archived::catalog::internal {

inline constexpr std::size_t kContentIdBytes = 16;

std::string VersionKey(std::string_view document_id, std::uint32_t version);
// The first key of every version of `document_id`, and the key just past them.
std::string VersionPrefix(std::string_view document_id);
std::string ChunkKey(std::string_view content_id, std::uint64_t index);
// [begin, end) of every chunk of `content_id`.
std::string ChunkRangeBegin(std::string_view content_id);
std::string ChunkRangeEnd(std::string_view content_id);

std::string FilingOrderKey(std::uint64_t filing_seq);                        // "t" …
std::string FilingOrderPrefix();
std::string CategoryOrderKey(std::string_view category, std::uint64_t filing_seq);  // "c" …
std::string CategoryOrderPrefix(std::string_view category);
std::string ReferenceCodeKey(std::string_view reference_code);               // "r" …
// "k" …: exists while the content is stored; its value is the VersionKey of the first
// version that stored it.
std::string ContentOwnerKey(std::string_view content_id);
// "n" …: u64, how many versions share the content besides the first (absent: none).
std::string ContentSharesKey(std::string_view content_id);
// "h" scope 0x00 and the first kDigestPrefixBytes of the plaintext's SHA-256 (`sha256`, 32
// raw bytes): the content id of stored content with that digest, to be shared within `scope`.
inline constexpr std::size_t kDigestPrefixBytes = 8;
std::string ContentDigestKey(std::string_view scope, std::string_view sha256);
std::string IndexQueueKey(std::uint64_t seq);

}  // namespace archived::catalog::internal
