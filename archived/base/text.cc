#include "archived/base/text.h"

#include <cstdint>

namespace archived {

bool IsValidUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    std::uint32_t code = 0;
    if (c < 0x80) {
      // Eight ASCII bytes at a time, where ASCII is.
      i += i + 8 <= text.size() && (LoadWord(text.data() + i) & kHighBits) == 0 ? 8 : 1;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1;
      code = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      code = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      code = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= text.size()) {
      return false;
    }
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xc0) != 0x80) {
        return false;
      }
      code = (code << 6) | (cc & 0x3f);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (code < kMin[extra] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

std::string_view TrimSpacesAndTabs(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool HasControlCharacters(std::string_view text, bool allow_tab) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && !(allow_tab && c == '\t')) || c == 0x7f) {
      return true;
    }
  }
  return false;
}

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string AsciiUpper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string_view Utf8Prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  while (max_bytes > 0 && (static_cast<unsigned char>(text[max_bytes]) & 0xC0) == 0x80) --max_bytes;
  return text.substr(0, max_bytes);
}

std::pair<char32_t, std::size_t> Utf8CodePointAt(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  const std::size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
  if (n == 0 || i + n > text.size()) return {0, 1};
  if (n == 1) return {c, 1};
  char32_t cp = c & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
  return {cp, n};
}

Status ValidateText(std::string_view field, std::string_view value, std::size_t max_bytes) {
  if (value.size() > max_bytes) {
    return InvalidArgumentError(std::string(field) + ": longer than " + std::to_string(max_bytes) + " bytes");
  }
  if (!IsValidUtf8(value)) return InvalidArgumentError(std::string(field) + ": not valid UTF-8");
  if (HasControlCharacters(value, /*allow_tab=*/true)) {
    return InvalidArgumentError(std::string(field) + ": contains control characters");
  }
  return OkStatus();
}

bool IsCjk(char32_t cp) {
  return (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
         (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FFFF);
}

namespace {

std::size_t ColumnsOf(char32_t c) {
  // Combining marks and zero-width characters.
  if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) || (c >= 0xFE00 && c <= 0xFE0F)) return 0;
  // EastAsianWidth W and F, by block.
  const bool wide = (c >= 0x1100 && c <= 0x115F) ||   // Hangul Jamo initials
                    (c >= 0x2E80 && c <= 0x303E) ||   // CJK radicals, punctuation (、。「」)
                    (c >= 0x3041 && c <= 0x33FF) ||   // kana, bopomofo, CJK compatibility
                    (c >= 0x3400 && c <= 0x4DBF) ||   // CJK extension A
                    (c >= 0x4E00 && c <= 0x9FFF) ||   // CJK unified ideographs
                    (c >= 0xA000 && c <= 0xA4CF) ||   // Yi
                    (c >= 0xAC00 && c <= 0xD7A3) ||   // Hangul syllables
                    (c >= 0xF900 && c <= 0xFAFF) ||   // CJK compatibility ideographs
                    (c >= 0xFE30 && c <= 0xFE4F) ||   // CJK compatibility forms
                    (c >= 0xFF00 && c <= 0xFF60) ||   // fullwidth forms (，：（）)
                    (c >= 0xFFE0 && c <= 0xFFE6) ||   // fullwidth signs (￥)
                    (c >= 0x1F300 && c <= 0x1F64F) || // pictographs, emoticons
                    (c >= 0x20000 && c <= 0x3FFFD);   // CJK extensions B and later
  return wide ? 2 : 1;
}

}  // namespace

std::size_t DisplayWidth(std::string_view text) {
  std::size_t columns = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto [c, length] = Utf8CodePointAt(text, i);
    columns += ColumnsOf(c);
    i += length;
  }
  return columns;
}

std::string FitColumns(std::string_view text, std::size_t columns) {
  if (DisplayWidth(text) <= columns) return std::string(text);
  if (columns == 0) return "";
  std::string out;
  std::size_t used = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto [c, length] = Utf8CodePointAt(text, i);
    if (used + ColumnsOf(c) > columns - 1) break;  // one column kept for the ellipsis
    used += ColumnsOf(c);
    out.append(text.substr(i, length));
    i += length;
  }
  return out + "…";
}

std::string FormatShortNumber(double value) {
  std::string text = std::to_string(value);
  while (!text.empty() && text.back() == '0') text.pop_back();
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

}  // namespace archived
