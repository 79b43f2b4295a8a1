#include "indexer/extract/markup.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>

#include "archived/base/text.h"
#include "indexer/extract/text_decode.h"

namespace archived::extract {
namespace {

struct NamedEntity {
  std::string_view name;
  char32_t code_point;
};

// Sorted by name for binary search: the entities office HTML actually uses.
constexpr std::array<NamedEntity, 52> kHtmlEntities = {{
    {"amp", '&'},      {"apos", '\''},    {"bull", 0x2022},  {"cent", 0xA2},    {"copy", 0xA9},
    {"darr", 0x2193},  {"deg", 0xB0},     {"divide", 0xF7},  {"emsp", 0x2003},  {"ensp", 0x2002},
    {"euro", 0x20AC},  {"gt", '>'},       {"harr", 0x2194},  {"hellip", 0x2026}, {"iexcl", 0xA1},
    {"iquest", 0xBF},  {"laquo", 0xAB},   {"larr", 0x2190},  {"ldquo", 0x201C}, {"lsaquo", 0x2039},
    {"lsquo", 0x2018}, {"lt", '<'},       {"mdash", 0x2014}, {"middot", 0xB7},  {"minus", 0x2212},
    {"nbsp", 0xA0},    {"ndash", 0x2013}, {"not", 0xAC},     {"para", 0xB6},    {"permil", 0x2030},
    {"plusmn", 0xB1},  {"pound", 0xA3},   {"quot", '"'},     {"raquo", 0xBB},   {"rarr", 0x2192},
    {"rdquo", 0x201D}, {"reg", 0xAE},     {"rsaquo", 0x203A}, {"rsquo", 0x2019}, {"sbquo", 0x201A},
    {"sect", 0xA7},    {"shy", 0xAD},     {"sup1", 0xB9},    {"sup2", 0xB2},    {"sup3", 0xB3},
    {"thinsp", 0x2009}, {"times", 0xD7},  {"trade", 0x2122}, {"uarr", 0x2191},  {"uml", 0xA8},
    {"yen", 0xA5},     {"zwsp", 0x200B},
}};

bool IsXmlEntity(std::string_view name) {
  return name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos";
}

// The code point of a reference body ("#38", "#x26", "amp"), or 0 if unknown or malformed.
char32_t ResolveReference(std::string_view body, bool html) {
  if (body.starts_with('#')) {
    const bool hex = body.size() > 1 && (body[1] == 'x' || body[1] == 'X');
    const std::string_view digits = body.substr(hex ? 2 : 1);
    std::uint32_t value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, hex ? 16 : 10);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || value == 0) return 0;
    return static_cast<char32_t>(value);
  }
  if (!html && !IsXmlEntity(body)) return 0;
  const auto it = std::lower_bound(kHtmlEntities.begin(), kHtmlEntities.end(), body,
                                   [](const NamedEntity& e, std::string_view n) { return e.name < n; });
  return it != kHtmlEntities.end() && it->name == body ? it->code_point : 0;
}

std::string_view LocalName(std::string_view name) {
  const std::size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// Case-insensitive search for an ASCII needle.
std::size_t FindNoCase(std::string_view haystack, std::string_view needle, std::size_t from) {
  const auto it = std::search(haystack.begin() + static_cast<std::ptrdiff_t>(std::min(from, haystack.size())),
                              haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
                                return std::tolower(static_cast<unsigned char>(a)) ==
                                       std::tolower(static_cast<unsigned char>(b));
                              });
  return it == haystack.end() ? std::string_view::npos : static_cast<std::size_t>(it - haystack.begin());
}

struct Tag {
  std::string_view name;
  bool end = false;           // </name>
  bool self_closing = false;  // <name/>
};

// Calls on_text(raw text, cdata) and on_tag(Tag, position after it) in document order.
// on_text returns false to stop; on_tag returns where to go on (npos stops). Comments,
// doctypes and processing instructions are skipped; CDATA is text, not entity-decoded.
template <typename OnText, typename OnTag>
void Scan(std::string_view doc, OnText on_text, OnTag on_tag) {
  std::size_t i = 0;
  while (i < doc.size()) {
    const std::size_t lt = doc.find('<', i);
    if (lt != i) {
      if (!on_text(doc.substr(i, lt == std::string_view::npos ? std::string_view::npos : lt - i), false)) return;
      if (lt == std::string_view::npos) return;
    }
    i = lt;
    const std::string_view rest = doc.substr(i);
    if (rest.starts_with("<!--")) {
      const std::size_t end = doc.find("-->", i + 4);
      i = end == std::string_view::npos ? doc.size() : end + 3;
      continue;
    }
    if (rest.starts_with("<![CDATA[")) {
      const std::size_t end = doc.find("]]>", i + 9);
      const std::size_t stop = end == std::string_view::npos ? doc.size() : end;
      if (!on_text(doc.substr(i + 9, stop - (i + 9)), true)) return;
      i = end == std::string_view::npos ? doc.size() : end + 3;
      continue;
    }
    std::size_t p = i + 1;
    Tag tag;
    if (p < doc.size() && doc[p] == '/') {
      tag.end = true;
      ++p;
    }
    const std::size_t name_start = p;
    while (p < doc.size() && (std::isalnum(static_cast<unsigned char>(doc[p])) || doc[p] == ':' ||
                              doc[p] == '-' || doc[p] == '_' || doc[p] == '.')) {
      ++p;
    }
    tag.name = doc.substr(name_start, p - name_start);
    const bool declaration = !tag.end && p < doc.size() && (doc[p] == '!' || doc[p] == '?');
    if (tag.name.empty() && !declaration) {
      if (!on_text("<", false)) return;  // a lone '<' in text ("a < b")
      i += 1;
      continue;
    }
    // The closing '>', outside quoted attribute values.
    char quote = 0;
    while (p < doc.size() && (quote != 0 || doc[p] != '>')) {
      if (quote != 0 && doc[p] == quote) {
        quote = 0;
      } else if (quote == 0 && (doc[p] == '"' || doc[p] == '\'')) {
        quote = doc[p];
      }
      ++p;
    }
    tag.self_closing = p < doc.size() && doc[p - 1] == '/';
    i = p < doc.size() ? p + 1 : doc.size();
    if (declaration) continue;  // <!DOCTYPE …>, <?xml …?>
    i = on_tag(tag, i);
  }
}

// Appends without passing `limit` bytes, never splitting a UTF-8 character. False when full.
bool AppendLimited(std::string& out, std::string_view piece, std::size_t limit) {
  const std::size_t room = out.size() < limit ? limit - out.size() : 0;
  out.append(Utf8Prefix(piece, room));
  return piece.size() <= room;
}

// A separator counts against the limit too: none once the text is full.
void AppendBreak(std::string& out, char separator, std::size_t limit) {
  if (!out.empty() && out.size() < limit && out.back() != '\n' && out.back() != separator) out.push_back(separator);
}

// Appends a text run, entity-decoded unless it is CDATA. False when the limit is reached.
bool AppendRun(std::string& out, std::string& scratch, std::string_view run, bool cdata, bool html,
               std::size_t limit) {
  scratch.clear();
  if (cdata) {
    scratch.append(run);
  } else {
    AppendDecoded(scratch, run, html);
  }
  return AppendLimited(out, scratch, limit);
}

bool IsHtmlBlock(std::string_view name) {
  static constexpr std::string_view kBlocks[] = {
      "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt",
      "figcaption", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
      "main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "title", "tr", "ul"};
  return std::find(std::begin(kBlocks), std::end(kBlocks), name) != std::end(kBlocks);
}

}  // namespace

void AppendDecoded(std::string& out, std::string_view text, bool html) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t amp = text.find('&', i);
    out.append(text.substr(i, amp == std::string_view::npos ? std::string_view::npos : amp - i));
    if (amp == std::string_view::npos) return;
    const std::size_t semi = text.find(';', amp + 1);
    const char32_t cp = (semi != std::string_view::npos && semi - amp <= 12)
                            ? ResolveReference(text.substr(amp + 1, semi - amp - 1), html)
                            : 0;
    if (cp == 0) {
      out.push_back('&');
      i = amp + 1;
    } else {
      AppendUtf8(out, cp == 0xA0 ? U' ' : cp);
      i = semi + 1;
    }
  }
}

std::string HtmlToText(std::string_view html, std::size_t max_text_bytes) {
  std::string out;
  std::string decoded;
  Scan(
      html,
      [&](std::string_view run, bool cdata) { return AppendRun(out, decoded, run, cdata, true, max_text_bytes); },
      [&](const Tag& tag, std::size_t after) -> std::size_t {
        const std::string name = AsciiLower(tag.name);
        if (IsHtmlBlock(name)) AppendBreak(out, '\n', max_text_bytes);
        if (!tag.end && !tag.self_closing && (name == "script" || name == "style")) {
          // Raw text: nothing inside is markup or content.
          const std::size_t close = FindNoCase(html, "</" + name, after);
          return close == std::string_view::npos ? html.size() : close;
        }
        return after;
      });
  return out;
}

std::string XmlToText(std::string_view xml, std::initializer_list<std::string_view> break_elements,
                      std::initializer_list<std::string_view> space_elements, std::size_t max_text_bytes) {
  std::string out;
  std::string decoded;
  Scan(
      xml,
      [&](std::string_view run, bool cdata) { return AppendRun(out, decoded, run, cdata, false, max_text_bytes); },
      [&](const Tag& tag, std::size_t after) -> std::size_t {
        const std::string_view local = LocalName(tag.name);
        const bool closes = tag.end || tag.self_closing;
        if (closes && std::find(break_elements.begin(), break_elements.end(), local) != break_elements.end()) {
          AppendBreak(out, '\n', max_text_bytes);
        } else if (!tag.end && std::find(space_elements.begin(), space_elements.end(), local) != space_elements.end()) {
          AppendBreak(out, ' ', max_text_bytes);
        }
        return after;
      });
  return out;
}

}  // namespace archived::extract
