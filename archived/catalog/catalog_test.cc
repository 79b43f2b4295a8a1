// The catalogue over real RocksDB stores: filing, versions, gap-free reference codes,
// metadata edits with audit events, newest-first pagination, validation errors, the format
// check and the upgrade of a format-2 store, the sweep of uploads a crash left behind, and
// identical content stored once per category and classification until its last holder is
// destroyed.
#include "archived/catalog/catalog.h"

#include <gtest/gtest.h>

#include "archived/audit/chain.h"
#include "archived/storage/rocks_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace archived::catalog {
namespace {

using storage::Keyspace;

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    store_ = *storage::OpenRocksStore({.directory = dir_.path() / "db"});
    vault_ = *storage::OpenRocksStore({.directory = dir_.path() / "vault", .keyspaces = storage::kVaultKeyspaces});
    committer_ = *audit::Committer::Open({}, store_.get(), clock_);
    auto catalog = Catalog::Open({.fonds = "Z001", .content = content_options_}, store_.get(), vault_.get(), &keyring_, committer_.get(), clock_);
    ASSERT_OK(catalog);
    catalog_ = std::move(catalog).value();
  }
  void Close() {
    catalog_.reset();
    committer_.reset();
    vault_.reset();
    store_.reset();
  }
  StatusOr<v1::FileResponse> File(const std::string& title, const std::string& category,
                                  const std::string& content, const std::string& date = "",
                                  v1::Classification classification = v1::INTERNAL) {
    v1::FileMetadata m;
    m.set_title(title);
    m.set_category(category);
    m.set_date(date);
    m.set_filename("f.txt");
    m.set_classification(classification);
    auto writer = catalog_->BeginContent();
    if (!writer.ok()) return writer.status();
    if (Status s = (*writer)->Append(content); !s.ok()) return s;
    return catalog_->FileDocument({.name = "clerk", .request_id = "r1"}, m, **writer);
  }
  StatusOr<v1::FileResponse> AddVersion(const std::string& id, const std::string& content) {
    auto writer = catalog_->BeginContent();
    if (!writer.ok()) return writer.status();
    if (Status s = (*writer)->Append(content); !s.ok()) return s;
    return catalog_->AddVersion({.name = "clerk"}, id, {}, **writer);
  }
  std::string ContentId(const std::string& id, std::uint32_t version) {
    return catalog_->GetVersion(id, version)->content().content_id();
  }
  bool HasKey(const std::string& content_id) { return vault_->Get(Keyspace::kKeys, content_id).ok(); }
  int Count(Keyspace keyspace, std::string_view prefix = "") {
    int n = 0;
    auto it = store_->NewIterator(keyspace);
    for (it->Seek(prefix); it->Valid() && it->key().substr(0, prefix.size()) == prefix; it->Next()) ++n;
    return n;
  }
  std::string Content(const std::string& id, std::uint32_t version) {
    const v1::Version v = *catalog_->GetVersion(id, version);
    auto reader = *catalog_->OpenContent(v);
    std::string out;
    std::string chunk;
    for (std::uint64_t i = 0; i < reader->chunk_count(); ++i) {
      EXPECT_OK(reader->ReadChunk(i, &chunk));
      out += chunk;
    }
    return out;
  }

  testing::TempDir dir_;
  ContentOptions content_options_;
  FakeClock clock_{FromUnixMicros(1795508130000000)};  // 2026-11-24
  crypto::Keyring keyring_{*crypto::SecretKey::Generate()};
  std::unique_ptr<storage::Store> store_, vault_;
  std::unique_ptr<audit::Committer> committer_;
  std::unique_ptr<Catalog> catalog_;
};

TEST_F(CatalogTest, FilesAndReadsBackEveryVersion) {
  ASSERT_OK_AND_ASSIGN(const v1::FileResponse filed, File("会议纪要", "BGS/WS", "first"));
  EXPECT_EQ(filed.version(), 1u);
  EXPECT_EQ(filed.reference_code(), "Z001-2026-D10-BGS.WS-0001");
  EXPECT_EQ(filed.size(), 5u);
  auto writer = *catalog_->BeginContent();
  ASSERT_OK(writer->Append("second, longer"));
  ASSERT_OK_AND_ASSIGN(const v1::FileResponse v2, catalog_->AddVersion({.name = "clerk"}, filed.id(), {}, *writer));
  EXPECT_EQ(v2.version(), 2u);
  EXPECT_EQ(v2.reference_code(), filed.reference_code());
  EXPECT_EQ(v2.filename(), "f.txt");  // inherited from version 1
  EXPECT_EQ(Content(filed.id(), 1), "first");
  EXPECT_EQ(Content(filed.id(), 2), "second, longer");
  EXPECT_EQ(Content(filed.id(), 0), "second, longer");
  ASSERT_OK_AND_ASSIGN(const auto versions, catalog_->ListVersions(filed.id()));
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(catalog_->GetVersion(filed.id(), 3).status().code(), StatusCode::kNotFound);
  // Reference codes resolve like ids.
  EXPECT_EQ(catalog_->GetDocument(filed.reference_code())->id(), filed.id());
}

TEST_F(CatalogTest, ReferenceCodesAreGapFreePerCategoryAndYear) {
  EXPECT_EQ(File("a", "BGS/HR", "x")->reference_code(), "Z001-2026-Y-BGS.HR-0001");
  EXPECT_EQ(File("bad", "BGS/HR", "x", "2026-02-30").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(File("b", "BGS/HR", "x")->reference_code(), "Z001-2026-Y-BGS.HR-0002");
  EXPECT_EQ(File("c", "BGS", "x")->reference_code(), "Z001-2026-D30-BGS-0001");
  EXPECT_EQ(File("d", "BGS/HR", "x", "2019-05-01")->reference_code(), "Z001-2019-Y-BGS.HR-0001");
  EXPECT_EQ(File("e", "NOPE", "x").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(File("f", "BGS/HR", "x")->reference_code(), "Z001-2026-Y-BGS.HR-0003");
}

TEST_F(CatalogTest, ListsNewestFirstWithCursors) {
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    ids.push_back(File("doc " + std::to_string(i), i % 2 ? "BGS/HR" : "BGS", "x")->id());
  }
  std::vector<std::string> seen;
  std::string cursor;
  do {
    ASSERT_OK_AND_ASSIGN(const v1::DocumentList page, catalog_->ListDocuments("", 3, cursor));
    EXPECT_LE(page.documents_size(), 3);
    for (const auto& d : page.documents()) seen.push_back(d.id());
    cursor = page.next_cursor();
  } while (!cursor.empty());
  EXPECT_EQ(seen, std::vector<std::string>(ids.rbegin(), ids.rend()));
  ASSERT_OK_AND_ASSIGN(const v1::DocumentList hr, catalog_->ListDocuments("BGS/HR", 100, ""));
  ASSERT_EQ(hr.documents_size(), 3);
  EXPECT_EQ(hr.documents(0).id(), ids[5]);
  EXPECT_EQ(catalog_->ListDocuments("", 5000, "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog_->ListDocuments("", 5, "zz").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(CatalogTest, UpdateChangesMetadataAndIsAudited) {
  const v1::FileResponse filed = *File("old", "BGS", "x");
  v1::DocumentPatch patch;
  patch.set_title("新标题");
  patch.set_category("BGS/HR");
  patch.add_tags("合同");
  ASSERT_OK_AND_ASSIGN(const v1::Document doc, catalog_->UpdateDocument({.name = "officer"}, filed.id(), patch, true));
  EXPECT_EQ(doc.title(), "新标题");
  EXPECT_EQ(doc.category(), "BGS/HR");
  EXPECT_EQ(doc.reference_code(), filed.reference_code());  // never changes
  EXPECT_EQ(catalog_->ListDocuments("BGS", 10, "")->documents_size(), 0);
  EXPECT_EQ(catalog_->ListDocuments("BGS/HR", 10, "")->documents_size(), 1);
  const v1::AuditVerification v = *audit::VerifyChain(*store_);
  EXPECT_TRUE(v.ok());
  EXPECT_EQ(v.events(), 3u);  // archive.create, document.file, document.update
  v1::DocumentPatch empty_title;
  empty_title.set_title("");
  EXPECT_EQ(catalog_->UpdateDocument({}, filed.id(), empty_title, false).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog_->UpdateDocument({}, "missing", patch, false).status().code(), StatusCode::kNotFound);
}

TEST_F(CatalogTest, ValidationNamesTheField) {
  v1::FileMetadata m;
  m.set_title("bad\x01title");
  auto w = *catalog_->BeginContent();
  const Status s = catalog_->FileDocument({}, m, *w).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("title"), std::string::npos);
  m.set_title("ok");
  m.set_mime_type("nonsense");
  EXPECT_NE(catalog_->FileDocument({}, m, *w).status().message().find("mime_type"), std::string::npos);
}

TEST_F(CatalogTest, ReopenSweepsUncommittedUploadsAndKeepsCommittedOnes) {
  // Content past its hold (none here) is written as it arrives, so the sweeper has work.
  content_options_.hold_bytes_per_upload = 0;
  Close();
  Open();
  const v1::FileResponse kept = *File("kept", "BGS", std::string(3 << 20, 'k'));
  {
    auto orphan = *catalog_->BeginContent();
    ASSERT_OK(orphan->Append(std::string(3 << 20, 'o')));
    orphan->MarkCommitted();  // pretend the process died before commit or abort
  }
  EXPECT_EQ(Count(Keyspace::kUploads), 1);
  Close();
  Open();
  EXPECT_EQ(Count(Keyspace::kUploads), 0);
  EXPECT_EQ(Count(Keyspace::kChunks), 3);  // only the kept document's
  EXPECT_EQ(Content(kept.id(), 1), std::string(3 << 20, 'k'));
}

TEST_F(CatalogTest, IdenticalContentInOneCategoryIsStoredOnceUntilItsLastHolderIsDestroyed) {
  const std::string circular(10000, 'c');
  const v1::FileResponse a = *File("notice to the office", "BGS", circular);
  const v1::FileResponse b = *File("the same notice, filed again", "BGS", circular);
  const std::string content_id = ContentId(a.id(), 1);
  EXPECT_EQ(ContentId(b.id(), 1), content_id);
  EXPECT_GT(catalog_->GetVersion(a.id(), 1)->stored_bytes(), 0u);
  EXPECT_EQ(catalog_->GetVersion(b.id(), 1)->stored_bytes(), 0u);  // it added nothing
  EXPECT_EQ(Count(Keyspace::kChunks), 1);
  EXPECT_EQ(b.sha256(), a.sha256());
  // Destroying the first holder leaves the second's content whole.
  ASSERT_OK(catalog_->DestroyDocument({.name = "officer"}, a.id(), {}).status());
  EXPECT_EQ(Content(b.id(), 1), circular);
  EXPECT_TRUE(HasKey(content_id));
  // A third filing still finds it, although its first holder is gone.
  const v1::FileResponse c = *File("and again", "BGS", circular);
  EXPECT_EQ(ContentId(c.id(), 1), content_id);
  ASSERT_OK(catalog_->DestroyDocument({.name = "officer"}, c.id(), {}).status());
  EXPECT_TRUE(HasKey(content_id));
  // The last holder's destruction shreds it: key, chunk, owner, share and digest entries.
  ASSERT_OK(catalog_->DestroyDocument({.name = "officer"}, b.id(), {}).status());
  EXPECT_FALSE(HasKey(content_id));
  EXPECT_EQ(Count(Keyspace::kChunks), 0);
  EXPECT_EQ(Count(Keyspace::kIndexes, "k"), 0);
  EXPECT_EQ(Count(Keyspace::kIndexes, "n"), 0);
  EXPECT_EQ(Count(Keyspace::kIndexes, "h"), 0);
  // The same bytes filed after that are stored anew, under a new key.
  const v1::FileResponse d = *File("filed after the destruction", "BGS", circular);
  EXPECT_NE(ContentId(d.id(), 1), content_id);
  EXPECT_EQ(Content(d.id(), 1), circular);
  EXPECT_TRUE(audit::VerifyChain(*store_)->ok());
}

TEST_F(CatalogTest, ContentIsNeverSharedAcrossCategoriesOrClassifications) {
  const std::string content = "the same words";
  const std::string office = ContentId(File("a", "BGS", content)->id(), 1);
  const std::string personnel = ContentId(File("b", "BGS/HR", content)->id(), 1);
  const std::string secret = ContentId(File("c", "BGS", content, "", v1::SECRET)->id(), 1);
  EXPECT_NE(office, personnel);
  EXPECT_NE(office, secret);
  EXPECT_EQ(Count(Keyspace::kChunks), 3);
  // Different content in one category is never shared either.
  EXPECT_NE(ContentId(File("d", "BGS", "other words")->id(), 1), office);
}

TEST_F(CatalogTest, AVersionRepeatingAnEarlierOneSharesItAndIsShreddedWithItsDocument) {
  const v1::FileResponse doc = *File("draft", "BGS", "text v1");
  ASSERT_OK(AddVersion(doc.id(), "text v2").status());
  ASSERT_OK(AddVersion(doc.id(), "text v1").status());  // back to the first text
  const std::string first = ContentId(doc.id(), 1);
  EXPECT_EQ(ContentId(doc.id(), 3), first);
  EXPECT_NE(ContentId(doc.id(), 2), first);
  EXPECT_EQ(Content(doc.id(), 3), "text v1");
  const std::string second = ContentId(doc.id(), 2);
  ASSERT_OK(catalog_->DestroyDocument({.name = "officer"}, doc.id(), {}).status());
  EXPECT_FALSE(HasKey(first));
  EXPECT_FALSE(HasKey(second));
  EXPECT_EQ(Count(Keyspace::kChunks), 0);
  EXPECT_EQ(Count(Keyspace::kIndexes, "n"), 0);
}

TEST_F(CatalogTest, LargeIdenticalContentIsSharedAndTheRepeatedChunksAreDeleted) {
  // Held content (the default up to 4 MiB) is never written; larger content is written as it
  // arrives and deleted by the commit that shares.
  for (const std::size_t hold : {std::size_t{4} << 20, std::size_t{0}}) {
    SCOPED_TRACE(hold);
    content_options_.hold_bytes_per_upload = hold;
    Close();
    Open();
    const std::string big(3 << 20, static_cast<char>('a' + (hold > 0)));
    const int before = Count(Keyspace::kChunks);
    const v1::FileResponse a = *File("a", "BGS", big);
    const v1::FileResponse b = *File("b", "BGS", big);
    EXPECT_EQ(ContentId(b.id(), 1), ContentId(a.id(), 1));
    EXPECT_EQ(Count(Keyspace::kChunks), before + 3);  // one copy: three 1 MiB chunks
    EXPECT_EQ(Count(Keyspace::kUploads), 0);
    EXPECT_EQ(Content(b.id(), 1), big);
    // Reopening sweeps the data key reserved for b's own copy, if it was left, and nothing else.
    Close();
    Open();
    EXPECT_EQ(Content(a.id(), 1), big);
    EXPECT_EQ(Content(b.id(), 1), big);
  }
}

TEST_F(CatalogTest, AFormatTwoStoreIsUpgradedInPlaceAndAudited) {
  const v1::FileResponse before = *File("filed in format 2", "BGS", "old words");
  Close();
  {
    auto store = *storage::OpenRocksStore({.directory = dir_.path() / "db"});
    storage::WriteBatch b;
    b.Put(Keyspace::kMeta, "format_version", "2");
    ASSERT_OK(store->Commit(b, {}));
  }
  Open();
  EXPECT_EQ(*store_->Get(Keyspace::kMeta, "format_version"), std::to_string(kFormatVersion));
  EXPECT_EQ(Content(before.id(), 1), "old words");
  const v1::AuditVerification v = *audit::VerifyChain(*store_);
  EXPECT_TRUE(v.ok());
  EXPECT_EQ(v.events(), 3u);  // archive.create, document.file, archive.upgrade
}

TEST_F(CatalogTest, NewerAndPreReleaseFormatsAreRefused) {
  for (const char* version : {"99", "1"}) {
    Close();
    {
      auto store = *storage::OpenRocksStore({.directory = dir_.path() / "db"});
      storage::WriteBatch b;
      b.Put(Keyspace::kMeta, "format_version", version);
      ASSERT_OK(store->Commit(b, {}));
    }
    store_ = *storage::OpenRocksStore({.directory = dir_.path() / "db"});
    vault_ = *storage::OpenRocksStore({.directory = dir_.path() / "vault", .keyspaces = storage::kVaultKeyspaces});
    committer_ = *audit::Committer::Open({}, store_.get(), clock_);
    const auto catalog = Catalog::Open({}, store_.get(), vault_.get(), &keyring_, committer_.get(), clock_);
    EXPECT_EQ(catalog.status().code(), StatusCode::kFailedPrecondition) << version;
    EXPECT_NE(catalog.status().message().find(std::string("format version ") + version), std::string::npos)
        << catalog.status().message();
  }
}

}  // namespace
}  // namespace archived::catalog
