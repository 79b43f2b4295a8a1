#include "indexer/index/snippet.h"

#include <xapian.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "archived/base/text.h"

namespace archived::index {
namespace {

using Range = std::pair<std::size_t, std::size_t>;

// Snowball stemmers keep state: one per thread.
const Xapian::Stem& EnglishStemmer() {
  thread_local const Xapian::Stem stemmer("en");
  return stemmer;
}

// The English stem of a lowered word. Stemming costs ~0.4 µs a word, and the same words come
// back in hit after hit and query after query: each thread keeps the stems it has made, up
// to a bound (then starts again). The reference is good until the thread's next call.
const std::string& StemOf(const std::string& word) {
  constexpr std::size_t kMaxRemembered = 1 << 14;
  thread_local std::unordered_map<std::string, std::string> stems;
  if (auto it = stems.find(word); it != stems.end()) return it->second;
  if (stems.size() >= kMaxRemembered) stems.clear();
  return stems.emplace(word, EnglishStemmer()(word)).first->second;
}

// A stem is looked for by its first bytes: English suffix stripping keeps them ("happi" of
// "happy" keeps "hap").
constexpr std::size_t kStemLead = 3;
// Above this many words (prefix* expansions), one pass over every word beats a search per word.
constexpr std::size_t kMaxScannedWords = 8;

bool IsWordCharacter(char32_t cp) { return Xapian::Unicode::is_wordchar(cp) && !IsCjk(cp); }

bool IsCjkText(std::string_view s) { return !s.empty() && IsCjk(Utf8CodePointAt(s, 0).first); }

std::size_t CharacterCount(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); i += Utf8CodePointAt(s, i).second) ++n;
  return n;
}

// The words of `text` as Xapian's term generator sees them (runs of word characters, CJK
// excepted), each lowered; `visit(begin, end, lowered)` for each.
template <typename Visit>
void ForEachWord(std::string_view text, Visit visit) {
  std::string lowered;
  std::size_t i = 0;
  while (i < text.size()) {
    auto [cp, n] = Utf8CodePointAt(text, i);
    if (!IsWordCharacter(cp)) {
      i += n;
      continue;
    }
    const std::size_t begin = i;
    lowered.clear();
    while (i < text.size()) {
      std::tie(cp, n) = Utf8CodePointAt(text, i);
      if (!IsWordCharacter(cp)) break;
      if (cp < 0x80) {
        lowered.push_back(static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
      } else {
        Xapian::Unicode::append_utf8(lowered, Xapian::Unicode::tolower(cp));
      }
      i += n;
    }
    visit(begin, i, lowered);
  }
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Appends text[begin, end) HTML-escaped, whitespace runs as one space.
void AppendEscaped(std::string_view text, std::size_t begin, std::size_t end, std::string* out) {
  for (std::size_t i = begin; i < end; ++i) {
    const char c = text[i];
    if (IsSpace(c)) {
      if (!out->empty() && out->back() != ' ' && !out->ends_with("…")) out->push_back(' ');
      continue;
    }
    switch (c) {
      case '&': *out += "&amp;"; break;
      case '<': *out += "&lt;"; break;
      case '>': *out += "&gt;"; break;
      default: out->push_back(c);
    }
  }
}

// Where `needle` (not empty) next occurs in `haystack` from `from` on, beginning before
// `limit`; npos if nowhere. By memmem: std::string_view::find runs memchr over the needle's
// first byte, and in this text that byte is common (an 'e', the lead byte of most CJK
// characters): it was ~10% of a query.
std::size_t Find(std::string_view haystack, std::string_view needle, std::size_t from, std::size_t limit) {
  limit = std::min(limit, haystack.size());
  if (from >= limit) return std::string_view::npos;
  const std::size_t end = std::min(haystack.size(), limit + needle.size() - 1);
  const void* at = memmem(haystack.data() + from, end - from, needle.data(), needle.size());
  return at == nullptr ? std::string_view::npos : static_cast<std::size_t>(static_cast<const char*>(at) - haystack.data());
}

std::size_t BackToCharacter(std::string_view text, std::size_t i) {
  while (i > 0 && i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) --i;
  return i;
}

}  // namespace

SnippetTerms SnippetTermsOf(const Xapian::Query& query, std::string_view query_text) {
  SnippetTerms out;
  for (auto it = query.get_unique_terms_begin(); it != query.get_unique_terms_end(); ++it) {
    const std::string whole = *it;  // the iterator gives a temporary
    std::string_view term = whole;
    // Boolean fields (ids, codes, categories, types, tags) are not in the text.
    if (term.starts_with('X') || term.starts_with('Q') || term.starts_with('K')) continue;
    const bool stemmed = term.starts_with('Z');
    if (stemmed) term.remove_prefix(1);
    while (!term.empty() && term.front() >= 'A' && term.front() <= 'Z') term.remove_prefix(1);  // S title, A author
    if (term.empty()) continue;
    if (IsCjkText(term)) {
      if (CharacterCount(term) > 1) out.cjk.emplace_back(term);
    } else if (stemmed) {
      out.stems.emplace(term);
    } else {
      out.words.emplace(term);
    }
  }
  // Lone CJK characters in what was typed: a run of one character between non-CJK text.
  std::size_t i = 0;
  while (i < query_text.size()) {
    const std::size_t start = i;
    std::size_t run = 0;
    while (i < query_text.size()) {
      const auto [cp, n] = Utf8CodePointAt(query_text, i);
      if (!IsCjk(cp)) break;
      i += n;
      ++run;
    }
    if (run == 1) out.cjk_singles.emplace(query_text.substr(start, i - start));
    if (run == 0) i += Utf8CodePointAt(query_text, i).second;
  }
  // Longest first, so that a scan finds the widest occurrence at a position first.
  std::sort(out.cjk.begin(), out.cjk.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return out;
}

Snippeter::Snippeter(SnippetTerms terms, std::size_t snippet_bytes)
    : terms_(std::move(terms)), snippet_bytes_(snippet_bytes) {}

bool Snippeter::IsWordMatch(const std::string& word) const {
  if (terms_.words.contains(word)) return true;
  // Stemming is the costly part: only words that begin like some stem are stemmed.
  for (const std::string& stem : terms_.stems) {
    const std::size_t lead = std::min(stem.size(), kStemLead);
    if (word.size() >= lead && word.compare(0, lead, stem, 0, lead) == 0 && StemOf(word) == stem) {
      return true;
    }
  }
  return false;
}

template <typename OnMatch>
void Snippeter::ForEachMatch(std::string_view text, const std::size_t& limit, OnMatch on_match) const {
  if (terms_.words.size() + terms_.stems.size() > kMaxScannedWords) {
    // Many words (a prefix* query): one pass over every word of the text.
    ForEachWord(text, [&](std::size_t begin, std::size_t end, const std::string& word) {
      if (begin < limit && IsWordMatch(word)) on_match(begin, end);
    });
  } else if (!terms_.words.empty() || !terms_.stems.empty()) {
    // A few words: find where each could begin (memmem speed over the ASCII-lowered text),
    // then read the whole word there.
    thread_local std::string lowered, word;  // reused: no allocation per hit
    lowered.assign(text);
    for (char& c : lowered) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    const auto scan = [&](std::string_view lead) {
      for (std::size_t at = Find(lowered, lead, 0, limit); at != std::string::npos;
           at = Find(lowered, lead, at + 1, limit)) {
        const std::size_t before = BackToCharacter(text, at == 0 ? 0 : at - 1);
        if (at > 0 && IsWordCharacter(Utf8CodePointAt(text, before).first)) continue;
        std::size_t end = at;
        while (end < text.size()) {
          const auto [cp, n] = Utf8CodePointAt(text, end);
          if (!IsWordCharacter(cp)) break;
          end += n;
        }
        word.assign(lowered, at, end - at);
        if (IsWordMatch(word) && !on_match(at, end)) return;
      }
    };
    for (const std::string& w : terms_.words) scan(w);
    for (const std::string& stem : terms_.stems) scan(std::string_view(stem).substr(0, std::min(stem.size(), kStemLead)));
  }
  const auto scan_cjk = [&](const std::string& gram) {
    for (std::size_t at = Find(text, gram, 0, limit); at != std::string_view::npos; at = Find(text, gram, at + 1, limit)) {
      if (!on_match(at, at + gram.size())) return;
    }
  };
  for (const std::string& gram : terms_.cjk) scan_cjk(gram);
  for (const std::string& single : terms_.cjk_singles) scan_cjk(single);
}

std::vector<Range> Snippeter::Matches(std::string_view text) const {
  std::vector<Range> found;
  const std::size_t everywhere = std::string_view::npos;
  ForEachMatch(text, everywhere, [&](std::size_t begin, std::size_t end) {
    found.emplace_back(begin, end);
    return true;
  });
  // A word is found once per needle it begins like; touching CJK n-grams make one range.
  std::sort(found.begin(), found.end());
  std::vector<Range> merged;
  for (const Range& r : found) {
    if (!merged.empty() && r.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, r.second);
    } else {
      merged.push_back(r);
    }
  }
  return merged;
}

std::size_t Snippeter::FirstMatch(std::string_view text) const {
  // Each needle is searched for only before the earliest match so far, and only once found.
  std::size_t first = std::string_view::npos;
  ForEachMatch(text, first, [&](std::size_t begin, std::size_t) {
    first = std::min(first, begin);
    return false;
  });
  return first;
}

std::string Snippeter::Make(std::string_view text) const { return Make(text, FirstMatch(text)); }

std::string Snippeter::Make(std::string_view text, std::size_t first_match) const {
  std::size_t begin = 0, end = text.size();
  if (text.size() > snippet_bytes_) {
    const std::size_t first = first_match == std::string_view::npos ? 0 : first_match;
    if (first > snippet_bytes_ / 4) {
      begin = BackToCharacter(text, first - snippet_bytes_ / 4);
      // Start after a space if one is near, rather than inside a word.
      const std::size_t space = text.find_first_of(" \t\n", begin);
      if (space != std::string_view::npos && space < first && space - begin < 24) begin = space + 1;
    }
    end = std::min(text.size(), begin + snippet_bytes_);
    end = BackToCharacter(text, end);
    if (end < text.size()) {
      const std::size_t space = text.find_last_of(" \t\n", end);
      if (space != std::string_view::npos && space > begin && end - space < 24) end = space;
    }
  }
  // Only the part shown is searched for the marks.
  std::vector<Range> matches;
  if (first_match != std::string_view::npos) {
    matches = Matches(text.substr(begin, end - begin));
    for (Range& r : matches) r = {r.first + begin, r.second + begin};
  }
  std::string out;
  out.reserve(end - begin + 64);
  if (begin > 0) out += "…";
  std::size_t i = begin;
  for (const auto& [from, to] : matches) {
    if (to <= begin) continue;
    if (from >= end) break;
    const std::size_t a = std::max(from, begin), b = std::min(to, end);
    AppendEscaped(text, i, a, &out);
    out += "<mark>";
    AppendEscaped(text, a, b, &out);
    out += "</mark>";
    i = b;
  }
  AppendEscaped(text, i, end, &out);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (end < text.size()) out += "…";
  return out;
}

}  // namespace archived::index
