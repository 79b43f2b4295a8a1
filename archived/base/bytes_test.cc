// Big-endian and hex codecs: round trips and ordering, the properties keys depend on.
#include "archived/base/bytes.h"

#include <gtest/gtest.h>

namespace archived {
namespace {

TEST(BytesTest, BigEndianSortsNumerically) {
  std::string a, b;
  AppendBigEndian64(a, 255);
  AppendBigEndian64(b, 256);
  EXPECT_LT(a, b);
  EXPECT_EQ(ReadBigEndian64(a), 255u);
  std::string c;
  AppendBigEndian32(c, 0xdeadbeef);
  EXPECT_EQ(ReadBigEndian32(c), 0xdeadbeefu);
  EXPECT_FALSE(ReadBigEndian64("short"));
}

TEST(BytesTest, StoredUint64IsZeroUntilWrittenAndMustBeEightBytes) {
  std::string eight;
  AppendBigEndian64(eight, 42);
  EXPECT_EQ(ParseStoredUint64(eight, "mark").value(), 42u);
  EXPECT_EQ(ParseStoredUint64(NotFoundError("absent"), "mark").value(), 0u);
  EXPECT_EQ(ParseStoredUint64(UnavailableError("disk"), "mark").status().code(), StatusCode::kUnavailable);
  const Status nine = ParseStoredUint64(eight + "x", "the mark").status();
  EXPECT_EQ(nine.code(), StatusCode::kDataLoss);
  EXPECT_EQ(nine.message(), "the mark is malformed");
  EXPECT_EQ(ParseStoredUint64(std::string("short"), "mark").status().code(), StatusCode::kDataLoss);
}

TEST(BytesTest, HexRoundTrip) {
  const std::string raw("\x00\x7f\xff", 3);
  EXPECT_EQ(HexEncode(raw), "007fff");
  EXPECT_EQ(HexDecode("007FFF"), raw);
  EXPECT_FALSE(HexDecode("abc"));
  EXPECT_FALSE(HexDecode("zz"));
}

}  // namespace
}  // namespace archived
