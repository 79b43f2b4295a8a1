#include "indexer/index/search_index.h"

#include <xapian.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <filesystem>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "archived/base/check.h"
#include "archived/base/status_macros.h"
#include "archived/base/text.h"
#include "archived/codec/codec.h"
#include "indexer/index/snippet.h"

namespace archived::index {
namespace {

// A query that matches every document, made afresh. Never copy Xapian::Query::MatchAll: it
// is one global object whose reference count is not atomic, so copies made by two search
// threads at once corrupt it, and the heap with it (a daemon crashed within seconds when
// queries ran at ~18,000/s against an index being rebuilt). Query::MatchNothing holds no
// internals and is safe to copy.
Xapian::Query MatchAll() { return Xapian::Query(std::string()); }

// A leaf term split into its prefix (leading capitals: "S" of a title word) and the CJK
// characters after it, with how many there are; no characters unless what follows the
// prefix is one or two CJK characters.
struct CjkLeaf {
  std::string prefix, characters;
  std::size_t count = 0;
};
CjkLeaf CjkLeafOf(const Xapian::Query& query) {
  if (query.get_type() != Xapian::Query::LEAF_TERM) return {};
  const std::string term = *query.get_terms_begin();
  std::size_t p = 0;
  while (p < term.size() && term[p] >= 'A' && term[p] <= 'Z') ++p;
  CjkLeaf leaf{.prefix = term.substr(0, p)};
  for (std::size_t i = p; i < term.size(); ++leaf.count) {
    const auto [cp, n] = Utf8CodePointAt(term, i);
    if (!IsCjk(cp) || leaf.count == 2) return {};
    i += n;
  }
  leaf.characters = term.substr(p);
  return leaf;
}

// The parser turns a run of CJK text into an AND of its characters and its two-character
// n-grams ("文件" is 文 AND 文件 AND 件). A document holding an n-gram holds both of its
// characters (the index has every character and every n-gram of a run), so under an AND the
// characters an n-gram sibling covers change nothing that matches; they only cost their long
// posting lists (every Chinese document has 文) and their share of the ranking. This drops
// them, in every AND of the query. Only operators without parameters of their own are
// rebuilt; any other (a phrase, a scaled weight, a wildcard …) is kept as parsed.
Xapian::Query WithoutCoveredCjkCharacters(const Xapian::Query& query) {
  using Q = Xapian::Query;
  const Q::op op = query.get_type();
  if (op != Q::OP_AND && op != Q::OP_OR && op != Q::OP_AND_NOT && op != Q::OP_FILTER && op != Q::OP_AND_MAYBE &&
      op != Q::OP_XOR) {
    return query;
  }
  std::vector<Q> parts;
  std::vector<CjkLeaf> leaves;
  for (std::size_t i = 0; i < query.get_num_subqueries(); ++i) {
    parts.push_back(WithoutCoveredCjkCharacters(query.get_subquery(i)));
    leaves.push_back(op == Q::OP_AND ? CjkLeafOf(parts.back()) : CjkLeaf{});
  }
  std::vector<Q> kept;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const CjkLeaf& leaf = leaves[i];
    const bool covered = leaf.count == 1 && std::any_of(leaves.begin(), leaves.end(), [&](const CjkLeaf& gram) {
      return gram.count == 2 && gram.prefix == leaf.prefix &&
             (gram.characters.starts_with(leaf.characters) || gram.characters.ends_with(leaf.characters));
    });
    if (!covered) kept.push_back(parts[i]);
  }
  return Q(op, kept.begin(), kept.end());
}

// Term prefixes and value slots: indexer/index/FORMAT.md.
constexpr std::string_view kIdPrefix = "Q";
constexpr std::string_view kRefPrefix = "XR";
constexpr std::string_view kCategoryPrefix = "XC";       // the category and each ancestor
constexpr std::string_view kExactCategoryPrefix = "XE";  // the category alone (access filter)
constexpr std::string_view kClassificationPrefix = "XL"; // PUBLIC … SECRET
constexpr std::string_view kTypePrefix = "XY";
constexpr std::string_view kTagPrefix = "K";
constexpr std::string_view kTitlePrefix = "S";
constexpr std::string_view kAuthorPrefix = "A";
constexpr std::string_view kRegisterPrefix = "XK";  // a register entry's kind
constexpr std::string_view kEntryTerm = "XN";       // on every register entry
constexpr std::string_view kFieldPrefix = "XF";     // XF<field>: a register field's words
constexpr Xapian::valueno kDateSlot = 0;      // YYYYMMDD
// The category code, the year (YYYY, or empty) and the type name, joined by kFacetSeparator:
// facets read one value per match instead of three (a third of the cost; each value read
// costs ~0.055 ms a query on the search benchmark's corpus).
constexpr Xapian::valueno kFacetSlot = 1;
constexpr char kFacetSeparator = '\x1f';
// The hit's stored fields and text sample (v1::IndexedFields) are user metadata of the
// shard, under this prefix and the shard's docid (4 bytes, big-endian). Not the document
// data, which Xapian zlib-compresses (inflating it on every hit cost more than decoding the
// sample), nor a value, whose slot statistics keep the lowest and highest value ever stored
// even after the document is removed: a destroyed document's text would stay in the files.
// User metadata is stored as it is and goes with its key.
constexpr std::string_view kFieldsKeyPrefix = "F";

// Shard i of n numbers its documents i + 1, i + 1 + n, i + 1 + 2n, …: a docid names its
// shard. A match spy is given the shard's own docid, not the combined one, and finds the
// document's facet codes by it. (The combined database still interleaves: shard i's docid d
// is (d - 1) * n + i + 1 there.)
std::size_t ShardOfDocid(Xapian::docid did, std::size_t shards) { return (did - 1) % shards; }
// Where a shard's docid is in its facet table: its rank among the shard's docids.
std::size_t RankOfDocid(Xapian::docid did, std::size_t shards) { return (did - 1) / shards; }

std::string FieldsKey(Xapian::docid did) {
  std::string key(kFieldsKeyPrefix);
  for (int shift = 24; shift >= 0; shift -= 8) key.push_back(static_cast<char>((did >> shift) & 0xFF));
  return key;
}

constexpr std::string_view kHighWaterKey = "archived.high_water";
constexpr std::string_view kFormatKey = "archived.index_format";
constexpr std::string_view kFormat = "8";
// Bytes of the text before a newly decoded step that are searched again (a word cut in two).
constexpr std::size_t kRescanBytes = 64;

constexpr std::string_view kTypeNames[] = {"text", "html", "pdf",   "docx",  "xlsx",    "pptx",
                                           "odt",  "ods",  "eml",   "other", "register"};

// The one translation of Xapian's exceptions into Status.
Status FromXapian(const Xapian::Error& e) {
  const std::string what = e.get_type() + std::string(": ") + e.get_msg();
  // Xapian::Error is not polymorphic: its type travels as a name.
  const std::string_view type = e.get_type();
  if (type == "QueryParserError") return InvalidArgumentError("q: " + e.get_msg());
  if (type == "DatabaseLockError") {
    return UnavailableError("the search index is locked by another process (" + what + ")");
  }
  if (type == "DatabaseCorruptError") return DataLossError("search index: " + what);
  if (type == "DatabaseModifiedError") return AbortedError("search index: " + what);
  if (type == "DatabaseOpeningError" || type == "DatabaseNotFoundError") {
    return UnavailableError("search index: " + what);
  }
  return InternalError("search index: " + what);
}

std::string Term(std::string_view prefix, std::string_view value) {
  std::string out(prefix);
  out.append(value);
  return out;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "YYYY", "YYYY-MM" or "YYYY-MM-DD" as the first (or last) YYYYMMDD day it covers.
StatusOr<std::string> DateBound(std::string_view text, bool upper) {
  const auto bad = [&] {
    return InvalidArgumentError("date \"" + std::string(text) + "\": expected YYYY, YYYY-MM or YYYY-MM-DD");
  };
  if (text.size() != 4 && text.size() != 7 && text.size() != 10) return bad();
  if (!AllDigits(text.substr(0, 4))) return bad();
  std::string out(text.substr(0, 4));
  if (text.size() == 4) return out + (upper ? "1231" : "0101");
  if (text[4] != '-' || !AllDigits(text.substr(5, 2))) return bad();
  const int month = (text[5] - '0') * 10 + (text[6] - '0');
  if (month < 1 || month > 12) return bad();
  out.append(text.substr(5, 2));
  if (text.size() == 7) return out + (upper ? "31" : "01");
  if (text[7] != '-' || !AllDigits(text.substr(8, 2))) return bad();
  const int day = (text[8] - '0') * 10 + (text[9] - '0');
  if (day < 1 || day > 31) return bad();
  return out.append(text.substr(8, 2));
}

// "A..B", "A..", "..B" or a single date, as a value-range query on the date slot.
StatusOr<Xapian::Query> DateRangeQuery(std::string_view from, std::string_view to) {
  std::string lo, hi;
  if (!from.empty()) {
    StatusOr<std::string> b = DateBound(from, false);
    if (!b.ok()) return b.status();
    lo = std::move(*b);
  }
  if (!to.empty()) {
    StatusOr<std::string> b = DateBound(to, true);
    if (!b.ok()) return b.status();
    hi = std::move(*b);
  }
  if (!lo.empty() && !hi.empty()) {
    if (lo > hi) return InvalidArgumentError("date range " + std::string(from) + ".." + std::string(to) + " ends before it starts");
    return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, kDateSlot, lo, hi);
  }
  if (!lo.empty()) return Xapian::Query(Xapian::Query::OP_VALUE_GE, kDateSlot, lo);
  if (!hi.empty()) return Xapian::Query(Xapian::Query::OP_VALUE_LE, kDateSlot, hi);
  return MatchAll();
}

// Field processors for the boolean fields: normalise the value, and turn "date:…" into a range.
class TermField : public Xapian::FieldProcessor {
 public:
  enum class Case { kUpper, kLower, kAsIs };
  TermField(std::string_view prefix, Case c) : prefix_(prefix), case_(c) {}
  Xapian::Query operator()(const std::string& value) override {
    const std::string v = case_ == Case::kUpper ? AsciiUpper(value) : case_ == Case::kLower ? AsciiLower(value) : value;
    return Xapian::Query(Term(prefix_, v));
  }

 private:
  std::string prefix_;
  Case case_;
};

class DateField : public Xapian::FieldProcessor {
 public:
  Xapian::Query operator()(const std::string& value) override {
    const std::size_t dots = value.find("..");
    StatusOr<Xapian::Query> q = dots == std::string::npos
                                    ? DateRangeQuery(value, value)
                                    : DateRangeQuery(std::string_view(value).substr(0, dots),
                                                     std::string_view(value).substr(dots + 2));
    if (!q.ok()) throw Xapian::QueryParserError(q.status().message());
    return *q;
  }
};

constexpr std::string_view kFields[] = {"title", "author", "category", "ref", "tag", "type", "id", "date", "register"};

// The term prefix of register field `name`: "XFlead_handler:".
std::string FieldPrefix(std::string_view name) { return std::string(kFieldPrefix) + std::string(name) + ":"; }

// What Xapian's parser forgives but a clerk should hear about: unknown fields and unbalanced
// parentheses. Also turns bare reference codes and document ids into exact-term fields.
StatusOr<std::string> Preprocess(std::string_view q, const std::vector<std::string>& entry_fields) {
  static const std::regex kRefCode("[A-Za-z0-9]+-[0-9]{4}-(Y|D30|D10|y|d30|d10)-[A-Za-z0-9.]+-[0-9]{4,}");
  static const std::regex kId("[0-9a-f]{24}");
  std::string out;
  int depth = 0;
  bool quoted = false;
  std::size_t i = 0;
  while (i < q.size()) {
    const char c = q[i];
    if (c == '"') {
      quoted = !quoted;
      out.push_back(c);
      ++i;
      continue;
    }
    if (quoted || c == ' ' || c == '\t') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (c == '(' || c == ')') {
      depth += c == '(' ? 1 : -1;
      if (depth < 0) return InvalidArgumentError("q: unbalanced ')' at position " + std::to_string(i + 1));
      out.push_back(c);
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < q.size() && q[end] != ' ' && q[end] != '\t' && q[end] != '(' && q[end] != ')' && q[end] != '"') ++end;
    const std::string_view token = q.substr(i, end - i);
    const std::size_t colon = token.find(':');
    if (colon != std::string_view::npos && colon > 0) {
      const std::string_view field = token.substr(token[0] == '+' || token[0] == '-' ? 1 : 0, colon - (token[0] == '+' || token[0] == '-' ? 1 : 0));
      const bool word = std::all_of(field.begin(), field.end(), [](char ch) { return std::isalpha(static_cast<unsigned char>(ch)) || ch == '_'; });
      if (word && !field.empty() && std::find(std::begin(kFields), std::end(kFields), AsciiLower(field)) == std::end(kFields) &&
          std::find(entry_fields.begin(), entry_fields.end(), field) == entry_fields.end()) {
        return InvalidArgumentError("q: unknown field \"" + std::string(field) +
                                    ":\" (fields: title, author, category, ref, tag, type, id, date, register, and "
                                    "the fields of register entries)");
      }
    }
    const std::string t(token);
    if (std::regex_match(t, kRefCode)) {
      out += "ref:" + t;
    } else if (std::regex_match(t, kId)) {
      out += "id:" + t;
    } else {
      out += t;
    }
    i = end;
  }
  if (depth != 0) return InvalidArgumentError("q: unbalanced '(': " + std::to_string(depth) + " not closed");
  return out;
}

std::uint64_t NextUid() {
  static std::atomic<std::uint64_t> next{1};
  return next++;
}

// The facet value (kFacetSlot) of every document of a shard, by docid: a code into the list
// of the distinct values. Searches read a snapshot of it instead of Xapian's value per
// examined match (up to facet_sample a query): those reads cost ~30 preads and ~0.09 ms of a
// query's ~0.35 ms on the search benchmark's corpus.
struct FacetCodes {
  std::vector<std::uint32_t> codes;  // by rank of docid; 0: no such document, or no value
  std::vector<std::string> values;   // the value of code c is values[c - 1]
};

// A shard's facet codes as its writer keeps them; searches get a copy at each commit.
class FacetTable {
 public:
  // The value of the shard's document of rank `rank` (RankOfDocid); empty: none.
  void Set(std::size_t rank, const std::string& value) {
    std::uint32_t code = 0;
    if (!value.empty()) {
      auto [it, added] = code_of_.try_emplace(value, static_cast<std::uint32_t>(current_.values.size() + 1));
      if (added) current_.values.push_back(value);
      code = it->second;
    }
    if (rank >= current_.codes.size()) {
      if (code == 0) return;
      current_.codes.resize(std::max<std::size_t>(rank + 1, current_.codes.size() * 5 / 4));
    }
    current_.codes[rank] = code;
  }
  // Copies the table for searches. The copy is O(documents): 4 bytes each, at each commit.
  void Publish() { published_.store(std::make_shared<const FacetCodes>(current_)); }
  std::shared_ptr<const FacetCodes> published() const { return published_.load(); }

 private:
  FacetCodes current_;
  std::unordered_map<std::string, std::uint32_t> code_of_;
  std::atomic<std::shared_ptr<const FacetCodes>> published_{std::make_shared<const FacetCodes>()};
};

// Counts the category, year and type of every match the matcher examines, by the shards'
// facet codes. A query examines up to facet_sample matches but they hold few distinct
// values, so each code is counted once per match and turned into its value, and split into
// its three parts, only when the counts are read.
class FacetSpy : public Xapian::MatchSpy {
 public:
  // The parts of kFacetSlot's value, in order.
  enum Facet : std::size_t { kCategory, kYear, kType };

  // One snapshot per shard, in the order the shards make up the searched database.
  explicit FacetSpy(std::vector<std::shared_ptr<const FacetCodes>> shards)
      : shards_(std::move(shards)), counts_(shards_.size()) {}

  void operator()(const Xapian::Document& doc, double /*weight*/) override {
    ++documents_;
    const Xapian::docid did = doc.get_docid();  // the shard's own
    const std::size_t shard = ShardOfDocid(did, shards_.size()), rank = RankOfDocid(did, shards_.size());
    const std::vector<std::uint32_t>& codes = shards_[shard]->codes;
    if (rank >= codes.size() || codes[rank] == 0) {
      // Filed after the snapshot, or without a value: ask Xapian.
      if (std::string value = doc.get_value(kFacetSlot); !value.empty()) ++others_[std::move(value)];
      return;
    }
    std::vector<Xapian::doccount>& counts = counts_[shard];
    if (codes[rank] >= counts.size()) counts.resize(codes[rank] + 1);
    ++counts[codes[rank]];
  }
  Xapian::MatchSpy* clone() const override { return new FacetSpy(shards_); }
  std::string name() const override { return "archived.FacetSpy"; }

  std::uint32_t documents() const { return static_cast<std::uint32_t>(documents_); }
  // The most frequent values of `facet`, at most `max_values`, by count and then by value.
  void Add(Facet facet, std::size_t max_values, google::protobuf::RepeatedPtrField<v1::FacetCount>* out) const {
    std::map<std::string_view, Xapian::doccount> counts;
    const auto count = [&](std::string_view value, Xapian::doccount n) {
      if (const std::string_view part = Part(value, facet); !part.empty()) counts[part] += n;
    };
    for (std::size_t shard = 0; shard < shards_.size(); ++shard) {
      for (std::size_t code = 1; code < counts_[shard].size(); ++code) {
        if (counts_[shard][code] > 0) count(shards_[shard]->values[code - 1], counts_[shard][code]);
      }
    }
    for (const auto& [value, n] : others_) count(value, n);
    std::vector<std::pair<std::string_view, Xapian::doccount>> sorted(counts.begin(), counts.end());
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
    if (sorted.size() > max_values) sorted.resize(max_values);
    for (const auto& [value, n] : sorted) {
      v1::FacetCount* f = out->Add();
      f->set_value(std::string(value));
      f->set_count(n);
    }
  }

 private:
  // Part `facet` of a kFacetSlot value; empty if the value has none.
  static std::string_view Part(std::string_view value, Facet facet) {
    for (std::size_t i = 0; i < facet; ++i) {
      const std::size_t separator = value.find(kFacetSeparator);
      if (separator == std::string_view::npos) return {};
      value.remove_prefix(separator + 1);
    }
    return value.substr(0, value.find(kFacetSeparator));
  }

  std::vector<std::shared_ptr<const FacetCodes>> shards_;
  std::vector<std::vector<Xapian::doccount>> counts_;  // by shard, by code
  std::unordered_map<std::string, Xapian::doccount> others_;  // values not in the snapshots
  Xapian::doccount documents_ = 0;
};

// The English stemmer, except that CJK n-grams get no stemmed twin: QueryParser never asks
// for one, so it would only double the index's CJK terms.
class IndexStem : public Xapian::StemImplementation {
 public:
  std::string operator()(const std::string& word) override {
    if (!word.empty() && IsCjk(Utf8CodePointAt(word, 0).first)) return std::string();
    return english_(word);
  }
  std::string get_description() const override { return "archived: english, CJK unstemmed"; }

 private:
  Xapian::Stem english_{"en"};
};

// Snowball stemmers keep state: one per thread.
const Xapian::Stem& ThreadStemmer() {
  thread_local const Xapian::Stem stemmer(new IndexStem);
  return stemmer;
}

// Which shard holds a document: FNV-1a of its id, stable across builds.
std::size_t ShardFor(std::string_view id, std::size_t shards) {
  std::uint64_t h = 1469598103934665603ull;
  for (const char c : id) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return static_cast<std::size_t>(h % shards);
}

constexpr std::string_view kShardsKey = "archived.shards";

}  // namespace

namespace {

// A compaction interrupted by a crash: the shard's directory is moved aside before the
// compacted copy takes its place, so one of the two is complete. Leftovers are removed.
void FinishCompaction(const std::string& path) {
  std::error_code ec;
  const std::string fresh = path + ".compact", old = path + ".old";
  if (!std::filesystem::exists(path, ec)) {
    if (std::filesystem::exists(fresh, ec)) {
      std::filesystem::rename(fresh, path, ec);
    } else if (std::filesystem::exists(old, ec)) {
      std::filesystem::rename(old, path, ec);
    }
  }
  std::filesystem::remove_all(fresh, ec);
  std::filesystem::remove_all(old, ec);
}

}  // namespace

struct SearchIndex::Impl {
  // One writable shard: a Xapian database of its own, written by one thread at a time.
  struct Shard {
    std::size_t index = 0;  // i of shard-i
    std::string path;
    std::mutex mutex;
    Xapian::WritableDatabase writer;
    Xapian::TermGenerator terms;
    FacetTable facets;  // written under mutex, published at each commit
  };

  SearchIndexOptions options;
  // Readers are kept per uid; a compaction replaces the shards' files and takes a new uid,
  // so that every thread opens the new files afresh.
  std::atomic<std::uint64_t> uid{NextUid()};
  std::vector<std::unique_ptr<Shard>> shards;
  std::atomic<std::uint64_t> generation{0};
  std::atomic<std::uint64_t> high_water{0};
  std::atomic<std::uint64_t> documents{0};

  // One reader per thread per index (all shards as one database), reopened when the
  // generation moves.
  struct Reader {
    std::uint64_t uid = 0;
    std::uint64_t generation = 0;
    std::unique_ptr<Xapian::Database> db;
    // The shards on their own, sharing db's open files (and so its revision), for the
    // stored fields (user metadata, which a database of several shards reads from the first).
    std::vector<Xapian::Database> shards;
    // The query parser, set up once for db: its prefixes (one per register field too) cost
    // more to add than a short query costs to parse.
    std::unique_ptr<Xapian::QueryParser> parser;

    // The stored fields of a match, from its shard: a combined docid interleaves the shards'
    // own (Xapian's rule for a database of several).
    StatusOr<v1::IndexedFields> FieldsOf(Xapian::docid did) const {
      const Xapian::docid count = static_cast<Xapian::docid>(shards.size());
      const std::string bytes = shards[(did - 1) % count].get_metadata(FieldsKey((did - 1) / count + 1));
      v1::IndexedFields fields;
      if (bytes.empty() || !fields.ParseFromString(bytes)) {
        return DataLossError("search index: missing or malformed stored fields of document " + std::to_string(did));
      }
      return fields;
    }
  };
  Reader& ReaderForThisThread() const {
    thread_local std::vector<Reader> readers;
    const std::uint64_t current = uid.load();
    auto it = std::find_if(readers.begin(), readers.end(), [&](const Reader& r) { return r.uid == current; });
    if (it == readers.end()) {
      // Drop readers of indexes long closed: their uids never come back.
      if (readers.size() > 8) readers.erase(readers.begin());
      Reader reader{.uid = current, .generation = generation.load(), .db = std::make_unique<Xapian::Database>()};
      for (const auto& shard : shards) {
        reader.shards.emplace_back(shard->path);
        reader.db->add_database(reader.shards.back());
      }
      reader.parser = MakeParser(*reader.db);
      readers.push_back(std::move(reader));
      return readers.back();
    }
    const std::uint64_t now = generation.load();
    if (it->generation != now) {
      it->db->reopen();
      it->generation = now;
    }
    return *it;
  }
  void ForceReopen() const { ReaderForThisThread().db->reopen(); }
  Shard& ShardOf(std::string_view id) const { return *shards[ShardFor(id, shards.size())]; }

  StatusOr<Xapian::Query> ParseQuery(const SearchRequest& r, const Reader& reader) const;
  std::unique_ptr<Xapian::QueryParser> MakeParser(const Xapian::Database& db) const;
  StatusOr<v1::SearchResponse> SearchOnce(const SearchRequest& r) const;
  StatusOr<std::vector<std::string>> MatchingIdsOnce(const std::string& query) const;
  // Runs `once` on this thread's reader; a commit can retire the revision a reader is on,
  // so it reopens and tries again (three times at most).
  template <typename Fn>
  auto WithReader(Fn once) const -> decltype(once()) {
    for (int attempt = 0;; ++attempt) {
      try {
        return once();
      } catch (const Xapian::DatabaseModifiedError& e) {
        if (attempt == 2) return FromXapian(e);
        try {
          ForceReopen();
        } catch (const Xapian::Error& again) {
          return FromXapian(again);
        }
      } catch (const Xapian::Error& e) {
        return FromXapian(e);
      }
    }
  }
};

SearchIndex::SearchIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SearchIndex::~SearchIndex() = default;

StatusOr<std::unique_ptr<SearchIndex>> SearchIndex::Open(const SearchIndexOptions& options) {
  if (options.shards < 1 || options.shards > 64) return InvalidArgumentError("search index shards: from 1 to 64");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) return UnavailableError("cannot create " + options.path + ": " + ec.message());
  if (std::filesystem::exists(std::filesystem::path(options.path) / "iamglass")) {
    return FailedPreconditionError("search index at " + options.path + " has an older layout; rebuild it");
  }
  std::uint64_t high_water = UINT64_MAX;
  try {
    for (std::size_t i = 0; i < options.shards; ++i) {
      auto shard = std::make_unique<Impl::Shard>();
      shard->index = i;
      shard->path = (std::filesystem::path(options.path) / ("shard-" + std::to_string(i))).string();
      FinishCompaction(shard->path);
      shard->writer = Xapian::WritableDatabase(shard->path, Xapian::DB_CREATE_OR_OPEN);
      const std::string format = shard->writer.get_metadata(std::string(kFormatKey));
      const std::string count = std::to_string(options.shards);
      if (format.empty() && shard->writer.get_doccount() == 0) {
        shard->writer.set_metadata(std::string(kFormatKey), std::string(kFormat));
        shard->writer.set_metadata(std::string(kShardsKey), count);
        shard->writer.commit();
      } else if (format != kFormat || shard->writer.get_metadata(std::string(kShardsKey)) != count) {
        return FailedPreconditionError("search index at " + options.path + " has format \"" + format + "\" in " +
                                       shard->writer.get_metadata(std::string(kShardsKey)) +
                                       " shards; this build writes format " + std::string(kFormat) + " in " + count +
                                       "; rebuild it");
      }
      const std::string hw = shard->writer.get_metadata(std::string(kHighWaterKey));
      std::uint64_t shard_high_water = 0;
      std::from_chars(hw.data(), hw.data() + hw.size(), shard_high_water);
      // A crash between shard commits leaves some behind: replay from the lowest.
      high_water = std::min(high_water, shard_high_water);
      impl->documents += shard->writer.get_doccount();
      for (auto it = shard->writer.valuestream_begin(kFacetSlot); it != shard->writer.valuestream_end(kFacetSlot); ++it) {
        if (ShardOfDocid(it.get_docid(), options.shards) != i) {
          return FailedPreconditionError("search index at " + shard->path + " holds docid " +
                                         std::to_string(it.get_docid()) + " of another shard; rebuild it");
        }
        shard->facets.Set(RankOfDocid(it.get_docid(), options.shards), *it);
      }
      shard->facets.Publish();
      shard->terms.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
      shard->terms.set_stemmer(Xapian::Stem(new IndexStem));
      shard->terms.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
      impl->shards.push_back(std::move(shard));
    }
  } catch (const Xapian::Error& e) {
    return FromXapian(e);
  }
  impl->high_water = high_water;
  return std::unique_ptr<SearchIndex>(new SearchIndex(std::move(impl)));
}

std::size_t SearchIndex::ShardOf(std::string_view id) const { return ShardFor(id, impl_->shards.size()); }
std::size_t SearchIndex::shard_count() const { return impl_->shards.size(); }

Status SearchIndex::Replace(const IndexedDocument& d) {
  const v1::SearchHit& hit = d.hit;
  ARCHIVED_CHECK(!hit.id().empty());
  Impl::Shard& shard = impl_->ShardOf(hit.id());
  std::lock_guard lock(shard.mutex);
  try {
    Xapian::Document doc;
    Xapian::TermGenerator& tg = shard.terms;
    tg.set_document(doc);
    tg.index_text(hit.title(), 1, std::string(kTitlePrefix));
    tg.index_text(hit.author(), 1, std::string(kAuthorPrefix));
    // Unprefixed free text: what a plain word finds. The title counts double.
    tg.index_text(hit.title(), 2);
    for (const std::string* part : {&hit.author(), &hit.reference_code(), &hit.filename()}) {
      tg.increase_termpos();
      tg.index_text(*part);
    }
    for (const std::string& tag : d.tags) {
      tg.increase_termpos();
      tg.index_text(tag);
      doc.add_boolean_term(Term(kTagPrefix, tag));
    }
    tg.increase_termpos();
    tg.index_text(d.text);
    if (!hit.register_kind().empty()) {
      doc.add_boolean_term(Term(kRegisterPrefix, hit.register_kind()));
      doc.add_boolean_term(std::string(kEntryTerm));
      for (const auto& [name, value] : d.fields) {
        tg.increase_termpos();
        tg.index_text(value);
        tg.index_text(value, 1, FieldPrefix(name));
      }
    }

    doc.add_boolean_term(Term(kIdPrefix, hit.id()));
    if (!hit.reference_code().empty()) doc.add_boolean_term(Term(kRefPrefix, AsciiUpper(hit.reference_code())));
    // Every ancestor of the category too, so that "category:BGS" finds "BGS/HR".
    const std::string category = AsciiUpper(hit.category());
    for (std::size_t slash = category.find('/'); slash != std::string::npos; slash = category.find('/', slash + 1)) {
      doc.add_boolean_term(Term(kCategoryPrefix, category.substr(0, slash)));
    }
    doc.add_boolean_term(Term(kCategoryPrefix, category));
    doc.add_boolean_term(Term(kExactCategoryPrefix, category));
    doc.add_boolean_term(Term(kClassificationPrefix, v1::Classification_Name(hit.classification())));
    doc.add_boolean_term(Term(kTypePrefix, hit.type()));
    const std::string& date = hit.date();  // YYYY-MM-DD
    const bool dated = date.size() == 10;
    if (dated) doc.add_value(kDateSlot, date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2));
    const std::string facet_value =
        category + kFacetSeparator + (dated ? date.substr(0, 4) : std::string()) + kFacetSeparator + hit.type();
    doc.add_value(kFacetSlot, facet_value);

    v1::IndexedFields fields;
    *fields.mutable_hit() = hit;
    const std::string_view sample = Utf8Prefix(d.text, impl_->options.text_sample_bytes);
    codec::EncodeFastPayload(sample, fields.mutable_text_sample_payload());
    fields.set_text_sample_bytes(static_cast<std::uint32_t>(sample.size()));
    // The document keeps its docid; a new one takes its shard's next (ShardOfDocid).
    const std::string id_term = Term(kIdPrefix, hit.id());
    const std::size_t shards = impl_->shards.size();
    Xapian::docid did = 0;
    if (auto it = shard.writer.postlist_begin(id_term); it != shard.writer.postlist_end(id_term)) {
      did = *it;
    } else {
      const Xapian::docid last = shard.writer.get_lastdocid();
      did = last == 0 ? static_cast<Xapian::docid>(shard.index + 1) : last + static_cast<Xapian::docid>(shards);
    }
    shard.writer.replace_document(did, doc);
    shard.writer.set_metadata(FieldsKey(did), fields.SerializeAsString());
    shard.facets.Set(RankOfDocid(did, shards), facet_value);
  } catch (const Xapian::Error& e) {
    return FromXapian(e);
  }
  return OkStatus();
}

Status SearchIndex::Compact() {
  for (const auto& shard_ptr : impl_->shards) {
    Impl::Shard& shard = *shard_ptr;
    std::lock_guard lock(shard.mutex);
    std::error_code ec;
    const std::string fresh = shard.path + ".compact", old = shard.path + ".old";
    std::filesystem::remove_all(fresh, ec);
    std::filesystem::remove_all(old, ec);
    try {
      shard.writer.commit();
      // Copies the live blocks only, keeping every docid: the stored fields are keyed by it.
      shard.writer.compact(fresh, Xapian::DBCOMPACT_NO_RENUMBER);
      shard.writer.close();
    } catch (const Xapian::Error& e) {
      std::filesystem::remove_all(fresh, ec);
      try {
        shard.writer = Xapian::WritableDatabase(shard.path, Xapian::DB_OPEN);
      } catch (const Xapian::Error&) {
      }
      return FromXapian(e);
    }
    std::filesystem::rename(shard.path, old, ec);
    if (!ec) std::filesystem::rename(fresh, shard.path, ec);
    if (ec) return UnavailableError("cannot swap in the compacted index shard " + shard.path + ": " + ec.message());
    try {
      shard.writer = Xapian::WritableDatabase(shard.path, Xapian::DB_OPEN);
    } catch (const Xapian::Error& e) {
      return FromXapian(e);
    }
    std::filesystem::remove_all(old, ec);
  }
  impl_->uid = NextUid();
  return OkStatus();
}

Status SearchIndex::Remove(std::string_view id) {
  Impl::Shard& shard = impl_->ShardOf(id);
  std::lock_guard lock(shard.mutex);
  try {
    const std::string term = Term(kIdPrefix, id);
    for (auto it = shard.writer.postlist_begin(term); it != shard.writer.postlist_end(term); ++it) {
      shard.writer.set_metadata(FieldsKey(*it), std::string());  // an empty value deletes the key
      shard.facets.Set(RankOfDocid(*it, impl_->shards.size()), std::string());
    }
    shard.writer.delete_document(term);
  } catch (const Xapian::Error& e) {
    return FromXapian(e);
  }
  return OkStatus();
}

Status SearchIndex::Commit(std::uint64_t high_water) {
  // The shards commit side by side: each commit ends in its own fsyncs.
  std::vector<Status> results(impl_->shards.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < impl_->shards.size(); ++i) {
    const auto commit = [this, i, high_water, &results] {
      Impl::Shard& shard = *impl_->shards[i];
      std::lock_guard lock(shard.mutex);
      try {
        shard.writer.set_metadata(std::string(kHighWaterKey), std::to_string(high_water));
        shard.writer.commit();
        shard.facets.Publish();
      } catch (const Xapian::Error& e) {
        results[i] = FromXapian(e);
      }
    };
    if (i + 1 == impl_->shards.size()) {
      commit();
    } else {
      threads.emplace_back(commit);
    }
  }
  for (std::thread& t : threads) t.join();
  for (const Status& s : results) {
    if (!s.ok()) return s;
  }
  std::uint64_t documents = 0;
  for (const auto& shard : impl_->shards) documents += shard->writer.get_doccount();
  impl_->documents = documents;
  impl_->high_water = high_water;
  impl_->generation++;
  return OkStatus();
}

Status SearchIndex::FlushShard(std::size_t shard_index) {
  ARCHIVED_CHECK(shard_index < impl_->shards.size());
  Impl::Shard& shard = *impl_->shards[shard_index];
  std::lock_guard lock(shard.mutex);
  try {
    shard.writer.commit();
    shard.facets.Publish();
  } catch (const Xapian::Error& e) {
    return FromXapian(e);
  }
  return OkStatus();
}

std::uint64_t SearchIndex::high_water() const { return impl_->high_water.load(); }
std::uint64_t SearchIndex::document_count() const { return impl_->documents.load(); }

StatusOr<std::vector<std::string>> SearchIndex::Ids() const {
  std::vector<std::string> out;
  try {
    Xapian::Database& db = *impl_->ReaderForThisThread().db;
    db.reopen();
    const std::string prefix(kIdPrefix);
    for (auto it = db.allterms_begin(prefix); it != db.allterms_end(prefix); ++it) {
      out.push_back((*it).substr(prefix.size()));
    }
  } catch (const Xapian::Error& e) {
    return FromXapian(e);
  }
  return out;
}

std::unique_ptr<Xapian::QueryParser> SearchIndex::Impl::MakeParser(const Xapian::Database& db) const {
  auto parser = std::make_unique<Xapian::QueryParser>();
  Xapian::QueryParser& qp = *parser;
  qp.set_database(db);
  qp.set_stemmer(ThreadStemmer());
  qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  qp.set_default_op(Xapian::Query::OP_AND);
  qp.set_max_expansion(static_cast<Xapian::termcount>(options.max_wildcard_terms),
                       Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
  qp.add_prefix("title", std::string(kTitlePrefix));
  qp.add_prefix("author", std::string(kAuthorPrefix));
  // The parser owns these (release()).
  qp.add_boolean_prefix("category", (new TermField(kCategoryPrefix, TermField::Case::kUpper))->release());
  qp.add_boolean_prefix("ref", (new TermField(kRefPrefix, TermField::Case::kUpper))->release());
  qp.add_boolean_prefix("tag", (new TermField(kTagPrefix, TermField::Case::kAsIs))->release());
  qp.add_boolean_prefix("type", (new TermField(kTypePrefix, TermField::Case::kLower))->release());
  qp.add_boolean_prefix("id", (new TermField(kIdPrefix, TermField::Case::kLower))->release());
  qp.add_boolean_prefix("date", (new DateField)->release());
  qp.add_boolean_prefix("register", (new TermField(kRegisterPrefix, TermField::Case::kLower))->release());
  for (const std::string& field : options.entry_fields) {
    if (std::find(std::begin(kFields), std::end(kFields), field) == std::end(kFields)) {
      qp.add_prefix(field, FieldPrefix(field));
    }
  }
  return parser;
}

StatusOr<Xapian::Query> SearchIndex::Impl::ParseQuery(const SearchRequest& r, const Reader& reader) const {
  std::vector<Xapian::Query> filters;
  if (!r.category.empty()) filters.emplace_back(Term(kCategoryPrefix, AsciiUpper(r.category)));
  if (!r.type.empty()) {
    if (std::find(std::begin(kTypeNames), std::end(kTypeNames), r.type) == std::end(kTypeNames)) {
      return InvalidArgumentError("type: one of text, html, pdf, docx, xlsx, pptx, odt, ods, eml, other, register");
    }
    filters.emplace_back(Term(kTypePrefix, r.type));
  }
  if (!r.from.empty() || !r.to.empty()) {
    StatusOr<Xapian::Query> range = DateRangeQuery(r.from, r.to);
    if (!range.ok()) return range.status().Annotate(r.from.empty() ? "to" : "from");
    filters.push_back(std::move(*range));
  }
  if (!r.access.all_categories) {
    std::vector<Xapian::Query> allowed;
    for (const std::string& c : r.access.categories) allowed.emplace_back(Term(kExactCategoryPrefix, AsciiUpper(c)));
    filters.push_back(allowed.empty() ? Xapian::Query::MatchNothing
                                      : Xapian::Query(Xapian::Query::OP_OR, allowed.begin(), allowed.end()));
  }
  if (!r.access.all_classifications) {
    std::vector<Xapian::Query> allowed;
    for (const v1::Classification c : r.access.classifications) {
      allowed.emplace_back(Term(kClassificationPrefix, v1::Classification_Name(c)));
    }
    filters.push_back(allowed.empty() ? Xapian::Query::MatchNothing
                                      : Xapian::Query(Xapian::Query::OP_OR, allowed.begin(), allowed.end()));
  }

  Xapian::Query main = MatchAll();
  const bool blank = std::all_of(r.query.begin(), r.query.end(), [](char c) { return c == ' ' || c == '\t'; });
  if (!blank) {
    StatusOr<std::string> text = Preprocess(r.query, options.entry_fields);
    if (!text.ok()) return text.status();
    const unsigned flags = Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_WILDCARD |
                           Xapian::QueryParser::FLAG_PURE_NOT | Xapian::QueryParser::FLAG_CJK_NGRAM;
    main = WithoutCoveredCjkCharacters(reader.parser->parse_query(*text, flags));
  }
  if (filters.empty()) return main;
  return Xapian::Query(Xapian::Query::OP_FILTER, main,
                       Xapian::Query(Xapian::Query::OP_AND, filters.begin(), filters.end()));
}

StatusOr<v1::SearchResponse> SearchIndex::Impl::SearchOnce(const SearchRequest& r) const {
  const Reader& reader = ReaderForThisThread();
  Xapian::Database& db = *reader.db;
  StatusOr<Xapian::Query> query = ParseQuery(r, reader);
  if (!query.ok()) return query.status();
  Xapian::Enquire enquire(db);
  enquire.set_query(*query);
  if (r.sort_by_date) enquire.set_sort_by_value_then_relevance(kDateSlot, true);
  std::vector<std::shared_ptr<const FacetCodes>> facet_codes;
  if (r.facets) {
    for (const auto& shard : shards) facet_codes.push_back(shard->facets.published());
  }
  FacetSpy facets(std::move(facet_codes));
  std::size_t check_at_least = r.offset + r.limit;
  if (r.facets) {
    enquire.add_matchspy(&facets);
    check_at_least = std::max(options.facet_sample, check_at_least);
  }
  const Xapian::MSet mset = enquire.get_mset(static_cast<Xapian::doccount>(r.offset),
                                             static_cast<Xapian::doccount>(r.limit),
                                             static_cast<Xapian::doccount>(check_at_least));
  const Snippeter snippeter(SnippetTermsOf(*query, r.query), options.snippet_bytes);
  std::string text;
  v1::SearchResponse out;
  out.set_estimated_total(mset.get_matches_estimated());
  out.set_offset(static_cast<std::uint32_t>(r.offset));
  out.set_limit(static_cast<std::uint32_t>(r.limit));
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    StatusOr<v1::IndexedFields> stored = reader.FieldsOf(*it);
    if (!stored.ok()) return stored.status();
    v1::IndexedFields& fields = *stored;
    // Decode the sample only up to a snippet's length past its first match.
    std::size_t scanned = 0, first_match = std::string::npos;
    const auto enough = [&](std::string_view decoded) {
      if (first_match == std::string::npos) {
        const std::size_t from = scanned > kRescanBytes ? scanned - kRescanBytes : 0;
        const std::size_t found = snippeter.FirstMatch(decoded.substr(from));
        if (found != std::string::npos) first_match = from + found;
        scanned = decoded.size();
      }
      return first_match != std::string::npos && decoded.size() >= first_match + options.snippet_bytes;
    };
    if (Status decoded = codec::DecodePayloadPrefix(fields.text_sample_payload(), fields.text_sample_bytes(), &text,
                                                    enough);
        !decoded.ok()) {
      return decoded.Annotate("search index: text sample of document " + fields.hit().id());
    }
    // A prefix may end inside a character: drop its start.
    if (std::size_t last = text.size(); last > 0) {
      while (last > 1 && (static_cast<unsigned char>(text[last - 1]) & 0xC0) == 0x80) --last;
      if (static_cast<unsigned char>(text[last - 1]) >= 0x80 && Utf8CodePointAt(text, last - 1).first == 0) {
        text.resize(last - 1);
      }
    }
    v1::SearchHit* hit = out.add_hits();
    *hit = std::move(*fields.mutable_hit());
    hit->set_score(static_cast<std::uint32_t>(it.get_percent()));
    hit->set_snippet(snippeter.Make(text, first_match));
  }
  if (r.facets) {
    facets.Add(FacetSpy::kCategory, options.max_facet_values, out.mutable_facets()->mutable_category());
    facets.Add(FacetSpy::kYear, options.max_facet_values, out.mutable_facets()->mutable_year());
    facets.Add(FacetSpy::kType, options.max_facet_values, out.mutable_facets()->mutable_type());
    out.mutable_facets()->set_documents(facets.documents());
  }
  return out;
}

StatusOr<v1::SearchResponse> SearchIndex::Search(const SearchRequest& r) const {
  if (r.query.size() > impl_->options.max_query_bytes) {
    return InvalidArgumentError("q: longer than " + std::to_string(impl_->options.max_query_bytes) + " bytes");
  }
  if (r.limit == 0 || r.limit > impl_->options.max_limit) {
    return InvalidArgumentError("limit: from 1 to " + std::to_string(impl_->options.max_limit));
  }
  if (r.offset > impl_->options.max_offset) {
    return InvalidArgumentError("offset: at most " + std::to_string(impl_->options.max_offset));
  }
  return impl_->WithReader([&] { return impl_->SearchOnce(r); });
}

StatusOr<std::vector<std::string>> SearchIndex::Impl::MatchingIdsOnce(const std::string& query) const {
  const Reader& reader = ReaderForThisThread();
  Xapian::Database& db = *reader.db;
  StatusOr<Xapian::Query> parsed = ParseQuery(SearchRequest{.query = query}, reader);
  if (!parsed.ok()) return parsed.status();
  Xapian::Enquire enquire(db);
  // Documents and register entries: a hold's query holds both.
  enquire.set_query(*parsed);
  enquire.set_weighting_scheme(Xapian::BoolWeight());  // every match, no ranking
  const Xapian::MSet mset = enquire.get_mset(0, db.get_doccount());
  std::vector<std::string> ids;
  ids.reserve(mset.size());
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    StatusOr<v1::IndexedFields> fields = reader.FieldsOf(*it);
    if (!fields.ok()) return fields.status();
    ids.push_back(fields->hit().id());
  }
  return ids;
}

StatusOr<std::vector<std::string>> SearchIndex::MatchingIds(const std::string& query) const {
  if (query.size() > impl_->options.max_query_bytes) {
    return InvalidArgumentError("q: longer than " + std::to_string(impl_->options.max_query_bytes) + " bytes");
  }
  return impl_->WithReader([&] { return impl_->MatchingIdsOnce(query); });
}

Status SearchIndex::Check(const std::string& path) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
    if (!entry.is_directory() || !entry.path().filename().string().starts_with("shard-")) continue;
    std::ostringstream report;
    try {
      const std::size_t errors = Xapian::Database::check(entry.path().string(), Xapian::DBCHECK_SHORT_TREE, &report);
      if (errors > 0) {
        return DataLossError("search index " + entry.path().string() + ": " + std::to_string(errors) +
                             " errors: " + report.str());
      }
    } catch (const Xapian::Error& e) {
      return FromXapian(e);
    }
  }
  if (ec) return UnavailableError("cannot read " + path + ": " + ec.message());
  return OkStatus();
}

}  // namespace archived::index
