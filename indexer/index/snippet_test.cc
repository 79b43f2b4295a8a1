// Snippets: which words are marked, where the text is cut, and what is escaped.
#include "indexer/index/snippet.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace archived::index {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using ::testing::EndsWith;

Snippeter Words(std::initializer_list<std::string> words, std::initializer_list<std::string> stems = {},
                std::size_t bytes = 240) {
  SnippetTerms terms;
  terms.words.insert(words.begin(), words.end());
  terms.stems.insert(stems.begin(), stems.end());
  return Snippeter(std::move(terms), bytes);
}

TEST(SnippetTest, MarksWholeWordsInAnyCase) {
  const Snippeter s = Words({"budget"});
  EXPECT_EQ(s.Make("The Budget and the budgets; budget."), "The <mark>Budget</mark> and the budgets; <mark>budget</mark>.");
}

TEST(SnippetTest, MarksWordsThatStemToAQueryStem) {
  // "files" was stemmed to "file" by the query parser: "filed" and "files" match, "filesystem"
  // and "profile" do not.
  const Snippeter s = Words({}, {"file"});
  EXPECT_EQ(s.Make("Filed files in a filesystem profile file."),
            "<mark>Filed</mark> <mark>files</mark> in a filesystem profile <mark>file</mark>.");
  // A stem need not be a prefix of the word: "happi" of "happy".
  EXPECT_EQ(Words({}, {"happi"}).Make("a happy clerk"), "a <mark>happy</mark> clerk");
}

TEST(SnippetTest, ManyWordsAreFoundInOnePass) {
  SnippetTerms terms;
  for (int i = 0; i < 50; ++i) terms.words.insert("arch" + std::to_string(i));
  terms.words.insert("archive");
  const Snippeter s(std::move(terms), 240);
  EXPECT_EQ(s.Make("an Archive, arch7 and archives"), "an <mark>Archive</mark>, <mark>arch7</mark> and archives");
}

TEST(SnippetTest, CjkRunsAreOneMarkAndLoneCharactersAreNotMarked) {
  SnippetTerms terms;
  terms.cjk = {"文件", "件管", "管理"};
  const Snippeter s(std::move(terms), 240);
  // The bigrams of 文件管理 touch: one mark. The lone 文 of 文书 was not asked for.
  EXPECT_EQ(s.Make("办公室的文件管理和文书"), "办公室的<mark>文件管理</mark>和文书");
}

TEST(SnippetTest, SingleCjkCharactersAskedForAreMarked) {
  SnippetTerms terms;
  terms.cjk_singles = {"办"};
  const Snippeter s(std::move(terms), 240);
  EXPECT_EQ(s.Make("主办与会办"), "主<mark>办</mark>与会<mark>办</mark>");
}

TEST(SnippetTest, EscapesHtmlAndFoldsWhitespace) {
  const Snippeter s = Words({"tag"});
  EXPECT_EQ(s.Make("  a <tag>\n\n & \t more  "), "a &lt;<mark>tag</mark>&gt; &amp; more");
}

TEST(SnippetTest, CutsAroundTheFirstMatchAtSpaces) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "filler" + std::to_string(i) + " ";
  text += "needle ";
  for (int i = 0; i < 200; ++i) text += "more" + std::to_string(i) + " ";
  const Snippeter s = Words({"needle"}, {}, 120);
  const std::string snippet = s.Make(text);
  EXPECT_THAT(snippet, StartsWith("…filler"));
  EXPECT_THAT(snippet, EndsWith("…"));
  EXPECT_THAT(snippet, HasSubstr("<mark>needle</mark>"));
  // A quarter of the snippet before the match, cut at a space, and no word cut at the end.
  const std::size_t lead = snippet.find("<mark>") - std::string("…").size();
  EXPECT_LE(lead, 30u);
  EXPECT_GT(lead, 5u);
  EXPECT_THAT(snippet, Not(HasSubstr("  ")));
  EXPECT_LE(snippet.size(), 120u + 2 * std::string("…").size() + std::string("<mark></mark>").size());
  EXPECT_NE(snippet[snippet.size() - std::string("…").size() - 1], ' ');
}

TEST(SnippetTest, WithoutAMatchTheTextStartsTheSnippet) {
  const Snippeter s = Words({"absent"}, {}, 20);
  EXPECT_EQ(s.Make("one two three four five six seven"), "one two three four…");
  EXPECT_EQ(s.FirstMatch("one two"), std::string_view::npos);
  EXPECT_EQ(Words({"two"}).FirstMatch("one Two"), 4u);
}

TEST(SnippetTest, NeverSplitsACharacter) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "档案";
  text += "销毁";
  for (int i = 0; i < 100; ++i) text += "鉴定";
  SnippetTerms terms;
  terms.cjk = {"销毁"};
  const std::string snippet = Snippeter(std::move(terms), 61).Make(text);
  EXPECT_THAT(snippet, HasSubstr("<mark>销毁</mark>"));
  // Every character whole: the snippet is made of 3-byte characters, marks and ellipses.
  std::string bare = snippet;
  for (const std::string cut : {"<mark>", "</mark>", "…"}) {
    for (std::size_t at = bare.find(cut); at != std::string::npos; at = bare.find(cut)) bare.erase(at, cut.size());
  }
  EXPECT_EQ(bare.size() % 3, 0u);
  for (std::size_t i = 0; i < bare.size(); i += 3) EXPECT_EQ(static_cast<unsigned char>(bare[i]) & 0xC0, 0xC0u);
}

}  // namespace
}  // namespace archived::index
