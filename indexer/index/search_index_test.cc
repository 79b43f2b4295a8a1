// SearchIndex over a real Xapian database in a temp dir: Chinese (CJK n-grams) and English
// (stemming) words, phrases, boolean operators, prefixes, every field, date ranges, facets,
// snippets, access filters, malformed queries, and the committed high-water mark.
#include "indexer/index/search_index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace archived::index {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

std::string Sample() {
  std::ifstream in(std::string(ARCHIVED_TEST_DATA_DIR) + "/samples/office-director-duties.zh.txt");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

IndexedDocument Doc(std::string id, std::string title, std::string category, std::string date,
                    std::string text, std::string type = "text") {
  IndexedDocument d;
  d.hit.set_id(std::move(id));
  d.hit.set_title(std::move(title));
  d.hit.set_category(std::move(category));
  d.hit.set_date(std::move(date));
  d.hit.set_type(std::move(type));
  d.hit.set_version(1);
  d.text = std::move(text);
  return d;
}

class SearchIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.path = (dir_.path() / "index").string();
    ASSERT_OK_AND_ASSIGN(index_, SearchIndex::Open(options_));
    IndexedDocument duties = Doc("000000000000000000000001", "办公室主任的职责", "BGS/WS", "2026-03-15", Sample());
    duties.hit.set_reference_code("Z001-2026-D10-BGS.WS-0001");
    duties.hit.set_author("李明");
    duties.tags = {"职责", "duties"};
    ASSERT_OK(index_->Replace(duties));
    IndexedDocument minutes = Doc("000000000000000000000002", "Meeting minutes: budget review", "BGS/CW",
                                  "2025-11-02", "The committee reviewed the budgets and approved the plan. "
                                  "Records officer notes 销毁 schedule.", "html");
    minutes.hit.set_reference_code("Z001-2025-D30-BGS.CW-0007");
    minutes.hit.set_author("Wang Fang");
    minutes.hit.set_classification(v1::CONFIDENTIAL);
    minutes.tags = {"budget"};
    ASSERT_OK(index_->Replace(minutes));
    ASSERT_OK(index_->Replace(Doc("000000000000000000000003", "Staff training plan", "BGS/HR", "2024-01-20",
                                  "Training for new staff; appraisal of the director.")));
    ASSERT_OK(index_->Commit(42));
  }

  std::vector<std::string> Ids(SearchRequest r) {
    StatusOr<v1::SearchResponse> res = index_->Search(r);
    EXPECT_OK(res);
    std::vector<std::string> ids;
    if (res.ok()) {
      for (const auto& h : res->hits()) ids.push_back(h.id().substr(23));
    }
    return ids;
  }
  std::vector<std::string> Ids(std::string q) { return Ids(SearchRequest{.query = std::move(q)}); }
  Status Error(std::string q) { return index_->Search(SearchRequest{.query = std::move(q)}).status(); }

  testing::TempDir dir_;
  SearchIndexOptions options_;
  std::unique_ptr<SearchIndex> index_;
};

TEST_F(SearchIndexTest, ChineseWordsFindTheSample) {
  for (const char* q : {"文件管理", "销毁", "催办", "办公室主任"}) {
    EXPECT_THAT(Ids(q), ::testing::Contains("1")) << q;
  }
  EXPECT_THAT(Ids("催办"), ElementsAre("1"));
  EXPECT_THAT(Ids("销毁"), UnorderedElementsAre("1", "2"));
}

// Under an AND the parser's single characters of a Chinese word add nothing to what matches
// (the word's n-grams hold them) and are left out of the query; what matches stays the same.
TEST_F(SearchIndexTest, ChineseWordsMatchTheSameWithoutTheirSingleCharacters) {
  ASSERT_OK(index_->Replace(Doc("000000000000000000000004", "件文", "BGS", "2026-01-01", "理管 件文")));
  ASSERT_OK(index_->Replace(Doc("000000000000000000000005", "交办", "BGS", "2026-01-01", "办理 催促")));
  ASSERT_OK(index_->Commit(43));
  EXPECT_THAT(Ids("文件"), ::testing::Contains("1"));
  EXPECT_THAT(Ids("文件"), ::testing::Not(::testing::Contains("4")));  // both characters, not the word
  EXPECT_THAT(Ids("件文"), ElementsAre("4"));
  EXPECT_THAT(Ids("文件管理"), ::testing::Not(::testing::Contains("4")));
  EXPECT_THAT(Ids("办"), ::testing::IsSupersetOf({"1", "5"}));  // a lone character is still asked for
  EXPECT_THAT(Ids("催办"), ElementsAre("1"));                   // 催 and 办 apart in 5
  EXPECT_THAT(Ids("title:交办"), ElementsAre("5"));
  EXPECT_THAT(Ids("title:件文 OR title:交办"), UnorderedElementsAre("4", "5"));
  EXPECT_THAT(Ids("办理 NOT 催办"), ElementsAre("5"));
  EXPECT_THAT(Ids("category:BGS 件文"), ElementsAre("4"));
  EXPECT_THAT(Ids("\"件文\""), ElementsAre("4"));  // a phrase is kept as parsed
}

TEST_F(SearchIndexTest, EnglishStemmingPhrasesAndBooleans) {
  EXPECT_THAT(Ids("budget"), ElementsAre("2"));  // "budgets" in the text, stemmed
  EXPECT_THAT(Ids("\"approved the plan\""), ElementsAre("2"));
  EXPECT_THAT(Ids("\"the plan approved\""), ElementsAre());
  EXPECT_THAT(Ids("plan OR 催办"), UnorderedElementsAre("1", "2", "3"));
  EXPECT_THAT(Ids("plan NOT budget"), ElementsAre("3"));
  EXPECT_THAT(Ids("plan AND 销毁"), ElementsAre("2"));
  EXPECT_THAT(Ids("train*"), ElementsAre("3"));
  EXPECT_THAT(Ids("销毁 committee"), ElementsAre("2"));  // mixed Chinese and English: both needed
}

TEST_F(SearchIndexTest, FieldPrefixes) {
  EXPECT_THAT(Ids("title:职责"), ElementsAre("1"));
  EXPECT_THAT(Ids("title:plan"), ElementsAre("3"));
  EXPECT_THAT(Ids("author:李明"), ElementsAre("1"));
  EXPECT_THAT(Ids("author:wang"), ElementsAre("2"));
  EXPECT_THAT(Ids("category:BGS"), UnorderedElementsAre("1", "2", "3"));
  EXPECT_THAT(Ids("category:bgs/hr"), ElementsAre("3"));
  EXPECT_THAT(Ids("ref:Z001-2025-D30-BGS.CW-0007"), ElementsAre("2"));
  EXPECT_THAT(Ids("Z001-2026-D10-BGS.WS-0001"), ElementsAre("1"));  // a bare reference code
  EXPECT_THAT(Ids("000000000000000000000003"), ElementsAre("3"));   // a bare id
  EXPECT_THAT(Ids("tag:budget"), ElementsAre("2"));
  EXPECT_THAT(Ids("type:html"), ElementsAre("2"));
  EXPECT_THAT(Ids("plan category:BGS/HR"), ElementsAre("3"));
}

TEST_F(SearchIndexTest, DateRangesInTheQueryAndAsParameters) {
  EXPECT_THAT(Ids("date:2025..2026"), UnorderedElementsAre("1", "2"));
  EXPECT_THAT(Ids("date:2025-11"), ElementsAre("2"));
  EXPECT_THAT(Ids("date:..2024-12-31"), ElementsAre("3"));
  EXPECT_THAT(Ids(SearchRequest{.from = "2025-01-01"}), UnorderedElementsAre("1", "2"));
  EXPECT_THAT(Ids(SearchRequest{.query = "plan", .to = "2024"}), ElementsAre("3"));
  EXPECT_THAT(Ids(SearchRequest{.sort_by_date = true}), ElementsAre("1", "2", "3"));
}

TEST_F(SearchIndexTest, FacetsCountTheMatches) {
  ASSERT_OK_AND_ASSIGN(v1::SearchResponse r, index_->Search(SearchRequest{.query = "plan OR 催办"}));
  EXPECT_EQ(r.estimated_total(), 3u);
  std::map<std::string, unsigned> years, types;
  for (const auto& f : r.facets().year()) years[f.value()] = f.count();
  for (const auto& f : r.facets().type()) types[f.value()] = f.count();
  EXPECT_EQ(years, (std::map<std::string, unsigned>{{"2024", 1}, {"2025", 1}, {"2026", 1}}));
  EXPECT_EQ(types, (std::map<std::string, unsigned>{{"html", 1}, {"text", 2}}));
  EXPECT_EQ(r.facets().category_size(), 3);
}

// Facets come from a table of codes kept beside the index: it follows every change, and a
// reopened index builds it again from the stored values.
TEST_F(SearchIndexTest, FacetsFollowChangesRemovalsAndReopening) {
  const auto categories = [&] {
    std::map<std::string, unsigned> out;
    const StatusOr<v1::SearchResponse> r = index_->Search(SearchRequest{.query = "plan OR 催办 OR budget"});
    EXPECT_OK(r.status());
    if (r.ok()) {
      for (const auto& f : r->facets().category()) out[f.value()] = f.count();
    }
    return out;
  };
  using Counts = std::map<std::string, unsigned>;
  EXPECT_EQ(categories(), (Counts{{"BGS/CW", 1}, {"BGS/HR", 1}, {"BGS/WS", 1}}));
  // Filed again under another category; another removed.
  ASSERT_OK(index_->Replace(Doc("000000000000000000000003", "Staff training plan", "BGS/CW", "2024-01-20",
                                "Training plan.")));
  ASSERT_OK(index_->Remove("000000000000000000000001"));
  ASSERT_OK(index_->Commit(80));
  EXPECT_EQ(categories(), (Counts{{"BGS/CW", 2}}));
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(index_->Replace(Doc("00000000000000000000004" + std::to_string(i), "Budget " + std::to_string(i),
                                  "BGS/JW", "2023-05-0" + std::to_string(i + 1), "Budget plan.")));
  }
  ASSERT_OK(index_->Commit(81));
  EXPECT_EQ(categories(), (Counts{{"BGS/CW", 2}, {"BGS/JW", 5}}));
  index_.reset();
  ASSERT_OK_AND_ASSIGN(index_, SearchIndex::Open(options_));
  EXPECT_EQ(categories(), (Counts{{"BGS/CW", 2}, {"BGS/JW", 5}}));
}

TEST_F(SearchIndexTest, FacetsLeaveOutAMissingYearAndPutTheCommonestFirst) {
  ASSERT_OK(index_->Replace(Doc("000000000000000000000009", "Undated plan", "BGS/HR", "", "A plan with no date.")));
  ASSERT_OK(index_->Commit(43));
  ASSERT_OK_AND_ASSIGN(v1::SearchResponse r, index_->Search(SearchRequest{.query = "plan"}));
  EXPECT_EQ(r.facets().documents(), 3u);
  std::map<std::string, unsigned> years;
  for (const auto& f : r.facets().year()) years[f.value()] = f.count();
  EXPECT_EQ(years, (std::map<std::string, unsigned>{{"2024", 1}, {"2025", 1}}));  // none for the undated one
  ASSERT_EQ(r.facets().category_size(), 2);
  EXPECT_EQ(r.facets().category(0).value(), "BGS/HR");  // 2 matches, before BGS/CW's 1
  EXPECT_EQ(r.facets().category(0).count(), 2u);
  ASSERT_EQ(r.facets().type_size(), 2);
  EXPECT_EQ(r.facets().type(0).value(), "text");
  EXPECT_EQ(r.facets().type(0).count(), 2u);
}

TEST_F(SearchIndexTest, SnippetsMarkTheMatchAndEscapeHtml) {
  ASSERT_OK_AND_ASSIGN(v1::SearchResponse r, index_->Search(SearchRequest{.query = "催办"}));
  ASSERT_EQ(r.hits_size(), 1);
  EXPECT_NE(r.hits(0).snippet().find("<mark>催办</mark>"), std::string::npos) << r.hits(0).snippet();
  // "办" alone (in 主办, 会办 …) is not what was asked for, so it is not marked.
  EXPECT_EQ(r.hits(0).snippet().find("<mark>办</mark>"), std::string::npos) << r.hits(0).snippet();
  ASSERT_OK_AND_ASSIGN(v1::SearchResponse single, index_->Search(SearchRequest{.query = "办"}));
  ASSERT_GE(single.hits_size(), 1);
  EXPECT_NE(single.hits(0).snippet().find("<mark>办</mark>"), std::string::npos) << single.hits(0).snippet();
  EXPECT_EQ(r.hits(0).reference_code(), "Z001-2026-D10-BGS.WS-0001");
  EXPECT_GT(r.hits(0).score(), 0u);
}

TEST_F(SearchIndexTest, AccessFilterIsInsideTheQuery) {
  SearchRequest r{.query = "plan OR 催办"};
  r.access.all_categories = false;
  r.access.categories = {"BGS/HR"};
  ASSERT_OK_AND_ASSIGN(v1::SearchResponse res, index_->Search(r));
  ASSERT_EQ(res.hits_size(), 1);
  EXPECT_EQ(res.estimated_total(), 1u);  // counts and facets see only what may be seen
  EXPECT_EQ(res.facets().category_size(), 1);
  r.access.categories.clear();
  EXPECT_THAT(Ids(r), ElementsAre());
  // Exactly the categories given: "BGS" does not open "BGS/HR".
  r.access.categories = {"BGS"};
  EXPECT_THAT(Ids(r), ElementsAre());
  // Classifications: the confidential minutes only for those cleared.
  SearchRequest budget{.query = "budget"};
  ASSERT_THAT(Ids(budget), ElementsAre("2"));
  budget.access.all_classifications = false;
  budget.access.classifications = {v1::PUBLIC, v1::INTERNAL};
  EXPECT_THAT(Ids(budget), ElementsAre());
  budget.access.classifications.push_back(v1::CONFIDENTIAL);
  EXPECT_THAT(Ids(budget), ElementsAre("2"));
}

TEST_F(SearchIndexTest, MalformedQueriesAreInvalidArgumentsThatSayWhat) {
  for (const char* q : {"(plan", "plan)", "colour:red", "a AND", "date:2024-13", "date:2026..2024", "date:soon"}) {
    const Status s = Error(q);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << q << " " << s.ToString();
    EXPECT_THAT(s.message(), ::testing::HasSubstr("q")) << q;
  }
  EXPECT_EQ(index_->Search(SearchRequest{.query = "x", .limit = 0}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index_->Search(SearchRequest{.type = "exe"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index_->Search(SearchRequest{.query = std::string(2000, 'a')}).status().code(), StatusCode::kInvalidArgument);
}

// Searches run on several threads at once. No Xapian object may be shared between them:
// Xapian's reference counts are not atomic. Copies of the global Query::MatchAll, made by
// every blank query, once corrupted the heap within seconds (the daemon died under queries
// at ~18,000/s while its index was rebuilt).
TEST_F(SearchIndexTest, ConcurrentSearchesShareNoXapianObject) {
  ASSERT_OK_AND_ASSIGN(const v1::SearchResponse all, index_->Search(SearchRequest{}));
  ASSERT_GT(all.estimated_total(), 0u);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 4000; ++i) {
        SearchRequest r;  // blank: every document; half of them with an open date range too
        if ((i + t) % 2 == 0) r.from = "1900-01-01";
        StatusOr<v1::SearchResponse> res = index_->Search(r);
        if (!res.ok() || res->estimated_total() != all.estimated_total()) ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(SearchIndexTest, ReplaceRemoveAndTheHighWaterSurviveReopen) {
  EXPECT_EQ(index_->high_water(), 42u);
  ASSERT_OK(index_->Replace(Doc("000000000000000000000003", "Staff training plan", "BGS/HR", "2024-01-20",
                                "Now about fire drills.")));
  ASSERT_OK(index_->Remove("000000000000000000000002"));
  EXPECT_THAT(Ids("budget"), ElementsAre("2"));  // not visible before the commit
  ASSERT_OK(index_->Commit(43));
  EXPECT_THAT(Ids("budget"), ElementsAre());
  EXPECT_THAT(Ids("drill"), ElementsAre("3"));
  EXPECT_THAT(Ids("appraisal"), ElementsAre());
  index_.reset();
  ASSERT_OK_AND_ASSIGN(index_, SearchIndex::Open(options_));
  EXPECT_EQ(index_->high_water(), 43u);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> ids, index_->Ids());
  EXPECT_THAT(ids, ElementsAre("000000000000000000000001", "000000000000000000000003"));
  EXPECT_OK(SearchIndex::Check(options_.path));
}

// True if any file under `dir` holds `needle`.
bool AnyFileHolds(const std::filesystem::path& dir, const std::string& needle) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST_F(SearchIndexTest, CompactionTakesARemovedDocumentsWordsOutOfTheFiles) {
  ASSERT_OK(index_->Replace(Doc("000000000000000000000009", "Secret merger", "BGS", "2024-02-02",
                                "the wombatcanary merger plan")));
  ASSERT_OK(index_->Commit(50));
  ASSERT_TRUE(AnyFileHolds(options_.path, "wombatcanary")) << "the check must be able to fail";
  EXPECT_THAT(Ids("wombatcanary"), ElementsAre("9"));
  ASSERT_OK(index_->Remove("000000000000000000000009"));
  ASSERT_OK(index_->Commit(51));
  EXPECT_THAT(Ids("wombatcanary"), ElementsAre());
  ASSERT_OK(index_->Compact());
  EXPECT_FALSE(AnyFileHolds(options_.path, "wombatcanary"));
  // Everything else is still there, for this thread and after a reopen; writes go on.
  EXPECT_THAT(Ids("budget"), ElementsAre("2"));
  ASSERT_OK(index_->Replace(Doc("000000000000000000000008", "After", "BGS", "2024-02-03", "koalaword")));
  ASSERT_OK(index_->Commit(52));
  EXPECT_THAT(Ids("koalaword"), ElementsAre("8"));
  index_.reset();
  ASSERT_OK_AND_ASSIGN(index_, SearchIndex::Open(options_));
  EXPECT_EQ(index_->high_water(), 52u);
  EXPECT_THAT(Ids("budget"), ElementsAre("2"));
  EXPECT_OK(SearchIndex::Check(options_.path));
  // A crash between the two renames: the next open finishes the swap.
  index_.reset();
  const std::string shard = options_.path + "/shard-0";
  std::filesystem::rename(shard, shard + ".compact");
  ASSERT_OK_AND_ASSIGN(index_, SearchIndex::Open(options_));
  EXPECT_THAT(Ids("budget"), ElementsAre("2"));
}

// The stored fields are keyed by docid: a compaction must keep every docid, or the hits
// would come back with another document's fields (the first docids of a shard are the ones a
// renumbering compaction moves).
TEST_F(SearchIndexTest, CompactionKeepsDocidsSoHitsKeepTheirFields) {
  for (int i = 0; i < 10; ++i) {
    const std::string id = "0000000000000000000000" + std::to_string(20 + i);
    ASSERT_OK(index_->Replace(Doc(id, "Lemur " + id, "BGS", "2024-04-01", "lemurword report " + id)));
  }
  ASSERT_OK(index_->Commit(70));
  for (const char* id : {"000000000000000000000001", "000000000000000000000002", "000000000000000000000003"}) {
    ASSERT_OK(index_->Remove(id));
  }
  ASSERT_OK(index_->Commit(71));
  ASSERT_OK(index_->Compact());
  ASSERT_OK_AND_ASSIGN(const v1::SearchResponse found, index_->Search({.query = "lemurword", .facets = false}));
  ASSERT_EQ(found.hits_size(), 10);
  for (const v1::SearchHit& hit : found.hits()) {
    EXPECT_EQ(hit.title(), "Lemur " + hit.id());
    EXPECT_THAT(hit.snippet(), ::testing::HasSubstr(hit.id()));
  }
}

TEST_F(SearchIndexTest, MatchingIdsAreEveryMatchUnpaged) {
  for (int i = 0; i < 150; ++i) {  // more than a page (max_limit 100)
    char id[25];
    std::snprintf(id, sizeof id, "%024d", 1000 + i);
    ASSERT_OK(index_->Replace(Doc(id, "Holdable", "BGS", "2024-03-01", "platypusterm")));
  }
  ASSERT_OK(index_->Commit(60));
  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> ids, index_->MatchingIds("platypusterm"));
  EXPECT_EQ(ids.size(), 150u);
  EXPECT_EQ(index_->MatchingIds("(plan").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SearchIndexTest, ASecondWriterIsRefused) {
  const StatusOr<std::unique_ptr<SearchIndex>> second = SearchIndex::Open(options_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace archived::index
