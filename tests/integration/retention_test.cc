// Retention end to end against the real daemon, driven by archivectl and curl: the records
// officer adds a category with a short schedule, places a hold, runs and approves a
// disposition; the destroyed document's content and search hits are gone, its stub and a
// verifiable certificate remain, and a restore of a backup taken before the destruction
// does not bring it back.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>

#include "tests/integration/harness.h"

namespace archived::testing {
namespace {

namespace fs = std::filesystem;

class RetentionTest : public DaemonTest {
 protected:
  void SetUp() override {
    config_ = WriteFile("archived.toml", "[backup]\ntarget = \"" + target_.string() +
                                               "\"\nschedule = \"\"\n[retention]\nrun_schedule = \"\"\ntransfer_dir = \"" +
                                               (dir_.path() / "transfers").string() + "\"\n");
    StartDaemon(config_);
    officer_ = TokenFor("lin", "ROLE_RECORDS_OFFICER");
    auditor_ = TokenFor("audit1", "ROLE_AUDITOR");
    // The first start's token holds every role (a small office); this one administers only.
    admin_ = TokenFor("ops", "ROLE_ADMIN");
  }
  std::string TokenFor(const std::string& name, const std::string& role) {
    const CommandResult u =
        Curl({"-X", "POST", "-d", R"({"name":")" + name + R"(","roles":[")" + role + R"("]})", Api("/users")});
    EXPECT_EQ(JsonField(u.out, "name"), name) << u.out;
    return JsonField(Curl({"-X", "POST", "-d", R"({"user":")" + name + R"("})", Api("/tokens")}).out, "token");
  }
  CommandResult As(const std::string& token, std::vector<std::string> args) {
    args.insert(args.begin(), ArchivectlBinaryPath().string());
    return RunCommand(args, {{"ARCHIVED_URL", daemon_->url()}, {"ARCHIVED_TOKEN", token}});
  }
  std::string File(const std::string& title, const std::string& category, const std::string& text,
                   const std::string& date) {
    const CommandResult r = Curl({"-X", "POST", "-H", "Content-Type: text/plain", "--data-binary", text,
                                  Api("/documents?title=" + title + "&category=" + category + "&date=" + date)});
    const std::string id = JsonField(r.out, "id");
    EXPECT_FALSE(id.empty()) << r.out;
    return id;
  }
  // The newest backup run has finished (the one a destruction starts runs on its own).
  void WaitForBackups() {
    for (int i = 0; i < 600; ++i) {
      const std::string latest = Curl({Api("/admin/backups/latest")}).out;
      if (latest.find("\"running\"") == std::string::npos) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "the backup after the destruction did not finish";
  }

  fs::path target_ = dir_.path() / "backups";
  std::string officer_, auditor_, admin_;
  fs::path config_;
};

TEST_F(RetentionTest, ApprovedDestructionIsRealCertifiedAndSurvivesARestore) {
  // The file plan: contracts kept one year after their date, then destroyed.
  const CommandResult added = As(officer_, {"category", "add", "BGS/HT", "--name", "合同", "--name-en", "Contracts",
                                            "--class", "D10", "--years", "1", "--trigger", "date", "--action",
                                            "destroy"});
  ASSERT_EQ(added.exit_code, 0) << added.out << added.err;
  EXPECT_NE(added.out.find("1 year after the document date, then destroy"), std::string::npos) << added.out;
  // Not the administrator's to change (三员分立).
  EXPECT_EQ(As(admin_, {"category", "add", "BGS/X", "--name", "x", "--class", "D10"}).exit_code, 1);

  ASSERT_EQ(As(officer_, {"category", "add", "BGS/YJ", "--name", "移交", "--class", "D30", "--years", "1", "--trigger",
                          "date", "--action", "transfer", "--destroy-after-transfer"})
                .exit_code,
            0);
  const std::string to_transfer = File("to-the-state-archive", "BGS/YJ", "annual report 2019", "2019-01-10");
  const std::string old_contract = File("old-contract", "BGS/HT", "lease zebra-canary quokkaxyz 2019", "2019-03-01");
  const std::string disputed = File("disputed-contract", "BGS/HT", "supply zebra-canary 2019", "2019-05-01");
  const std::string current = File("current-contract", "BGS/HT", "service zebra-canary 2026", "2026-10-01");
  WaitIndexed();
  EXPECT_EQ(JsonField(Curl({Api("/search?q=zebra")}).out, "estimated_total"), "3");
  // A backup from before the destruction.
  ASSERT_EQ(Ctl({"backup", "now"}).exit_code, 0);

  const CommandResult hold = As(officer_, {"hold", "add", "lawsuit-2026", "--reason", "supplier dispute",
                                           "--documents", disputed});
  ASSERT_EQ(hold.exit_code, 0) << hold.err;
  const CommandResult due = As(officer_, {"disposition", "due"});
  EXPECT_NE(due.out.find("held by lawsuit-2026"), std::string::npos) << due.out;
  const CommandResult run = As(officer_, {"disposition", "run"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("disposition batch 1"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find(disputed.substr(0, 10)), std::string::npos) << run.out;
  // Only a records officer approves: not the administrator, not the auditor.
  EXPECT_EQ(CurlStatus({"-H", "Authorization: Bearer " + admin_, "-X", "POST", Api("/dispositions/1/approve")}, false), 403);
  EXPECT_NE(As(auditor_, {"disposition", "approve", "1"}).exit_code, 0);
  const CommandResult approved = As(officer_, {"disposition", "approve", "1"});
  ASSERT_EQ(approved.exit_code, 0) << approved.err;
  EXPECT_NE(approved.out.find("executed"), std::string::npos) << approved.out;

  // The transferred one is in the package, and destroyed here as its schedule says.
  const std::string moved = Curl({"-H", "Authorization: Bearer " + officer_, Api("/documents/" + to_transfer)}, false).out;
  EXPECT_NE(moved.find("transfer-Z001-batch-1.tar"), std::string::npos) << moved;
  const CommandResult listing =
      RunCommand({"/bin/tar", "-tf", (dir_.path() / "transfers" / "transfer-Z001-batch-1.tar").string()});
  EXPECT_NE(listing.out.find("transfer-Z001-batch-1/manifest-sha256.txt"), std::string::npos) << listing.out;
  // The destroyed document: a stub, no content, no search hit.
  const std::string stub = Curl({"-H", "Authorization: Bearer " + officer_, Api("/documents/" + old_contract)}, false).out;
  EXPECT_NE(stub.find("DOCUMENT_STATE_DESTROYED"), std::string::npos) << stub;
  EXPECT_NE(stub.find("\"batch_id\":\"1\""), std::string::npos) << stub;
  EXPECT_EQ(CurlStatus({"-H", "Authorization: Bearer " + officer_, Api("/documents/" + old_contract + "/content")}, false), 409);
  WaitIndexed();
  const std::string found = Curl({"-H", "Authorization: Bearer " + officer_, Api("/search?q=zebra")}, false).out;
  EXPECT_EQ(JsonField(found, "estimated_total"), "2") << found;
  EXPECT_EQ(found.find(old_contract), std::string::npos);
  // No file of the data directory holds its words any more, the index's included (it is
  // compacted once the removal is indexed).
  std::string holding = "?";
  for (int i = 0; i < 200 && !holding.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    holding = RunCommand({"/bin/grep", "-rl", "quokkaxyz", (dir_.path() / "data").string()}).out;
  }
  EXPECT_EQ(holding, "");
  EXPECT_EQ(daemon_->Log().find("quokkaxyz"), std::string::npos);  // nor did any log line
  EXPECT_EQ(JsonField(Curl({"-H", "Authorization: Bearer " + officer_, Api("/search?q=zebra")}, false).out,
                      "estimated_total"),
            "2");
  // The certificate: listed, and verified by the auditor with the signature checked locally.
  const CommandResult list = As(auditor_, {"certificate", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("-Y-BGS.DA-"), std::string::npos) << list.out;
  const std::string certificate = JsonField(Curl({"-H", "Authorization: Bearer " + auditor_, Api("/certificates")}, false).out,
                                            "document_id");
  const CommandResult verified = As(auditor_, {"certificate", "verify", certificate});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_NE(verified.out.find("signature: valid"), std::string::npos) << verified.out;
  // Pinned to another key, it does not verify.
  EXPECT_EQ(As(auditor_, {"certificate", "verify", certificate, "--public-key", std::string(64, 'a')}).exit_code, 3);
  // Bad input is a clear 4xx.
  EXPECT_EQ(CurlStatus({"-H", "Authorization: Bearer " + officer_, "-X", "POST", Api("/dispositions/x/approve")}, false), 400);
  EXPECT_EQ(CurlStatus({"-H", "Authorization: Bearer " + officer_, "-X", "POST", Api("/dispositions/1/approve")}, false), 409);
  EXPECT_EQ(CurlStatus({"-H", "Authorization: Bearer " + officer_, "-X", "POST", "-d", R"({"name":"bad name"})",
                        Api("/holds")}, false),
            400);
  EXPECT_EQ(As(admin_, {"audit", "verify"}).exit_code, 1);  // the administrator does not read the trail
  EXPECT_EQ(As(auditor_, {"audit", "verify"}).exit_code, 0);
  // The retention audit report, for the auditor too: text, CSV, HTML; what-if changes nothing.
  const CommandResult report = As(auditor_, {"report", "retention", "--horizon", "365"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(report.out.find("BGS/HT"), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("held by lawsuit-2026"), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("batch 1"), std::string::npos) << report.out;
  const fs::path csv = dir_.path() / "report.csv";
  ASSERT_EQ(As(auditor_, {"report", "retention", "--format", "csv", "-o", csv.string()}).exit_code, 0);
  const CommandResult csv_text = RunCommand({"/bin/cat", csv.string()});
  EXPECT_NE(csv_text.out.find("category,BGS/HT,"), std::string::npos) << csv_text.out;
  const CommandResult html = As(officer_, {"report", "retention", "--format", "html"});
  EXPECT_NE(html.out.find("<!DOCTYPE html>"), std::string::npos);
  EXPECT_NE(html.out.find("合同"), std::string::npos);
  const CommandResult what_if =
      As(officer_, {"report", "retention", "--json", "--schedule-override", "BGS/HT=Y"});
  EXPECT_NE(what_if.out.find("\"overridden\":true"), std::string::npos) << what_if.out;
  EXPECT_NE(As(officer_, {"report", "retention", "--schedule-override", "BGS/HT=forever"}).exit_code, 0);
  EXPECT_NE(As(admin_, {"report", "retention"}).exit_code, 0);
  WaitForBackups();  // the destruction started a backup: its vault backup holds the ledger
  ASSERT_EQ(daemon_->Stop(), 0);

  // Restore the backup from before the destruction: the document stays destroyed.
  const fs::path into = dir_.path() / "restored";
  const CommandResult restored =
      RunCommand({ArchivedBinaryPath().string(), "restore", "--from", target_.string(), "--backup", "1", "--data-dir",
                  into.string(), "--key-file", (dir_.path() / "data" / "master.key").string()});
  ASSERT_EQ(restored.exit_code, 0) << restored.out << restored.err;
  EXPECT_NE(restored.out.find("destruction ledger: 2 destructions"), std::string::npos) << restored.out;
  fs::copy_file(dir_.path() / "data" / "admin.token", into / "admin.token");
  fs::permissions(into / "admin.token", fs::perms::owner_read | fs::perms::owner_write);
  StatusOr<std::unique_ptr<DaemonProcess>> d =
      DaemonProcess::Start({.binary = ArchivedBinaryPath(), .data_dir = into, .config = {}, .extra_args = {}});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  daemon_ = std::move(d).value();
  const std::string officer = TokenFor("lin2", "ROLE_RECORDS_OFFICER");
  EXPECT_NE(Curl({"-H", "Authorization: Bearer " + officer, Api("/documents/" + old_contract)}, false).out.find(
                "DOCUMENT_STATE_DESTROYED"),
            std::string::npos);
  EXPECT_EQ(CurlStatus({"-H", "Authorization: Bearer " + officer, Api("/documents/" + old_contract + "/content")}, false), 409);
  EXPECT_EQ(CurlStatus({"-H", "Authorization: Bearer " + officer, Api("/documents/" + current + "/content")}, false), 200);
  WaitIndexed();
  const std::string after = Curl({"-H", "Authorization: Bearer " + officer, Api("/search?q=zebra")}, false).out;
  EXPECT_EQ(JsonField(after, "estimated_total"), "2") << after;
}

// R14: kill -9 while a batch is being destroyed; the restarted daemon finishes it: every
// document destroyed exactly once, one certificate that verifies, a chain that verifies.
TEST_F(RetentionTest, KillNineDuringADestructionIsFinishedOnRestart) {
  ASSERT_EQ(As(officer_, {"category", "add", "BGS/HT", "--name", "合同", "--class", "D10", "--years", "1", "--trigger",
                          "date", "--action", "destroy"})
                .exit_code,
            0);
  const unsigned seed = TestSeed();
  SCOPED_TRACE("ARCHIVED_TEST_SEED=" + std::to_string(seed));
  std::mt19937 rng(seed);
  std::size_t destroyed_total = 0;
  for (int cycle = 0; cycle < 3; ++cycle) {
    std::vector<std::string> ids;
    for (int i = 0; i < 25; ++i) {
      const fs::path f = WriteFile("c" + std::to_string(cycle) + "-" + std::to_string(i),
                                   RandomBytes(i % 5 == 0 ? (2 << 20) : 20000, seed + 100 * cycle + i));
      const CommandResult r = Curl({"-X", "POST", "-H", "Content-Type: application/octet-stream", "--data-binary",
                                    "@" + f.string(), Api("/documents?title=c&category=BGS/HT&date=2019-01-01")});
      ids.push_back(JsonField(r.out, "id"));
      ASSERT_FALSE(ids.back().empty()) << r.out;
    }
    const CommandResult run = As(officer_, {"disposition", "run", "--json"});
    const std::string batch = JsonField(run.out, "id");
    ASSERT_FALSE(batch.empty()) << run.out;
    std::thread approve([&] { As(officer_, {"disposition", "approve", batch}); });
    // An approval of 25 documents takes ~80–150 ms here: most kills land inside it.
    std::this_thread::sleep_for(std::chrono::milliseconds(10 + rng() % 120));
    daemon_->Kill();
    approve.join();
    StartDaemon(config_);
    // If the approval itself was lost, it is given again; either way the batch ends executed.
    std::string shown = As(officer_, {"disposition", "show", batch, "--json"}).out;
    if (shown.find("DISPOSITION_BATCH_STATE_EXECUTED") == std::string::npos) {
      ASSERT_EQ(As(officer_, {"disposition", "approve", batch}).exit_code, 0);
      shown = As(officer_, {"disposition", "show", batch, "--json"}).out;
    }
    EXPECT_NE(shown.find("DISPOSITION_BATCH_STATE_EXECUTED"), std::string::npos) << shown;
    for (const std::string& id : ids) {
      EXPECT_EQ(CurlStatus({"-H", "Authorization: Bearer " + officer_, Api("/documents/" + id + "/content")}, false),
                409)
          << id;
    }
    destroyed_total += ids.size();
    const std::string certificate = JsonField(shown, "certificate_id");
    ASSERT_FALSE(certificate.empty()) << shown;
    const CommandResult verified = As(auditor_, {"certificate", "verify", certificate});
    EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
    EXPECT_NE(verified.out.find("(25 items)"), std::string::npos) << verified.out;
  }
  // Each destruction is on the trail exactly once, and the chain verifies.
  const std::string events =
      Curl({"-H", "Authorization: Bearer " + auditor_, Api("/audit/events?action=document.destroy&limit=1000")}, false).out;
  std::size_t count = 0;
  for (std::size_t at = events.find("\"document.destroy\""); at != std::string::npos;
       at = events.find("\"document.destroy\"", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, destroyed_total);
  EXPECT_EQ(As(auditor_, {"audit", "verify"}).exit_code, 0);
}

}  // namespace
}  // namespace archived::testing
