// The indexer over a real catalogue (RocksDB) and a real Xapian index: filings, new versions,
// metadata edits and the GB18030 sample become searchable; failed extraction is recorded on
// the document; the queue is trimmed; a lost or replaced index is rebuilt; a replay after a
// crash (entries the index already holds) changes nothing; check reports differences.
#include "indexer/indexer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include "archived/base/status_macros.h"
#include "archived/storage/rocks_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace archived::indexer {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::string ReadSample(const std::string& name) {
  std::ifstream in(std::string(ARCHIVED_TEST_DATA_DIR) + "/samples/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class IndexerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = *storage::OpenRocksStore({.directory = dir_.path() / "db"});
    vault_ = *storage::OpenRocksStore({.directory = dir_.path() / "vault", .keyspaces = storage::kVaultKeyspaces});
    committer_ = *audit::Committer::Open({}, store_.get(), clock_);
    catalog_ = *catalog::Catalog::Open({}, store_.get(), vault_.get(), &keyring_, committer_.get(), clock_);
    options_.index.path = (dir_.path() / "index").string();
    OpenIndexer();
  }
  void OpenIndexer() {
    indexer_.reset();
    ASSERT_OK_AND_ASSIGN(indexer_, Indexer::Open(options_, catalog_.get(), clock_,
                                                 {.find = [this](std::string_view id) -> StatusOr<std::optional<v1::RegisterEntry>> {
                                                    const auto it = entries_.find(std::string(id));
                                                    if (it == entries_.end()) return std::optional<v1::RegisterEntry>();
                                                    return std::optional<v1::RegisterEntry>(it->second);
                                                  },
                                                  .for_each_id = [this](const std::function<Status(std::string_view)>& fn) {
                                                    for (const auto& [id, e] : entries_) {
                                                      if (e.state() == v1::REGISTER_ENTRY_STATE_DESTROYED) continue;
                                                      ARCHIVED_RETURN_IF_ERROR(fn(id));
                                                    }
                                                    return OkStatus();
                                                  }}));
  }
  // A register entry in the source, queued for the index as the registers module does.
  void PutEntry(const std::string& id, const std::string& title, const std::map<std::string, std::string>& fields) {
    v1::RegisterEntry e;
    e.set_id(id);
    e.set_kind(id.substr(0, id.find('-')));
    e.set_title(title);
    e.set_category("BGS/CB");
    for (const auto& [name, value] : fields) (*e.mutable_fields()->mutable_fields())[name].set_string_value(value);
    entries_[id] = e;
    ASSERT_OK(committer_->Run([&](audit::Transaction& txn) { return catalog::Catalog::QueueEntryForIndex(txn, id); }));
  }
  std::string File(const std::string& title, const std::string& content, const std::string& filename = "f.txt",
                   const std::string& mime = "") {
    v1::FileMetadata m;
    m.set_title(title);
    m.set_filename(filename);
    m.set_mime_type(mime);
    auto writer = *catalog_->BeginContent();
    EXPECT_OK(writer->Append(content));
    StatusOr<v1::FileResponse> filed = catalog_->FileDocument({.name = "clerk"}, m, *writer);
    EXPECT_OK(filed);
    return filed.ok() ? filed->id() : "";
  }
  std::vector<std::string> Titles(const std::string& q) {
    StatusOr<v1::SearchResponse> r = indexer_->Search({.query = q});
    EXPECT_OK(r);
    std::vector<std::string> out;
    if (r.ok()) {
      for (const auto& h : r->hits()) out.push_back(h.title());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  testing::TempDir dir_;
  FakeClock clock_{FromUnixMicros(1795508130000000)};
  crypto::Keyring keyring_{*crypto::SecretKey::Generate()};
  std::unique_ptr<storage::Store> store_, vault_;
  std::unique_ptr<audit::Committer> committer_;
  std::unique_ptr<catalog::Catalog> catalog_;
  IndexerOptions options_;
  std::map<std::string, v1::RegisterEntry> entries_;
  std::unique_ptr<Indexer> indexer_;
};

TEST_F(IndexerTest, RegisterEntriesAreSearchedBesideDocumentsAndRebuilt) {
  options_.index.entry_fields = {"lead_handler", "note"};
  OpenIndexer();
  File("消防检查报告", "本次消防安全检查发现三处隐患。");
  PutEntry("matter-1", "落实消防安全检查", {{"lead_handler", "综合科"}, {"status", "open"}});
  ASSERT_OK(indexer_->CatchUp());
  EXPECT_THAT(Titles("消防"), ElementsAre("消防检查报告", "落实消防安全检查"));
  EXPECT_THAT(Titles("register:matter 消防"), ElementsAre("落实消防安全检查"));
  EXPECT_THAT(Titles("lead_handler:综合科"), ElementsAre("落实消防安全检查"));
  EXPECT_THAT(Titles("type:register"), ElementsAre("落实消防安全检查"));
  EXPECT_EQ(indexer_->Search({.query = "note:综合科"})->hits_size(), 0);  // another field
  EXPECT_FALSE(indexer_->Search({.query = "handler:综合科"}).ok());       // not a field
  const StatusOr<v1::SearchResponse> hit = indexer_->Search({.query = "register:matter"});
  ASSERT_OK(hit);
  ASSERT_EQ(hit->hits_size(), 1);
  EXPECT_EQ(hit->hits(0).register_kind(), "matter");
  EXPECT_EQ(hit->hits(0).id(), "matter-1");
  // A hold's saved query holds entries as well as documents.
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> held, indexer_->MatchingIds("消防", std::chrono::seconds(1)));
  EXPECT_EQ(held.size(), 2u);
  EXPECT_EQ(std::count(held.begin(), held.end(), "matter-1"), 1);
  ASSERT_OK_AND_ASSIGN(held, indexer_->MatchingIds("register:matter", std::chrono::seconds(1)));
  EXPECT_EQ(held, std::vector<std::string>{"matter-1"});
  // A rebuild brings entries back; Check counts them.
  ASSERT_OK(indexer_->Rebuild([](std::size_t, std::size_t) {}));
  EXPECT_THAT(Titles("register:matter"), ElementsAre("落实消防安全检查"));
  ASSERT_OK_AND_ASSIGN(Indexer::Difference diff, indexer_->Check());
  EXPECT_THAT(diff.missing, IsEmpty());
  EXPECT_THAT(diff.extra, IsEmpty());
  // An entry the source no longer has leaves the index.
  entries_.clear();
  ASSERT_OK(committer_->Run([&](audit::Transaction& txn) { return catalog::Catalog::QueueEntryForIndex(txn, "matter-1"); }));
  ASSERT_OK(indexer_->CatchUp());
  EXPECT_THAT(Titles("register:matter"), IsEmpty());
  // So does a destroyed one (its stub).
  PutEntry("matter-2", "整改台账", {});
  ASSERT_OK(indexer_->CatchUp());
  EXPECT_THAT(Titles("register:matter"), ElementsAre("整改台账"));
  entries_["matter-2"].set_state(v1::REGISTER_ENTRY_STATE_DESTROYED);
  ASSERT_OK(committer_->Run([&](audit::Transaction& txn) { return catalog::Catalog::QueueEntryForIndex(txn, "matter-2"); }));
  ASSERT_OK(indexer_->CatchUp());
  EXPECT_THAT(Titles("register:matter"), IsEmpty());
  ASSERT_OK_AND_ASSIGN(diff, indexer_->Check());
  EXPECT_THAT(diff.missing, IsEmpty());
  EXPECT_THAT(diff.extra, IsEmpty());
}

TEST_F(IndexerTest, BothSamplesAreFoundByEveryChineseQuery) {
  File("职责 UTF-8", ReadSample("office-director-duties.zh.txt"));
  File("职责 GB18030", ReadSample("office-director-duties.zh.gb18030.txt"));
  File("unrelated", "quarterly budget for the canteen");
  ASSERT_OK(indexer_->CatchUp());
  for (const char* q : {"文件管理", "销毁", "催办", "办公室主任"}) {
    EXPECT_THAT(Titles(q), ElementsAre("职责 GB18030", "职责 UTF-8")) << q;
  }
  EXPECT_EQ(*indexer_->Pending(), 0u);
  EXPECT_THAT(*catalog_->ReadIndexQueue(0, 10), IsEmpty());  // trimmed once indexed
}

TEST_F(IndexerTest, NewVersionsAndEditsReplaceWhatIsIndexed) {
  const std::string id = File("Plan", "the old text about apples");
  ASSERT_OK(indexer_->CatchUp());
  EXPECT_THAT(Titles("apples"), ElementsAre("Plan"));
  v1::FileMetadata m;
  m.set_filename("f.txt");
  auto writer = *catalog_->BeginContent();
  ASSERT_OK(writer->Append("the new text about oranges"));
  ASSERT_OK(catalog_->AddVersion({.name = "clerk"}, id, m, *writer).status());
  v1::DocumentPatch patch;
  patch.set_title("Harvest plan");
  ASSERT_OK(catalog_->UpdateDocument({.name = "clerk"}, id, patch, false).status());
  ASSERT_OK(indexer_->CatchUp());
  EXPECT_THAT(Titles("apples"), IsEmpty());
  EXPECT_THAT(Titles("oranges"), ElementsAre("Harvest plan"));
  EXPECT_THAT(Titles("title:harvest"), ElementsAre("Harvest plan"));
  ASSERT_OK_AND_ASSIGN(v1::SearchResponse r, indexer_->Search({.query = "oranges"}));
  EXPECT_EQ(r.hits(0).version(), 2u);
}

TEST_F(IndexerTest, FailedExtractionIsRecordedAndTheDocumentStaysFindableByItsMetadata) {
  std::string junk(4096, '\0');
  for (std::size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>(i * 131 + 7);
  const std::string id = File("Junk report", junk, "junk.txt", "text/plain");
  ASSERT_OK(indexer_->CatchUp());
  ASSERT_OK_AND_ASSIGN(const v1::Document doc, catalog_->GetDocument(id));
  EXPECT_THAT(doc.extraction(), ::testing::StartsWith("failed — binary content"));
  EXPECT_THAT(Titles("junk"), ElementsAre("Junk report"));
  EXPECT_EQ(indexer_->stats().extraction_failures, 1u);
}

TEST_F(IndexerTest, ALostIndexIsRebuiltAndAReplayChangesNothing) {
  File("One", "alpha text");
  File("Two", "beta text");
  ASSERT_OK(indexer_->CatchUp());
  indexer_.reset();
  std::filesystem::remove_all(options_.index.path);
  OpenIndexer();
  ASSERT_OK_AND_ASSIGN(Indexer::Difference before, indexer_->Check());
  EXPECT_EQ(before.missing.size(), 2u);
  ASSERT_OK(indexer_->CatchUp());  // sees the index is behind a trimmed queue: rebuilds
  ASSERT_OK_AND_ASSIGN(Indexer::Difference after, indexer_->Check());
  EXPECT_THAT(after.missing, IsEmpty());
  EXPECT_THAT(after.extra, IsEmpty());
  EXPECT_EQ(after.pending, 0u);
  EXPECT_THAT(Titles("text"), ElementsAre("One", "Two"));

  // A crash after the index commit but before the trim leaves entries the index holds.
  File("Three", "gamma text");
  ASSERT_OK_AND_ASSIGN(std::vector<catalog::Catalog::IndexQueueItem> queued, catalog_->ReadIndexQueue(0, 10));
  ASSERT_EQ(queued.size(), 1u);
  ASSERT_OK(indexer_->CatchUp());
  storage::WriteBatch replay;
  replay.Put(storage::Keyspace::kIndexQueue, std::string(7, '\0') + static_cast<char>(queued[0].seq),
             queued[0].entry.SerializeAsString());
  ASSERT_OK(store_->Commit(replay, {}));
  OpenIndexer();
  ASSERT_OK(indexer_->CatchUp());
  EXPECT_THAT(Titles("text"), ElementsAre("One", "Three", "Two"));
  EXPECT_EQ(indexer_->stats().documents_indexed, 0u);  // the replayed entry was skipped
  EXPECT_THAT(*catalog_->ReadIndexQueue(0, 10), IsEmpty());  // and trimmed on open
}

TEST_F(IndexerTest, ExplicitRebuildReportsProgressAndMatchesTheIncrementalIndex) {
  for (int i = 0; i < 30; ++i) File("doc " + std::to_string(i), "shared words and number " + std::to_string(i));
  ASSERT_OK(indexer_->CatchUp());
  const std::vector<std::string> incremental = Titles("shared");
  std::size_t last_done = 0, last_total = 0;
  ASSERT_OK(indexer_->Rebuild([&](std::size_t done, std::size_t total) {
    last_done = done;
    last_total = total;
  }));
  EXPECT_EQ(last_done, 30u);
  EXPECT_EQ(last_total, 30u);
  EXPECT_EQ(Titles("shared"), incremental);
  EXPECT_EQ(incremental.size(), 20u);  // the default page
}

TEST_F(IndexerTest, TheThreadFollowsTheQueue) {
  options_.poll_interval = std::chrono::milliseconds(5);
  OpenIndexer();
  indexer_->Start();
  File("Live", "searchable soon after filing");
  for (int i = 0; i < 400 && Titles("soon").empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_THAT(Titles("soon"), ElementsAre("Live"));
  // The thread is named, niced (field 19 of /proc/…/stat) and of the idle scheduling class
  // (field 41, SCHED_IDLE = 5), so that requests come first.
  std::string stat;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    if (name != "archived-index") continue;
    std::ifstream in(task.path() / "stat");
    std::getline(in, stat);
  }
  ASSERT_FALSE(stat.empty()) << "no thread named archived-index";
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));  // after "pid (comm) "
  std::vector<std::string> rest{std::istream_iterator<std::string>(fields), std::istream_iterator<std::string>()};
  ASSERT_GT(rest.size(), 38u);
  EXPECT_EQ(rest[16], "10");  // field 19, nice; the 17th after the name
  EXPECT_EQ(rest[38], std::to_string(SCHED_IDLE));  // field 41, policy
  indexer_->Stop();
  EXPECT_GE(indexer_->stats().batches, 1u);
}

}  // namespace
}  // namespace archived::indexer
