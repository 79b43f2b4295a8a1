// The payload codec: round trips, early stops, and damaged payloads refused.
#include "archived/codec/codec.h"

#include <gtest/gtest.h>

#include <string>

namespace archived::codec {
namespace {

std::string Text(std::size_t bytes) {
  std::string text;
  for (int i = 0; text.size() < bytes; ++i) text += "record " + std::to_string(i * 7919 % 1000) + " of the archive; ";
  text.resize(bytes);
  return text;
}

TEST(CodecTest, RoundTripsRawAndCompressed) {
  for (const std::size_t bytes : {0, 10, 63, 64, 5000, 100000}) {
    for (const std::size_t block : {0, 2048}) {
      const std::string text = Text(bytes);
      std::string payload, back;
      EncodePayload(text, 3, &payload, block);
      ASSERT_TRUE(DecodePayload(payload, text.size(), &back).ok()) << bytes << " " << block;
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
  std::string payload;
  EncodePayload(random, 3, &payload);
  EXPECT_EQ(payload.size(), random.size() + 1);  // kept raw
  EncodePayload(Text(4096), 3, &payload);
  EXPECT_LT(payload.size(), 2048u);
}

TEST(CodecTest, PrefixDecodingStopsAboutABlockPastWhatWasWanted) {
  const std::string text = Text(16384);
  std::string payload, prefix;
  EncodePayload(text, 3, &payload, 2048);
  int asked = 0;
  ASSERT_TRUE(DecodePayloadPrefix(payload, text.size(), &prefix, [&](std::string_view decoded) {
                ++asked;
                EXPECT_EQ(decoded, std::string_view(text).substr(0, decoded.size()));
                return decoded.size() >= 3000;
              }).ok());
  EXPECT_GE(prefix.size(), 3000u);
  EXPECT_LE(prefix.size(), 3000u + 2048u);
  EXPECT_EQ(prefix, text.substr(0, prefix.size()));
  EXPECT_GE(asked, 2);
}

TEST(CodecTest, DamagedPayloadsAreDataLoss) {
  const std::string text = Text(16384);
  std::string payload, out;
  EncodePayload(text, 3, &payload, 2048);
  const auto never = [](std::string_view) { return false; };
  EXPECT_EQ(DecodePayload(payload, text.size() + 1, &out).code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodePayloadPrefix(payload, text.size() - 1, &out, never).code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodePayload("", 0, &out).code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodePayload(std::string(1, '\x07') + "abc", 3, &out).code(), StatusCode::kDataLoss);
  const std::string cut = payload.substr(0, payload.size() / 2);
  EXPECT_EQ(DecodePayload(cut, text.size(), &out).code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodePayloadPrefix(cut, text.size(), &out, never).code(), StatusCode::kDataLoss);
  std::string flipped = payload;
  flipped[flipped.size() / 2] ^= 0x40;
  const Status a = DecodePayload(flipped, text.size(), &out);
  // zstd frames carry no checksum of ours: a flip either fails to decode or changes the text
  // (content chunks are authenticated by AES-GCM before they get here).
  EXPECT_TRUE(!a.ok() || out != text);
}

}  // namespace
}  // namespace archived::codec
