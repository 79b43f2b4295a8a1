// The payload codec of content chunks and index text samples: a one-byte tag, then the bytes
// raw (tag 0) or as one zstd frame (tag 1). zstd is used only where it saves at least 1/16.
// The only zstd user in the tree. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "archived/base/status.h"

namespace archived::codec {

// Both write into `out`, replacing it but reusing its capacity.
void EncodePayload(std::string_view plaintext, int zstd_level, std::string* out);
// Errors: kDataLoss for an unknown tag, a bad frame, or a size other than expected_bytes.
Status DecodePayload(std::string_view payload, std::size_t expected_bytes, std::string* out);

}  // namespace archived::codec
