// The key reserve: keys are durable in the vault before they are handed out, each is handed
// out once, the next batch is made ahead while half a batch is left, a discard drops the
// stock (after the batch being made has reached the vault), and a vault that cannot be
// written fails Take without losing the reserve.
#include "archived/catalog/key_reserve.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <thread>

#include "archived/storage/memory_store.h"
#include "tests/testing/flaky_store.h"
#include "tests/testing/status_matchers.h"

namespace archived::catalog {
namespace {

using storage::Keyspace;

crypto::SecretKey NewKey() { return *crypto::SecretKey::Generate(); }

// Polls `done` for up to 10 s.
template <typename Fn>
bool Eventually(Fn done) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

class KeyReserveTest : public ::testing::Test {
 protected:
  std::unique_ptr<storage::Store> vault_ = storage::NewMemoryStore();
  crypto::Keyring keyring_{NewKey()};
};

TEST_F(KeyReserveTest, EveryKeyIsInTheVaultAndHandedOutOnce) {
  KeyReserve reserve(vault_.get(), &keyring_, 8);
  std::set<std::string> ids;
  for (int i = 0; i < 40; ++i) {
    ASSERT_OK_AND_ASSIGN(const ReservedKey key, reserve.Take());
    EXPECT_TRUE(ids.insert(key.content_id).second) << "handed out twice";
    ASSERT_OK_AND_ASSIGN(const std::string record, vault_->Get(Keyspace::kKeys, key.content_id));
    ASSERT_OK_AND_ASSIGN(const crypto::SecretKey opened, keyring_.Unwrap(record));
    EXPECT_EQ(opened.bytes(), key.data_key.bytes());
  }
}

TEST_F(KeyReserveTest, TheNextBatchIsMadeWhileHalfABatchIsLeft) {
  KeyReserve reserve(vault_.get(), &keyring_, 8);
  EXPECT_EQ(reserve.TryTake(), std::nullopt);  // nothing made before the first ask
  ASSERT_TRUE(Eventually([&] { return reserve.stocked() == 8; }));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(reserve.TryTake().has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(reserve.stocked(), 5u);  // above half: no batch asked for
  ASSERT_TRUE(reserve.TryTake().has_value());  // 4 left: the next batch is asked for
  ASSERT_TRUE(Eventually([&] { return reserve.stocked() == 12; }));
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(reserve.TryTake().has_value()) << i;  // never empty
}

TEST_F(KeyReserveTest, DiscardWaitsForTheBatchBeingMadeAndDropsIt) {
  testing::FlakyStore vault;
  std::promise<void> gate;
  std::shared_future<void> open = gate.get_future().share();
  std::atomic<int> batches{0};
  vault.before_commit = [&] {
    if (batches++ == 1) open.wait();  // the second batch waits for the gate
  };
  KeyReserve reserve(&vault, &keyring_, 4);
  ASSERT_OK(reserve.Take().status());
  ASSERT_TRUE(reserve.TryTake().has_value());  // 2 left: the second batch is asked for
  ASSERT_TRUE(Eventually([&] { return batches.load() == 2; }));
  std::atomic<bool> discarded{false};
  std::thread discarding([&] {
    reserve.Discard();
    discarded = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(discarded.load()) << "Discard returned while a batch was being made";
  gate.set_value();
  discarding.join();
  EXPECT_EQ(reserve.stocked(), 0u);  // the stock and the batch are dropped
  EXPECT_EQ(vault.commits.load(), 2);  // both batches are in the vault (orphans for the sweep)
  ASSERT_OK_AND_ASSIGN(const ReservedKey next, reserve.Take());  // a third batch
  EXPECT_EQ(vault.commits.load(), 3);
  EXPECT_OK(vault.Get(Keyspace::kKeys, next.content_id).status());
}

TEST_F(KeyReserveTest, DiscardDropsTheStock) {
  KeyReserve reserve(vault_.get(), &keyring_, 8);
  ASSERT_OK_AND_ASSIGN(const ReservedKey first, reserve.Take());
  ASSERT_TRUE(Eventually([&] { return reserve.stocked() == 7; }));
  reserve.Discard();
  EXPECT_EQ(reserve.stocked(), 0u);
  ASSERT_OK_AND_ASSIGN(const ReservedKey next, reserve.Take());
  EXPECT_NE(next.content_id, first.content_id);
}

TEST_F(KeyReserveTest, AVaultThatCannotBeWrittenFailsTakeAndTheReserveRecovers) {
  testing::FlakyStore vault;
  KeyReserve reserve(&vault, &keyring_, 4);
  vault.fail = true;
  const StatusOr<ReservedKey> failed = reserve.Take();
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("injected fsync failure"), std::string::npos) << failed.status().ToString();
  EXPECT_NE(failed.status().message().find("reserve data keys"), std::string::npos) << failed.status().ToString();
  vault.fail = false;
  ASSERT_OK_AND_ASSIGN(const ReservedKey key, reserve.Take());
  EXPECT_OK(vault.Get(Keyspace::kKeys, key.content_id).status());
}

}  // namespace
}  // namespace archived::catalog
