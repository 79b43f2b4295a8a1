// Translates rocksdb::Status to archived::Status: the one place RocksDB errors are mapped.
// Private to the storage module. Thread-safe.
#pragma once

#include <rocksdb/status.h>

#include <string_view>

#include "archived/base/status.h"

namespace archived::storage::internal {

// `operation` names what failed, e.g. "open store \"/data\"".
Status FromRocks(std::string_view operation, const rocksdb::Status& status);

}  // namespace archived::storage::internal
