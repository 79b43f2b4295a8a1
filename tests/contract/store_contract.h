// The Store contract: every implementation (MemoryStore, RocksStore) runs this typed suite.
// A factory type F provides `static std::unique_ptr<Store> Make(const std::filesystem::path&)`
// and `static std::unique_ptr<Store> Reopen(const std::filesystem::path&)` (a new instance on
// the same data; for MemoryStore the same object). Tests include randomised op sequences
// checked against std::map as the model.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "archived/storage/store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace archived::storage {

template <typename F>
class StoreContractTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = F::Make(dir_.path()); }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TYPED_TEST_SUITE_P(StoreContractTest);

TYPED_TEST_P(StoreContractTest, GetOfMissingKeyIsNotFound) {
  EXPECT_EQ(this->store_->Get(Keyspace::kDocuments, "nope").status().code(), StatusCode::kNotFound);
}

TYPED_TEST_P(StoreContractTest, CommitAppliesPutsAndDeletesTogether) {
  WriteBatch batch;
  batch.Put(Keyspace::kDocuments, "a", "1");
  batch.Put(Keyspace::kVersions, "a", "other keyspace");
  batch.Put(Keyspace::kDocuments, "b", "2");
  batch.Delete(Keyspace::kDocuments, "b");
  ASSERT_OK(this->store_->Commit(batch, {}));
  EXPECT_EQ(*this->store_->Get(Keyspace::kDocuments, "a"), "1");
  EXPECT_EQ(*this->store_->Get(Keyspace::kVersions, "a"), "other keyspace");
  EXPECT_FALSE(this->store_->Get(Keyspace::kDocuments, "b").ok());
}

TYPED_TEST_P(StoreContractTest, PutAndGetIntoReuseTheCallersBuffer) {
  ASSERT_OK(this->store_->Put(Keyspace::kChunks, "k", std::string(5000, 'x'), {.sync = false}));
  std::string value = "old contents";
  ASSERT_OK(this->store_->GetInto(Keyspace::kChunks, "k", &value));
  EXPECT_EQ(value, std::string(5000, 'x'));
  EXPECT_EQ(this->store_->GetInto(Keyspace::kChunks, "missing", &value).code(), StatusCode::kNotFound);
}

TYPED_TEST_P(StoreContractTest, UnloggedWritesSurviveReopenOnceFlushed) {
  ASSERT_OK(this->store_->Put(Keyspace::kChunks, "bulk", std::string(100000, 'b'), {.sync = false, .write_ahead_log = false}));
  EXPECT_EQ(this->store_->Get(Keyspace::kChunks, "bulk")->size(), 100000u);
  ASSERT_OK(this->store_->Flush(Keyspace::kChunks));
  this->store_ = TypeParam::Reopen(this->dir_.path(), std::move(this->store_));
  EXPECT_EQ(this->store_->Get(Keyspace::kChunks, "bulk")->size(), 100000u);
}

TYPED_TEST_P(StoreContractTest, DeleteRangeIsHalfOpen) {
  WriteBatch batch;
  for (const char* k : {"a", "b", "c", "d"}) {
    batch.Put(Keyspace::kChunks, k, k);
  }
  ASSERT_OK(this->store_->Commit(batch, {}));
  WriteBatch del;
  del.DeleteRange(Keyspace::kChunks, "b", "d");
  ASSERT_OK(this->store_->Commit(del, {}));
  EXPECT_TRUE(this->store_->Get(Keyspace::kChunks, "a").ok());
  EXPECT_FALSE(this->store_->Get(Keyspace::kChunks, "b").ok());
  EXPECT_FALSE(this->store_->Get(Keyspace::kChunks, "c").ok());
  EXPECT_TRUE(this->store_->Get(Keyspace::kChunks, "d").ok());
}

TYPED_TEST_P(StoreContractTest, IteratorSeeksBothWays) {
  WriteBatch batch;
  for (const char* k : {"k1", "k3", "k5"}) {
    batch.Put(Keyspace::kIndexes, k, std::string("v") + k);
  }
  ASSERT_OK(this->store_->Commit(batch, {}));
  auto it = this->store_->NewIterator(Keyspace::kIndexes);
  it->Seek("k2");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "k3");
  it->SeekForPrev("k4");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "k3");
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->value(), "vk1");
  it->Prev();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "k5");
  it->SeekForPrev("k0");
  EXPECT_FALSE(it->Valid());
  EXPECT_OK(it->status());
}

TYPED_TEST_P(StoreContractTest, IteratorIsASnapshot) {
  WriteBatch batch;
  batch.Put(Keyspace::kAudit, "1", "x");
  ASSERT_OK(this->store_->Commit(batch, {}));
  auto it = this->store_->NewIterator(Keyspace::kAudit);
  WriteBatch later;
  later.Put(Keyspace::kAudit, "2", "y");
  ASSERT_OK(this->store_->Commit(later, {}));
  int count = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ++count;
  }
  EXPECT_EQ(count, 1);
}

TYPED_TEST_P(StoreContractTest, LargeValuesRoundTripAndSurviveReopen) {
  std::string big(3 << 20, '\0');
  std::mt19937 rng(7);
  for (char& c : big) {
    c = static_cast<char>(rng());
  }
  WriteBatch batch;
  batch.Put(Keyspace::kChunks, "big", big);
  batch.Put(Keyspace::kMeta, "small", "s");
  ASSERT_OK(this->store_->Commit(batch, {.sync = true}));
  this->store_ = TypeParam::Reopen(this->dir_.path(), std::move(this->store_));
  EXPECT_EQ(*this->store_->Get(Keyspace::kChunks, "big"), big);
  EXPECT_EQ(*this->store_->Get(Keyspace::kMeta, "small"), "s");
  EXPECT_OK(this->store_->CompactRange(Keyspace::kChunks, "", ""));
  EXPECT_EQ(*this->store_->Get(Keyspace::kChunks, "big"), big);
}

TYPED_TEST_P(StoreContractTest, RandomOperationsMatchTheModel) {
  const unsigned seed = testing::TestSeed();
  SCOPED_TRACE("ARCHIVED_TEST_SEED=" + std::to_string(seed));
  std::mt19937 rng(seed);
  std::map<std::string, std::string> model;
  for (int round = 0; round < 200; ++round) {
    WriteBatch batch;
    const int ops = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < ops; ++i) {
      const std::string key = "k" + std::to_string(rng() % 50);
      switch (rng() % 4) {
        case 0:
        case 1: {
          const std::string value = std::to_string(rng());
          batch.Put(Keyspace::kIndexes, key, value);
          model[key] = value;
          break;
        }
        case 2:
          batch.Delete(Keyspace::kIndexes, key);
          model.erase(key);
          break;
        default: {
          std::string end = "k" + std::to_string(rng() % 50);
          const std::string& begin = std::min(key, end);
          end = std::max(key, end);
          batch.DeleteRange(Keyspace::kIndexes, begin, end);
          model.erase(model.lower_bound(begin), model.lower_bound(end));
        }
      }
    }
    ASSERT_OK(this->store_->Commit(batch, {.sync = false}));
  }
  auto it = this->store_->NewIterator(Keyspace::kIndexes);
  auto expected = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
    ASSERT_NE(expected, model.end());
    EXPECT_EQ(it->key(), expected->first);
    EXPECT_EQ(it->value(), expected->second);
  }
  EXPECT_EQ(expected, model.end());
}

REGISTER_TYPED_TEST_SUITE_P(StoreContractTest, GetOfMissingKeyIsNotFound,
                            CommitAppliesPutsAndDeletesTogether, PutAndGetIntoReuseTheCallersBuffer,
                            UnloggedWritesSurviveReopenOnceFlushed,
                            DeleteRangeIsHalfOpen,
                            IteratorSeeksBothWays, IteratorIsASnapshot,
                            LargeValuesRoundTripAndSurviveReopen, RandomOperationsMatchTheModel);

}  // namespace archived::storage
