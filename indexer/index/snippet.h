// Snippets: a short piece of a hit's text around its first match, with the words the query
// matched marked. Made here rather than by Xapian's MSet::snippet, which tokenises and stems
// every word of the text it is given (~13 µs a hit for 512 bytes): this looks for the query's
// words with memchr/memcmp speed and stems only words that could be a stemmed match.
// Thread-safe: a Snippeter is read-only once made.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace Xapian {
class Query;
}

namespace archived::index {

// What a snippet marks.
struct SnippetTerms {
  std::unordered_set<std::string> words;  // lowercase: a word equal to one is marked
  std::unordered_set<std::string> stems;  // English stems: a word that stems to one is marked
  // CJK n-grams of two or more characters: every occurrence is marked, and touching
  // occurrences make one mark ("文件" and "件管" in "文件管理").
  std::vector<std::string> cjk;
  // Single CJK characters that the query asks for on their own ("办" but not the 办 of "催办").
  std::unordered_set<std::string> cjk_singles;
};

// The terms of `query` (as parsed by the index) that stand for text: unprefixed and title or
// author words, stemmed ("Z…") or not, and CJK n-grams. `query_text` is what the user typed,
// for telling a lone CJK character asked for from one generated out of a longer word.
SnippetTerms SnippetTermsOf(const Xapian::Query& query, std::string_view query_text);

class Snippeter {
 public:
  Snippeter(SnippetTerms terms, std::size_t snippet_bytes);

  // The byte ranges of `text` that match, sorted; touching ranges joined.
  std::vector<std::pair<std::size_t, std::size_t>> Matches(std::string_view text) const;
  // Where the first match in `text` begins, or npos (a word cut at its start may count).
  std::size_t FirstMatch(std::string_view text) const;

  // Up to snippet_bytes of `text` (cut at spaces where it can), from a quarter of that before
  // the first match, or from the start when nothing matches; whitespace runs become one
  // space, the text is HTML-escaped (& < >), each match is in <mark>…</mark>, and "…" shows
  // where the text was cut.
  std::string Make(std::string_view text) const;
  // The same, given FirstMatch(text) (npos: nothing matches), which a caller that decodes
  // the text bit by bit has found already; only the part shown is searched again.
  std::string Make(std::string_view text, std::size_t first_match) const;

  std::size_t snippet_bytes() const { return snippet_bytes_; }

 private:
  bool IsWordMatch(const std::string& lowered_word) const;
  // Calls on_match(begin, end) for each match in `text` that begins before `limit`, needle
  // by needle (not in order); a needle's search ends when on_match returns false. on_match
  // may lower `limit`.
  template <typename OnMatch>
  void ForEachMatch(std::string_view text, const std::size_t& limit, OnMatch on_match) const;

  SnippetTerms terms_;
  std::size_t snippet_bytes_;
};

}  // namespace archived::index
