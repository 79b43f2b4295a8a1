// Text validation helpers shared by every module that accepts user strings. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "archived/base/status.h"

namespace archived {

// Eight bytes at a time: a word of text, and tests of whether any of its bytes qualifies.
// The tests are exact for "any" (a borrow only ever follows a byte that qualifies).
inline constexpr std::uint64_t kLowBits = 0x0101010101010101;
inline constexpr std::uint64_t kHighBits = 0x8080808080808080;
inline std::uint64_t LoadWord(const char* bytes) {
  std::uint64_t word;
  std::memcpy(&word, bytes, sizeof word);
  return word;
}
// Nonzero if a byte of `word` is below `n` (n <= 0x80).
constexpr std::uint64_t AnyByteBelow(std::uint64_t word, unsigned char n) {
  return (word - kLowBits * n) & ~word & kHighBits;
}
// Nonzero if a byte of `word` is `c`.
constexpr std::uint64_t AnyByteIs(std::uint64_t word, unsigned char c) { return AnyByteBelow(word ^ (kLowBits * c), 1); }

// True if `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view text);
// `text` without leading and trailing spaces and tabs (HTTP's optional whitespace).
std::string_view TrimSpacesAndTabs(std::string_view text);
// True if `text` contains a C0 control character or DEL (tab excepted when allow_tab).
bool HasControlCharacters(std::string_view text, bool allow_tab = false);
// A text field as stored: at most `max_bytes` of valid UTF-8 without control characters
// (tabs allowed). Errors: kInvalidArgument naming `field` and the rule broken.
Status ValidateText(std::string_view field, std::string_view value, std::size_t max_bytes);
// `text` with ASCII letters lowered (or raised); other bytes, UTF-8 included, unchanged.
std::string AsciiLower(std::string_view text);
std::string AsciiUpper(std::string_view text);
// The longest prefix of `text` of at most `max_bytes` that does not split a UTF-8 character.
std::string_view Utf8Prefix(std::string_view text, std::size_t max_bytes);
// The code point of the UTF-8 character at text[i] and its length in bytes; {0, 1} when the
// bytes there are not a character (a continuation byte, or one cut short).
std::pair<char32_t, std::size_t> Utf8CodePointAt(std::string_view text, std::size_t i);
// Columns `text` takes in a terminal: 2 for each East Asian wide or fullwidth character
// (汉字, kana, Hangul, fullwidth forms: Unicode's EastAsianWidth W and F), 0 for combining
// marks, 1 for the rest.
std::size_t DisplayWidth(std::string_view text);
// A number as people write it: 12.5, 12, 0.25 (no trailing zeros, at most 6 decimals).
std::string FormatShortNumber(double value);
// The longest prefix of `text` at most `columns` wide, with "…" in the last column when cut.
std::string FitColumns(std::string_view text, std::size_t columns);
// True for the ideographs, kana and hangul that are written without spaces between words.
bool IsCjk(char32_t code_point);

}  // namespace archived
