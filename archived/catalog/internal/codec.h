// The chunk payload codec: a one-byte tag, then the bytes raw (tag 0) or as one zstd frame
// (tag 1). zstd is used only where it saves at least 1/16 of the chunk. The only zstd user
// in the tree. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "archived/base/status.h"

namespace archived::catalog::internal {

std::string EncodePayload(std::string_view plaintext, int zstd_level);
// Errors: kDataLoss for an unknown tag, a bad frame, or a size other than expected_bytes.
StatusOr<std::string> DecodePayload(std::string_view payload, std::size_t expected_bytes);

}  // namespace archived::catalog::internal
