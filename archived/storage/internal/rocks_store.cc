#include "archived/storage/rocks_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <fstream>
#include <array>
#include <atomic>
#include <mutex>
#include <string>

#include "archived/base/status_macros.h"
#include "archived/storage/internal/rocks_status.h"

namespace archived::storage {
namespace {

using internal::FromRocks;

class RocksIterator final : public Iterator {
 public:
  explicit RocksIterator(std::unique_ptr<rocksdb::Iterator> it) : it_(std::move(it)) {}
  void Seek(std::string_view target) override { it_->Seek(rocksdb::Slice(target)); }
  void SeekForPrev(std::string_view target) override {
    it_->SeekForPrev(rocksdb::Slice(target));
  }
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  bool Valid() const override { return it_->Valid(); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  std::string_view key() const override { return it_->key().ToStringView(); }
  std::string_view value() const override { return it_->value().ToStringView(); }
  Status status() const override { return FromRocks("iterate", it_->status()); }

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
};

class RocksStore final : public Store {
 public:
  RocksStore(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
             std::array<rocksdb::ColumnFamilyHandle*, kKeyspaceCount> by_keyspace,
             const std::vector<Keyspace>& self_authenticating)
      : db_(std::move(db)), handles_(std::move(handles)), by_keyspace_(by_keyspace) {
    for (const Keyspace k : self_authenticating) {
      skip_checksum_[static_cast<int>(k)] = true;
    }
  }

  ~RocksStore() override { IgnoreError(Close()); }

  StatusOr<std::string> Get(Keyspace keyspace, std::string_view key) const override {
    std::string value;
    const rocksdb::Status s = db_->Get(ReadOptionsFor(keyspace), Handle(keyspace), rocksdb::Slice(key), &value);
    if (s.IsNotFound()) {
      return NotFoundError("key not found");
    }
    ARCHIVED_RETURN_IF_ERROR(FromRocks("get", s));
    return value;
  }

  Status GetInto(Keyspace keyspace, std::string_view key, std::string* value) const override {
    const rocksdb::Status s = db_->Get(ReadOptionsFor(keyspace), Handle(keyspace), rocksdb::Slice(key), value);
    if (s.IsNotFound()) {
      return NotFoundError("key not found");
    }
    return FromRocks("get", s);
  }

  Status Put(Keyspace keyspace, std::string_view key, std::string_view value,
             const CommitOptions& options) override {
    rocksdb::WriteBatch rocks_batch(key.size() + value.size() + 64);
    ARCHIVED_RETURN_IF_ERROR(FromRocks("build write batch", rocks_batch.Put(Handle(keyspace), key, value)));
    return Write(rocks_batch, options);
  }

  Status Commit(const WriteBatch& batch, const CommitOptions& options) override {
    // Reserved up front: growing a megabyte batch by doubling copies it again and again.
    rocksdb::WriteBatch rocks_batch(batch.byte_size() + 32 * batch.ops().size() + 64);
    for (const WriteBatch::Op& op : batch.ops()) {
      rocksdb::ColumnFamilyHandle* cf = Handle(op.keyspace);
      rocksdb::Status s;
      switch (op.type) {
        case WriteBatch::OpType::kPut:
          s = rocks_batch.Put(cf, op.key, op.value);
          break;
        case WriteBatch::OpType::kDelete:
          s = rocks_batch.Delete(cf, op.key);
          break;
        case WriteBatch::OpType::kDeleteRange:
          s = rocks_batch.DeleteRange(cf, op.key, op.value);
          break;
      }
      ARCHIVED_RETURN_IF_ERROR(FromRocks("build write batch", s));
    }
    return Write(rocks_batch, options);
  }

  Status Write(rocksdb::WriteBatch& rocks_batch, const CommitOptions& options) {
    if (write_failed_.load()) {
      return UnavailableError("store stopped accepting writes after an earlier write failed");
    }
    rocksdb::WriteOptions write_options;
    write_options.sync = options.sync;
    write_options.disableWAL = !options.write_ahead_log;
    const rocksdb::Status s = db_->Write(write_options, &rocks_batch);
    if (!s.ok()) {
      // After a failed write (and above all a failed fsync) the kernel may have dropped dirty
      // pages, so a later success would prove nothing: stop writing until reopened.
      write_failed_.store(true);
    }
    return FromRocks("commit write batch", s);
  }

  std::unique_ptr<Iterator> NewIterator(Keyspace keyspace) const override {
    return std::make_unique<RocksIterator>(
        std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(rocksdb::ReadOptions(), Handle(keyspace))));
  }

  Status Flush(Keyspace keyspace) override {
    rocksdb::FlushOptions options;
    options.wait = true;
    return FromRocks("flush", db_->Flush(options, Handle(keyspace)));
  }

  Status FlushAll() override {
    rocksdb::FlushOptions options;
    options.wait = true;
    return FromRocks("flush", db_->Flush(options, handles_));
  }

  Status CompactRange(Keyspace keyspace, std::string_view begin, std::string_view end) override {
    rocksdb::CompactRangeOptions options;
    options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    // Values in blob files leave them only when their files are rewritten: force that for
    // every blob file the range refers to, so a destroyed document's chunks leave the disk.
    options.blob_garbage_collection_policy = rocksdb::BlobGarbageCollectionPolicy::kForce;
    options.blob_garbage_collection_age_cutoff = 1.0;
    const rocksdb::Slice begin_slice(begin), end_slice(end);
    ARCHIVED_RETURN_IF_ERROR(
        FromRocks("flush before compaction", db_->Flush(rocksdb::FlushOptions(), Handle(keyspace))));
    return FromRocks("compact range",
                     db_->CompactRange(options, Handle(keyspace), begin.empty() ? nullptr : &begin_slice,
                                       end.empty() ? nullptr : &end_slice));
  }

  Status Checkpoint(const std::filesystem::path& directory) override {
    std::error_code ec;
    if (std::filesystem::exists(directory, ec)) {
      return AlreadyExistsError("checkpoint directory \"" + directory.string() + "\" already exists");
    }
    rocksdb::Checkpoint* raw = nullptr;
    ARCHIVED_RETURN_IF_ERROR(FromRocks("start checkpoint", rocksdb::Checkpoint::Create(db_.get(), &raw)));
    const std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    // log_size_for_flush 0: every memtable is flushed first, so the copy holds table files
    // and (nearly) empty logs rather than the megabytes of a live log.
    ARCHIVED_RETURN_IF_ERROR(FromRocks("checkpoint into \"" + directory.string() + "\"",
                                       checkpoint->CreateCheckpoint(directory.string(), /*log_size_for_flush=*/0)));
    // The checkpoint names the store it came from (RocksDB leaves IDENTITY out of it), so
    // that an incremental backup builds only on backups of the same store.
    std::string identity;
    ARCHIVED_RETURN_IF_ERROR(FromRocks("read store identity", db_->GetDbIdentity(identity)));
    const std::filesystem::path identity_file = directory / "IDENTITY";
    if (!std::filesystem::exists(identity_file, ec)) {
      std::ofstream out(identity_file, std::ios::binary);
      out << identity << "\n";
      out.flush();
      if (!out) return InternalError("cannot write \"" + identity_file.string() + "\"");
    }
    return OkStatus();
  }

  Status Close() override {
    std::lock_guard lock(close_mu_);
    if (closed_) {
      return OkStatus();
    }
    closed_ = true;
    Status first;
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      const Status s = FromRocks("destroy column family handle", db_->DestroyColumnFamilyHandle(handle));
      if (first.ok()) {
        first = s;
      }
    }
    const Status s = FromRocks("close store", db_->Close());
    return first.ok() ? s : first;
  }

 private:
  rocksdb::ReadOptions ReadOptionsFor(Keyspace keyspace) const {
    rocksdb::ReadOptions options;
    options.verify_checksums = !skip_checksum_[static_cast<int>(keyspace)];
    return options;
  }
  rocksdb::ColumnFamilyHandle* Handle(Keyspace keyspace) const {
    rocksdb::ColumnFamilyHandle* handle = by_keyspace_[static_cast<int>(keyspace)];
    ARCHIVED_CHECK(handle != nullptr);  // the keyspace was not opened for this store
    return handle;
  }

  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::array<rocksdb::ColumnFamilyHandle*, kKeyspaceCount> by_keyspace_;
  std::array<bool, kKeyspaceCount> skip_checksum_{};
  std::atomic<bool> write_failed_{false};
  std::mutex close_mu_;
  bool closed_ = false;
};

rocksdb::ColumnFamilyOptions ColumnFamilyOptionsFor(const std::string& name,
                                                    const RocksStoreOptions& options,
                                                    const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.cache_index_and_filter_blocks = true;
  if (name != KeyspaceName(Keyspace::kChunks) && name != KeyspaceName(Keyspace::kKeys)) {
    // Metadata, audit events and indexes compress better in 16 KiB blocks than in RocksDB's
    // 4 KiB (zstd finds more repeats in a block): 0.47 MB less for the backup benchmark's
    // store (7.0 MB), and backups carry every byte. The block cache holds them uncompressed,
    // so hot reads do not pay for the larger blocks.
    table.block_size = 16 << 10;
  }
  // Bloom filters, in the tables and in the memtables, answer "absent" without a search:
  // every filing looks up keys that mostly are not there (the digest of new content, for
  // one), and the memtables' skip lists were a quarter of the committer's time (session 15).
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.memtable_prefix_bloom_size_ratio = 0.02;
  cf.memtable_whole_key_filtering = true;
  cf.write_buffer_size = options.write_buffer_bytes;
  cf.max_write_buffer_number = 2;
  // Metadata, audit events and indexes: zstd stores them in about three quarters of what
  // Snappy (RocksDB's default) did (7.0 against 9.6 MB for the backup benchmark's 16,000
  // documents, fully compacted), and backups carry them too. They are small, so the CPU
  // cost is small. Sealed chunks are skipped below.
  cf.compression = rocksdb::kZSTD;
  if (name == KeyspaceName(Keyspace::kKeys)) {
    // Wrapped data keys are random bytes: zstd saves nothing on them, and when it Huffman-codes
    // a block's literals they no longer appear verbatim in the files, so a test could not
    // show that a destroyed key has left them (retention_test's "the check must be able to
    // fail" then failed now and then).
    cf.compression = rocksdb::kNoCompression;
  }
  if (name == KeyspaceName(Keyspace::kChunks)) {
    // Sealed chunks are random-looking bytes: compression would only cost time. They go to
    // blob files so that compactions move 8-byte references instead of megabytes.
    cf.write_buffer_size = options.chunk_write_buffer_bytes;
    cf.compression = rocksdb::kNoCompression;
    cf.enable_blob_files = true;
    cf.min_blob_size = options.min_blob_bytes;
    cf.blob_compression_type = rocksdb::kNoCompression;
    // No garbage collection during ordinary compactions: it relocated the blobs of older
    // uploads again and again (each 1 GiB upload after the first got slower: 170, 89,
    // 47 MB/s). Content is deleted only by sweeps and destruction, which reclaim space with
    // an explicit compaction.
    cf.enable_blob_garbage_collection = false;
  }
  return cf;
}

}  // namespace

Status RocksStoreOptions::Validate() const {
  if (directory.empty()) {
    return InvalidArgumentError("store directory is required");
  }
  if (keyspaces.empty()) {
    return InvalidArgumentError("a store needs at least one keyspace");
  }
  if (write_buffer_bytes < (1 << 20) || chunk_write_buffer_bytes < (1 << 20)) {
    return InvalidArgumentError("write buffers must be at least 1 MiB");
  }
  return OkStatus();
}

StatusOr<std::unique_ptr<Store>> OpenRocksStore(const RocksStoreOptions& options) {
  ARCHIVED_RETURN_IF_ERROR(options.Validate());
  const std::string path = options.directory.string();
  const std::string operation = "open store \"" + path + "\"";

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  // Refuse to run on a store whose files fail their checksums, and recover a consistent
  // prefix of the log after a crash (kPointInTimeRecovery, RocksDB's default, written out
  // because the crash tests depend on it: acknowledged writes were synced, so they are in
  // the prefix; kAbsoluteConsistency would refuse to open after a torn tail).
  db_options.paranoid_checks = true;
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  db_options.max_open_files = options.max_open_files;
  db_options.max_background_jobs = options.background_jobs;
  db_options.max_total_wal_size = 256 << 20;

  std::vector<std::string> existing;
  IgnoreError(FromRocks("list column families",
                        rocksdb::DB::ListColumnFamilies(db_options, path, &existing)));
  std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName};
  for (const Keyspace k : options.keyspaces) {
    names.emplace_back(KeyspaceName(k));
  }
  for (const std::string& name : existing) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(name);  // opened and kept, though this build does not use it
    }
  }
  const auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) {
    descriptors.emplace_back(name, ColumnFamilyOptionsFor(name, options, cache));
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  if (options.read_only) {
    ARCHIVED_RETURN_IF_ERROR(FromRocks(
        operation, rocksdb::DB::OpenForReadOnly(db_options, path, descriptors, &handles, &raw)));
  } else {
    ARCHIVED_RETURN_IF_ERROR(
        FromRocks(operation, rocksdb::DB::Open(db_options, path, descriptors, &handles, &raw)));
  }
  std::unique_ptr<rocksdb::DB> db(raw);

  std::array<rocksdb::ColumnFamilyHandle*, kKeyspaceCount> by_keyspace{};
  for (const Keyspace k : options.keyspaces) {
    for (rocksdb::ColumnFamilyHandle* h : handles) {
      if (h->GetName() == KeyspaceName(k)) {
        by_keyspace[static_cast<int>(k)] = h;
      }
    }
  }
  return std::unique_ptr<Store>(std::make_unique<RocksStore>(std::move(db), std::move(handles), by_keyspace,
                                                                 options.self_authenticating_keyspaces));
}

}  // namespace archived::storage
