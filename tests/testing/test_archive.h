// A real catalogue for module tests: the main and vault RocksDB stores in a directory, the
// committer and the catalogue over them. Header only (only tests that use it link the
// catalogue). Not thread-safe.
#pragma once

#include <filesystem>
#include <memory>

#include <gtest/gtest.h>

#include "archived/audit/committer.h"
#include "archived/catalog/catalog.h"
#include "archived/crypto/keyring.h"
#include "archived/storage/rocks_store.h"

namespace archived::testing {

struct TestArchive {
  std::unique_ptr<storage::Store> store, vault;
  std::unique_ptr<audit::Committer> committer;
  std::unique_ptr<catalog::Catalog> catalog;

  // Opens (creating) the stores under `dir` ("db" and "vault"). Fails the test on an error.
  void Open(const std::filesystem::path& dir, const crypto::Keyring& keyring, const Clock& clock,
            const catalog::CatalogOptions& options = {.fonds = "Z001"}) {
    StatusOr<std::unique_ptr<storage::Store>> main = storage::OpenRocksStore({.directory = dir / "db"});
    ASSERT_TRUE(main.ok()) << main.status().ToString();
    store = std::move(*main);
    StatusOr<std::unique_ptr<storage::Store>> keys =
        storage::OpenRocksStore({.directory = dir / "vault", .keyspaces = storage::kVaultKeyspaces});
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    vault = std::move(*keys);
    StatusOr<std::unique_ptr<audit::Committer>> c = audit::Committer::Open({}, store.get(), clock);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    committer = std::move(*c);
    StatusOr<std::unique_ptr<catalog::Catalog>> cat =
        catalog::Catalog::Open(options, store.get(), vault.get(), &keyring, committer.get(), clock);
    ASSERT_TRUE(cat.ok()) << cat.status().ToString();
    catalog = std::move(*cat);
  }
  // Closes in the order the parts depend on each other.
  void Close() {
    catalog.reset();
    committer.reset();
    vault.reset();
    store.reset();
  }
};

}  // namespace archived::testing
