// Sealing of content chunks: the STREAM construction over AES-256-GCM (see FORMAT.md here).
// Each chunk's nonce is its index plus a last-chunk flag, and its associated data binds the
// content id, the index and the flag, so reordering, truncation, splicing between contents
// and moving a chunk to another content are all detected. Each content has its own random
// data key, so (key, nonce) pairs never repeat. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "archived/base/status.h"
#include "archived/crypto/crypto.h"

namespace archived::crypto {

// Persisted in Version.content.seal_format: never renumber.
inline constexpr std::uint32_t kChunkSealFormat = 1;
// Bytes a sealed chunk adds to its plaintext: one format byte and the tag.
inline constexpr std::size_t kChunkOverheadBytes = 1 + kTagBytes;

// Seals into `out`, replacing its contents but reusing its capacity: chunks are sealed in a
// loop, and a fresh megabyte buffer per chunk costs more than the cipher (PERFORMANCE.md).
// Errors: kInternal on OpenSSL failure.
Status SealChunkInto(const SecretKey& data_key, std::string_view content_id, std::uint64_t index,
                     bool last, std::string_view plaintext, std::string* out);
StatusOr<std::string> SealChunk(const SecretKey& data_key, std::string_view content_id,
                                std::uint64_t index, bool last, std::string_view plaintext);

// Errors: kDataLoss if `sealed` is not chunk `index` (with the same `last` flag) of
// `content_id` under `data_key`, or was changed in any way. No plaintext is left in `out`
// then. `out` is replaced, reusing its capacity.
Status OpenChunkInto(const SecretKey& data_key, std::string_view content_id, std::uint64_t index,
                     bool last, std::string_view sealed, std::string* out);
StatusOr<std::string> OpenChunk(const SecretKey& data_key, std::string_view content_id,
                                std::uint64_t index, bool last, std::string_view sealed);

}  // namespace archived::crypto
