// Key vault maintenance: the rewrap pass moves every record to the next master key in synced
// batches, picks up records that land during the pass, stops (leaving the old key in force)
// at a record no key opens, and keeps named secrets across a rotation and the orphan sweep.
#include "archived/catalog/key_vault.h"

#include <gtest/gtest.h>

#include "archived/base/bytes.h"
#include "archived/catalog/key_reserve.h"
#include "archived/storage/memory_store.h"
#include "tests/testing/status_matchers.h"

namespace archived::catalog {
namespace {

using storage::Keyspace;

crypto::SecretKey NewKey() { return *crypto::SecretKey::Generate(); }

class KeyVaultTest : public ::testing::Test {
 protected:
  std::unique_ptr<storage::Store> vault_ = storage::NewMemoryStore();
  crypto::Keyring keyring_{NewKey()};
  KeyReserve reserve_{vault_.get(), &keyring_, 50};

  std::size_t CountUnder(const std::string& id_hex) {
    std::size_t n = 0;
    auto it = vault_->NewIterator(Keyspace::kKeys);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->value().size() == 48 && keyring_.IsCurrent(it->value()) && keyring_.wrapping_id() == id_hex) ++n;
    }
    return n;
  }
};

TEST_F(KeyVaultTest, RewrapMovesEveryRecordToTheNextKeyInBatches) {
  std::vector<ReservedKey> taken;
  for (int i = 0; i < 120; ++i) taken.push_back(*reserve_.Take());  // 3 refills of 50 = 150 records
  const std::string old_id = keyring_.current_id();
  ASSERT_OK(keyring_.BeginRotation(NewKey()));
  std::vector<std::uint64_t> progress;
  ASSERT_OK_AND_ASSIGN(const RewrapCounts counts,
                       RewrapVault(vault_.get(), keyring_, 16, [&](std::uint64_t n) { progress.push_back(n); }));
  EXPECT_EQ(counts.records, 150u);
  EXPECT_EQ(counts.rewrapped, 150u);
  EXPECT_EQ(counts.passes, 2);  // the second pass finds nothing left
  EXPECT_EQ(progress.size(), 10u);  // ceil(150 / 16) synced batches
  ASSERT_OK(keyring_.FinishRotation());
  EXPECT_NE(keyring_.current_id(), old_id);
  EXPECT_EQ(CountUnder(keyring_.current_id()), 150u);
  for (const ReservedKey& key : taken) {  // every data key still opens, under the new key only
    ASSERT_OK_AND_ASSIGN(const std::string record, vault_->Get(Keyspace::kKeys, key.content_id));
    ASSERT_OK_AND_ASSIGN(const crypto::SecretKey opened, keyring_.Unwrap(record));
    EXPECT_EQ(opened.bytes(), key.data_key.bytes());
  }
}

TEST_F(KeyVaultTest, ARecordNoKeyOpensStopsThePass) {
  ASSERT_OK(reserve_.Take());
  ASSERT_OK(vault_->Put(Keyspace::kKeys, std::string(16, 'z'), std::string(48, 'x'), {.sync = true}));
  ASSERT_OK(keyring_.BeginRotation(NewKey()));
  const auto counts = RewrapVault(vault_.get(), keyring_, 1000);
  ASSERT_FALSE(counts.ok());
  EXPECT_EQ(counts.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(counts.status().message().find(HexEncode(std::string(16, 'z'))), std::string::npos) << counts.status().ToString();
}

TEST_F(KeyVaultTest, SecretsSurviveARotation) {
  const crypto::SecretKey initial = NewKey();
  ASSERT_OK_AND_ASSIGN(const crypto::SecretKey first, LoadOrCreateVaultSecret(vault_.get(), keyring_, "signing", initial));
  EXPECT_EQ(first.bytes(), initial.bytes());
  // Present now: a different "initial" is ignored.
  ASSERT_OK_AND_ASSIGN(const crypto::SecretKey again, LoadOrCreateVaultSecret(vault_.get(), keyring_, "signing", NewKey()));
  EXPECT_EQ(again.bytes(), initial.bytes());
  ASSERT_OK(keyring_.BeginRotation(NewKey()));
  ASSERT_OK(RewrapVault(vault_.get(), keyring_, 10));
  ASSERT_OK(keyring_.FinishRotation());
  ASSERT_OK_AND_ASSIGN(const crypto::SecretKey after, LoadOrCreateVaultSecret(vault_.get(), keyring_, "signing", NewKey()));
  EXPECT_EQ(after.bytes(), initial.bytes());
  EXPECT_TRUE(IsVaultSecretKey("secret/signing"));
  EXPECT_FALSE(IsVaultSecretKey(std::string(16, '\x01')));
}

}  // namespace
}  // namespace archived::catalog
