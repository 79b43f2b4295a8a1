// Runs the Store contract against RocksStore on a temporary directory, plus RocksDB-specific
// behaviour: the lock, reopening, and refusing bad options.
#include "archived/storage/rocks_store.h"

#include "tests/contract/store_contract.h"

namespace archived::storage {
namespace {

struct RocksStoreFactory {
  static std::unique_ptr<Store> Make(const std::filesystem::path& dir) {
    auto store = OpenRocksStore({.directory = dir / "db"});
    ARCHIVED_CHECK(store.ok());
    return std::move(store).value();
  }
  static std::unique_ptr<Store> Reopen(const std::filesystem::path& dir, std::unique_ptr<Store> s) {
    ARCHIVED_CHECK(s->Close().ok());
    s.reset();
    return Make(dir);
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Rocks, StoreContractTest, RocksStoreFactory);

TEST(RocksStoreTest, SecondOpenOfTheSameDirectoryIsUnavailable) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto first, OpenRocksStore({.directory = dir.path()}));
  const auto second = OpenRocksStore({.directory = dir.path()});
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable) << second.status().ToString();
}

TEST(RocksStoreTest, EmptyDirectoryIsInvalid) {
  EXPECT_EQ(OpenRocksStore({}).status().code(), StatusCode::kInvalidArgument);
}

TEST(RocksStoreTest, VaultStoreHoldsOnlyItsKeyspace) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto vault, OpenRocksStore({.directory = dir.path(), .keyspaces = {Keyspace::kKeys}}));
  WriteBatch batch;
  batch.Put(Keyspace::kKeys, "id", "wrapped");
  ASSERT_OK(vault->Commit(batch, {}));
  EXPECT_EQ(*vault->Get(Keyspace::kKeys, "id"), "wrapped");
}

}  // namespace
}  // namespace archived::storage
