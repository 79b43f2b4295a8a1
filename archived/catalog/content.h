// Content streams of versions. ContentWriter cuts an upload into chunks, compresses each
// where that helps, seals it under the content's own data key (crypto/chunk_seal.h) and
// writes it under a pending content id, so memory stays bounded for any size. ContentReader
// opens one chunk at a time, authenticated before any byte is returned. Neither is
// thread-safe; use each from one request at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

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
  Status Validate() const;
};

// What a finished upload left in the store, ready to be committed as a version.
struct SealedContent {
  std::string content_id;   // 16 bytes
  // Content of one chunk is not written ahead: its sealed chunk is here, for the commit's
  // batch to write (atomically with the version, so there is nothing to sweep). Empty when
  // the chunks are already in the store.
  std::string inline_chunk;
  // True if a pending-upload record was written (content of more than one chunk): the
  // commit deletes it.
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
  // leaves something the sweeper finds. `store` must outlive the writer.
  static std::unique_ptr<ContentWriter> Begin(const ContentOptions& options, storage::Store* store,
                                              ReservedKey key, const Clock& clock);
  // Aborts unless Finish() succeeded and Commit was marked.
  ~ContentWriter();
  ContentWriter(const ContentWriter&) = delete;
  ContentWriter& operator=(const ContentWriter&) = delete;

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
  ContentWriter(const ContentOptions& options, storage::Store* store, std::string content_id,
                crypto::SecretKey data_key, Timestamp started);
  Status SealAndWrite(std::string_view plaintext, bool last);
  Status RecordPending();

  const ContentOptions options_;
  storage::Store* const store_;
  const std::string content_id_;
  const crypto::SecretKey data_key_;
  std::string buffer_;
  // Reused for every chunk: one allocation per upload instead of several per megabyte.
  std::string payload_, sealed_;
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
