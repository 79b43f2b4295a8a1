// Keyring: records name their KEK; a rotation wraps new keys under the next KEK while old
// records still open; after it the old KEK opens nothing; legacy (id-less) records open
// under whichever key made them; a wrong KEK or an altered record never yields a key.
#include "archived/crypto/keyring.h"

#include <gtest/gtest.h>

#include "archived/base/bytes.h"
#include "tests/testing/status_matchers.h"

namespace archived::crypto {
namespace {

SecretKey NewKey() { return *SecretKey::Generate(); }
SecretKey Copy(const SecretKey& key) { return *SecretKey::FromBytes(key.bytes()); }

TEST(KeyringTest, RecordsNameTheirKeyAndOpen) {
  const SecretKey kek = NewKey();
  Keyring ring(Copy(kek));
  const SecretKey data = NewKey();
  ASSERT_OK_AND_ASSIGN(const std::string record, ring.Wrap(data));
  EXPECT_EQ(record.size(), kKeyIdBytes + 40);
  EXPECT_EQ(HexEncode(record.substr(0, kKeyIdBytes)), KeyIdHex(kek));
  EXPECT_EQ(ring.current_id(), KeyIdHex(kek));
  ASSERT_OK_AND_ASSIGN(const SecretKey opened, ring.Unwrap(record));
  EXPECT_EQ(opened.bytes(), data.bytes());
  EXPECT_TRUE(ring.IsCurrent(record));
}

TEST(KeyringTest, RotationRewrapsAndRetiresTheOldKey) {
  const SecretKey old_kek = NewKey();
  const SecretKey new_kek = NewKey();
  Keyring ring(Copy(old_kek));
  const SecretKey data = NewKey();
  ASSERT_OK_AND_ASSIGN(const std::string old_record, ring.Wrap(data));
  ASSERT_OK(ring.BeginRotation(Copy(new_kek)));
  EXPECT_TRUE(ring.rotating());
  EXPECT_EQ(ring.wrapping_id(), KeyIdHex(new_kek));
  EXPECT_FALSE(ring.IsCurrent(old_record));
  EXPECT_EQ(ring.BeginRotation(NewKey()).code(), StatusCode::kFailedPrecondition);
  // Both open during the rotation; new keys are wrapped under the next KEK.
  ASSERT_OK_AND_ASSIGN(const std::string new_record, ring.Wrap(data));
  EXPECT_EQ(HexEncode(new_record.substr(0, kKeyIdBytes)), KeyIdHex(new_kek));
  ASSERT_OK_AND_ASSIGN(const std::string rewrapped, ring.Rewrap(old_record));
  EXPECT_TRUE(ring.IsCurrent(rewrapped));
  EXPECT_EQ(ring.Unwrap(old_record)->bytes(), data.bytes());
  ASSERT_OK(ring.FinishRotation());
  EXPECT_FALSE(ring.rotating());
  EXPECT_EQ(ring.current_id(), KeyIdHex(new_kek));
  EXPECT_EQ(ring.Unwrap(rewrapped)->bytes(), data.bytes());
  // The retired key is gone: a record only it opens is refused, naming its id.
  const auto stale = ring.Unwrap(old_record);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(stale.status().message().find(KeyIdHex(old_kek)), std::string::npos);
}

TEST(KeyringTest, WrongKeyAlteredRecordsAndLegacyRecords) {
  const SecretKey kek = NewKey();
  Keyring ring(Copy(kek));
  Keyring other(NewKey());
  const SecretKey data = NewKey();
  ASSERT_OK_AND_ASSIGN(std::string record, ring.Wrap(data));
  EXPECT_EQ(other.Unwrap(record).status().code(), StatusCode::kDataLoss);
  for (std::size_t i = kKeyIdBytes; i < record.size(); ++i) {
    std::string altered = record;
    altered[i] = static_cast<char>(altered[i] ^ 0x01);
    EXPECT_EQ(ring.Unwrap(altered).status().code(), StatusCode::kDataLoss) << "byte " << i;
  }
  EXPECT_EQ(ring.Unwrap(record.substr(0, 20)).status().code(), StatusCode::kDataLoss);
  // A bare RFC 5649 wrap from before key ids: opened by the key that made it, and rewrapped.
  ASSERT_OK_AND_ASSIGN(const std::string legacy, WrapKey(kek, data));
  EXPECT_EQ(ring.Unwrap(legacy)->bytes(), data.bytes());
  EXPECT_FALSE(ring.IsCurrent(legacy));
  EXPECT_EQ(other.Unwrap(legacy).status().code(), StatusCode::kDataLoss);
  ASSERT_OK_AND_ASSIGN(const std::string upgraded, ring.Rewrap(legacy));
  EXPECT_TRUE(ring.IsCurrent(upgraded));
}

}  // namespace
}  // namespace archived::crypto
