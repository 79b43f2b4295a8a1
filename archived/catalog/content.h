// Content streams of versions. ContentWriter cuts an upload into chunks, compresses each
// where that helps and seals it under the content's own data key (crypto/chunk_seal.h).
// Content of a few megabytes is held in memory, sealed, until its commit writes it (or
// shares stored content instead: catalog/FORMAT.md, Shared content); larger content is
// written under a pending content id as it arrives, so memory stays bounded for any size,
// and so does the memory all uploads hold together (HoldBudget). ContentReader
// opens one chunk at a time, authenticated before any byte is returned. Neither is
// thread-safe; use each from one request at a time.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "archived/base/clock.h"
#include "archived/base/status.h"
#include "archived/catalog/key_reserve.h"
#include "archived/crypto/crypto.h"
#include "archived/storage/store.h"
#include "archived/v1/catalog.pb.h"

namespace archived::catalog {

struct ContentOptions {
  // Plaintext bytes per chunk. Default: 1 MiB.
  std::size_t chunk_bytes = 1 << 20;
  // zstd level for chunks that compress; 0 stores everything raw. Default: 3, which on the
  // backup benchmark's corpus stores 5% less than level 1 at nearly its speed (266 against
  // 280 MB/s of HTML on this machine; random bytes pass at ~4 GB/s either way).
  int zstd_level = 3;
  // zstd level for content smaller than small_content_bytes (one chunk), where a higher level
  // costs CPU but little memory (its match tables are sized to the input; level 4 on 1 MiB
  // chunks raised a 2 GiB upload's RSS too far). Level 4 stores the backup benchmark's 15,923
  // files under 256 KiB in 49.6 instead of 50.2 MB, but filed small documents 18% slower
  // (3,350 against 4,080 a second, docs/benchmarks.md): for archives that value space over
  // filing speed. Default: 3, under 256 KiB.
  int small_content_zstd_level = 3;
  std::size_t small_content_bytes = 256 << 10;
  // An upload's sealed chunks are held in memory until its commit, up to this many bytes, so
  // that content repeating stored content is never written at all (a written and then
  // discarded copy would stay in its blob file until a compaction). Larger content is
  // written as it arrives. Content of one chunk is always held. Default: 4 MiB.
  std::size_t hold_bytes_per_upload = 4 << 20;
  // The most that all uploads together hold, besides the last chunk of each (which takes the
  // place of its plaintext buffer); past it, uploads write as they go. Default: 32 MiB.
  std::size_t hold_bytes_total = 32 << 20;
  Status Validate() const;
};

// The bytes that uploads together may hold in memory until their commits. Thread-safe.
class HoldBudget {
 public:
  explicit HoldBudget(std::size_t bytes) : available_(static_cast<std::int64_t>(bytes)) {}
  HoldBudget(const HoldBudget&) = delete;
  HoldBudget& operator=(const HoldBudget&) = delete;
  // Takes `bytes` if that many are left.
  bool TryTake(std::size_t bytes);
  void Give(std::size_t bytes) { available_.fetch_add(static_cast<std::int64_t>(bytes)); }
  std::int64_t available() const { return available_.load(); }

 private:
  std::atomic<std::int64_t> available_;
};

// What a finished upload left in the store, ready to be committed as a version.
struct SealedContent {
  std::string content_id;   // 16 bytes
  // Held content (ContentOptions::hold_bytes_per_upload): every sealed chunk, in order, for
  // the commit's batch to write atomically with the version, so there is nothing to sweep.
  // Empty when the chunks are already in the store.
  std::vector<std::string> held_chunks;
  // True if a pending-upload record was written (content written as it arrived): the commit
  // deletes it.
  bool pending_recorded = false;
  std::uint64_t size = 0;
  std::string sha256;       // 32 raw bytes of the plaintext's digest
  std::uint64_t chunk_count = 0;
  std::uint32_t chunk_bytes = 0;
  std::uint64_t stored_bytes = 0;
};

class ContentWriter {
 public:
  // Seals under `key`, a data key already durable in the vault (KeyReserve). Nothing is
  // written until a chunk must be: then a pending-upload record goes first, so a crash
  // leaves something the sweeper finds. Held bytes beyond the first chunk are taken from
  // `budget` and given back when the writer is destroyed (the commit is over then). `store`
  // and `budget` must outlive the writer.
  static std::unique_ptr<ContentWriter> Begin(const ContentOptions& options, storage::Store* store,
                                              HoldBudget* budget, ReservedKey key, const Clock& clock);
  // Aborts unless Finish() succeeded and Commit was marked.
  ~ContentWriter();
  ContentWriter(const ContentWriter&) = delete;
  ContentWriter& operator=(const ContentWriter&) = delete;

  // The upload declares `bytes` of content (a Content-Length, an upper bound with multipart).
  // Content of more than kHoldRatio times the hold is written from its first chunk: even
  // text does not compress that far, and holding it first would only raise the memory peak.
  void ExpectSize(std::uint64_t bytes);
  static constexpr std::uint64_t kHoldRatio = 4;
  // Errors: storage errors (the upload must then be aborted).
  Status Append(std::string_view data);
  // Seals the last chunk. Errors: kFailedPrecondition if called twice; storage errors.
  StatusOr<SealedContent> Finish();
  // The caller committed a version that owns this content: do not sweep it.
  void MarkCommitted() { committed_ = true; }
  // Deletes the chunks and the pending record (unsynced: the sweeper covers a crash).
  Status Abort();
  std::uint64_t bytes_received() const { return size_; }

 private:
  ContentWriter(const ContentOptions& options, storage::Store* store, HoldBudget* budget,
                std::string content_id, crypto::SecretKey data_key, Timestamp started);
  // Seals the next chunk into sealed_, then holds or writes it.
  Status SealChunk(std::string_view plaintext, bool last);
  // Whether the chunk in sealed_ may be held (taking it from the budget if so).
  bool MayHold(bool last);
  // Writes the held chunks (after a pending-upload record) and holds nothing from now on.
  Status WriteHeld();
  Status WriteChunk(std::uint64_t index, std::string_view sealed);
  Status RecordPending();
  void GiveBackHeld();

  const ContentOptions options_;
  storage::Store* const store_;
  HoldBudget* const budget_;
  const std::string content_id_;
  const crypto::SecretKey data_key_;
  std::string buffer_;
  // Reused for every chunk: one allocation per upload instead of several per megabyte.
  std::string payload_, sealed_;
  std::vector<std::string> held_;
  std::size_t held_bytes_ = 0;   // of held_
  std::size_t budget_taken_ = 0;  // of held_bytes_, from budget_
  bool writing_ = false;          // chunks go to the store as they are sealed
  crypto::Sha256 hash_;
  std::uint64_t size_ = 0;
  std::uint64_t chunks_ = 0;
  std::uint64_t stored_bytes_ = 0;
  const Timestamp started_;
  bool pending_recorded_ = false;
  bool finished_ = false;
  bool committed_ = false;
  bool aborted_ = false;
};

class ContentReader {
 public:
  // `store` must outlive the reader. Unwraps the version's data key from `vault`.
  // Errors: kDataLoss if the key is missing or does not unwrap; storage errors.
  static StatusOr<std::unique_ptr<ContentReader>> Open(const storage::Store& store,
                                                       const storage::Store& vault,
                                                       const crypto::Keyring& keyring,
                                                       const v1::Version& version);
  // The plaintext of chunk `index` into `plaintext` (replaced, capacity reused; a caller may
  // stream one buffer while the next chunk is read into another). Calls must not overlap.
  // Errors: kOutOfRange past the last chunk; kDataLoss if the chunk is missing or fails
  // authentication, decompression or its expected length.
  Status ReadChunk(std::uint64_t index, std::string* plaintext);
  std::uint64_t size() const { return size_; }
  std::uint64_t chunk_bytes() const { return chunk_bytes_; }
  std::uint64_t chunk_count() const { return chunk_count_; }

 private:
  ContentReader(const storage::Store& store, std::string content_id, crypto::SecretKey key,
                std::uint64_t size, std::uint64_t chunk_bytes, std::uint64_t chunk_count)
      : store_(store), content_id_(std::move(content_id)), data_key_(std::move(key)),
        size_(size), chunk_bytes_(chunk_bytes), chunk_count_(chunk_count) {}
  const storage::Store& store_;
  const std::string content_id_;
  const crypto::SecretKey data_key_;
  const std::uint64_t size_, chunk_bytes_, chunk_count_;
  std::string sealed_, payload_;
};

}  // namespace archived::catalog
