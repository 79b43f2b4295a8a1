// RocksStore: the production Store on RocksDB, one column family per keyspace. The only
// user of RocksDB in the tree. Thread-safe.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <vector>

#include "archived/base/status.h"
#include "archived/storage/store.h"

namespace archived::storage {

// The key vault's keyspaces: wrapped data keys and the destruction ledger.
inline const std::vector<Keyspace> kVaultKeyspaces = {Keyspace::kKeys, Keyspace::kLedger};

struct RocksStoreOptions {
  std::filesystem::path directory;  // Required. Created if missing.
  // The keyspaces this store holds; others may not be used. Default: all but the vault's
  // (kKeys, kLedger).
  std::vector<Keyspace> keyspaces = {Keyspace::kMeta,    Keyspace::kCategories,
                                     Keyspace::kDocuments, Keyspace::kVersions,
                                     Keyspace::kChunks,  Keyspace::kIndexes,
                                     Keyspace::kUploads, Keyspace::kAudit,
                                     Keyspace::kIndexQueue, Keyspace::kAuth,
                                     Keyspace::kRetention, Keyspace::kRegisters};
  std::size_t block_cache_bytes = 32 << 20;  // Default: 32 MiB.
  // Memtable size of the chunk keyspace; it bounds the memory a large upload costs until
  // the memtable is flushed to blob files. Default: 16 MiB.
  std::size_t chunk_write_buffer_bytes = 16 << 20;
  // Memtable size of every other keyspace. Default: 16 MiB.
  std::size_t write_buffer_bytes = 16 << 20;
  // Values at least this large in kChunks go to blob files. Default: 4 KiB.
  std::size_t min_blob_bytes = 4096;
  // Keyspaces whose values authenticate themselves (sealed with an AEAD that binds their
  // place): reads skip RocksDB's own checksum, which Debian's build computes in software and
  // which cost 40% of a download. Corruption is still caught, by the AEAD. Default: kChunks.
  std::vector<Keyspace> self_authenticating_keyspaces = {Keyspace::kChunks};
  // Opens without writing anything (no log replay into new files, no lock): for checking a
  // checkpoint. Commits, flushes and compactions then fail. Default: false.
  bool read_only = false;
  int max_open_files = 512;     // Default: 512.
  int background_jobs = 2;      // Default: 2 (the machine has two cores).
  Status Validate() const;
};

// Opens (creating if missing) the store at options.directory.
// Errors: kInvalidArgument for bad options; kUnavailable if another process holds the lock;
// kDataLoss if the files are corrupt; kInternal otherwise.
StatusOr<std::unique_ptr<Store>> OpenRocksStore(const RocksStoreOptions& options);

}  // namespace archived::storage
