// Store is the daemon's persistent state: ordered key/value pairs in fixed keyspaces, changed
// only by atomic batches. Implementations: RocksStore (production, rocks_store.h) and
// MemoryStore (tests; the reference model). Thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "archived/base/status.h"
#include "archived/storage/keyspace.h"
#include "archived/storage/write_batch.h"

namespace archived::storage {

struct CommitOptions {
  // Make the batch durable (fsync the write-ahead log) before Commit returns. Default: true.
  bool sync = true;
  // False: skip the write-ahead log. Such a write is lost in a crash unless a later
  // Flush of its keyspace completed; it is for bulk content made durable by one Flush instead
  // of being written twice (log, then table). Default: true.
  bool write_ahead_log = true;
};

// A cursor over one keyspace as of its creation (a consistent snapshot). Not thread-safe.
class Iterator {
 public:
  virtual ~Iterator() = default;
  // Positions at the first key >= target.
  virtual void Seek(std::string_view target) = 0;
  // Positions at the last key <= target.
  virtual void SeekForPrev(std::string_view target) = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  virtual void Prev() = 0;
  // Valid only while Valid() and until the next move.
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // Errors: kDataLoss when a block failed its checksum; kInternal otherwise.
  virtual Status status() const = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Errors: kNotFound if `key` is absent; kDataLoss if the stored block is corrupt.
  virtual StatusOr<std::string> Get(Keyspace keyspace, std::string_view key) const = 0;
  // Get into `value`, replacing it but reusing its capacity (for megabyte values read in a
  // loop). Errors as Get.
  virtual Status GetInto(Keyspace keyspace, std::string_view key, std::string* value) const = 0;

  // Applies every mutation in `batch` or none of them.
  // Errors: kUnavailable once a write has failed (the store stops accepting writes until
  // reopened, because a failed fsync may have lost data); kResourceExhausted if the disk is
  // full; kInternal otherwise.
  virtual Status Commit(const WriteBatch& batch, const CommitOptions& options) = 0;
  // One put, as a one-op batch would, without copying `value` into a WriteBatch first.
  virtual Status Put(Keyspace keyspace, std::string_view key, std::string_view value,
                     const CommitOptions& options) = 0;

  virtual std::unique_ptr<Iterator> NewIterator(Keyspace keyspace) const = 0;

  // Writes `keyspace`'s in-memory writes to synced table files and returns once they are
  // durable, including writes made without the log.
  virtual Status Flush(Keyspace keyspace) = 0;

  // Flushes every keyspace the store holds, so that no log file is needed (and the logs
  // holding deleted values are removed).
  virtual Status FlushAll() = 0;

  // Compacts [begin, end) of `keyspace` down to the bottom level, so that deleted values leave
  // the files. Empty bounds mean the whole keyspace.
  virtual Status CompactRange(Keyspace keyspace, std::string_view begin,
                              std::string_view end) = 0;

  // Writes a consistent copy of the whole store as of now into `directory` (which must not
  // exist; it is created): immutable table and blob files are hard-linked when `directory` is
  // on the same file system, the rest copied. Writes made without the log are included only
  // if they were flushed, so a caller must order this after the flushes it relies on.
  // Errors: kAlreadyExists; kUnimplemented for stores that keep nothing on disk; kInternal.
  virtual Status Checkpoint(const std::filesystem::path& directory) = 0;

  // Flushes memtables and closes; further calls fail with kUnavailable.
  virtual Status Close() = 0;
};

}  // namespace archived::storage
