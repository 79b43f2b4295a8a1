// BackupService with a fake clock: the schedule starts a run when due (and not before), a
// failed scheduled run is retried `retries` times, counted and audited as failed, and a run
// that succeeds applies the keep policies; one run at a time.
#include "archived/service/backups.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "archived/audit/chain.h"
#include "archived/storage/rocks_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace archived::service {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono;

class BackupServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto main = storage::OpenRocksStore({.directory = dir_.path() / "db"});
    ASSERT_OK(main);
    main_ = std::move(*main);
    auto vault = storage::OpenRocksStore({.directory = dir_.path() / "vault", .keyspaces = storage::kVaultKeyspaces});
    ASSERT_OK(vault);
    vault_ = std::move(*vault);
    auto committer = audit::Committer::Open({}, main_.get(), clock_);
    ASSERT_OK(committer);
    committer_ = std::move(*committer);
  }
  void TearDown() override { committer_->Stop(); }

  BackupServiceOptions Options(const std::string& schedule) {
    BackupServiceOptions o{.target = dir_.path() / "backups", .work_dir = dir_.path() / "work"};
    if (!schedule.empty()) o.schedule = *backup::CronSchedule::Parse(schedule);
    o.retry_after = seconds(0);
    o.retries = 2;
    o.keep = {.last = 2};
    return o;
  }

  // The audit events with `action`, as "outcome" strings ("" for success).
  std::vector<std::string> Outcomes(std::string_view action) {
    std::vector<std::string> outcomes;
    const StatusOr<std::vector<v1::AuditEvent>> events = audit::ReadEvents(*main_, 1, 10000);
    for (const v1::AuditEvent& e : *events) {
      if (e.action() == action) outcomes.push_back(e.outcome());
    }
    return outcomes;
  }

  template <typename Predicate>
  bool WaitFor(Predicate done) {
    for (int i = 0; i < 400; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(milliseconds(25));
    }
    return false;
  }

  testing::TempDir dir_;
  FakeClock clock_{sys_days{year{2026} / 11 / 24} + hours(1) + minutes(59) + seconds(59)};
  crypto::Keyring ring_{*crypto::SecretKey::Generate()};
  std::unique_ptr<storage::Store> main_, vault_;
  std::unique_ptr<audit::Committer> committer_;
};

TEST_F(BackupServiceTest, TheScheduleRunsWhenDueAndAppliesTheKeepPolicy) {
  BackupService service(main_.get(), vault_.get(), &ring_, committer_.get(), clock_, Options("0 2 * * *"));
  // Two backups made by hand first, an hour apart.
  ASSERT_OK(service.RunNow({.name = "admin"}));
  clock_.Advance(milliseconds(10));
  ASSERT_OK(service.RunNow({.name = "admin"}));
  service.StartSchedule();
  // Not yet due: nothing runs.
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(service.counters().succeeded, 2u);
  // 02:00 passes on the fake clock.
  clock_.Advance(seconds(1));
  ASSERT_TRUE(WaitFor([&] { return service.counters().succeeded == 3; })) << service.counters().succeeded;
  // Keep last 2: the scheduled run's forget removed backup 1 (content and vault).
  ASSERT_TRUE(WaitFor([&] { return !fs::exists(dir_.path() / "backups" / "content-00000001.manifest"); }));
  EXPECT_TRUE(fs::exists(dir_.path() / "backups" / "content-00000003.manifest"));
  ASSERT_TRUE(WaitFor([&] { return Outcomes("backup.forget").size() == 1; }));
  // Nothing more until tomorrow 02:00.
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(service.counters().succeeded, 3u);
  std::vector<std::string> created = Outcomes("backup.create");
  EXPECT_EQ(created, (std::vector<std::string>{"", "", ""}));
}

// RELIABILITY pitfall 17: a legal hold suspends the removal of content backups; vault
// backups still expire by their own policy; once the hold is released the policy applies.
TEST_F(BackupServiceTest, ALegalHoldKeepsEveryContentBackupUntilItIsReleased) {
  std::vector<std::string> holds = {"case-2026-7"};
  BackupServiceOptions options = Options("");
  options.vault_keep = {.last = 1};
  options.active_holds = [&holds]() -> StatusOr<std::vector<std::string>> { return holds; };
  BackupService service(main_.get(), vault_.get(), &ring_, committer_.get(), clock_, options);
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK(service.RunNow({.name = "admin"}));
    clock_.Advance(hours(1));
  }
  const fs::path target = dir_.path() / "backups";
  ASSERT_OK_AND_ASSIGN(const v1::BackupForgetReport held, service.Forget({.name = "admin"}, /*dry_run=*/false));
  EXPECT_EQ(std::vector<std::string>(held.held_by().begin(), held.held_by().end()), holds);
  for (int seq = 1; seq <= 4; ++seq) {
    EXPECT_TRUE(fs::exists(target / ("content-0000000" + std::to_string(seq) + ".manifest"))) << seq;
  }
  // The vault's own policy (the newest only) still ran.
  EXPECT_FALSE(fs::exists(target / "vault-00000001.manifest"));
  EXPECT_TRUE(fs::exists(target / "vault-00000004.manifest"));
  EXPECT_EQ(held.removed_size(), 3);  // the three older vault backups

  // A failing lookup removes nothing.
  options.active_holds = []() -> StatusOr<std::vector<std::string>> { return UnavailableError("no retention"); };
  BackupService unsure(main_.get(), vault_.get(), &ring_, committer_.get(), clock_, options);
  EXPECT_FALSE(unsure.Forget({.name = "admin"}, /*dry_run=*/false).ok());
  EXPECT_TRUE(fs::exists(target / "content-00000001.manifest"));

  holds.clear();  // released: keep the last 2
  ASSERT_OK_AND_ASSIGN(const v1::BackupForgetReport released, service.Forget({.name = "admin"}, /*dry_run=*/false));
  EXPECT_EQ(released.held_by_size(), 0);
  EXPECT_FALSE(fs::exists(target / "content-00000001.manifest"));
  EXPECT_TRUE(fs::exists(target / "content-00000003.manifest"));
  EXPECT_EQ(released.removed(0), "content-00000001");
  EXPECT_EQ(Outcomes("backup.forget"), (std::vector<std::string>{"", "failed", ""}));
}

// An append-only target: the daemon never removes a backup (forget is refused, scheduled
// runs do not prune), and each content manifest records the holds in force for the
// administrator's own forget.
TEST_F(BackupServiceTest, AnAppendOnlyTargetIsNeverPrunedByTheDaemon) {
  BackupServiceOptions options = Options("0 2 * * *");
  options.keep = {.last = 1};
  options.append_only = true;
  options.active_holds = []() -> StatusOr<std::vector<std::string>> { return std::vector<std::string>{"audit-2026"}; };
  BackupService service(main_.get(), vault_.get(), &ring_, committer_.get(), clock_, options);
  ASSERT_OK(service.RunNow({.name = "admin"}));
  clock_.Advance(milliseconds(10));
  ASSERT_OK(service.RunNow({.name = "admin"}));
  service.StartSchedule();
  clock_.Advance(seconds(1));
  ASSERT_TRUE(WaitFor([&] { return service.counters().succeeded == 3; }));
  const StatusOr<v1::BackupForgetReport> refused = service.Forget({.name = "admin"}, /*dry_run=*/false);
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("archived backup forget"), std::string::npos) << refused.status().ToString();
  ASSERT_OK_AND_ASSIGN(const v1::BackupForgetReport dry, service.Forget({.name = "admin"}, /*dry_run=*/true));
  EXPECT_EQ(dry.held_by_size(), 1);
  std::this_thread::sleep_for(milliseconds(200));
  for (const char* name : {"content-00000001.manifest", "vault-00000001.manifest", "content-00000003.manifest"}) {
    EXPECT_TRUE(fs::exists(dir_.path() / "backups" / name)) << name;
  }
  EXPECT_TRUE(Outcomes("backup.forget").empty());
  ASSERT_OK_AND_ASSIGN(const std::vector<backup::Listed> listed, backup::ListBackups(dir_.path() / "backups", ring_));
  for (const backup::Listed& l : listed) {
    ASSERT_TRUE(l.manifest.has_value()) << l.id;
    EXPECT_EQ(l.manifest->legal_holds_size(), l.kind == backup::kContent ? 1 : 0) << l.id;
  }
}

TEST_F(BackupServiceTest, AFailedScheduledRunIsRetriedCountedAndAudited) {
  // The target is a file: every run fails.
  std::ofstream(dir_.path() / "backups") << "not a directory";
  BackupService service(main_.get(), vault_.get(), &ring_, committer_.get(), clock_, Options("0 2 * * *"));
  service.StartSchedule();
  clock_.Advance(seconds(1));
  ASSERT_TRUE(WaitFor([&] { return service.counters().failed == 3; })) << service.counters().failed;
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(service.counters().failed, 3u) << "one run and two retries, then the next day";
  EXPECT_EQ(service.counters().succeeded, 0u);
  EXPECT_EQ(Outcomes("backup.create"), (std::vector<std::string>{"failed", "failed", "failed"}));
  const std::optional<v1::BackupReport> latest = service.Latest();
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->state(), "failed");
  EXPECT_FALSE(latest->error().empty());
}

// R10: an older backup passed off as the newest. The archive remembers the newest backup it
// made; a target whose backups stop before it (the newer ones removed, or an older copy of
// the directory restored in its place) is refused and the refusal audited.
TEST_F(BackupServiceTest, ATargetThatLostItsNewestBackupsIsRefused) {
  BackupService service(main_.get(), vault_.get(), &ring_, committer_.get(), clock_, Options(""));
  const fs::path target = dir_.path() / "backups";
  ASSERT_OK(service.RunNow({.name = "admin"}));
  const fs::path copy = dir_.path() / "old-copy";
  fs::copy(target, copy);
  ASSERT_OK(service.RunNow({.name = "admin"}));
  // The directory replaced by the older copy.
  fs::remove_all(target);
  fs::copy(copy, target);
  ASSERT_OK_AND_ASSIGN(const v1::BackupReport refused, service.RunNow({.name = "admin"}));
  EXPECT_EQ(refused.state(), "failed");
  EXPECT_NE(refused.error().find("content-00000002"), std::string::npos) << refused.error();
  EXPECT_EQ(Outcomes("backup.create"), (std::vector<std::string>{"", "", "failed"}));
  // An empty directory starts a new chain.
  fs::remove_all(target);
  fs::create_directories(target);
  ASSERT_OK_AND_ASSIGN(const v1::BackupReport fresh, service.RunNow({.name = "admin"}));
  EXPECT_EQ(fresh.state(), "done") << fresh.error();
  EXPECT_EQ(fresh.content().id(), "content-00000001");
}

TEST_F(BackupServiceTest, OneRunAtATimeAndNothingWithoutATarget) {
  BackupService unconfigured(main_.get(), vault_.get(), &ring_, committer_.get(), clock_, {});
  EXPECT_EQ(unconfigured.RunNow({.name = "admin"}).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(unconfigured.List().status().code(), StatusCode::kFailedPrecondition);
  BackupService service(main_.get(), vault_.get(), &ring_, committer_.get(), clock_, Options(""));
  ASSERT_OK(service.Start({.name = "admin"}));
  // While it runs (or just after), a second start is refused or, if it finished, succeeds.
  const StatusOr<v1::BackupReport> second = service.Start({.name = "admin"});
  if (!second.ok()) {
    EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  }
  ASSERT_TRUE(WaitFor([&] { return service.Latest() && service.Latest()->state() != "running"; }));
  ASSERT_TRUE(WaitFor([&] { return service.List().ok() && service.List()->backups_size() >= 2; }));
  ASSERT_OK_AND_ASSIGN(const v1::BackupReport verified, service.Verify({.name = "auditor"}, "", true));
  EXPECT_EQ(verified.state(), "done");
  ASSERT_OK_AND_ASSIGN(const v1::BackupList list, service.List());
  bool saw_verified = false;
  for (const v1::BackupSummary& b : list.backups()) {
    if (b.verification().starts_with("ok at")) saw_verified = true;
  }
  EXPECT_TRUE(saw_verified);
}

}  // namespace
}  // namespace archived::service
