// The payload codec: round trips, early stops, and damaged payloads refused.
#include "archived/codec/codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace archived::codec {
namespace {

std::string Text(std::size_t bytes) {
  std::string text;
  for (int i = 0; text.size() < bytes; ++i) text += "record " + std::to_string(i * 7919 % 1000) + " of the archive; ";
  text.resize(bytes);
  return text;
}

// Encodes with zstd (fast = false) or LZ4.
void Encode(bool fast, std::string_view text, std::string* payload) {
  if (fast) {
    EncodeFastPayload(text, payload);
  } else {
    EncodePayload(text, 3, payload);
  }
}

TEST(CodecTest, RoundTripsRawAndCompressed) {
  for (const std::size_t bytes : {0, 10, 63, 64, 2048, 5000, 100000}) {
    for (const bool fast : {false, true}) {
      const std::string text = Text(bytes);
      std::string payload, back;
      Encode(fast, text, &payload);
      if (bytes >= 2048) {  // the text repeats: both halve it at least
        EXPECT_LT(payload.size(), bytes / 2) << bytes << " " << fast;
      }
      ASSERT_TRUE(DecodePayload(payload, text.size(), &back).ok()) << bytes << " " << fast;
      EXPECT_EQ(back, text);
      back.clear();
      ASSERT_TRUE(DecodePayloadPrefix(payload, text.size(), &back, [](std::string_view) { return false; }).ok());
      EXPECT_EQ(back, text);
    }
  }
}

TEST(CodecTest, CompressesOnlyWhatShrinks) {
  std::string random(4096, '\0');
  std::uint32_t x = 12345;
  for (char& c : random) c = static_cast<char>((x = x * 1103515245 + 12345) >> 24);
  for (const bool fast : {false, true}) {
    std::string payload;
    Encode(fast, random, &payload);
    EXPECT_EQ(payload.size(), random.size() + 1);  // kept raw
    Encode(fast, Text(4096), &payload);
    EXPECT_LT(payload.size(), 2048u);
  }
}

TEST(CodecTest, PrefixDecodingOfLz4StopsWithinTwiceWhatWasWanted) {
  const std::string text = Text(16384);
  std::string payload, prefix;
  EncodeFastPayload(text, &payload);
  std::vector<std::size_t> asked;
  ASSERT_TRUE(DecodePayloadPrefix(payload, text.size(), &prefix, [&](std::string_view decoded) {
                asked.push_back(decoded.size());
                EXPECT_EQ(decoded, std::string_view(text).substr(0, decoded.size()));
                return decoded.size() >= 3000;
              }).ok());
  EXPECT_EQ(asked, (std::vector<std::size_t>{2048, 4096}));
  EXPECT_EQ(prefix, text.substr(0, 4096));
}

TEST(CodecTest, PrefixDecodingOfZstdStopsWithinABlock) {
  const std::string text = Text(16384);
  std::string payload, prefix;
  EncodePayload(text, 3, &payload);
  ASSERT_TRUE(DecodePayloadPrefix(payload, text.size(), &prefix, [&](std::string_view decoded) {
                EXPECT_EQ(decoded, std::string_view(text).substr(0, decoded.size()));
                return decoded.size() >= 3000;
              }).ok());
  EXPECT_GE(prefix.size(), 3000u);
  EXPECT_LE(prefix.size(), 3000u + 1024u);
  EXPECT_EQ(prefix, text.substr(0, prefix.size()));
}

TEST(CodecTest, DamagedPayloadsAreDataLoss) {
  const std::string text = Text(16384);
  const auto never = [](std::string_view) { return false; };
  for (const bool fast : {false, true}) {
    SCOPED_TRACE(fast ? "lz4" : "zstd");
    std::string payload, out;
    Encode(fast, text, &payload);
    EXPECT_EQ(DecodePayload(payload, text.size() + 1, &out).code(), StatusCode::kDataLoss);
    EXPECT_EQ(DecodePayload(payload, text.size() - 1, &out).code(), StatusCode::kDataLoss);
    EXPECT_EQ(DecodePayloadPrefix(payload, text.size() - 1, &out, never).code(), StatusCode::kDataLoss);
    EXPECT_EQ(DecodePayloadPrefix(payload, text.size() + 1, &out, never).code(), StatusCode::kDataLoss);
    const std::string cut = payload.substr(0, payload.size() / 2);
    EXPECT_EQ(DecodePayload(cut, text.size(), &out).code(), StatusCode::kDataLoss);
    EXPECT_EQ(DecodePayloadPrefix(cut, text.size(), &out, never).code(), StatusCode::kDataLoss);
    std::string flipped = payload;
    flipped[flipped.size() / 2] ^= 0x40;
    const Status a = DecodePayload(flipped, text.size(), &out);
    // Neither zstd frames nor LZ4 blocks carry a checksum of ours: a flip either fails to
    // decode or changes the text (content chunks are authenticated by AES-GCM before they get
    // here).
    EXPECT_TRUE(!a.ok() || out != text);
  }
  std::string out;
  EXPECT_EQ(DecodePayload("", 0, &out).code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodePayload(std::string(1, '\x07') + "abc", 3, &out).code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace archived::codec
