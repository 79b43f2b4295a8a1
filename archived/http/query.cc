#include "archived/http/query.h"

#include <charconv>

#include "archived/base/bytes.h"
#include "archived/base/text.h"

namespace archived::http {
namespace {

std::optional<std::uint64_t> ParseUint(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

StatusOr<std::string> UrlDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%') {
      if (i + 2 >= text.size()) {
        return InvalidArgumentError("bad percent escape in the request target");
      }
      const int hi = HexDigitValue(text[i + 1]), lo = HexDigitValue(text[i + 2]);
      if (hi < 0 || lo < 0) {
        return InvalidArgumentError("bad percent escape in the request target");
      }
      out.push_back(static_cast<char>(hi << 4 | lo));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

std::optional<std::string> Target::Get(std::string_view name) const {
  const auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Target::GetAll(std::string_view name) const {
  std::vector<std::string> out;
  const auto [begin, end] = query.equal_range(std::string(name));
  for (auto it = begin; it != end; ++it) out.push_back(it->second);
  return out;
}

StatusOr<Target> ParseTarget(std::string_view target) {
  if (target.empty() || target[0] != '/') {
    return InvalidArgumentError("the request target must be an absolute path");
  }
  Target out;
  const std::size_t q = target.find('?');
  const std::string_view raw_path = target.substr(0, q);
  // '+' is literal in paths; only the query uses it for spaces.
  std::string path_plus_safe;
  for (const char c : raw_path) {
    if (c == '+') path_plus_safe += "%2B";
    else path_plus_safe.push_back(c);
  }
  auto path = UrlDecode(path_plus_safe);
  if (!path.ok()) return path.status();
  out.path = std::move(*path);
  if (q == std::string_view::npos) return out;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    auto key = UrlDecode(pair.substr(0, eq));
    auto value = UrlDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!key.ok()) return key.status();
    if (!value.ok()) return value.status();
    out.query.emplace(std::move(*key), std::move(*value));
  }
  return out;
}

RangeResult ParseRange(std::string_view header, std::uint64_t size, ByteRange* range) {
  header = TrimSpacesAndTabs(header);
  if (!header.starts_with("bytes=")) return RangeResult::kNone;
  const std::string_view spec = TrimSpacesAndTabs(header.substr(6));
  if (spec.find(',') != std::string_view::npos) return RangeResult::kNone;
  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return RangeResult::kNone;
  const std::string_view a = TrimSpacesAndTabs(spec.substr(0, dash)), b = TrimSpacesAndTabs(spec.substr(dash + 1));
  if (a.empty()) {  // suffix: the last N bytes
    const auto n = ParseUint(b);
    if (!n) return RangeResult::kNone;
    if (*n == 0 || size == 0) return RangeResult::kUnsatisfiable;
    range->first = *n >= size ? 0 : size - *n;
    range->last = size - 1;
    return RangeResult::kSatisfiable;
  }
  const auto first = ParseUint(a);
  if (!first) return RangeResult::kNone;
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!b.empty()) {
    const auto parsed = ParseUint(b);
    if (!parsed || *parsed < *first) return RangeResult::kNone;
    last = std::min(last, *parsed);
  }
  if (*first >= size) return RangeResult::kUnsatisfiable;
  range->first = *first;
  range->last = last;
  return RangeResult::kSatisfiable;
}

bool IfNoneMatchMatches(std::string_view header, std::string_view etag) {
  header = TrimSpacesAndTabs(header);
  if (header == "*") return true;
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    std::string_view tag = TrimSpacesAndTabs(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);  // weak comparison, as If-None-Match uses
    if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') {
      tag = tag.substr(1, tag.size() - 2);
    }
    if (tag == etag) return true;
  }
  return false;
}

std::string ContentDisposition(std::string_view filename) {
  std::string fallback;
  for (const char ch : filename) {
    const auto c = static_cast<unsigned char>(ch);
    fallback.push_back(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? ch : '_');
  }
  if (fallback.empty()) fallback = "download";
  return "attachment; filename=\"" + fallback + "\"; filename*=UTF-8''" + UrlEncode(filename);
}

}  // namespace archived::http
