// The payload codec of content chunks and index text samples: a one-byte tag, then the bytes
// raw (tag 0) or as one zstd frame (tag 1). zstd is used only where it saves at least 1/16.
// The only zstd user in the tree. Thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "archived/base/status.h"

namespace archived::codec {

// Both write into `out`, replacing it but reusing its capacity. With block_bytes, the zstd
// frame is ended a block every block_bytes of plaintext, so that DecodePayloadPrefix can stop
// early (costing a little compression).
void EncodePayload(std::string_view plaintext, int zstd_level, std::string* out, std::size_t block_bytes = 0);
// Errors: kDataLoss for an unknown tag, a bad frame, or a size other than expected_bytes.
Status DecodePayload(std::string_view payload, std::size_t expected_bytes, std::string* out);
// Decodes a block at a time, asking `enough` after each with what is decoded so far, and
// stops when it says so; `out` holds that prefix (which may end inside a UTF-8 character),
// or everything. Errors as DecodePayload.
Status DecodePayloadPrefix(std::string_view payload, std::size_t expected_bytes, std::string* out,
                           const std::function<bool(std::string_view decoded)>& enough);

}  // namespace archived::codec
