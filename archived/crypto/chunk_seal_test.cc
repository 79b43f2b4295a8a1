// STREAM chunk sealing: the chunk-level tamper matrix of RELIABILITY.md R6 — reorder, swap
// between contents, drop the final chunk (flag), flip bits, wrong key — is rejected.
#include "archived/crypto/chunk_seal.h"

#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace archived::crypto {
namespace {

class ChunkSealTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = std::make_unique<SecretKey>(*SecretKey::Generate());
    for (std::uint64_t i = 0; i < 3; ++i) {
      chunks_.push_back(*SealChunk(*key_, kContent, i, i == 2, "chunk " + std::to_string(i)));
    }
  }
  static constexpr std::string_view kContent = "0123456789abcdef";
  std::unique_ptr<SecretKey> key_;
  std::vector<std::string> chunks_;
};

TEST_F(ChunkSealTest, OpensInPlace) {
  for (std::uint64_t i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(const std::string plain, OpenChunk(*key_, kContent, i, i == 2, chunks_[i]));
    EXPECT_EQ(plain, "chunk " + std::to_string(i));
  }
  EXPECT_EQ(chunks_[0].size(), std::string("chunk 0").size() + kChunkOverheadBytes);
}

TEST_F(ChunkSealTest, ReorderedChunksAreRejected) {
  EXPECT_EQ(OpenChunk(*key_, kContent, 0, false, chunks_[1]).status().code(), StatusCode::kDataLoss);
  EXPECT_FALSE(OpenChunk(*key_, kContent, 1, false, chunks_[0]).ok());
}

TEST_F(ChunkSealTest, TruncationBeforeTheLastChunkIsRejected) {
  // A stream cut after chunk 1 would need chunk 1 to carry the last flag, which it does not.
  EXPECT_FALSE(OpenChunk(*key_, kContent, 1, true, chunks_[1]).ok());
  EXPECT_FALSE(OpenChunk(*key_, kContent, 2, false, chunks_[2]).ok());
}

TEST_F(ChunkSealTest, ChunkMovedToAnotherContentIsRejected) {
  EXPECT_FALSE(OpenChunk(*key_, "fedcba9876543210", 0, false, chunks_[0]).ok());
}

TEST_F(ChunkSealTest, FlippedBitsFormatByteAndWrongKeyAreRejected) {
  for (std::size_t bit = 0; bit < chunks_[0].size() * 8; ++bit) {
    std::string bad = chunks_[0];
    bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_FALSE(OpenChunk(*key_, kContent, 0, false, bad).ok()) << bit;
  }
  const SecretKey other = *SecretKey::Generate();
  EXPECT_FALSE(OpenChunk(other, kContent, 0, false, chunks_[0]).ok());
  EXPECT_FALSE(OpenChunk(*key_, kContent, 0, false, "").ok());
}

TEST_F(ChunkSealTest, EmptyFinalChunkRoundTrips) {
  ASSERT_OK_AND_ASSIGN(const std::string sealed, SealChunk(*key_, kContent, 0, true, ""));
  ASSERT_OK_AND_ASSIGN(const std::string plain, OpenChunk(*key_, kContent, 0, true, sealed));
  EXPECT_TRUE(plain.empty());
}

}  // namespace
}  // namespace archived::crypto
