#include "archived/storage/keyspace.h"

#include <array>

namespace archived::storage {

std::string_view KeyspaceName(Keyspace keyspace) {
  static constexpr std::array<std::string_view, kKeyspaceCount> kNames = {
      "meta", "categories", "documents", "versions", "chunks",
      "indexes", "uploads", "audit", "index_queue", "keys", "auth", "retention", "ledger", "registers"};
  return kNames[static_cast<std::size_t>(keyspace)];
}

}  // namespace archived::storage
