// Registers over a real catalogue (RocksDB stores, real keys): entries added, changed in
// revisions, listed with filters and pages, linked to documents both ways, and a staff
// separation recorded on the linked documents (the start of their retention).
#include "archived/registers/registers.h"

#include <gtest/gtest.h>

#include "archived/audit/chain.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_archive.h"

namespace archived::registers {
namespace {

constexpr std::int64_t kStart = 1795508130000000;  // 2026-11-24

class RegistersTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    archive_.Open(dir_.path(), keyring_, clock_);
    registers_ = std::make_unique<Registers>(RegistersOptions{.default_page_size = 3}, archive_.store.get(),
                                             archive_.committer.get(), archive_.catalog.get());
    catalog_ = archive_.catalog.get();
    store_ = archive_.store.get();
  }
  void Close() {
    registers_.reset();
    archive_.Close();
  }
  std::string File(const std::string& title) {
    v1::FileMetadata m;
    m.set_title(title);
    m.set_category("BGS/HR");
    m.set_filename("f.txt");
    auto writer = *catalog_->BeginContent();
    EXPECT_OK(writer->Append("content of " + title));
    return catalog_->FileDocument(actor_, m, *writer)->id();
  }
  const Kind& K(const std::string& name) { return **FindKind(name); }
  v1::Staff StaffNamed(const std::string& name, const std::string& number) {
    v1::Staff s;
    s.set_name(name);
    s.set_number(number);
    s.set_status("active");
    return s;
  }
  std::vector<std::string> AuditActions() {
    std::vector<std::string> out;
    const StatusOr<std::vector<v1::AuditEvent>> events = audit::ReadEvents(*store_, 1, 100000);
    EXPECT_OK(events);
    if (events.ok()) {
      for (const v1::AuditEvent& e : *events) out.push_back(e.action());
    }
    return out;
  }

  testing::TempDir dir_;
  FakeClock clock_{FromUnixMicros(kStart)};
  crypto::Keyring keyring_{*crypto::SecretKey::Generate()};
  testing::TestArchive archive_;
  catalog::Catalog* catalog_ = nullptr;
  storage::Store* store_ = nullptr;
  std::unique_ptr<Registers> registers_;
  audit::Actor actor_{.name = "hr"};
};

TEST_F(RegistersTest, EntriesAreNumberedPerKindAndKeptInEveryRevision) {
  ASSERT_OK_AND_ASSIGN(const v1::RegisterEntry a, registers_->Create(actor_, K("staff"), StaffNamed("张伟", "001"), {}));
  ASSERT_OK_AND_ASSIGN(const v1::RegisterEntry b, registers_->Create(actor_, K("staff"), StaffNamed("李娜", "002"), {}));
  EXPECT_EQ(a.id(), "staff-1");
  EXPECT_EQ(b.id(), "staff-2");
  EXPECT_EQ(a.title(), "张伟");
  EXPECT_EQ(a.category(), "BGS/HR");
  EXPECT_EQ(a.fields().fields().at("number").string_value(), "001");
  EXPECT_TRUE(a.body().empty());  // answers carry fields, not the stored bytes

  v1::Staff patch;
  patch.set_status("on_leave");
  patch.set_name("ignored: not named");
  ASSERT_OK_AND_ASSIGN(const v1::RegisterEntry changed,
                       registers_->Update(actor_, K("staff"), "staff-1", patch, {"status", "phone"}, 1));
  EXPECT_EQ(changed.revision(), 2u);
  EXPECT_EQ(changed.change(), "status: active → on_leave");
  EXPECT_EQ(changed.fields().fields().at("name").string_value(), "张伟");
  // A stale revision is refused; nothing changed is no revision.
  EXPECT_STATUS(registers_->Update(actor_, K("staff"), "staff-1", patch, {"status"}, 1).status(), kAborted, "");
  ASSERT_OK_AND_ASSIGN(const v1::RegisterEntry same, registers_->Update(actor_, K("staff"), "staff-1", patch, {"status"}, 0));
  EXPECT_EQ(same.revision(), 2u);
  // Emptying a required field is refused.
  EXPECT_STATUS(registers_->Update(actor_, K("staff"), "staff-1", patch, {"number"}, 0).status(), kInvalidArgument, "number: required");
  // The wrong kind's id, or none at all.
  EXPECT_STATUS(registers_->Get(K("asset"), "staff-1").status(), kNotFound, "");
  EXPECT_STATUS(registers_->Get(K("staff"), "staff-9").status(), kNotFound, "");

  ASSERT_OK_AND_ASSIGN(const v1::RegisterEntryList history, registers_->History(K("staff"), "staff-1"));
  ASSERT_EQ(history.entries_size(), 2);
  EXPECT_EQ(history.entries(0).fields().fields().at("status").string_value(), "active");
  EXPECT_EQ(history.entries(1).fields().fields().at("status").string_value(), "on_leave");
  EXPECT_EQ(history.entries(0).change(), "added");


  // Every change is on the audit trail, and survives a restart.
  const std::vector<std::string> actions = AuditActions();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "register.add"), 2);
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "register.update"), 1);
  Close();
  Open();
  ASSERT_OK_AND_ASSIGN(const v1::RegisterEntry reopened, registers_->Get(K("staff"), "staff-1"));
  EXPECT_EQ(reopened.revision(), 2u);
  ASSERT_OK_AND_ASSIGN(const v1::RegisterEntry third, registers_->Create(actor_, K("staff"), StaffNamed("王芳", "003"), {}));
  EXPECT_EQ(third.id(), "staff-3");

  // A change inside a list of steps is named as such, and only it.
  v1::Matter matter;
  matter.set_title("催办测试");
  matter.set_source("leader");
  matter.set_mode("lead");
  v1::MatterStep* chase = matter.add_chases();
  chase->set_date("2026-11-20");
  chase->set_by("王主任");
  ASSERT_OK(registers_->Create(actor_, K("matter"), matter, {}).status());
  chase->set_note("请尽快");
  ASSERT_OK_AND_ASSIGN(const v1::RegisterEntry noted,
                       registers_->Update(actor_, K("matter"), "matter-1", matter, {"chases", "title"}, 0));
  EXPECT_EQ(noted.change(), "chases: step 1 changed");
}

TEST_F(RegistersTest, ListsFilterAndPage) {
  for (int i = 1; i <= 7; ++i) {
    v1::Matter m;
    m.set_title("事项" + std::to_string(i));
    m.set_source("leader");
    m.set_mode(i % 2 ? "lead" : "joint");
    m.set_status("open");
    if (i % 3 == 0) m.add_joint_handlers("财务科");
    ASSERT_OK(registers_->Create(actor_, K("matter"), m, {}).status());
  }
  std::vector<std::string> ids;
  std::string cursor;
  do {
    ASSERT_OK_AND_ASSIGN(const v1::RegisterEntryList page, registers_->List(K("matter"), {}, 0, cursor));
    EXPECT_LE(page.entries_size(), 3);
    for (const auto& e : page.entries()) ids.push_back(e.id());
    cursor = page.next_cursor();
  } while (!cursor.empty());
  EXPECT_EQ(ids, (std::vector<std::string>{"matter-1", "matter-2", "matter-3", "matter-4", "matter-5", "matter-6",
                                           "matter-7"}));
  ASSERT_OK_AND_ASSIGN(const v1::RegisterEntryList joint, registers_->List(K("matter"), {{"mode", "joint"}}, 100, ""));
  EXPECT_EQ(joint.entries_size(), 3);
  ASSERT_OK_AND_ASSIGN(const v1::RegisterEntryList finance,
                       registers_->List(K("matter"), {{"joint_handlers", "财务科"}}, 100, ""));
  ASSERT_EQ(finance.entries_size(), 2);
  EXPECT_EQ(finance.entries(1).id(), "matter-6");
  EXPECT_STATUS(registers_->List(K("matter"), {{"colour", "red"}}, 0, "").status(), kInvalidArgument, "colour");
  EXPECT_STATUS(registers_->List(K("matter"), {}, 0, "x").status(), kInvalidArgument, "");
  EXPECT_STATUS(registers_->List(K("matter"), {}, 5000, "").status(), kInvalidArgument, "");
}

TEST_F(RegistersTest, ReferencesMustExist) {
  v1::Training t;
  t.set_staff("staff-1");
  t.set_course("保密培训");
  EXPECT_STATUS(registers_->Create(actor_, K("training"), t, {}).status(), kNotFound, "staff: no staff entry \"staff-1\"");
  ASSERT_OK(registers_->Create(actor_, K("staff"), StaffNamed("张伟", "001"), {}).status());
  ASSERT_OK_AND_ASSIGN(const v1::RegisterEntry training, registers_->Create(actor_, K("training"), t, {}));
  EXPECT_EQ(training.id(), "training-1");
}

TEST_F(RegistersTest, LinksGoBothWaysAndASeparationStartsRetention) {
  const std::string contract = File("劳动合同 张伟");
  const std::string review = File("年度考核表 张伟");
  ASSERT_OK_AND_ASSIGN(v1::RegisterEntry staff,
                       registers_->Create(actor_, K("staff"), StaffNamed("张伟", "001"), {contract}));
  EXPECT_EQ(staff.links_size(), 1);
  // Linked by reference code too, and linking twice changes nothing.
  const std::string review_code = catalog_->GetDocument(review)->reference_code();
  ASSERT_OK_AND_ASSIGN(staff, registers_->Link(actor_, K("staff"), "staff-1", review_code));
  ASSERT_OK_AND_ASSIGN(staff, registers_->Link(actor_, K("staff"), "staff-1", review));
  EXPECT_EQ(staff.revision(), 2u);
  EXPECT_EQ(std::vector<std::string>(staff.links().begin(), staff.links().end()),
            (std::vector<std::string>{contract, review}));
  ASSERT_OK_AND_ASSIGN(const v1::RegisterEntryList linked, registers_->LinkedTo(review));
  ASSERT_EQ(linked.entries_size(), 1);
  EXPECT_EQ(linked.entries(0).id(), "staff-1");
  EXPECT_STATUS(registers_->Link(actor_, K("staff"), "staff-1", "nope").status(), kNotFound, "");

  // The separation is recorded on both documents, in the same change.
  EXPECT_TRUE(catalog_->GetDocument(contract)->events().empty());
  v1::Staff patch;
  patch.set_separation_date("2026-06-30");
  patch.set_status("separated");
  ASSERT_OK(registers_->Update(actor_, K("staff"), "staff-1", patch, {"separation_date", "status"}, 0).status());
  for (const std::string& id : {contract, review}) {
    EXPECT_EQ(catalog_->GetDocument(id)->events().at("separation"), "2026-06-30") << id;
  }
  // A document linked later gets it too; one unlinked is no longer listed, and loses the
  // event the entry gave it (it was linked by mistake).
  const std::string exit_form = File("离职交接单 张伟");
  ASSERT_OK(registers_->Link(actor_, K("staff"), "staff-1", exit_form).status());
  EXPECT_EQ(catalog_->GetDocument(exit_form)->events().at("separation"), "2026-06-30");
  ASSERT_OK(registers_->Unlink(actor_, K("staff"), "staff-1", review).status());
  EXPECT_EQ(registers_->LinkedTo(review)->entries_size(), 0);
  EXPECT_FALSE(catalog_->GetDocument(review)->events().contains("separation"));
  EXPECT_STATUS(registers_->Unlink(actor_, K("staff"), "staff-1", review).status(), kNotFound, "");
  // A corrected date moves the event.
  patch.set_separation_date("2026-07-31");
  ASSERT_OK(registers_->Update(actor_, K("staff"), "staff-1", patch, {"separation_date"}, 0).status());
  EXPECT_EQ(catalog_->GetDocument(contract)->events().at("separation"), "2026-07-31");
  EXPECT_EQ(catalog_->GetDocument(exit_form)->events().at("separation"), "2026-07-31");
  EXPECT_FALSE(catalog_->GetDocument(review)->events().contains("separation"));  // unlinked before
  // A date cleared (entered by mistake) is withdrawn, except where another linked entry
  // records the same event on the same day.
  v1::Staff other = StaffNamed("张伟", "001-B");
  other.set_separation_date("2026-07-31");
  ASSERT_OK(registers_->Create(actor_, K("staff"), other, {contract}).status());
  ASSERT_OK(registers_->Update(actor_, K("staff"), "staff-1", v1::Staff(), {"separation_date"}, 0).status());
  EXPECT_EQ(catalog_->GetDocument(contract)->events().at("separation"), "2026-07-31");
  EXPECT_FALSE(catalog_->GetDocument(exit_form)->events().contains("separation"));
  const std::vector<std::string> actions = AuditActions();
  // 2 when set, 1 when linked later, 2 when corrected; withdrawn from 1 unlinked, 1 cleared.
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "document.event"), 5);
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "document.event.withdraw"), 2);
}

TEST_F(RegistersTest, EveryEntryChangeIsQueuedForTheIndex) {
  ASSERT_OK_AND_ASSIGN(const std::uint64_t before, catalog_->IndexQueueHead());
  ASSERT_OK(registers_->Create(actor_, K("notice"), [] {
    v1::Notice n;
    n.set_title("关于元旦放假的通知");
    n.set_date("2026-12-25");
    return n;
  }(), {}).status());
  ASSERT_OK_AND_ASSIGN(const auto items, catalog_->ReadIndexQueue(before, 10));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].entry.entry_id(), "notice-1");
  EXPECT_TRUE(items[0].entry.document_id().empty());
  std::vector<std::string> ids;
  ASSERT_OK(registers_->ForEachEntryId([&](std::string_view id) {
    ids.emplace_back(id);
    return OkStatus();
  }));
  EXPECT_EQ(ids, std::vector<std::string>{"notice-1"});
  EXPECT_EQ(KindOfId("notice-1"), "notice");
  EXPECT_EQ(KindOfId("0123456789abcdef01234567"), "");
}

}  // namespace
}  // namespace archived::registers
