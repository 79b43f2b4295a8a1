// Turns the bytes of a text file into UTF-8: a BOM (UTF-8, UTF-16LE, UTF-16BE) wins; else
// valid UTF-8; else GB18030 (a superset of GBK and GB2312, common for Chinese office files);
// else Windows-1252. Binary content is refused rather than indexed as junk. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "archived/base/status.h"

namespace archived::extract {

struct DecodedText {
  std::string text;      // valid UTF-8
  std::string encoding;  // "UTF-8", "UTF-16LE", "UTF-16BE", "GB18030" or "WINDOWS-1252"
};

// `bytes` may have been cut at a byte limit: an incomplete character at its end is dropped.
// Errors: kInvalidArgument "binary content, not text" when NUL bytes or many control
// characters show the bytes are not text in any of these encodings.
StatusOr<DecodedText> DecodeText(std::string_view bytes);

// `text` converted from `charset` (an iconv name such as "GB2312", "ISO-8859-1", "UTF-16")
// to UTF-8; invalid sequences become U+FFFD. Errors: kInvalidArgument for an unknown charset.
StatusOr<std::string> ConvertToUtf8(std::string_view text, std::string_view charset);

// Appends code point `cp` as UTF-8 (U+FFFD for a surrogate or a value above U+10FFFF).
void AppendUtf8(std::string& out, char32_t cp);

}  // namespace archived::extract
