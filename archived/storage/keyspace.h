// The fixed keyspaces (RocksDB column families) of the daemon's stores. The names are
// persisted: never rename one. The key layout inside each is in archived/catalog/FORMAT.md.
// Pure data; thread-safe.
#pragma once

#include <string_view>

namespace archived::storage {

enum class Keyspace : int {
  kMeta = 0,        // format version, counters
  kCategories = 1,  // the file plan
  kDocuments = 2,   // document id -> Document
  kVersions = 3,    // document id + version -> Version
  kChunks = 4,      // content id + chunk index -> sealed chunk (blob files)
  kIndexes = 5,     // secondary indexes: filing order, category, reference code, content id
  kUploads = 6,     // content id -> PendingUpload, until commit or sweep
  kAudit = 7,       // audit seq -> AuditRecord
  kIndexQueue = 8,  // outbox for the full-text indexer
  kKeys = 9,        // the key vault: content id -> wrapped data key (vault store only)
  kAuth = 10,       // principals and API token hashes
  kRetention = 11,  // holds, disposition batches, certificates (main store)
  kLedger = 12,     // the destruction ledger (vault store only)
  kRegisters = 13,  // register entries, their revisions and links (main store)
};
inline constexpr int kKeyspaceCount = 14;

// The column family name, e.g. "documents".
std::string_view KeyspaceName(Keyspace keyspace);

}  // namespace archived::storage
