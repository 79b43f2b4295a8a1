// Byte helpers for persisted formats: big-endian fixed-width integers (so that keys sort
// numerically), hex, and base32 ids. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "archived/base/status.h"

namespace archived {

void AppendBigEndian32(std::string& out, std::uint32_t value);
void AppendBigEndian64(std::string& out, std::uint64_t value);
// Reads 4 or 8 bytes at the start of `in`; nullopt if `in` is shorter.
std::optional<std::uint32_t> ReadBigEndian32(std::string_view in);
std::optional<std::uint64_t> ReadBigEndian64(std::string_view in);
// A stored big-endian u64 (a counter or a mark) from the result of reading it: 0 when it was
// never written (kNotFound). Errors: the read's own; kDataLoss "<what> is malformed" unless
// it is exactly 8 bytes.
StatusOr<std::uint64_t> ParseStoredUint64(const StatusOr<std::string>& stored, std::string_view what);

// The value of one hex digit (either case), or -1.
int HexDigitValue(char c);
// Lowercase hex.
std::string HexEncode(std::string_view bytes);
// nullopt unless `hex` is an even number of hex digits.
std::optional<std::string> HexDecode(std::string_view hex);

}  // namespace archived
