// Retention over a real catalogue (RocksDB stores, real keys) with a fake clock: schedules and
// their shortening, holds of every scope against every path to destruction, approval rules,
// the clock guard, exclusion and review, crypto-shredding down to the files, the ledger
// replayed onto an older copy of the store, and certificates.
#include "archived/retention/retention.h"

#include "archived/retention/report.h"
#include "archived/retention/schedules.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "archived/audit/chain.h"
#include "archived/base/bytes.h"
#include "archived/storage/rocks_store.h"
#include "archived/v1/registers.pb.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace archived::retention {
namespace {

namespace fs = std::filesystem;
using storage::Keyspace;
using namespace std::chrono_literals;

constexpr std::int64_t kStart = 1795508130000000;  // 2026-11-24

std::string RandomText(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

// True if any file under `dir` contains `needle`.
bool AnyFileHolds(const fs::path& dir, const std::string& needle) {
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) return true;
  }
  return false;
}

class DispositionTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(dir_.path() / "db"); }
  void Open(const fs::path& db, RetentionOptions options = {}) {
    store_ = *storage::OpenRocksStore({.directory = db});
    vault_ = *storage::OpenRocksStore({.directory = dir_.path() / "vault", .keyspaces = storage::kVaultKeyspaces});
    committer_ = *audit::Committer::Open({}, store_.get(), clock_);
    catalog_ = *catalog::Catalog::Open({.fonds = "Z001"}, store_.get(), vault_.get(), &keyring_, committer_.get(), clock_);
    registers_ = std::make_unique<registers::Registers>(registers::RegistersOptions{}, store_.get(), committer_.get(),
                                                        catalog_.get());
    ASSERT_OK(registers_->ReplayDestructions({.name = "system"}).status());
    ASSERT_OK_AND_ASSIGN(retention_,
                         Retention::Open(options, catalog_.get(), registers_.get(), committer_.get(), clock_,
                                         *crypto::Ed25519Key::FromSeed(std::string(32, 's')),
                                         [this](const std::string& query) -> StatusOr<std::vector<std::string>> {
                                           if (query == "bad query") return InvalidArgumentError("unbalanced");
                                           std::vector<std::string> ids;
                                           for (const auto& [id, title] : titles_) {
                                             if (title.find(query) != std::string::npos) ids.push_back(id);
                                           }
                                           return ids;
                                         },
                                         [this] { ++destruction_hooks_; }));
  }
  void Close() {
    retention_.reset();
    registers_.reset();
    catalog_.reset();
    committer_.reset();
    vault_.reset();
    store_.reset();
  }
  // A category under BGS kept `months` after filing, then `action`.
  void AddCategory(const std::string& code, int months, v1::DispositionAction action) {
    v1::Category c;
    c.set_code(code);
    c.set_name("测试");
    c.set_retention_class(v1::RETENTION_CLASS_10_YEARS);
    c.mutable_schedule()->set_months(static_cast<std::uint32_t>(months));
    c.mutable_schedule()->set_trigger(v1::RETENTION_TRIGGER_FILING);
    c.mutable_schedule()->set_action(action);
    ASSERT_OK(retention_->AddCategory(officer_, c));
  }
  std::string File(const std::string& title, const std::string& category, const std::string& content,
                   const std::string& date = "") {
    v1::FileMetadata m;
    m.set_title(title);
    m.set_category(category);
    m.set_date(date);
    m.set_filename("f.bin");
    auto writer = *catalog_->BeginContent();
    EXPECT_OK(writer->Append(content));
    const v1::FileResponse filed = *catalog_->FileDocument(clerk_, m, *writer);
    titles_[filed.id()] = title;
    return filed.id();
  }
  // A matter entry (BGS/CB) with `note` as its completion report; its title is searchable.
  std::string AddMatter(const std::string& title, const std::string& note) {
    v1::Matter m;
    m.set_title(title);
    m.set_source("leader");
    m.set_mode("lead");
    m.set_status("open");
    m.set_completion_report(note);
    const StatusOr<v1::RegisterEntry> entry = registers_->Create(clerk_, **registers::FindKind("matter"), m, {});
    EXPECT_OK(entry.status());
    if (!entry.ok()) return "";
    titles_[entry->id()] = title;
    return entry->id();
  }
  // Documents' ids and entries' ids of the items in `state`.
  std::vector<std::string> Ids(const v1::DispositionBatch& batch, v1::DispositionItemState state) {
    std::vector<std::string> out;
    for (const auto& item : batch.items()) {
      if (item.state() == state) out.push_back(item.entry_id().empty() ? item.document_id() : item.entry_id());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::vector<std::string> Sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  }
  std::vector<std::string> AuditActions() {
    std::vector<std::string> out;
    const StatusOr<std::vector<v1::AuditEvent>> events = audit::ReadEvents(*store_, 1, 100000);
    EXPECT_OK(events.status());
    if (!events.ok()) return out;
    for (const v1::AuditEvent& e : *events) out.push_back(e.action());
    return out;
  }
  void AdvanceDays(int days) { clock_.Advance(std::chrono::hours(24 * days)); }

  testing::TempDir dir_;
  FakeClock clock_{FromUnixMicros(kStart)};
  crypto::Keyring keyring_{*crypto::SecretKey::Generate()};
  std::unique_ptr<storage::Store> store_, vault_;
  std::unique_ptr<audit::Committer> committer_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<registers::Registers> registers_;
  std::unique_ptr<Retention> retention_;
  std::map<std::string, std::string> titles_;
  int destruction_hooks_ = 0;  // calls of the after-destruction hook
  const audit::Actor clerk_{.name = "clerk", .role = "clerk"};
  const audit::Actor officer_{.name = "lin", .role = "records_officer"};
  const audit::Actor second_{.name = "wang", .role = "records_officer"};
};

TEST_F(DispositionTest, ShorteningAScheduleNeedsConfirmationAndIsAudited) {
  // BGS/WS is 定期10年 (review after 10 years from the end of the document's year).
  v1::RetentionSchedule longer;
  longer.set_years(30);
  longer.set_trigger(v1::RETENTION_TRIGGER_DOCUMENT_DATE);
  longer.set_cut_off(v1::RETENTION_CUT_OFF_CALENDAR_YEAR);
  longer.set_action(v1::DISPOSITION_ACTION_REVIEW);
  ASSERT_OK(retention_->SetSchedule(officer_, "BGS/WS", longer, false).status());
  v1::RetentionSchedule shorter;
  shorter.set_years(2);
  shorter.set_action(v1::DISPOSITION_ACTION_DESTROY);
  const Status refused = retention_->SetSchedule(officer_, "BGS/WS", shorter, false).status();
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition) << refused.ToString();
  EXPECT_NE(refused.message().find("allow_shorten"), std::string_view::npos);
  ASSERT_OK_AND_ASSIGN(const v1::Category changed, retention_->SetSchedule(officer_, "BGS/WS", shorter, true));
  EXPECT_EQ(changed.schedule().years(), 2u);
  const std::vector<std::string> actions = AuditActions();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "schedule.set"), 1);
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "schedule.shorten"), 1);
  // Nonsense is refused with the reason.
  v1::RetentionSchedule empty;
  EXPECT_EQ(retention_->SetSchedule(officer_, "BGS/WS", empty, true).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(retention_->SetSchedule(officer_, "NOPE", longer, true).status().code(), StatusCode::kNotFound);
  // A category needs its parent.
  v1::Category orphan;
  orphan.set_code("XX/YY");
  orphan.set_name("x");
  orphan.set_retention_class(v1::RETENTION_CLASS_10_YEARS);
  EXPECT_EQ(retention_->AddCategory(officer_, orphan).code(), StatusCode::kNotFound);
}

TEST_F(DispositionTest, ApprovedDestructionShredsContentKeysAndIndexEntriesAndIsCertified) {
  AddCategory("BGS/T", 12, v1::DISPOSITION_ACTION_DESTROY);
  const std::string big_content = RandomText(3 << 20, 1);  // several chunks, in blob files
  const std::string big = File("big report", "BGS/T", big_content);
  const std::string small = File("small note", "BGS/T", "canary-7f3a small note text");
  const std::string kept = File("kept", "BGS/T", "kept content");
  const std::string permanent = File("policy", "BGS/HR", "permanent");
  // The sealed bytes and wrapped keys as they sit in the stores, to look for in the files.
  std::vector<std::string> needles;
  for (const std::string& id : {big, small}) {
    const v1::Version v = *catalog_->GetVersion(id, 1);
    std::string chunk_key = v.content().content_id();
    AppendBigEndian64(chunk_key, 0);
    needles.push_back(store_->Get(Keyspace::kChunks, chunk_key)->substr(40, 32));
    needles.push_back(vault_->Get(Keyspace::kKeys, v.content().content_id())->substr(8, 24));
  }
  ASSERT_OK(store_->FlushAll());
  ASSERT_OK(vault_->FlushAll());
  for (const std::string& needle : needles) {
    ASSERT_TRUE(AnyFileHolds(dir_.path(), needle)) << "the check must be able to fail";
  }

  // Nothing is due yet.
  ASSERT_OK_AND_ASSIGN(v1::DispositionBatch none, retention_->Run(officer_, false));
  EXPECT_TRUE(none.id().empty());
  EXPECT_EQ(none.items_size(), 0);
  AdvanceDays(400);
  v1::Hold hold;
  hold.set_name("audit-2027");
  hold.set_reason("annual audit");
  hold.add_document_ids(kept);
  ASSERT_OK(retention_->PlaceHold(officer_, hold).status());
  ASSERT_OK_AND_ASSIGN(const v1::DispositionBatch batch, retention_->Run(officer_, /*confirm_clock=*/true));
  ASSERT_EQ(batch.id(), "1");
  EXPECT_EQ(Ids(batch, v1::DISPOSITION_ITEM_STATE_PENDING), Sorted({big, small}));
  // The due list shows the held one, and why.
  ASSERT_OK_AND_ASSIGN(const v1::DispositionBatch due, retention_->Due(""));
  EXPECT_EQ(Ids(due, v1::DISPOSITION_ITEM_STATE_SKIPPED), std::vector<std::string>{kept});
  // A second run adds nothing: they wait in batch 1.
  EXPECT_TRUE(retention_->Run(officer_, false)->id().empty());

  ASSERT_OK_AND_ASSIGN(const v1::DispositionBatch done, retention_->Approve(officer_, "1", false));
  EXPECT_EQ(done.state(), v1::DISPOSITION_BATCH_STATE_EXECUTED);
  EXPECT_EQ(Ids(done, v1::DISPOSITION_ITEM_STATE_DESTROYED), Sorted({big, small}));
  EXPECT_EQ(destruction_hooks_, 1);
  ASSERT_FALSE(done.certificate_id().empty());
  for (const std::string& id : {big, small}) {
    ASSERT_OK_AND_ASSIGN(const v1::Document stub, catalog_->GetDocument(id));
    EXPECT_EQ(stub.state(), v1::DOCUMENT_STATE_DESTROYED);
    EXPECT_EQ(stub.destruction().batch_id(), "1");
    EXPECT_EQ(stub.destruction().approvers(0), "lin");
    EXPECT_FALSE(stub.reference_code().empty());
    EXPECT_EQ(catalog_->GetVersion(id, 1)->sha256().size(), 64u);  // the content hash stays
    const Status read = catalog_->OpenContent(*catalog_->GetVersion(id, 1)).status();
    EXPECT_EQ(read.code(), StatusCode::kFailedPrecondition) << read.ToString();
  }
  // The held and the permanent documents are untouched.
  EXPECT_EQ(catalog_->GetDocument(kept)->state(), v1::DOCUMENT_STATE_ACTIVE);
  EXPECT_OK(catalog_->OpenContent(*catalog_->GetVersion(permanent, 1)).status());
  // Chunks and keys are gone from every file of both stores.
  for (const std::string& needle : needles) EXPECT_FALSE(AnyFileHolds(dir_.path(), needle));
  // The ledger has both, in the vault.
  ASSERT_OK_AND_ASSIGN(const auto ledger, catalog_->ReadLedger());
  ASSERT_EQ(ledger.size(), 2u);
  EXPECT_EQ(ledger[1].seq(), 2u);
  // The certificate is a permanent document, signed, and verifies.
  ASSERT_OK_AND_ASSIGN(const v1::Document certificate, catalog_->GetDocument(done.certificate_id()));
  EXPECT_EQ(certificate.category(), "BGS/DA");
  EXPECT_NE(certificate.reference_code().find("-Y-BGS.DA-"), std::string::npos) << certificate.reference_code();
  ASSERT_OK_AND_ASSIGN(const v1::CertificateVerification verified, retention_->VerifyCertificate(certificate.id()));
  EXPECT_TRUE(verified.valid()) << verified.problem();
  EXPECT_EQ(verified.items(), 2u);
  ASSERT_OK_AND_ASSIGN(const v1::CertificateList certificates, retention_->ListCertificates());
  ASSERT_EQ(certificates.certificates_size(), 1);
  EXPECT_EQ(certificates.certificates(0).items(), 2u);
  // The audit trail holds each step.
  const std::vector<std::string> actions = AuditActions();
  for (const char* action : {"hold.place", "disposition.run", "disposition.approve", "document.destroy",
                             "disposition.execute"}) {
    EXPECT_NE(std::find(actions.begin(), actions.end(), action), actions.end()) << action;
  }
  EXPECT_OK(audit::VerifyChain(*store_, 0).status());
  // A destroyed document cannot be changed or destroyed again.
  EXPECT_EQ(catalog_->RecordEvent(officer_, big, "closed", "2027-01-01").status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(catalog_->DestroyDocument(officer_, big, {}).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(DispositionTest, AHeldDocumentSurvivesEveryPath) {
  AddCategory("BGS/T", 1, v1::DISPOSITION_ACTION_DESTROY);
  AddCategory("BGS/T/SUB", 1, v1::DISPOSITION_ACTION_DESTROY);
  const std::string by_id = File("one", "BGS/T", "1");
  const std::string by_category = File("two", "BGS/T/SUB", "2");
  const std::string by_query = File("contract with ACME", "BGS/T", "3");
  const std::string later = File("held after the run", "BGS/T", "4");
  const std::string free = File("free", "BGS/T", "5");
  AdvanceDays(60);
  const auto place = [&](const std::string& name, std::function<void(v1::Hold&)> scope) {
    v1::Hold h;
    h.set_name(name);
    h.set_reason("litigation");
    scope(h);
    ASSERT_OK(retention_->PlaceHold(officer_, h).status());
  };
  place("h-id", [&](v1::Hold& h) { h.add_document_ids(*catalog_->GetDocument(by_id).value().mutable_reference_code()); });
  place("h-cat", [&](v1::Hold& h) { h.add_categories("BGS/T/SUB"); });
  place("h-query", [&](v1::Hold& h) { h.set_query("ACME"); });
  ASSERT_OK_AND_ASSIGN(const v1::DispositionBatch batch, retention_->Run(officer_, false));
  EXPECT_EQ(Ids(batch, v1::DISPOSITION_ITEM_STATE_PENDING), Sorted({later, free}));
  EXPECT_EQ(*retention_->HoldsOn(by_category), std::vector<std::string>{"h-cat"});
  // A hold placed after the run, before approval, still stops the destruction.
  place("h-late", [&](v1::Hold& h) { h.add_document_ids(later); });
  ASSERT_OK_AND_ASSIGN(const v1::DispositionBatch done, retention_->Approve(officer_, batch.id(), false));
  EXPECT_EQ(Ids(done, v1::DISPOSITION_ITEM_STATE_DESTROYED), std::vector<std::string>{free});
  EXPECT_EQ(Ids(done, v1::DISPOSITION_ITEM_STATE_SKIPPED), std::vector<std::string>{later});
  for (const std::string& id : {by_id, by_category, by_query, later}) {
    EXPECT_EQ(catalog_->GetDocument(id)->state(), v1::DOCUMENT_STATE_ACTIVE);
  }
  // Bad holds are refused with the reason.
  v1::Hold bad;
  bad.set_name("no scope");
  bad.set_reason("x");
  EXPECT_EQ(retention_->PlaceHold(officer_, bad).status().code(), StatusCode::kInvalidArgument);
  bad.set_name("no-scope");
  EXPECT_EQ(retention_->PlaceHold(officer_, bad).status().code(), StatusCode::kInvalidArgument);
  bad.set_query("bad query");
  EXPECT_EQ(retention_->PlaceHold(officer_, bad).status().code(), StatusCode::kInvalidArgument);
  bad.set_query("");
  bad.add_document_ids("nonexistent");
  EXPECT_EQ(retention_->PlaceHold(officer_, bad).status().code(), StatusCode::kNotFound);
  bad.clear_document_ids();
  bad.add_categories("BGS/T");
  bad.set_name("h-id");
  EXPECT_EQ(retention_->PlaceHold(officer_, bad).status().code(), StatusCode::kAlreadyExists);
  // Released, the holds let the next run take them.
  for (const char* name : {"h-id", "h-cat", "h-query", "h-late"}) {
    ASSERT_OK(retention_->ReleaseHold(officer_, name, "settled").status());
  }
  EXPECT_EQ(retention_->ReleaseHold(officer_, "h-id", "again").status().code(), StatusCode::kFailedPrecondition);
  ASSERT_EQ(retention_->ListHolds(false)->holds_size(), 0);
  ASSERT_EQ(retention_->ListHolds(true)->holds_size(), 4);
  ASSERT_OK_AND_ASSIGN(const v1::DispositionBatch next, retention_->Run(officer_, false));
  EXPECT_EQ(Ids(next, v1::DISPOSITION_ITEM_STATE_PENDING), Sorted({by_id, by_category, by_query, later}));
}

TEST_F(DispositionTest, ASecondApproverMustBeSomeoneElse) {
  Close();
  Open(dir_.path() / "db", {.approvals_required = 2});
  AddCategory("BGS/T", 1, v1::DISPOSITION_ACTION_DESTROY);
  const std::string id = File("x", "BGS/T", "x");
  AdvanceDays(40);
  ASSERT_OK_AND_ASSIGN(const v1::DispositionBatch batch, retention_->Run(officer_, false));
  ASSERT_OK_AND_ASSIGN(const v1::DispositionBatch once, retention_->Approve(officer_, batch.id(), false));
  EXPECT_EQ(once.state(), v1::DISPOSITION_BATCH_STATE_AWAITING_APPROVAL);
  EXPECT_EQ(catalog_->GetDocument(id)->state(), v1::DOCUMENT_STATE_ACTIVE);
  EXPECT_EQ(retention_->Approve(officer_, batch.id(), false).status().code(), StatusCode::kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(const v1::DispositionBatch twice, retention_->Approve(second_, batch.id(), false));
  EXPECT_EQ(twice.state(), v1::DISPOSITION_BATCH_STATE_EXECUTED);
  EXPECT_EQ(catalog_->GetDocument(id)->destruction().approvers_size(), 2);
  EXPECT_EQ(retention_->Approve(second_, batch.id(), false).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(retention_->GetBatch("nonsense").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(retention_->GetBatch("99").status().code(), StatusCode::kNotFound);
}

TEST_F(DispositionTest, AClockThatJumpedStopsRunsUntilConfirmed) {
  AddCategory("BGS/T", 1, v1::DISPOSITION_ACTION_DESTROY);
  File("x", "BGS/T", "x");
  ASSERT_OK(retention_->Run(officer_, false).status());  // the clock is seen
  clock_.Advance(-48h);
  EXPECT_EQ(retention_->Run(officer_, false).status().code(), StatusCode::kFailedPrecondition);
  clock_.Advance(48h + 24h * 100);
  const Status jumped = retention_->Run(officer_, false).status();
  EXPECT_EQ(jumped.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(jumped.message().find("jumped"), std::string_view::npos) << jumped.ToString();
  // A run draws up a batch only; destruction still waits for an approval, which checks too.
  ASSERT_OK_AND_ASSIGN(const v1::DispositionBatch batch, retention_->Run(officer_, true));
  EXPECT_EQ(batch.items_size(), 1);
  const std::vector<std::string> actions = AuditActions();
  EXPECT_NE(std::find(actions.begin(), actions.end(), "retention.clock.confirm"), actions.end());
  clock_.Advance(-72h);
  EXPECT_EQ(retention_->Approve(officer_, batch.id(), false).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(DispositionTest, ReviewExclusionAndEventsDecideWhatHappens) {
  // 定期10年 documents come up for review; event-triggered ones wait for their event.
  const std::string old_a = File("2010 minutes", "BGS/WS", "a", "2010-03-01");
  const std::string old_b = File("2010 notice", "BGS/WS", "b", "2010-05-01");
  const std::string old_c = File("2010 letter", "BGS/WS", "c", "2010-06-01");
  v1::Category staff;
  staff.set_code("BGS/HR/LZ");
  staff.set_name("离职人员档案");
  staff.set_retention_class(v1::RETENTION_CLASS_10_YEARS);
  staff.mutable_schedule()->set_years(2);
  staff.mutable_schedule()->set_trigger(v1::RETENTION_TRIGGER_EVENT);
  staff.mutable_schedule()->set_event("staff separation");
  staff.mutable_schedule()->set_action(v1::DISPOSITION_ACTION_DESTROY);
  ASSERT_OK(retention_->AddCategory(officer_, staff));
  const std::string file = File("personnel file", "BGS/HR/LZ", "p");
  ASSERT_OK_AND_ASSIGN(v1::DispositionBatch batch, retention_->Run(officer_, false));
  EXPECT_EQ(Ids(batch, v1::DISPOSITION_ITEM_STATE_PENDING), Sorted({old_a, old_b, old_c}));
  for (const auto& item : batch.items()) EXPECT_EQ(item.action(), v1::DISPOSITION_ACTION_REVIEW);
  // Review: destroy a; retain b under a new schedule; exclude c with a reason.
  v1::DispositionReview destroy;
  destroy.set_document_id(old_a);
  destroy.set_destroy(true);
  ASSERT_OK(retention_->Review(officer_, batch.id(), destroy).status());
  v1::DispositionReview retain;
  retain.set_document_id(old_b);
  retain.mutable_schedule()->set_permanent(true);
  retain.set_note("historical value");
  ASSERT_OK(retention_->Review(officer_, batch.id(), retain).status());
  v1::DispositionExclusion exclusion;
  exclusion.set_document_id(old_c);
  exclusion.set_reason("still referenced by an open case");
  ASSERT_OK(retention_->Exclude(officer_, batch.id(), exclusion).status());
  EXPECT_EQ(retention_->Exclude(officer_, batch.id(), exclusion).status().code(), StatusCode::kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(const v1::DispositionBatch done, retention_->Approve(officer_, batch.id(), false));
  EXPECT_EQ(Ids(done, v1::DISPOSITION_ITEM_STATE_DESTROYED), std::vector<std::string>{old_a});
  EXPECT_EQ(Ids(done, v1::DISPOSITION_ITEM_STATE_RETAINED), std::vector<std::string>{old_b});
  EXPECT_EQ(Ids(done, v1::DISPOSITION_ITEM_STATE_EXCLUDED), std::vector<std::string>{old_c});
  EXPECT_EQ(catalog_->GetDocument(old_c)->retain_until(), "2027-11-24");
  EXPECT_TRUE(catalog_->GetDocument(old_b)->schedule_override().permanent());
  // The staff member leaves: two years later the file is due.
  ASSERT_OK(catalog_->RecordEvent(officer_, file, "staff separation", "2027-01-15").status());
  EXPECT_TRUE(retention_->Run(officer_, false)->id().empty());
  AdvanceDays(365 * 2 + 60);
  ASSERT_OK_AND_ASSIGN(const v1::DispositionBatch next, retention_->Run(officer_, /*confirm_clock=*/true));
  // c was kept until 2027-11-24 only, so it is due again; b is now permanent.
  EXPECT_EQ(Ids(next, v1::DISPOSITION_ITEM_STATE_PENDING), Sorted({file, old_c}));
  EXPECT_EQ(retention_->Due("2099-01-01")->items_size(), 2);
}

TEST_F(DispositionTest, TheLedgerDestroysAgainInAnOlderCopyOfTheStore) {
  AddCategory("BGS/T", 1, v1::DISPOSITION_ACTION_DESTROY);
  const std::string gone = File("to destroy", "BGS/T", RandomText(100000, 2));
  const std::string stays = File("stays", "BGS/HR", "stays");
  // A copy of the main store as a backup would hold it, before the destruction.
  ASSERT_OK(store_->Checkpoint(dir_.path() / "older"));
  AdvanceDays(40);
  ASSERT_OK_AND_ASSIGN(const v1::DispositionBatch batch, retention_->Run(officer_, false));
  ASSERT_OK(retention_->Approve(officer_, batch.id(), false).status());
  Close();
  // The older copy, with today's vault (as restore puts the newest vault beside it).
  fs::remove(dir_.path() / "older" / "IDENTITY");
  Open(dir_.path() / "older");
  ASSERT_OK_AND_ASSIGN(const v1::Document doc, catalog_->GetDocument(gone));
  EXPECT_EQ(doc.state(), v1::DOCUMENT_STATE_DESTROYED);
  EXPECT_EQ(doc.destruction().batch_id(), batch.id());
  EXPECT_EQ(catalog_->OpenContent(*catalog_->GetVersion(gone, 1)).status().code(), StatusCode::kFailedPrecondition);
  std::string chunk_key = catalog_->GetVersion(gone, 1)->content().content_id();
  AppendBigEndian64(chunk_key, 0);
  EXPECT_EQ(store_->Get(Keyspace::kChunks, chunk_key).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(catalog_->GetDocument(stays)->state(), v1::DOCUMENT_STATE_ACTIVE);
  // Replaying again changes nothing.
  EXPECT_EQ(*catalog_->ReplayLedger({.name = "system"}), 0u);
  EXPECT_OK(audit::VerifyChain(*store_, 0).status());
}

TEST_F(DispositionTest, TheReportCountsEveryStateAndShowsWhatIfWithoutChangingAnything) {
  AddCategory("BGS/T", 12, v1::DISPOSITION_ACTION_DESTROY);
  const std::string gone = File("destroyed one", "BGS/T", "a");
  AdvanceDays(200);
  const std::string soon = File("due in 12 months", "BGS/T", "b");
  AdvanceDays(200);  // gone is due (400 days), soon in 165 days
  const std::string held = File("held", "BGS/T", "c");
  ASSERT_OK(retention_->Run(officer_, true).status());
  ASSERT_OK(retention_->Approve(officer_, "1", false).status());
  v1::Hold hold;
  hold.set_name("inquiry");
  hold.set_reason("inquiry");
  hold.add_categories("BGS/T");
  ASSERT_OK(retention_->PlaceHold(officer_, hold).status());
  const std::string old_notice = File("2001 notice", "BGS/WS", "d", "2001-02-03");  // 定期10年: due 2012
  const std::string policy = File("policy", "BGS/HR", "e");                          // 永久

  ASSERT_OK_AND_ASSIGN(const v1::RetentionReport report, retention_->Report("", 200, {}));
  std::map<std::string, v1::CategoryRetention> by_code;
  for (const auto& c : report.categories()) by_code[c.code()] = c;
  EXPECT_EQ(by_code["BGS/T"].destroyed(), 1u);
  EXPECT_EQ(by_code["BGS/T"].active(), 2u);  // soon and held, not yet due
  EXPECT_EQ(by_code["BGS/T"].due_within_horizon(), 1u);
  EXPECT_EQ(by_code["BGS/WS"].due(), 1u);
  EXPECT_EQ(by_code["BGS/HR"].permanent(), 1u);
  ASSERT_EQ(report.due_now_size(), 1);
  EXPECT_EQ(report.due_now(0).document_id(), old_notice);
  ASSERT_EQ(report.due_soon_size(), 1);
  EXPECT_EQ(report.due_soon(0).document_id(), soon);
  EXPECT_EQ(report.due_soon(0).holds(0), "inquiry");
  ASSERT_EQ(report.holds_size(), 1);
  EXPECT_EQ(report.holds(0).documents(), 2u);
  ASSERT_EQ(report.destructions_size(), 1);
  EXPECT_EQ(report.destructions(0).documents(), 1u);
  EXPECT_FALSE(report.destructions(0).certificate_reference_code().empty());
  // Later, the held one is due but held.
  ASSERT_OK_AND_ASSIGN(const v1::RetentionReport later, retention_->Report("2029-01-01", 0, {}));
  for (const auto& c : later.categories()) {
    if (c.code() == "BGS/T") {
      EXPECT_EQ(c.held(), 2u);
    }
  }
  // What-if: the notices kept 30 years instead: nothing of BGS/WS is due, and nothing changed.
  v1::RetentionSchedule d30 = ToProto(*PresetFor(v1::RETENTION_CLASS_30_YEARS));
  ASSERT_OK_AND_ASSIGN(const v1::RetentionReport what_if, retention_->Report("", 200, {{"BGS/WS", d30}}));
  EXPECT_EQ(what_if.due_now_size(), 0);
  ASSERT_EQ(what_if.overrides_size(), 1);
  EXPECT_EQ(retention_->Report("", 200, {})->due_now_size(), 1);
  EXPECT_FALSE(catalog_->GetCategory("BGS/WS")->has_schedule());
  EXPECT_EQ(retention_->Report("", 200, {{"NOPE", d30}}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(retention_->Report("2026-13-01", 200, {}).status().code(), StatusCode::kInvalidArgument);
  // CSV: a header and a row per category and item, quoted where needed; HTML: a page per section.
  const std::string csv = ReportCsv(report);
  EXPECT_TRUE(csv.starts_with("\xEF\xBB\xBFsection,category,"));
  EXPECT_NE(csv.find("due_now,BGS/WS,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("hold,,inquiry,inquiry,"), std::string::npos) << csv;
  const std::string html = ReportHtml(report);
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(html.find("到期待处置 Due now"), std::string::npos);
  EXPECT_NE(html.find("page-break-after:always"), std::string::npos);
  EXPECT_NE(html.find("2001 notice"), std::string::npos);
  (void)gone;
  (void)held;
  (void)policy;
}

TEST_F(DispositionTest, AnApprovedBatchACrashInterruptedIsFinishedAtTheNextOpen) {
  AddCategory("BGS/T", 1, v1::DISPOSITION_ACTION_DESTROY);
  const std::string id = File("x", "BGS/T", "x");
  AdvanceDays(40);
  ASSERT_OK_AND_ASSIGN(v1::DispositionBatch batch, retention_->Run(officer_, true));
  // The approval was saved, then the process died before the execution began.
  v1::DispositionApproval* approval = batch.add_approvals();
  approval->set_user(officer_.name);
  approval->set_role(officer_.role);
  std::string key = "batch/";
  AppendBigEndian64(key, 1);
  ASSERT_OK(store_->Put(Keyspace::kRetention, key, batch.SerializeAsString(), {.sync = true}));
  EXPECT_EQ(destruction_hooks_, 0);
  Close();
  Open(dir_.path() / "db");
  EXPECT_EQ(retention_->GetBatch("1")->state(), v1::DISPOSITION_BATCH_STATE_EXECUTED);
  EXPECT_EQ(catalog_->GetDocument(id)->state(), v1::DOCUMENT_STATE_DESTROYED);
  EXPECT_EQ(destruction_hooks_, 1);  // so the daemon backs the vault up after this one too
  ASSERT_OK_AND_ASSIGN(const v1::CertificateVerification verified,
                       retention_->VerifyCertificate(retention_->GetBatch("1")->certificate_id()));
  EXPECT_TRUE(verified.valid()) << verified.problem();
}

TEST_F(DispositionTest, ATransferWritesABagWhoseManifestsMatchItsFilesAndMarksTheDocuments) {
  Close();
  const fs::path out = dir_.path() / "transfers";
  Open(dir_.path() / "db", {.transfer_dir = out});
  v1::Category archive;
  archive.set_code("BGS/YJ");
  archive.set_name("移交进馆");
  archive.set_retention_class(v1::RETENTION_CLASS_30_YEARS);
  archive.mutable_schedule()->set_months(1);
  archive.mutable_schedule()->set_action(v1::DISPOSITION_ACTION_TRANSFER);
  ASSERT_OK(retention_->AddCategory(officer_, archive));
  v1::Category moved = archive;
  moved.set_code("BGS/YJ/XH");
  moved.mutable_schedule()->set_destroy_after_transfer(true);
  ASSERT_OK(retention_->AddCategory(officer_, moved));
  const std::string kept_here = File("annual report", "BGS/YJ", RandomText(3 << 20, 5));
  auto writer = *catalog_->BeginContent();
  ASSERT_OK(writer->Append("second version"));
  v1::FileMetadata second;
  second.set_filename("../evil/name.txt");
  ASSERT_OK(catalog_->AddVersion(clerk_, kept_here, second, *writer).status());
  const std::string gone_here = File("minutes", "BGS/YJ/XH", "会议纪要 text");
  const std::string held = File("held", "BGS/YJ", "held");
  v1::Hold hold;
  hold.set_name("keep");
  hold.set_reason("audit");
  hold.add_document_ids(held);
  ASSERT_OK(retention_->PlaceHold(officer_, hold).status());
  AdvanceDays(40);
  ASSERT_OK_AND_ASSIGN(const v1::DispositionBatch batch, retention_->Run(officer_, true));
  ASSERT_OK_AND_ASSIGN(const v1::DispositionBatch done, retention_->Approve(officer_, batch.id(), false));
  EXPECT_EQ(Ids(done, v1::DISPOSITION_ITEM_STATE_TRANSFERRED), Sorted({kept_here, gone_here}));
  ASSERT_OK_AND_ASSIGN(const v1::Document kept, catalog_->GetDocument(kept_here));
  EXPECT_EQ(kept.state(), v1::DOCUMENT_STATE_TRANSFERRED);
  EXPECT_OK(catalog_->OpenContent(*catalog_->GetVersion(kept_here, 1)).status());  // still readable here
  ASSERT_OK_AND_ASSIGN(const v1::Document gone, catalog_->GetDocument(gone_here));
  EXPECT_EQ(gone.state(), v1::DOCUMENT_STATE_DESTROYED);
  EXPECT_EQ(gone.transfer().package(), kept.transfer().package());
  EXPECT_EQ(catalog_->GetDocument(held)->state(), v1::DOCUMENT_STATE_ACTIVE);
  // The package: a BagIt bag in a tar; every manifest line matches its file.
  const fs::path tar = out / kept.transfer().package();
  ASSERT_TRUE(fs::exists(tar));
  const fs::path bag_root = dir_.path() / "unpacked";
  fs::create_directories(bag_root);
  ASSERT_EQ(std::system(("tar -xf '" + tar.string() + "' -C '" + bag_root.string() + "'").c_str()), 0);
  const fs::path bag = bag_root / ("transfer-Z001-batch-" + batch.id());
  for (const char* tag_file : {"bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt"}) {
    EXPECT_TRUE(fs::exists(bag / tag_file)) << tag_file;
  }
  const auto check = [&](const fs::path& manifest) {
    std::ifstream in(manifest);
    int lines = 0;
    for (std::string line; std::getline(in, line); ++lines) {
      const std::string digest = line.substr(0, 64), member = line.substr(66);
      std::ifstream file(bag / member, std::ios::binary);
      EXPECT_TRUE(file.good()) << member;
      const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
      crypto::Sha256 hash;
      hash.Update(bytes);
      EXPECT_EQ(HexEncode(hash.Finish()), digest) << member;
    }
    return lines;
  };
  EXPECT_EQ(check(bag / "manifest-sha256.txt"), 2 * 3 + 3);  // 3 metadata files each, and 3 versions
  EXPECT_EQ(check(bag / "tagmanifest-sha256.txt"), 3);
  EXPECT_TRUE(fs::exists(bag / "data" / kept.reference_code() / "content" / "v2-name.txt"));
  std::ifstream info(bag / "bag-info.txt");
  const std::string info_text((std::istreambuf_iterator<char>(info)), std::istreambuf_iterator<char>());
  EXPECT_NE(info_text.find("Payload-Oxum: "), std::string::npos);
  // The certificate covers both, and verifies.
  ASSERT_OK_AND_ASSIGN(const v1::CertificateVerification verified, retention_->VerifyCertificate(done.certificate_id()));
  EXPECT_TRUE(verified.valid()) << verified.problem();
  EXPECT_EQ(verified.items(), 2u);
}

TEST(ReportRenderingTest, CsvQuotesAndHtmlEscapes) {
  v1::RetentionReport report;
  v1::RetentionReportItem* item = report.add_due_now();
  item->set_title("a \"quoted\", title\nover lines");
  item->set_reference_code("<script>");
  const std::string csv = ReportCsv(report);
  EXPECT_NE(csv.find("\"a \"\"quoted\"\", title\nover lines\""), std::string::npos) << csv;
  const std::string html = ReportHtml(report);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
}


TEST_F(DispositionTest, RegisterEntriesFollowTheirCategoryScheduleHoldsReviewAndAreDestroyedForReal) {
  // Matters (BGS/CB): a month after they are added, then destroyed. Staff (BGS/HR): a year
  // after the separation recorded on the entry itself.
  v1::RetentionSchedule month;
  month.set_months(1);
  month.set_action(v1::DISPOSITION_ACTION_DESTROY);
  ASSERT_OK(retention_->SetSchedule(officer_, "BGS/CB", month, /*allow_shorten=*/true).status());
  v1::RetentionSchedule after_separation;
  after_separation.set_years(1);
  after_separation.set_trigger(v1::RETENTION_TRIGGER_EVENT);
  after_separation.set_event("separation");
  after_separation.set_action(v1::DISPOSITION_ACTION_DESTROY);
  ASSERT_OK(retention_->SetSchedule(officer_, "BGS/HR", after_separation, /*allow_shorten=*/true).status());

  const std::string canary = "canary-entry-5d1c 办结报告";
  const std::string done = AddMatter("落实消防检查", canary);
  v1::Matter progress;
  progress.set_status("done");
  ASSERT_OK(registers_->Update(clerk_, **registers::FindKind("matter"), done, progress, {"status"}, 0).status());
  const std::string by_id = AddMatter("审计整改", "held by id");
  const std::string by_query = AddMatter("诉讼材料整理", "held by a query");
  const std::string excluded = AddMatter("年度总结", "kept a while");
  v1::Staff left;
  left.set_name("张伟");
  left.set_number("001");
  left.set_separation_date("2026-12-01");
  const std::string separated = registers_->Create(clerk_, **registers::FindKind("staff"), left, {})->id();
  v1::Staff stays;
  stays.set_name("李娜");
  stays.set_number("002");
  const std::string employed = registers_->Create(clerk_, **registers::FindKind("staff"), stays, {})->id();
  ASSERT_OK(store_->FlushAll());
  ASSERT_TRUE(AnyFileHolds(dir_.path(), canary)) << "the check must be able to fail";
  const std::string older = (dir_.path() / "older").string();
  ASSERT_OK(store_->Checkpoint(older));  // as a backup holds it, before the destruction

  // Holds reach entries by id and by query; unknown entries are refused.
  v1::Hold hold;
  hold.set_name("audit");
  hold.set_reason("audit follow-up");
  hold.add_entry_ids(by_id);
  ASSERT_OK(retention_->PlaceHold(officer_, hold).status());
  v1::Hold search;
  search.set_name("lawsuit");
  search.set_reason("litigation");
  search.set_query("诉讼");
  ASSERT_OK(retention_->PlaceHold(officer_, search).status());
  v1::Hold unknown;
  unknown.set_name("nothing");
  unknown.set_reason("x");
  unknown.add_entry_ids("matter-99");
  EXPECT_STATUS(retention_->PlaceHold(officer_, unknown), kNotFound, "matter-99");
  EXPECT_EQ(*retention_->HoldsOn(by_id), std::vector<std::string>{"audit"});
  EXPECT_EQ(*retention_->HoldsOn(by_query), std::vector<std::string>{"lawsuit"});

  AdvanceDays(400);  // 2027-12-29: the matters and the separated staff member are due
  ASSERT_OK_AND_ASSIGN(const v1::DispositionBatch batch, retention_->Run(officer_, /*confirm_clock=*/true));
  EXPECT_EQ(Ids(batch, v1::DISPOSITION_ITEM_STATE_PENDING), Sorted({done, excluded, separated}));
  for (const v1::DispositionItem& item : batch.items()) {
    EXPECT_TRUE(item.document_id().empty());
    EXPECT_FALSE(item.kind().empty());
    EXPECT_FALSE(item.title().empty());
  }
  ASSERT_OK_AND_ASSIGN(const v1::DispositionBatch due, retention_->Due(""));
  EXPECT_EQ(Ids(due, v1::DISPOSITION_ITEM_STATE_SKIPPED), Sorted({by_id, by_query}));

  // An entry is named by entry_id, and only one of the two names is accepted.
  v1::DispositionExclusion exclusion;
  exclusion.set_entry_id(excluded);
  exclusion.set_reason("still referred to");
  ASSERT_OK(retention_->Exclude(officer_, batch.id(), exclusion).status());
  EXPECT_EQ(registers_->Find(excluded)->value().retain_until(), "2028-12-29");
  exclusion.set_document_id("x");
  EXPECT_STATUS(retention_->Exclude(officer_, batch.id(), exclusion), kInvalidArgument, "one");

  ASSERT_OK_AND_ASSIGN(const v1::DispositionBatch executed, retention_->Approve(officer_, batch.id(), false));
  EXPECT_EQ(Ids(executed, v1::DISPOSITION_ITEM_STATE_DESTROYED), Sorted({done, separated}));
  EXPECT_EQ(destruction_hooks_, 1);

  // What is left is a stub: no fields, no revisions, no change possible, out of listings.
  const registers::Kind& matter = **registers::FindKind("matter");
  ASSERT_OK_AND_ASSIGN(const v1::RegisterEntry stub, registers_->Get(matter, done));
  EXPECT_EQ(stub.state(), v1::REGISTER_ENTRY_STATE_DESTROYED);
  EXPECT_EQ(stub.title(), "落实消防检查");
  EXPECT_TRUE(stub.fields().fields().empty());
  EXPECT_EQ(stub.destruction().batch_id(), batch.id());
  EXPECT_EQ(stub.destruction().revision_sha256_size(), 2);
  EXPECT_STATUS(registers_->History(matter, done), kFailedPrecondition, "destroyed");
  EXPECT_STATUS(registers_->Update(clerk_, matter, done, progress, {"status"}, 0), kFailedPrecondition,
                "destroyed");
  ASSERT_OK_AND_ASSIGN(const v1::RegisterEntryList listed, registers_->List(matter, {}, 100, ""));
  std::vector<std::string> live;
  for (const auto& e : listed.entries()) live.push_back(e.id());
  EXPECT_EQ(Sorted(live), Sorted({by_id, by_query, excluded}));
  EXPECT_EQ(registers_->Find(employed)->value().state(), v1::REGISTER_ENTRY_STATE_ACTIVE);
  // Its fields are gone from every file of the data directory.
  EXPECT_FALSE(AnyFileHolds(dir_.path() / "db", canary));
  EXPECT_FALSE(AnyFileHolds(dir_.path() / "vault", canary));

  // The certificate lists the entries with their revisions' digests, and verifies.
  ASSERT_OK_AND_ASSIGN(const v1::Certificate certificate, retention_->GetCertificate(executed.certificate_id()));
  v1::CertificateBody body;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(certificate.body_json(), &body).ok());
  ASSERT_EQ(body.items_size(), 2);
  for (const v1::CertificateItem& item : body.items()) {
    EXPECT_EQ(item.disposition(), "destroyed");
    EXPECT_EQ(item.revision_sha256_size(), item.entry_id() == done ? 2 : 1);
  }
  ASSERT_OK_AND_ASSIGN(const v1::CertificateVerification verified,
                       retention_->VerifyCertificate(executed.certificate_id()));
  EXPECT_TRUE(verified.valid()) << verified.problem();

  // The report counts entries with documents, and says how many are entries.
  ASSERT_OK_AND_ASSIGN(const v1::RetentionReport report, retention_->Report("", 30, {}));
  for (const v1::CategoryRetention& c : report.categories()) {
    if (c.code() == "BGS/CB") {
      EXPECT_EQ(c.destroyed(), 1u);
      EXPECT_EQ(c.held(), 2u);
      EXPECT_EQ(c.active(), 1u);  // the excluded one, retained
      EXPECT_EQ(c.entries(), 3u);
    }
    if (c.code() == "BGS/HR") {
      EXPECT_EQ(c.destroyed(), 1u);
      EXPECT_EQ(c.awaiting_trigger(), 1u);
    }
  }
  for (const v1::HoldSummary& h : report.holds()) EXPECT_EQ(h.entries(), 1u) << h.name();
  ASSERT_EQ(report.destructions_size(), 1);
  EXPECT_EQ(report.destructions(0).entries(), 2u);
  EXPECT_EQ(report.destructions(0).documents(), 0u);
  const std::vector<std::string> actions = AuditActions();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "register.destroy"), 2);

  // An older copy of the store, opened with today's vault, destroys them again.
  Close();
  fs::remove(fs::path(older) / "IDENTITY");
  Open(older);
  EXPECT_EQ(registers_->Find(done)->value().state(), v1::REGISTER_ENTRY_STATE_DESTROYED);
  EXPECT_EQ(registers_->Find(separated)->value().state(), v1::REGISTER_ENTRY_STATE_DESTROYED);
  EXPECT_EQ(registers_->Find(by_id)->value().state(), v1::REGISTER_ENTRY_STATE_ACTIVE);
  EXPECT_STATUS(registers_->History(matter, done), kFailedPrecondition, "destroyed");
  EXPECT_FALSE(AnyFileHolds(older, canary));
  EXPECT_EQ(*registers_->ReplayDestructions({.name = "system"}), 0u);
  EXPECT_OK(audit::VerifyChain(*store_, 0).status());
}

}  // namespace
}  // namespace archived::retention
