// The payload codec of content chunks and index text samples: a one-byte tag, then the bytes
// raw (tag 0), as one zstd frame (tag 1) or as one LZ4 block (tag 2). Compression is used
// only where it saves at least 1/16. The only zstd and LZ4 user in the tree. Thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "archived/base/status.h"

namespace archived::codec {

// Both write into `out`, replacing it but reusing its capacity. EncodePayload is for what is
// stored more than read (content, backups): zstd at `zstd_level` (0: raw).
void EncodePayload(std::string_view plaintext, int zstd_level, std::string* out);
// For text read far more often than written (the search index's snippet samples): LZ4, which
// compresses less than zstd but decodes several times faster, with no set-up per payload, and
// can stop at any length.
void EncodeFastPayload(std::string_view plaintext, std::string* out);
// Errors: kDataLoss for an unknown tag, a bad frame, or a size other than expected_bytes.
Status DecodePayload(std::string_view payload, std::size_t expected_bytes, std::string* out);
// Decodes a step at a time (a zstd block; for LZ4 a prefix of 2 KiB, then twice as long each
// step), asking `enough` after each with what is decoded so far, and stops when it says so;
// `out` holds that prefix (which may end inside a UTF-8 character), or everything. Errors as
// DecodePayload.
Status DecodePayloadPrefix(std::string_view payload, std::size_t expected_bytes, std::string* out,
                           const std::function<bool(std::string_view decoded)>& enough);

}  // namespace archived::codec
