// UTF-8 validation on Chinese text and the classic malformed sequences.
#include "archived/base/text.h"

#include <gtest/gtest.h>

namespace archived {
namespace {

TEST(TextTest, ValidUtf8) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("会议纪要.docx"));
  EXPECT_TRUE(IsValidUtf8("\xf0\x9f\x93\x84"));  // U+1F4C4
}

TEST(TextTest, InvalidUtf8) {
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xe4\xbc"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("ok\x80"));
}

// The word-at-a-time paths: a bad byte at every position of a run long enough to be read
// eight bytes at a time, before and after ASCII and Chinese.
TEST(TextTest, InvalidUtf8AnywhereInALongRun) {
  for (const std::string bad : {"\xff", "\x80", "\xc0\xaf", "\xe4\xbc"}) {
    for (std::size_t at = 0; at <= 24; ++at) {
      for (const std::string around : {"abcdefgh", "会议纪要"}) {
        std::string text;
        while (text.size() < at) text += around;
        text.resize(at);
        if (!IsValidUtf8(text)) continue;  // cut inside a character: not the case under test
        EXPECT_TRUE(IsValidUtf8(text + around + around));
        EXPECT_FALSE(IsValidUtf8(text + bad + around + around)) << at;
      }
    }
  }
}

TEST(TextTest, WordTestsFindEveryByteAtEveryPosition) {
  for (int position = 0; position < 8; ++position) {
    for (int byte = 0; byte < 256; ++byte) {
      char bytes[8] = {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'};
      bytes[position] = static_cast<char>(byte);
      const std::uint64_t word = LoadWord(bytes);
      EXPECT_EQ(AnyByteBelow(word, 0x20) != 0, byte < 0x20) << position << " " << byte;
      EXPECT_EQ(AnyByteIs(word, '"') != 0, byte == '"') << position << " " << byte;
      EXPECT_EQ(AnyByteIs(word, 0x7f) != 0, byte == 0x7f) << position << " " << byte;
      EXPECT_EQ((word & kHighBits) != 0, byte >= 0x80) << position << " " << byte;
    }
  }
}

TEST(TextTest, ControlCharacters) {
  EXPECT_TRUE(HasControlCharacters("a\nb"));
  EXPECT_FALSE(HasControlCharacters("a\tb", /*allow_tab=*/true));
  EXPECT_TRUE(HasControlCharacters("a\x7f"));
  EXPECT_FALSE(HasControlCharacters("档号"));
}

TEST(TextTest, Utf8PrefixNeverSplitsACharacter) {
  EXPECT_EQ(Utf8Prefix("档号abc", 100), "档号abc");
  EXPECT_EQ(Utf8Prefix("档号abc", 6), "档号");
  EXPECT_EQ(Utf8Prefix("档号abc", 5), "档");
  EXPECT_EQ(Utf8Prefix("档号abc", 2), "");
  EXPECT_EQ(Utf8Prefix("abc", 0), "");
}

TEST(TextTest, DisplayWidthCountsWideCharactersTwice) {
  EXPECT_EQ(DisplayWidth(""), 0u);
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("综合科"), 6u);
  EXPECT_EQ(DisplayWidth("王主任：请于周五前报送。"), 24u);  // fullwidth colon and full stop
  EXPECT_EQ(DisplayWidth("e\xCC\x81"), 1u);                // e + combining acute
  EXPECT_EQ(DisplayWidth("A-7 李娜"), 8u);
  EXPECT_EQ(FitColumns("落实消防安全检查", 9), "落实消防…");
  EXPECT_EQ(DisplayWidth(FitColumns("落实消防安全检查", 9)), 9u);
  EXPECT_EQ(FitColumns("short", 9), "short");
  EXPECT_EQ(FitColumns("abcdefghij", 5), "abcd…");
}

}  // namespace
}  // namespace archived
