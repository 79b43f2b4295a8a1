// Crypto primitives: a published AES-256-GCM vector (GCM spec test case 16), the tamper
// matrix of RELIABILITY.md R6 at the primitive level, key wrap round trips and wrong KEKs.
#include "archived/crypto/crypto.h"

#include <gtest/gtest.h>

#include <set>
#include <string_view>
#include <vector>

#include "archived/base/bytes.h"
#include "tests/testing/status_matchers.h"

namespace archived::crypto {
namespace {

std::string Hex(std::string_view hex) { return *HexDecode(hex); }

SecretKey Key(std::string_view hex) { return *SecretKey::FromBytes(Hex(hex)); }

TEST(Aes256GcmTest, MatchesGcmSpecTestCase16) {
  const SecretKey key = Key("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  const std::string iv = Hex("cafebabefacedbaddecaf888");
  const std::string plaintext = Hex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24"
      "49a6b525b16aedf5aa0de657ba637b39");
  const std::string ad = Hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  ASSERT_OK_AND_ASSIGN(const std::string sealed, SealAes256Gcm(key, iv, plaintext, ad));
  EXPECT_EQ(HexEncode(sealed),
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b0"
            "8b1056828838c5f61e6393ba7a0abcc9f662"
            "76fc6ece0f4e1768cddf8853bb2d551b");
  ASSERT_OK_AND_ASSIGN(const std::string opened, OpenAes256Gcm(key, iv, sealed, ad));
  EXPECT_EQ(opened, plaintext);
}

TEST(Aes256GcmTest, EveryFlippedBitIsRejected) {
  ASSERT_OK_AND_ASSIGN(const SecretKey key, SecretKey::Generate());
  const std::string nonce(kNonceBytes, '\x07');
  ASSERT_OK_AND_ASSIGN(const std::string sealed, SealAes256Gcm(key, nonce, "attack at dawn", "ad"));
  for (std::size_t bit = 0; bit < sealed.size() * 8; ++bit) {
    std::string bad = sealed;
    bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_EQ(OpenAes256Gcm(key, nonce, bad, "ad").status().code(), StatusCode::kDataLoss) << bit;
  }
}

TEST(Aes256GcmTest, TruncatedTagsWrongContextAndEmptyInputAreRejected) {
  ASSERT_OK_AND_ASSIGN(const SecretKey key, SecretKey::Generate());
  ASSERT_OK_AND_ASSIGN(const SecretKey other, SecretKey::Generate());
  const std::string nonce(kNonceBytes, '\x01');
  ASSERT_OK_AND_ASSIGN(const std::string sealed, SealAes256Gcm(key, nonce, "payload", "ad"));
  for (const std::size_t tag : {1u, 4u, 8u, 12u}) {
    const std::string cut = sealed.substr(0, sealed.size() - kTagBytes + tag);
    EXPECT_FALSE(OpenAes256Gcm(key, nonce, cut, "ad").ok()) << tag;
  }
  EXPECT_EQ(OpenAes256Gcm(key, nonce, "", "ad").status().code(), StatusCode::kDataLoss);
  EXPECT_FALSE(OpenAes256Gcm(key, nonce, sealed, "other ad").ok());
  EXPECT_FALSE(OpenAes256Gcm(other, nonce, sealed, "ad").ok());
  EXPECT_FALSE(OpenAes256Gcm(key, std::string(kNonceBytes, '\x02'), sealed, "ad").ok());
  EXPECT_EQ(SealAes256Gcm(key, "short", "x", "").status().code(), StatusCode::kInvalidArgument);
}

TEST(SecretKeyTest, GenerateManyGivesDistinctFullLengthKeys) {
  ASSERT_OK_AND_ASSIGN(const std::vector<SecretKey> keys, SecretKey::GenerateMany(300));
  ASSERT_EQ(keys.size(), 300u);
  std::set<std::string_view> seen;
  for (const SecretKey& key : keys) {
    EXPECT_EQ(key.bytes().size(), kKeyBytes);
    EXPECT_TRUE(seen.insert(key.bytes()).second) << "a repeated key";
  }
  ASSERT_OK_AND_ASSIGN(const std::vector<SecretKey> none, SecretKey::GenerateMany(0));
  EXPECT_TRUE(none.empty());
}

TEST(KeyWrapTest, RoundTripsAndRefusesAWrongKek) {
  ASSERT_OK_AND_ASSIGN(const SecretKey kek, SecretKey::Generate());
  ASSERT_OK_AND_ASSIGN(const SecretKey other_kek, SecretKey::Generate());
  ASSERT_OK_AND_ASSIGN(const SecretKey dek, SecretKey::Generate());
  ASSERT_OK_AND_ASSIGN(const std::string wrapped, WrapKey(kek, dek));
  EXPECT_EQ(wrapped.size(), 40u);
  ASSERT_OK_AND_ASSIGN(const SecretKey unwrapped, UnwrapKey(kek, wrapped));
  EXPECT_EQ(unwrapped.bytes(), dek.bytes());
  EXPECT_EQ(UnwrapKey(other_kek, wrapped).status().code(), StatusCode::kDataLoss);
  std::string tampered = wrapped;
  tampered[5] ^= 1;
  EXPECT_EQ(UnwrapKey(kek, tampered).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(UnwrapKey(kek, "short").status().code(), StatusCode::kDataLoss);
}

TEST(Sha256Test, KnownDigestsAndIncrementalUse) {
  EXPECT_EQ(HexEncode(Sha256Of("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 hash;
  hash.Update("ab");
  hash.Update("c");
  EXPECT_EQ(HexEncode(hash.Finish()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CryptoTest, ConstantTimeEqualsAndRandomness) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  ASSERT_OK_AND_ASSIGN(const std::string a, RandomBytes(32));
  ASSERT_OK_AND_ASSIGN(const std::string b, RandomBytes(32));
  EXPECT_NE(a, b);
  EXPECT_EQ(SecretKey::FromBytes("short").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace archived::crypto

namespace archived::crypto {
namespace {

TEST(ScryptTest, MatchesTheRfc7914Vector) {
  StatusOr<std::string> key = Scrypt("password", "NaCl", 1024, 8, 16, 64);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(HexEncode(*key),
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb9"
            "4a83ee6d8360cbdfa2cc0640");
}

TEST(ScryptTest, RefusesBadParameters) {
  EXPECT_EQ(Scrypt("pw", "salt", 1000, 8, 1, 32).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Scrypt("pw", "salt", 1024, 0, 1, 32).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace archived::crypto

namespace archived::crypto {
namespace {

TEST(HkdfTest, MatchesRfc5869TestCase1) {
  const std::string ikm(22, '\x0b');
  const std::string salt = *HexDecode("000102030405060708090a0b0c");
  const std::string info = *HexDecode("f0f1f2f3f4f5f6f7f8f9");
  StatusOr<std::string> okm = HkdfSha256(ikm, salt, info, 42);
  ASSERT_TRUE(okm.ok());
  EXPECT_EQ(HexEncode(*okm), "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(Ed25519Test, MatchesRfc8032Test1AndRejectsAnyChange) {
  StatusOr<Ed25519Key> key = Ed25519Key::FromSeed(*HexDecode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(HexEncode(key->public_key()), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  StatusOr<std::string> signature = key->Sign("");
  ASSERT_TRUE(signature.ok());
  EXPECT_EQ(HexEncode(*signature),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe2465"
            "5141438e7a100b");
  EXPECT_TRUE(Ed25519Verify(key->public_key(), "", *signature));
  std::string bad = *signature;
  bad[10] ^= 1;
  EXPECT_FALSE(Ed25519Verify(key->public_key(), "", bad));
  EXPECT_FALSE(Ed25519Verify(key->public_key(), "x", *signature));
  EXPECT_FALSE(Ed25519Verify("short", "", *signature));
}

}  // namespace
}  // namespace archived::crypto
