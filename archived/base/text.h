// Text validation helpers shared by every module that accepts user strings. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace archived {

// True if `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view text);
// `text` without leading and trailing spaces and tabs (HTTP's optional whitespace).
std::string_view TrimSpacesAndTabs(std::string_view text);
// True if `text` contains a C0 control character or DEL (tab excepted when allow_tab).
bool HasControlCharacters(std::string_view text, bool allow_tab = false);
// `text` with ASCII letters lowered (or raised); other bytes, UTF-8 included, unchanged.
std::string AsciiLower(std::string_view text);
std::string AsciiUpper(std::string_view text);
// The longest prefix of `text` of at most `max_bytes` that does not split a UTF-8 character.
std::string_view Utf8Prefix(std::string_view text, std::size_t max_bytes);

}  // namespace archived
