#include "indexer/extract/text_decode.h"

#include <iconv.h>

#include <cerrno>
#include <cstdint>

#include "archived/base/text.h"

namespace archived::extract {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Windows-1252's 0x80–0x9F; 0 where the code page leaves a byte undefined.
constexpr char16_t kCp1252High[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
    0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178};

// Text has few control characters besides tab, newlines and form feed; binary has many.
bool LooksBinary(std::string_view bytes) {
  const std::size_t sample = std::min<std::size_t>(bytes.size(), 64 << 10);
  std::size_t controls = 0;
  for (std::size_t i = 0; i < sample; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c == 0) return true;
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1b) ++controls;
  }
  return controls * 100 > sample;  // more than 1%
}

std::string DecodeUtf16(std::string_view bytes, bool little_endian) {
  std::string out;
  out.reserve(bytes.size() * 3 / 2);
  const auto unit = [&](std::size_t i) -> char16_t {
    const auto a = static_cast<unsigned char>(bytes[i]);
    const auto b = static_cast<unsigned char>(bytes[i + 1]);
    return static_cast<char16_t>(little_endian ? (b << 8 | a) : (a << 8 | b));
  };
  for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
    const char16_t u = unit(i);
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (i + 3 >= bytes.size()) break;  // a pair cut at the end
      const char16_t low = unit(i + 2);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        AppendUtf8(out, 0x10000 + ((static_cast<char32_t>(u) - 0xD800) << 10) + (low - 0xDC00));
        i += 2;
        continue;
      }
      AppendUtf8(out, kReplacement);
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      AppendUtf8(out, kReplacement);
    } else {
      AppendUtf8(out, u);
    }
  }
  return out;
}

// The length of the longest valid UTF-8 prefix of `bytes` that loses at most a character cut
// at the very end (the byte limit's doing); npos when `bytes` is not UTF-8.
std::size_t Utf8PrefixWithoutCutTail(std::string_view bytes) {
  if (IsValidUtf8(bytes)) return bytes.size();
  for (std::size_t k = 1; k <= 3 && k <= bytes.size(); ++k) {
    const auto c = static_cast<unsigned char>(bytes[bytes.size() - k]);
    if (c < 0x80) break;
    if (c >= 0xC0) {
      const std::size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      if (need > k && IsValidUtf8(bytes.substr(0, bytes.size() - k))) return bytes.size() - k;
      break;
    }
  }
  return std::string_view::npos;
}

class Iconv {
 public:
  explicit Iconv(const std::string& from) : cd_(iconv_open("UTF-8", from.c_str())) {}
  ~Iconv() {
    if (ok()) iconv_close(cd_);
  }
  Iconv(const Iconv&) = delete;
  Iconv& operator=(const Iconv&) = delete;
  bool ok() const { return cd_ != reinterpret_cast<iconv_t>(-1); }

  // Converts all of `in`. With `strict`, the first invalid sequence fails the conversion;
  // otherwise it becomes U+FFFD. A sequence cut at the end is dropped either way.
  bool Convert(std::string_view in, bool strict, std::string& out) {
    out.clear();
    out.reserve(in.size() * 3 / 2 + 16);
    char* src = const_cast<char*>(in.data());
    std::size_t src_left = in.size();
    char buffer[16384];
    while (src_left > 0) {
      char* dst = buffer;
      std::size_t dst_left = sizeof buffer;
      const std::size_t r = iconv(cd_, &src, &src_left, &dst, &dst_left);
      out.append(buffer, static_cast<std::size_t>(dst - buffer));
      if (r != static_cast<std::size_t>(-1)) continue;
      if (errno == E2BIG) continue;
      if (errno == EINVAL) break;  // cut at the end
      if (strict) return false;
      AppendUtf8(out, kReplacement);
      ++src;
      --src_left;
    }
    return true;
  }

 private:
  iconv_t cd_;
};

}  // namespace

void AppendUtf8(std::string& out, char32_t cp) {
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = kReplacement;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

StatusOr<std::string> ConvertToUtf8(std::string_view text, std::string_view charset) {
  std::string name(charset);
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  // GB18030 decodes everything GB2312 and GBK do, and labels lie: read them all as GB18030.
  if (name == "GB2312" || name == "GBK" || name == "X-GBK" || name == "CP936") name = "GB18030";
  if (name == "UTF-8" || name == "UTF8" || name == "US-ASCII" || name == "ASCII") {
    if (IsValidUtf8(text)) return std::string(text);
    name = "UTF-8";
  }
  Iconv conv(name);
  if (!conv.ok()) return InvalidArgumentError("unknown charset \"" + std::string(charset) + "\"");
  std::string out;
  conv.Convert(text, /*strict=*/false, out);
  return out;
}

StatusOr<DecodedText> DecodeText(std::string_view bytes) {
  if (bytes.starts_with("\xEF\xBB\xBF")) {
    bytes.remove_prefix(3);
    const std::size_t end = Utf8PrefixWithoutCutTail(bytes);
    StatusOr<std::string> text =
        ConvertToUtf8(end == std::string_view::npos ? bytes : bytes.substr(0, end), "UTF-8");
    if (!text.ok()) return text.status();
    return DecodedText{std::move(*text), "UTF-8"};
  }
  if (bytes.starts_with("\xFF\xFE") || bytes.starts_with("\xFE\xFF")) {
    const bool little = bytes[0] == '\xFF';
    return DecodedText{DecodeUtf16(bytes.substr(2), little), little ? "UTF-16LE" : "UTF-16BE"};
  }
  if (LooksBinary(bytes)) return InvalidArgumentError("binary content, not text");
  if (const std::size_t utf8_end = Utf8PrefixWithoutCutTail(bytes); utf8_end != std::string_view::npos) {
    return DecodedText{std::string(bytes.substr(0, utf8_end)), "UTF-8"};
  }
  std::string out;
  if (Iconv gb("GB18030"); gb.ok() && gb.Convert(bytes, /*strict=*/true, out)) {
    return DecodedText{std::move(out), "GB18030"};
  }
  out.clear();
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    const char16_t cp = (c >= 0x80 && c < 0xA0) ? kCp1252High[c - 0x80] : c;
    AppendUtf8(out, cp == 0 ? kReplacement : cp);
  }
  return DecodedText{std::move(out), "WINDOWS-1252"};
}

}  // namespace archived::extract
