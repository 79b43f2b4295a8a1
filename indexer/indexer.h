// Indexer: keeps the full-text index in step with the catalogue. One thread follows the
// durable index queue (the outbox written in each change's own batch), extracts the text of
// each changed document's latest version, and is the index's only writer; it commits in
// batches with the queue's high-water mark, then trims the queue, so that a crash replays
// what the index lacks and nothing is lost or doubled. A missing, corrupt or outdated index
// is rebuilt from the catalogue. Searches run on any thread. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "archived/base/clock.h"
#include "archived/base/status.h"
#include "archived/catalog/catalog.h"
#include "indexer/extract/extract.h"
#include "indexer/index/search_index.h"
#include "archived/v1/registers.pb.h"

namespace archived::indexer {

struct IndexerOptions {
  index::SearchIndexOptions index;  // index.path is required
  extract::ExtractLimits extract;
  // Queue entries taken per batch (one index commit each). Default: 512.
  std::size_t batch_entries = 512;
  // How often an idle indexer looks at the queue. Default: 50 ms.
  std::chrono::milliseconds poll_interval{50};
  // The niceness (0–19) of the indexer's thread "archived-index", of the threads it starts
  // and of the extraction helpers they run: under load the request path comes first, and
  // indexing catches up when the CPU is free. Default: 10.
  int nice = 10;
  // Run them in Linux's SCHED_IDLE class as well: only on CPU time that nothing else wants,
  // and preempted as soon as a request's thread wakes. Niceness alone still let indexing
  // take a third of both cores under a filing load, and the filing rate with it (see
  // docs/benchmarks.md). At normal load the CPU is mostly idle and the index keeps up;
  // under saturation its lag (a metric) grows until the load eases. Default: true.
  bool idle_class = true;
};

struct IndexerStats {
  std::uint64_t documents_indexed = 0;    // replaced in the index, since start
  std::uint64_t documents_removed = 0;
  std::uint64_t extraction_failures = 0;
  std::uint64_t errors = 0;               // documents that could not be read
  std::uint64_t batches = 0;
  std::uint64_t high_water = 0;           // last queue entry the index holds
  std::uint64_t documents_in_index = 0;
  double last_lag_seconds = 0;            // queue to searchable, oldest entry of the last batch
  bool rebuilding = false;
};

// Register entries (archived/registers), indexed beside the documents: `find` gives the
// entry with its fields, or nullopt when there is none; `for_each_id` calls back with every
// entry's id. Unset: no entries.
struct EntrySource {
  std::function<StatusOr<std::optional<v1::RegisterEntry>>(std::string_view id)> find;
  std::function<Status(const std::function<Status(std::string_view)>&)> for_each_id;
};

class Indexer {
 public:
  // Opens (or creates) the index. Call Start to follow the queue.
  // Errors: kUnavailable when another process holds the index.
  static StatusOr<std::unique_ptr<Indexer>> Open(const IndexerOptions& options, catalog::Catalog* catalog,
                                                 const Clock& clock, EntrySource entries = {});
  ~Indexer();
  Indexer(const Indexer&) = delete;
  Indexer& operator=(const Indexer&) = delete;

  // Starts the indexer thread; it first rebuilds the index if it must.
  void Start();
  // Finishes and commits the current batch, then stops the thread. Idempotent.
  void Stop();
  IndexerStats stats() const;
  // The queue entries not yet in the index (approximate while the thread runs).
  StatusOr<std::uint64_t> Pending() const;

  // Any thread. Errors: as SearchIndex::Search.
  StatusOr<v1::SearchResponse> Search(const index::SearchRequest& request) const;
  // Once every queued change is indexed (waiting up to `catch_up`), the ids of every
  // document and register entry `query` matches. Errors: kUnavailable when the index has not caught up;
  // as SearchIndex::MatchingIds.
  StatusOr<std::vector<std::string>> MatchingIds(const std::string& query, std::chrono::milliseconds catch_up) const;

  // Without the thread running (offline, or before Start):
  // Indexes every queued change now.
  Status CatchUp();
  // Builds a new index from every document in the catalogue beside the old one and swaps it
  // in. `progress(done, total)` is called now and then.
  Status Rebuild(const std::function<void(std::size_t, std::size_t)>& progress);
  // Compares the ids in the index with the documents in the catalogue.
  struct Difference {
    std::vector<std::string> missing;  // in the catalogue, not in the index
    std::vector<std::string> extra;    // in the index, not in the catalogue
    std::uint64_t pending = 0;         // queue entries not yet indexed
  };
  StatusOr<Difference> Check() const;

 private:
  Indexer(const IndexerOptions& options, catalog::Catalog* catalog, const Clock& clock, EntrySource entries)
      : options_(options), catalog_(catalog), clock_(clock), entries_(std::move(entries)) {}
  Status OpenIndex();
  StatusOr<bool> NeedsRebuild() const;
  StatusOr<std::size_t> RunBatch();  // entries handled; 0 when the queue is empty
  Status IndexDocument(index::SearchIndex& index, const v1::Document& doc);
  Status IndexById(const std::string& id);
  // Replaces (or removes) register entry `id` in `index`.
  Status IndexEntry(index::SearchIndex& index, std::string_view id);
  // Every entry id (none without an EntrySource).
  StatusOr<std::vector<std::string>> EntryIds() const;
  void Loop();

  const IndexerOptions options_;
  catalog::Catalog* const catalog_;
  const Clock& clock_;
  const EntrySource entries_;

  mutable std::shared_mutex index_mutex_;  // exclusive only to swap index_ after a rebuild
  std::unique_ptr<index::SearchIndex> index_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> compact_pending_{false};  // a destroyed document left the index
  bool stopping_ = false;
  std::thread thread_;

  std::atomic<std::uint64_t> indexed_{0}, removed_{0}, failures_{0}, errors_{0}, batches_{0};
  std::atomic<std::uint64_t> lag_micros_{0};
  std::atomic<bool> rebuilding_{false};
};

}  // namespace archived::indexer
