#include "indexer/indexer.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <thread>
#include <unordered_set>

#include "archived/base/log.h"
#include "archived/base/status_macros.h"
#include "archived/base/text.h"

namespace archived::indexer {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kFailed = "failed — ";
constexpr std::size_t kRebuildFlushDocuments = 500;

// The day of a document for search: its own date, else the UTC day it was filed.
std::string SearchDate(const v1::Document& doc) {
  if (!doc.date().empty()) return doc.date();
  return FormatRfc3339(FromUnixMicros(doc.filed_time().seconds() * 1000000)).substr(0, 10);
}

// The words of a register entry's fields (a Struct in the JSON mapping), each with the name
// of the field it is in; the fields of a step count as the step list's own.
void FieldWords(const std::string& name, const google::protobuf::Value& value,
                std::vector<std::pair<std::string, std::string>>* out) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kStringValue:
      if (!value.string_value().empty()) out->emplace_back(name, value.string_value());
      break;
    case google::protobuf::Value::kNumberValue:
      out->emplace_back(name, FormatShortNumber(value.number_value()));
      break;
    case google::protobuf::Value::kListValue:
      for (const auto& item : value.list_value().values()) FieldWords(name, item, out);
      break;
    case google::protobuf::Value::kStructValue:
      for (const auto& [key, item] : value.struct_value().fields()) FieldWords(key, item, out);
      break;
    default:
      break;
  }
}

index::IndexedDocument EntryForIndex(const v1::RegisterEntry& entry) {
  index::IndexedDocument d;
  v1::SearchHit& hit = d.hit;
  hit.set_id(entry.id());
  hit.set_title(entry.title());
  hit.set_category(entry.category());
  hit.set_classification(v1::INTERNAL);
  hit.set_type("register");
  hit.set_register_kind(entry.kind());
  hit.set_author(entry.created_by());
  hit.set_version(entry.revision());
  hit.set_date(FormatRfc3339(FromUnixMicros(entry.created_time().seconds() * 1000000)).substr(0, 10));
  // Fields in a stable order (a Struct's map has none), so that the text is the same each time.
  std::vector<std::string> names;
  for (const auto& [name, value] : entry.fields().fields()) names.push_back(name);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) FieldWords(name, entry.fields().fields().at(name), &d.fields);
  // The text (snippets are cut from it): the title, then the fields' words.
  d.text = entry.title() + "\n";
  for (const auto& [name, text] : d.fields) {
    if (text != entry.title()) d.text += text + "\n";
  }
  return d;
}

// Runs work(item) for every item `produce` pushes, on one thread per shard of `index`, the
// items of one shard in order on its thread; returns produce's status once all are done.
template <typename Item>
Status ForEachByShard(const index::SearchIndex& index, const std::function<std::string_view(const Item&)>& id_of,
                      const std::function<Status(const std::function<void(Item)>&)>& produce,
                      const std::function<void(std::size_t shard, Item&)>& work) {
  const std::size_t shards = index.shard_count();
  if (shards == 1) {
    return produce([&](Item item) { work(0, item); });
  }
  struct Lane {
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<Item> items;
    bool closed = false;
  };
  // Items are metadata (the content is read by the worker): a deep lane is cheap. A shallow
  // one kept the shards in lockstep: when one lane was full behind a large PDF or a commit,
  // the producer waited on it while the other shard's thread ran dry (a rebuild of the search
  // benchmark's corpus kept 1.57 of the 2 cores busy with 32 items a lane, 1.86 with 1,024).
  constexpr std::size_t kLaneDepth = 1024;
  std::vector<Lane> lanes(shards);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < shards; ++i) {
    threads.emplace_back([&, i] {
      Lane& lane = lanes[i];
      for (;;) {
        std::unique_lock lock(lane.mutex);
        lane.changed.wait(lock, [&] { return !lane.items.empty() || lane.closed; });
        if (lane.items.empty()) return;
        Item item = std::move(lane.items.front());
        lane.items.pop_front();
        lock.unlock();
        lane.changed.notify_all();
        work(i, item);
      }
    });
  }
  const Status produced = produce([&](Item item) {
    Lane& lane = lanes[index.ShardOf(id_of(item))];
    std::unique_lock lock(lane.mutex);
    lane.changed.wait(lock, [&] { return lane.items.size() < kLaneDepth; });
    lane.items.push_back(std::move(item));
    lock.unlock();
    lane.changed.notify_all();
  });
  for (Lane& lane : lanes) {
    {
      std::lock_guard lock(lane.mutex);
      lane.closed = true;
    }
    lane.changed.notify_all();
  }
  for (std::thread& t : threads) t.join();
  return produced;
}

Status RemoveDirectory(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return UnavailableError("cannot remove " + path.string() + ": " + ec.message());
  return OkStatus();
}

// Destroyed and transferred documents leave the index: only their records remain.
bool Searchable(const v1::Document& doc) {
  return doc.state() != v1::DOCUMENT_STATE_DESTROYED && doc.state() != v1::DOCUMENT_STATE_TRANSFERRED;
}

}  // namespace

StatusOr<std::unique_ptr<Indexer>> Indexer::Open(const IndexerOptions& options, catalog::Catalog* catalog,
                                                 const Clock& clock, EntrySource entries) {
  if (options.index.path.empty()) return InvalidArgumentError("index path: required");
  if (options.batch_entries == 0) return InvalidArgumentError("batch_entries: at least 1");
  auto indexer = std::unique_ptr<Indexer>(new Indexer(options, catalog, clock, std::move(entries)));
  // What an interrupted rebuild left behind.
  ARCHIVED_RETURN_IF_ERROR(RemoveDirectory(options.index.path + ".rebuild"));
  ARCHIVED_RETURN_IF_ERROR(RemoveDirectory(options.index.path + ".old"));
  ARCHIVED_RETURN_IF_ERROR(indexer->OpenIndex());
  // Entries the index already holds whose trim a crash lost.
  if (const std::uint64_t high_water = indexer->index_->high_water(); high_water > 0) {
    ARCHIVED_RETURN_IF_ERROR(catalog->TrimIndexQueue(high_water));
  }
  return indexer;
}

Indexer::~Indexer() { Stop(); }

Status Indexer::OpenIndex() {
  StatusOr<std::unique_ptr<index::SearchIndex>> opened = index::SearchIndex::Open(options_.index);
  if (!opened.ok() && (opened.status().code() == StatusCode::kDataLoss ||
                       opened.status().code() == StatusCode::kFailedPrecondition)) {
    // The index is derived: a damaged or outdated one is replaced, and NeedsRebuild sees that.
    LogLine("search index unusable (" + opened.status().message() + "); it will be rebuilt");
    ARCHIVED_RETURN_IF_ERROR(RemoveDirectory(options_.index.path));
    opened = index::SearchIndex::Open(options_.index);
  }
  if (!opened.ok()) return opened.status();
  std::unique_lock lock(index_mutex_);
  index_ = std::move(*opened);
  return OkStatus();
}

StatusOr<bool> Indexer::NeedsRebuild() const {
  ARCHIVED_ASSIGN_OR_RETURN(const std::uint64_t head, catalog_->IndexQueueHead());
  const std::uint64_t high_water = index_->high_water();
  if (high_water == head) return false;
  if (high_water > head) return true;  // an index of some other state of the archive
  // Entries after the high-water mark must all still be queued; trimmed ones went to an
  // index that is gone.
  ARCHIVED_ASSIGN_OR_RETURN(const std::vector<catalog::Catalog::IndexQueueItem> next,
                            catalog_->ReadIndexQueue(high_water, 1));
  return next.empty() || next.front().seq != high_water + 1;
}

void Indexer::Start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Indexer::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Indexer::Loop() {
  // Named for top and perf; niced (and in the idle class) so that filing and reading come
  // first when the CPU is short. Threads started from here, and helpers spawned from them,
  // inherit all three. Its writes go through the committer, never straight to the store: a
  // thread of the idle class must not lead a store write group that requests wait on.
  ::pthread_setname_np(::pthread_self(), "archived-index");
  if (options_.nice > 0 && ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), options_.nice) != 0) {
    LogLine("search indexer: cannot lower its priority: " + std::string(std::strerror(errno)));
  }
  if (options_.idle_class) {
    const sched_param param{};
    if (const int error = ::pthread_setschedparam(::pthread_self(), SCHED_IDLE, &param); error != 0) {
      LogLine("search indexer: cannot enter the idle scheduling class: " + std::string(std::strerror(error)));
    }
  }
  StatusOr<bool> rebuild = NeedsRebuild();
  if (rebuild.ok() && *rebuild) {
    LogLine("search index is behind the catalogue; rebuilding it");
    const Status s = Rebuild([](std::size_t, std::size_t) {});
    LogLine(s.ok() ? "search index rebuilt" : "search index rebuild failed: " + s.ToString());
  } else if (!rebuild.ok()) {
    LogLine("search index: " + rebuild.status().ToString());
  }
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    StatusOr<std::size_t> handled = RunBatch();
    if (!handled.ok()) LogLine("indexer: " + handled.status().ToString());
    lock.lock();
    if (handled.ok() && *handled > 0) continue;
    if (handled.ok() && compact_pending_.exchange(false)) {
      lock.unlock();
      Status compacted;
      {
        std::shared_lock index_lock(index_mutex_);
        compacted = index_->Compact();
      }
      LogLine(compacted.ok() ? "search index compacted: destroyed documents' terms removed from its files"
                             : "search index compaction failed: " + compacted.ToString());
      lock.lock();
      if (compacted.ok()) continue;
      compact_pending_ = true;  // tried again after the next wait
    }
    wake_.wait_for(lock, handled.ok() ? options_.poll_interval : std::chrono::seconds(1),
                   [this] { return stopping_; });
  }
}

StatusOr<std::size_t> Indexer::RunBatch() {
  if (!index_) return UnavailableError("no search index is open");
  const std::uint64_t high_water = index_->high_water();
  ARCHIVED_ASSIGN_OR_RETURN(const std::vector<catalog::Catalog::IndexQueueItem> items,
                            catalog_->ReadIndexQueue(high_water, options_.batch_entries));
  if (items.empty()) return 0;
  // A document changed twice in the batch is indexed once, in its latest state.
  std::vector<std::string> ids;
  std::unordered_set<std::string> seen;
  std::int64_t oldest_micros = items.front().entry.queued_unix_micros();
  std::unordered_set<std::string> entry_ids;
  for (const auto& item : items) {
    if (!item.entry.entry_id().empty()) entry_ids.insert(item.entry.entry_id());
  }
  const auto seen_entries = [&](const std::string& id) { return entry_ids.count(id) > 0; };
  for (const auto& item : items) {
    oldest_micros = std::min(oldest_micros, item.entry.queued_unix_micros());
    // A register entry's id ("matter-12") never looks like a document's (24 hex digits).
    const std::string& id = item.entry.entry_id().empty() ? item.entry.document_id() : item.entry.entry_id();
    if (seen.insert(id).second) ids.push_back(id);
  }
  {
    std::shared_lock lock(index_mutex_);
    ARCHIVED_RETURN_IF_ERROR(ForEachByShard<std::string>(
        *index_, [](const std::string& id) { return std::string_view(id); },
        [&](const std::function<void(std::string)>& push) {
          for (const std::string& id : ids) push(id);
          return OkStatus();
        },
        [&](std::size_t, std::string& id) {
          if (Status s = seen_entries(id) ? IndexEntry(*index_, id) : IndexById(id); !s.ok()) {
            // The index keeps its older state of this document; `index check` shows it.
            ++errors_;
            LogLine("indexer: document " + id + ": " + s.ToString());
          }
        }));
  }
  {
    std::shared_lock lock(index_mutex_);
    ARCHIVED_RETURN_IF_ERROR(index_->Commit(items.back().seq));
  }
  ++batches_;
  lag_micros_ = static_cast<std::uint64_t>(std::max<std::int64_t>(0, ToUnixMicros(clock_.Now()) - oldest_micros));
  ARCHIVED_RETURN_IF_ERROR(catalog_->TrimIndexQueue(items.back().seq));
  return items.size();
}

// Called with index_mutex_ held (shared).
Status Indexer::IndexById(const std::string& id) {
  StatusOr<v1::Document> doc = catalog_->GetDocument(id);
  if (!doc.ok() && doc.status().code() == StatusCode::kNotFound) {
    ++removed_;
    return index_->Remove(id);
  }
  if (!doc.ok()) return doc.status();
  if (!Searchable(*doc)) {
    ++removed_;
    // A destroyed document's words must leave the files too: compact when the queue is idle.
    if (doc->state() == v1::DOCUMENT_STATE_DESTROYED) compact_pending_ = true;
    return index_->Remove(id);
  }
  return IndexDocument(*index_, *doc);
}

Status Indexer::IndexEntry(index::SearchIndex& index, std::string_view id) {
  std::optional<v1::RegisterEntry> entry;
  if (entries_.find) {
    ARCHIVED_ASSIGN_OR_RETURN(entry, entries_.find(id));
  }
  if (!entry || entry->state() == v1::REGISTER_ENTRY_STATE_DESTROYED) {
    ++removed_;
    // A destroyed entry's words must leave the files too, as a document's.
    if (entry) compact_pending_ = true;
    return index.Remove(id);
  }
  ++indexed_;
  return index.Replace(EntryForIndex(*entry));
}

StatusOr<std::vector<std::string>> Indexer::EntryIds() const {
  std::vector<std::string> ids;
  if (!entries_.for_each_id) return ids;
  ARCHIVED_RETURN_IF_ERROR(entries_.for_each_id([&](std::string_view id) {
    ids.emplace_back(id);
    return OkStatus();
  }));
  return ids;
}

Status Indexer::IndexDocument(index::SearchIndex& index, const v1::Document& doc) {
  ARCHIVED_ASSIGN_OR_RETURN(const v1::Version version, catalog_->GetVersion(doc.id(), 0));
  index::IndexedDocument d;
  v1::SearchHit& hit = d.hit;
  hit.set_id(doc.id());
  hit.set_reference_code(doc.reference_code());
  hit.set_title(doc.title());
  hit.set_date(SearchDate(doc));
  hit.set_category(doc.category());
  // UNSPECIFIED (filed before classifications) is INTERNAL, as the access rules read it.
  hit.set_classification(doc.classification() == v1::CLASSIFICATION_UNSPECIFIED ? v1::INTERNAL : doc.classification());
  hit.set_author(doc.author());
  hit.set_version(version.version());
  hit.set_filename(version.filename());
  d.tags.assign(doc.tags().begin(), doc.tags().end());

  std::string outcome;
  extract::ContentType type = extract::ContentType::kOther;
  StatusOr<std::unique_ptr<catalog::ContentReader>> reader = catalog_->OpenContent(version);
  std::string content, chunk;
  Status read = reader.status();
  if (read.ok()) {
    read = (*reader)->ReadChunk(0, &content);
    type = extract::DetectContentType(version.mime_type(), version.filename(),
                                      std::string_view(content).substr(0, 4096));
    // Only what extraction will look at is read and decrypted.
    for (std::uint64_t i = 1; read.ok() && type != extract::ContentType::kOther &&
                              i < (*reader)->chunk_count() && content.size() < options_.extract.max_input_bytes;
         ++i) {
      read = (*reader)->ReadChunk(i, &chunk);
      content += chunk;
    }
  }
  if (!read.ok()) {
    outcome = std::string(kFailed) + "content unreadable: " + read.message();
  } else {
    const bool complete = content.size() >= version.size();
    StatusOr<extract::Extracted> extracted = extract::ExtractText(content, complete, type, options_.extract);
    if (extracted.ok()) {
      d.text = std::move(extracted->text);
    } else {
      outcome = std::string(kFailed) + extracted.status().message();
    }
  }
  hit.set_type(std::string(extract::ContentTypeName(type)));
  if (!outcome.empty()) ++failures_;
  if (outcome != doc.extraction()) {
    ARCHIVED_RETURN_IF_ERROR(catalog_->RecordExtraction(doc.id(), version.version(), outcome));
  }
  ++indexed_;
  return index.Replace(d);
}

Status Indexer::CatchUp() {
  ARCHIVED_ASSIGN_OR_RETURN(const bool rebuild, NeedsRebuild());
  if (rebuild) return Rebuild([](std::size_t, std::size_t) {});
  for (;;) {
    ARCHIVED_ASSIGN_OR_RETURN(const std::size_t handled, RunBatch());
    if (handled == 0) return OkStatus();
  }
}

Status Indexer::Rebuild(const std::function<void(std::size_t, std::size_t)>& progress) {
  rebuilding_ = true;
  struct Done {
    std::atomic<bool>& flag;
    ~Done() { flag = false; }
  } done{rebuilding_};
  // Changes after `head` are in the queue and are replayed onto the new index afterwards.
  ARCHIVED_ASSIGN_OR_RETURN(const std::uint64_t head, catalog_->IndexQueueHead());
  std::size_t total = 0;
  ARCHIVED_RETURN_IF_ERROR(catalog_->ForEachDocumentId([&](std::string_view) {
    ++total;
    return OkStatus();
  }));
  const std::string path = options_.index.path;
  ARCHIVED_RETURN_IF_ERROR(RemoveDirectory(path + ".rebuild"));
  index::SearchIndexOptions fresh_options = options_.index;
  fresh_options.path = path + ".rebuild";
  {
    ARCHIVED_ASSIGN_OR_RETURN(std::unique_ptr<index::SearchIndex> fresh, index::SearchIndex::Open(fresh_options));
    std::atomic<std::size_t> done_count{0};
    std::vector<std::size_t> per_shard(fresh->shard_count(), 0);
    progress(0, total);
    ARCHIVED_RETURN_IF_ERROR(ForEachByShard<v1::Document>(
        *fresh, [](const v1::Document& doc) { return std::string_view(doc.id()); },
        [&](const std::function<void(v1::Document)>& push) {
          std::size_t pushed = 0;
          return catalog_->ForEachDocument([&](const v1::Document& doc) {
            if (Searchable(doc)) push(doc);
            if (++pushed % 1000 == 0) progress(done_count.load(), total);
            return OkStatus();
          });
        },
        [&](std::size_t shard, v1::Document& doc) {
          if (Status s = IndexDocument(*fresh, doc); !s.ok()) {
            ++errors_;
            LogLine("index rebuild: document " + doc.id() + ": " + s.ToString());
          }
          ++done_count;
          // Committing a shard every few hundred documents bounds the writer's memory, and
          // is faster than Xapian's default of one flush per 10,000.
          if (++per_shard[shard] % kRebuildFlushDocuments == 0) {
            if (Status s = fresh->FlushShard(shard); !s.ok()) LogLine("index rebuild: " + s.ToString());
          }
        }));
    ARCHIVED_ASSIGN_OR_RETURN(const std::vector<std::string> entry_ids, EntryIds());
    for (const std::string& id : entry_ids) {
      if (Status s = IndexEntry(*fresh, id); !s.ok()) {
        ++errors_;
        LogLine("index rebuild: register entry " + id + ": " + s.ToString());
      }
    }
    ARCHIVED_RETURN_IF_ERROR(fresh->Commit(head));
    progress(done_count.load(), total);
  }
  Status swapped;
  {
    // Searches wait for the swap, not for the rebuild.
    std::unique_lock lock(index_mutex_);
    index_.reset();
    std::error_code ec;
    fs::rename(path, path + ".old", ec);
    if (ec && ec != std::errc::no_such_file_or_directory) {
      swapped = UnavailableError("cannot move the old index aside: " + ec.message());
    } else if (fs::rename(path + ".rebuild", path, ec); ec) {
      swapped = UnavailableError("cannot move the new index into place: " + ec.message());
      fs::rename(path + ".old", path, ec);  // the old one back, if there was one
    }
  }
  // Whatever stands at `path` now (the new index, or the old one put back) is opened again:
  // the indexer never goes on without an index.
  ARCHIVED_RETURN_IF_ERROR(OpenIndex());
  ARCHIVED_RETURN_IF_ERROR(swapped);
  ARCHIVED_RETURN_IF_ERROR(RemoveDirectory(path + ".old"));
  return catalog_->TrimIndexQueue(head);
}

StatusOr<Indexer::Difference> Indexer::Check() const {
  Difference out;
  std::vector<std::string> live;
  ARCHIVED_RETURN_IF_ERROR(catalog_->ForEachDocument([&](const v1::Document& doc) {
    if (Searchable(doc)) live.push_back(doc.id());
    return OkStatus();
  }));
  ARCHIVED_ASSIGN_OR_RETURN(std::vector<std::string> entry_ids, EntryIds());
  live.insert(live.end(), entry_ids.begin(), entry_ids.end());
  std::sort(live.begin(), live.end());
  std::vector<std::string> indexed;
  {
    std::shared_lock lock(index_mutex_);
    ARCHIVED_ASSIGN_OR_RETURN(indexed, index_->Ids());
  }
  std::set_difference(live.begin(), live.end(), indexed.begin(), indexed.end(), std::back_inserter(out.missing));
  std::set_difference(indexed.begin(), indexed.end(), live.begin(), live.end(), std::back_inserter(out.extra));
  ARCHIVED_ASSIGN_OR_RETURN(out.pending, Pending());
  return out;
}

StatusOr<std::uint64_t> Indexer::Pending() const {
  ARCHIVED_ASSIGN_OR_RETURN(const std::uint64_t head, catalog_->IndexQueueHead());
  std::shared_lock lock(index_mutex_);
  const std::uint64_t high_water = index_ ? index_->high_water() : 0;
  return head > high_water ? head - high_water : 0;
}

IndexerStats Indexer::stats() const {
  IndexerStats s;
  s.documents_indexed = indexed_;
  s.documents_removed = removed_;
  s.extraction_failures = failures_;
  s.errors = errors_;
  s.batches = batches_;
  s.last_lag_seconds = static_cast<double>(lag_micros_.load()) / 1e6;
  s.rebuilding = rebuilding_;
  std::shared_lock lock(index_mutex_);
  if (index_) {
    s.high_water = index_->high_water();
    s.documents_in_index = index_->document_count();
  }
  return s;
}

StatusOr<v1::SearchResponse> Indexer::Search(const index::SearchRequest& request) const {
  std::shared_lock lock(index_mutex_);
  if (!index_) return UnavailableError("the search index is being replaced; try again");
  return index_->Search(request);
}

StatusOr<std::vector<std::string>> Indexer::MatchingIds(const std::string& query,
                                                         std::chrono::milliseconds catch_up) const {
  constexpr std::chrono::milliseconds kPoll(20);
  for (auto waited = std::chrono::milliseconds(0);; waited += kPoll) {
    ARCHIVED_ASSIGN_OR_RETURN(const std::uint64_t pending, Pending());
    if (pending == 0) break;
    if (waited >= catch_up) {
      return UnavailableError("the search index is " + std::to_string(pending) +
                              " changes behind the catalogue; a saved query cannot be evaluated yet");
    }
    std::this_thread::sleep_for(kPoll);
  }
  std::shared_lock lock(index_mutex_);
  if (!index_) return UnavailableError("the search index is being replaced; try again");
  return index_->MatchingIds(query);
}

}  // namespace archived::indexer
