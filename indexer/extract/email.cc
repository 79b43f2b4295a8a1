#include <string>
#include <vector>

#include "archived/base/bytes.h"
#include "archived/base/text.h"
#include "indexer/extract/formats.h"
#include "indexer/extract/markup.h"
#include "indexer/extract/text_decode.h"

namespace archived::extract {
namespace {

constexpr int kMaxDepth = 8;        // nested multiparts and attached messages
constexpr std::size_t kMaxParts = 200;

struct Header {
  std::string name;  // lower case
  std::string value;
};

struct Part {
  std::vector<Header> headers;
  std::string_view body;
};

Part SplitPart(std::string_view raw) {
  Part part;
  std::size_t i = 0;
  while (i < raw.size()) {
    std::size_t eol = raw.find('\n', i);
    if (eol == std::string_view::npos) eol = raw.size();
    std::string_view line = raw.substr(i, eol - i);
    if (line.ends_with('\r')) line.remove_suffix(1);
    i = eol + 1;
    if (line.empty()) {
      part.body = raw.substr(std::min(i, raw.size()));
      return part;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !part.headers.empty()) {
      part.headers.back().value += ' ';
      part.headers.back().value += TrimSpacesAndTabs(line);  // a folded line
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    part.headers.push_back({AsciiLower(TrimSpacesAndTabs(line.substr(0, colon))),
                            std::string(TrimSpacesAndTabs(line.substr(colon + 1)))});
  }
  return part;  // headers only
}

std::string HeaderValue(const Part& part, std::string_view name) {
  for (const Header& h : part.headers) {
    if (h.name == name) return h.value;
  }
  return "";
}

// The parameter `name` of a header value such as `text/plain; charset="gb2312"`.
std::string Parameter(std::string_view value, std::string_view name) {
  std::size_t i = value.find(';');
  while (i != std::string_view::npos) {
    const std::size_t eq = value.find('=', i);
    if (eq == std::string_view::npos) break;
    const std::string key = AsciiLower(TrimSpacesAndTabs(value.substr(i + 1, eq - i - 1)));
    std::size_t end;
    std::string v;
    if (eq + 1 < value.size() && value[eq + 1] == '"') {
      end = value.find('"', eq + 2);
      v = std::string(value.substr(eq + 2, (end == std::string_view::npos ? value.size() : end) - eq - 2));
      end = end == std::string_view::npos ? end : value.find(';', end);
    } else {
      end = value.find(';', eq);
      v = std::string(TrimSpacesAndTabs(value.substr(eq + 1, (end == std::string_view::npos ? value.size() : end) - eq - 1)));
    }
    if (key == name) return v;
    i = end;
  }
  return "";
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::string DecodeBase64(std::string_view in) {
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    const int v = Base64Value(c);
    if (v < 0) continue;  // line breaks, padding, junk
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

// Quoted-printable; in a header (`q_encoding`), '_' is a space.
std::string DecodeQuotedPrintable(std::string_view in, bool q_encoding) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '=' && i + 1 < in.size() && (in[i + 1] == '\n' || in[i + 1] == '\r')) {
      i += (in[i + 1] == '\r' && i + 2 < in.size() && in[i + 2] == '\n') ? 2 : 1;  // soft break
    } else if (c == '=' && i + 2 < in.size() && HexDigitValue(in[i + 1]) >= 0 && HexDigitValue(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexDigitValue(in[i + 1]) * 16 + HexDigitValue(in[i + 2])));
      i += 2;
    } else {
      out.push_back(q_encoding && c == '_' ? ' ' : c);
    }
  }
  return out;
}

std::string ToUtf8(std::string_view bytes, const std::string& charset) {
  if (!charset.empty()) {
    if (StatusOr<std::string> s = ConvertToUtf8(bytes, charset); s.ok()) return *s;
  }
  StatusOr<DecodedText> guessed = DecodeText(bytes);
  return guessed.ok() ? guessed->text : std::string();
}

// RFC 2047 encoded words: =?charset?B?…?= and =?charset?Q?…?=.
std::string DecodeHeader(std::string_view value) {
  std::string out;
  std::size_t i = 0;
  bool last_was_word = false;
  while (i < value.size()) {
    const std::size_t start = value.find("=?", i);
    if (start == std::string_view::npos) break;
    const std::size_t q1 = value.find('?', start + 2);
    const std::size_t q2 = q1 == std::string_view::npos ? q1 : value.find('?', q1 + 1);
    const std::size_t end = q2 == std::string_view::npos ? q2 : value.find("?=", q2 + 1);
    if (end == std::string_view::npos || q2 != q1 + 2) {
      out.append(value.substr(i, start + 2 - i));
      i = start + 2;
      last_was_word = false;
      continue;
    }
    const std::string_view between = value.substr(i, start - i);
    // Whitespace between two encoded words is not text.
    if (!(last_was_word && TrimSpacesAndTabs(between).empty())) out.append(between);
    const std::string charset = std::string(value.substr(start + 2, q1 - start - 2));
    const char encoding = static_cast<char>(std::toupper(static_cast<unsigned char>(value[q1 + 1])));
    const std::string_view payload = value.substr(q2 + 1, end - q2 - 1);
    const std::string raw = encoding == 'B' ? DecodeBase64(payload) : DecodeQuotedPrintable(payload, true);
    out += ToUtf8(raw, charset);
    i = end + 2;
    last_was_word = true;
  }
  out.append(value.substr(std::min(i, value.size())));
  return out;
}

class EmailReader {
 public:
  explicit EmailReader(std::size_t limit) : limit_(limit) {}

  Status Read(std::string_view raw, int depth) {
    if (depth > kMaxDepth) return InvalidArgumentError("e-mail nested more than " + std::to_string(kMaxDepth) + " deep");
    if (++parts_ > kMaxParts) return ResourceExhaustedError("e-mail with more than " + std::to_string(kMaxParts) + " parts");
    const Part part = SplitPart(raw);
    for (const char* name : {"subject", "from", "to", "cc", "date"}) {
      const std::string v = HeaderValue(part, name);
      if (!v.empty()) Append(DecodeHeader(v) + "\n");
    }
    const std::string content_type = HeaderValue(part, "content-type");
    const std::string mime = AsciiLower(TrimSpacesAndTabs(content_type.substr(0, content_type.find(';'))));
    if (mime.starts_with("multipart/")) {
      const std::string boundary = Parameter(content_type, "boundary");
      if (boundary.empty()) return InvalidArgumentError("multipart e-mail part without a boundary");
      return ReadMultipart(part.body, boundary, depth);
    }
    const std::string encoding = AsciiLower(HeaderValue(part, "content-transfer-encoding"));
    std::string body = encoding == "base64"             ? DecodeBase64(part.body)
                       : encoding == "quoted-printable" ? DecodeQuotedPrintable(part.body, false)
                                                        : std::string(part.body);
    if (mime == "message/rfc822") return Read(body, depth + 1);
    const std::string disposition = AsciiLower(HeaderValue(part, "content-disposition"));
    if (disposition.starts_with("attachment")) {
      const std::string name = Parameter(HeaderValue(part, "content-disposition"), "filename");
      if (!name.empty()) Append("attachment: " + DecodeHeader(name) + "\n");
      return OkStatus();
    }
    if (mime.empty() || mime == "text/plain") {
      Append(ToUtf8(body, Parameter(content_type, "charset")) + "\n");
    } else if (mime == "text/html") {
      Append(HtmlToText(ToUtf8(body, Parameter(content_type, "charset")), limit_) + "\n");
    }
    return OkStatus();
  }

  std::string Take() { return std::move(out_); }

 private:
  Status ReadMultipart(std::string_view body, const std::string& boundary, int depth) {
    const std::string delimiter = "--" + boundary;
    std::size_t at = body.find(delimiter);
    while (at != std::string_view::npos) {
      std::size_t start = at + delimiter.size();
      if (body.substr(start, 2) == "--") return OkStatus();  // the closing delimiter
      start = body.find('\n', start);
      if (start == std::string_view::npos) return OkStatus();
      ++start;
      const std::size_t next = body.find(delimiter, start);
      std::string_view raw = body.substr(start, next == std::string_view::npos ? std::string_view::npos : next - start);
      if (Status s = Read(raw, depth + 1); !s.ok()) return s;
      at = next;
    }
    return OkStatus();
  }

  void Append(const std::string& text) {
    if (out_.size() < limit_) out_.append(Utf8Prefix(text, limit_ - out_.size()));
  }

  const std::size_t limit_;
  std::size_t parts_ = 0;
  std::string out_;
};

}  // namespace

StatusOr<std::string> EmailToText(std::string_view message, const ExtractLimits& limits) {
  const std::size_t colon = message.find(':');
  const std::size_t newline = message.find('\n');
  if (colon == std::string_view::npos || (newline != std::string_view::npos && colon > newline)) {
    return InvalidArgumentError("not an e-mail message (no header)");
  }
  EmailReader reader(limits.max_text_bytes);
  if (Status s = reader.Read(message, 0); !s.ok()) return s;
  return reader.Take();
}

}  // namespace archived::extract
