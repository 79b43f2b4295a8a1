// SearchIndex: the full-text index over Xapian (the only Xapian user), spread over shards
// that are written side by side and searched as one. Any thread searches, each through its
// own Xapian::Database that is reopened after a commit. The index is derived from the catalogue and can be rebuilt;
// its high-water mark (the last index-queue entry it holds) is committed with its changes.
// Layout: indexer/index/FORMAT.md.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "archived/base/status.h"
#include "archived/v1/search.pb.h"

namespace archived::index {

struct SearchIndexOptions {
  std::string path;  // a directory; created if missing
  // Xapian databases the documents are spread over (by a hash of the id), written side by
  // side and searched as one. Changing it needs a rebuild. Default: 2.
  std::size_t shards = 2;
  // Bytes of a document's text stored for snippets. Default: 16 KiB.
  std::size_t text_sample_bytes = 16 << 10;
  // Length of a snippet in bytes of text. Default: 240.
  std::size_t snippet_bytes = 240;
  // Terms a prefix* may expand to (the most frequent are kept). Default: 256.
  std::size_t max_wildcard_terms = 256;
  // Matches examined for facets and the estimated total: facets are exact up to this many
  // matches and counted over the first this many beyond. Default: 2,000.
  std::size_t facet_sample = 2000;
  std::size_t max_query_bytes = 1024;  // Default: 1 KiB.
  std::size_t max_limit = 100;         // hits per page. Default: 100.
  std::size_t max_offset = 10000;      // Default: 10,000.
  std::size_t max_facet_values = 20;   // per facet. Default: 20.
  // Register field names a query may use as prefixes ("lead_handler:张三"), besides the
  // document fields. Default: none.
  std::vector<std::string> entry_fields;
};

// A document (or a register entry) as the index sees it.
struct IndexedDocument {
  v1::SearchHit hit;  // id, reference_code, title, date (YYYY-MM-DD), category, type, author, version, filename
  std::vector<std::string> tags;
  std::string text;  // the extracted text of the latest version
  // A register entry (hit.register_kind set): its fields by name, each also searchable as
  // "name:word" (SearchIndexOptions::entry_fields).
  std::vector<std::pair<std::string, std::string>> fields;
};

// Who may see what: filter terms inside the query, so that counts, pages and snippets never
// include what the caller may not see.
struct AccessFilter {
  bool all_categories = true;
  std::vector<std::string> categories;  // exactly these categories (not their subtrees), when not all
  bool all_classifications = true;
  std::vector<v1::Classification> classifications;  // these levels only, when not all
};

struct SearchRequest {
  std::string query;     // the query syntax of docs/search.md; empty matches everything
  std::string category;  // a file-plan subtree ("BGS" includes "BGS/HR")
  std::string type;      // "pdf", "text" …
  std::string from, to;  // dates, inclusive: YYYY, YYYY-MM or YYYY-MM-DD
  bool sort_by_date = false;  // newest first; else by relevance
  // Counts by category, year and type. They make Xapian look at facet_sample matches
  // instead of stopping at the page: ask for them when they are shown.
  bool facets = true;
  std::size_t offset = 0;
  std::size_t limit = 20;
  AccessFilter access;
};

class SearchIndex {
 public:
  // Opens (or creates) the index at options.path and takes its write lock.
  // Errors: kUnavailable when another process holds the lock; kDataLoss for a corrupt index.
  static StatusOr<std::unique_ptr<SearchIndex>> Open(const SearchIndexOptions& options);
  ~SearchIndex();
  SearchIndex(const SearchIndex&) = delete;
  SearchIndex& operator=(const SearchIndex&) = delete;

  // Writer side. Replace and Remove may run on several threads at once (one per shard is
  // the fast way: see ShardOf); Commit must not overlap them. Changes are seen by searches
  // after Commit.
  Status Replace(const IndexedDocument& document);
  Status Remove(std::string_view id);
  std::size_t ShardOf(std::string_view id) const;
  std::size_t shard_count() const;
  // Makes every change so far durable and visible, together with `high_water`.
  Status Commit(std::uint64_t high_water);
  // Commits shard `shard`'s changes so far, its high-water mark unchanged: bounds a long
  // rebuild's memory. May run while other shards are written.
  Status FlushShard(std::size_t shard);
  // Rewrites each shard with its live blocks only, so that removed documents' terms leave
  // the files (Xapian keeps freed blocks until they are reused). Searches meanwhile see the
  // old files. A crash midway is finished by Open. Errors: kUnavailable; Xapian's.
  Status Compact();
  std::uint64_t high_water() const;
  // Every document id in the index, sorted. Errors: kDataLoss.
  StatusOr<std::vector<std::string>> Ids() const;
  std::uint64_t document_count() const;

  // Any thread. Errors: kInvalidArgument naming what is wrong with the query or a parameter.
  StatusOr<v1::SearchResponse> Search(const SearchRequest& request) const;
  // The ids of every document and register entry `query` matches, unranked and unpaged,
  // without snippets (a hold's saved query). Errors: as Search for the query.
  StatusOr<std::vector<std::string>> MatchingIds(const std::string& query) const;

  // Checks the index's structure (Xapian's check). Errors: kDataLoss naming the problem.
  static Status Check(const std::string& path);

  struct Impl;

 private:
  explicit SearchIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace archived::index
