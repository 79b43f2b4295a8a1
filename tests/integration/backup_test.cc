// Backups end to end (RELIABILITY.md R9, R10; issue #5): the real daemon backs up through
// `archivectl backup`, and `archived restore` brings a chain of a full and two incremental
// backups back into new data directories where a second daemon serves every document,
// version (byte-identical), metadata field, audit event and search hit of each backup's
// moment. A tampered backup is refused by verify and by restore, which then writes nothing.
// A backup taken while eight clients file documents restores to a consistent archive, and a
// kill -9 during a backup leaves the earlier backups valid and the next run succeeding.
#include <google/protobuf/util/json_util.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "archived/v1/api.pb.h"
#include "archived/v1/backup.pb.h"
#include "client/cli.h"
#include "client/http_client.h"
#include "tests/integration/harness.h"

namespace archived::testing {
namespace {

namespace fs = std::filesystem;

class BackupTest : public DaemonTest {
 protected:
  void SetUp() override { StartDaemon(Config()); }
  fs::path Config() {
    return WriteFile("archived.toml", "[backup]\ntarget = \"" + target_.string() + "\"\nschedule = \"\"\n");
  }
  client::HttpClient Client() {
    return client::HttpClient(*client::ParseServerUrl(daemon_->url()), daemon_->token());
  }

  // What a backup must bring back: per document, its metadata and each version's listing
  // and downloaded bytes' SHA-256.
  std::map<std::string, std::string> State() {
    client::HttpClient client = Client();
    std::map<std::string, std::string> state;
    StatusOr<client::Response> listed = client.Call("GET", "/api/v1/documents?limit=1000");
    EXPECT_TRUE(listed.ok());
    if (!listed.ok()) return state;
    const StatusOr<v1::DocumentList> list = client::ParseBody<v1::DocumentList>(*listed);
    EXPECT_TRUE(list.ok());
    for (const v1::Document& d : list->documents()) {
      std::string entry = client.Call("GET", "/api/v1/documents/" + d.id())->body;
      const StatusOr<client::Response> versions = client.Call("GET", "/api/v1/documents/" + d.id() + "/versions");
      entry += "\n" + versions->body;
      for (std::uint32_t v = 1; v <= d.latest_version(); ++v) {
        crypto::Sha256 hash;
        const StatusOr<client::Response> r = client.Download(
            "/api/v1/documents/" + d.id() + "/content?version=" + std::to_string(v),
            [&](std::string_view piece) {
              hash.Update(piece);
              return true;
            },
            nullptr);
        EXPECT_TRUE(r.ok()) << d.id() << " v" << v;
        entry += "\nv" + std::to_string(v) + " " + HexEncode(hash.Finish());
      }
      state[d.id()] = entry;
    }
    return state;
  }

  // Files `n` documents: text, and every fourth a multi-chunk binary one.
  std::vector<std::string> File(int first, int n) {
    std::vector<std::string> ids;
    for (int i = first; i < first + n; ++i) {
      const std::string content = i % 4 == 0 ? RandomBytes((1 << 20) + 4096 * i, static_cast<unsigned>(i))
                                             : "budget memo " + std::to_string(i) + " 办公室 预算 " +
                                                   std::string(static_cast<std::size_t>(100 + i), 'x');
      const fs::path path = WriteFile("doc" + std::to_string(i), content);
      const CommandResult r = Ctl({"put", path.string(), "--title", "memo " + std::to_string(i), "--json"});
      EXPECT_EQ(r.exit_code, 0) << r.err;
      ids.push_back(JsonField(r.out, "id"));
    }
    return ids;
  }

  CommandResult Restore(const fs::path& into, const std::string& backup = "") {
    std::vector<std::string> args = {ArchivedBinaryPath().string(), "restore", "--from", target_.string(),
                                     "--data-dir", into.string(), "--key-file",
                                     (dir_.path() / "data" / "master.key").string()};
    if (!backup.empty()) args.insert(args.end(), {"--backup", backup});
    return RunCommand(args);
  }

  // Runs a daemon on a restored directory (with the original admin token: the restored
  // store holds its hash) and returns what it serves.
  void ServeRestored(const fs::path& into) {
    fs::copy_file(dir_.path() / "data" / "admin.token", into / "admin.token", fs::copy_options::overwrite_existing);
    fs::permissions(into / "admin.token", fs::perms::owner_read | fs::perms::owner_write);
    StatusOr<std::unique_ptr<DaemonProcess>> d =
        DaemonProcess::Start({.binary = ArchivedBinaryPath(), .data_dir = into, .config = {}, .extra_args = {}});
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    daemon_ = std::move(d).value();
  }

  fs::path target_ = dir_.path() / "backups";
};

TEST_F(BackupTest, AFullAndTwoIncrementalBackupsEachRestoreExactly) {
  std::vector<std::map<std::string, std::string>> states;
  std::vector<std::string> hits;  // a search's ids, in order, at each backup
  const auto search = [&] {
    const std::string body = Curl({Api("/search?q=%E9%A2%84%E7%AE%97&limit=100")}).out;  // 预算
    std::string ids;
    for (std::size_t at = body.find("\"id\":\""); at != std::string::npos; at = body.find("\"id\":\"", at + 1)) {
      ids += body.substr(at + 6, 24) + " ";
    }
    return JsonField(body, "total") + ": " + ids;
  };
  const auto backup_now = [&](const std::string& type) {
    const CommandResult r = Ctl({"backup", "now"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find(type), std::string::npos) << r.out;
    states.push_back(State());
    hits.push_back(search());
  };
  const std::vector<std::string> ids = File(0, 12);
  WaitIndexed();
  backup_now("full");
  // New documents, new versions of old ones, changed metadata.
  File(12, 6);
  for (int i = 0; i < 3; ++i) {
    const fs::path path = WriteFile("v" + std::to_string(i), "second version " + std::to_string(i));
    ASSERT_EQ(Ctl({"version", ids[static_cast<std::size_t>(i)], path.string()}).exit_code, 0);
  }
  ASSERT_EQ(CurlStatus({"-X", "PATCH", "-d", R"({"author":"王秘书","tags":["预算"]})", Api("/documents/" + ids[5])}), 200);
  WaitIndexed();
  backup_now("incremental");
  File(18, 4);
  WaitIndexed();
  backup_now("incremental");

  const CommandResult list = Ctl({"backup", "list"});
  EXPECT_EQ(list.exit_code, 0);
  for (const char* id : {"content-00000001", "content-00000002", "content-00000003", "vault-00000003"}) {
    EXPECT_NE(list.out.find(id), std::string::npos) << list.out;
  }
  const CommandResult verified = Ctl({"backup", "verify", "--read-data"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_NE(Ctl({"backup", "list"}).out.find("every byte read"), std::string::npos);
  ASSERT_EQ(daemon_->Stop(), 0);

  for (int b = 3; b >= 1; --b) {
    SCOPED_TRACE("backup " + std::to_string(b));
    const fs::path into = dir_.path() / ("restored" + std::to_string(b));
    const CommandResult restored = Restore(into, std::to_string(b));
    ASSERT_EQ(restored.exit_code, 0) << restored.out << restored.err;
    EXPECT_NE(restored.out.find("audit chain verified"), std::string::npos) << restored.out;
    ServeRestored(into);
    EXPECT_TRUE(State() == states[static_cast<std::size_t>(b - 1)]) << "documents, versions or bytes differ";
    // The audit chain continues from the backup's and verifies; it holds the source's
    // events up to the backup, then the restore.
    const CommandResult chain = Ctl({"audit", "verify"});
    EXPECT_EQ(chain.exit_code, 0) << chain.out;
    const std::string events = Curl({Api("/audit/events?action=backup.restore")}).out;
    EXPECT_NE(events.find("content-0000000" + std::to_string(b)), std::string::npos) << events;
    // Search works on the rebuilt index: the same hits in the same order as at the backup.
    EXPECT_EQ(search(), hits[static_cast<std::size_t>(b - 1)]);
    ASSERT_EQ(daemon_->Stop(), 0);
  }
}

TEST_F(BackupTest, ATamperedBackupIsRefusedAndRestoreWritesNothing) {
  File(0, 9);
  ASSERT_EQ(Ctl({"backup", "now"}).exit_code, 0);
  const fs::path archive = target_ / "content-00000001.archive";
  {
    std::fstream f(archive, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(archive) / 2));
    f.put('\x5a');
  }
  const CommandResult verified = Ctl({"backup", "verify", "1", "--read-data"});
  EXPECT_EQ(verified.exit_code, 3) << verified.out << verified.err;
  EXPECT_NE(verified.out.find("FAILED"), std::string::npos) << verified.out;
  EXPECT_NE(Ctl({"backup", "list"}).out.find("FAILED"), std::string::npos);
  // The failure is on the audit trail.
  const std::string events = Curl({Api("/audit/events?action=backup.verify")}).out;
  EXPECT_NE(events.find("\"outcome\":\"failed\""), std::string::npos) << events;
  // Restore refuses it and creates nothing.
  const fs::path into = dir_.path() / "restored";
  const CommandResult restored = Restore(into);
  EXPECT_NE(restored.exit_code, 0);
  EXPECT_NE(restored.err.find("content-00000001"), std::string::npos) << restored.err;
  EXPECT_FALSE(fs::exists(into));
  // A wrong key is refused the same way.
  const fs::path other_key = WriteFile("other.key", std::string(64, 'a') + "\n");
  fs::permissions(other_key, fs::perms::owner_read | fs::perms::owner_write);
  const CommandResult wrong = RunCommand({ArchivedBinaryPath().string(), "restore", "--from", target_.string(),
                                          "--data-dir", into.string(), "--key-file", other_key.string()});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.err.find("master key"), std::string::npos) << wrong.err;
  EXPECT_FALSE(fs::exists(into));
  // Bad requests are clear errors.
  EXPECT_EQ(CurlStatus({"-X", "POST", Api("/admin/backups/verify?id=nonsense")}), 400);
  EXPECT_EQ(CurlStatus({"-X", "POST", Api("/admin/backups/verify?id=42")}), 404);
  EXPECT_EQ(CurlStatus({"-X", "POST", Api("/admin/backups/verify?read_data=maybe")}), 400);
}

TEST_F(BackupTest, ABackupDuringIngestByEightClientsRestoresConsistently) {
  File(0, 4);
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> acked_before;  // id, sha256
  std::atomic<bool> backup_started{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      client::HttpClient client = Client();
      for (int n = 0; !stop.load(); ++n) {
        const std::string content = RandomBytes(n % 5 == 0 ? (1 << 20) + 7 : 3000 + 13 * n, static_cast<unsigned>(c * 1000 + n));
        const fs::path path = dir_.path() / ("c" + std::to_string(c) + "-" + std::to_string(n));
        std::ofstream(path, std::ios::binary) << content;
        StatusOr<client::Response> r =
            client.Upload("POST", "/api/v1/documents?title=ingest", path.string(), "application/octet-stream", nullptr);
        fs::remove(path);
        if (!r.ok()) continue;
        const StatusOr<v1::FileResponse> filed = client::ParseBody<v1::FileResponse>(*r);
        if (!filed.ok()) continue;
        // Acknowledged before the backup was asked for: read after the answer arrived, not
        // when the upload began (a slow upload may be answered after the checkpoint).
        if (!backup_started.load()) {
          std::lock_guard lock(mu);
          acked_before.emplace_back(filed->id(), filed->sha256());
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  backup_started = true;
  const CommandResult backup = Ctl({"backup", "now"});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  for (std::thread& t : clients) t.join();
  ASSERT_EQ(backup.exit_code, 0) << backup.out << backup.err;
  ASSERT_GT(acked_before.size(), 8u);
  ASSERT_EQ(daemon_->Stop(), 0);

  const fs::path into = dir_.path() / "restored";
  const CommandResult restored = Restore(into);
  ASSERT_EQ(restored.exit_code, 0) << restored.out << restored.err;
  ServeRestored(into);
  client::HttpClient client = Client();
  // Everything acknowledged before the backup began is there, byte for byte.
  for (const auto& [id, sha] : acked_before) {
    crypto::Sha256 hash;
    const StatusOr<client::Response> r = client.Download(
        "/api/v1/documents/" + id + "/content",
        [&](std::string_view piece) {
          hash.Update(piece);
          return true;
        },
        nullptr);
    ASSERT_TRUE(r.ok()) << id << " acknowledged before the backup is missing";
    EXPECT_EQ(HexEncode(hash.Finish()), sha) << id;
  }
  // Whatever else came along is complete: a scrub reads every version of every document.
  const CommandResult scrub = Ctl({"admin", "scrub"});
  EXPECT_EQ(scrub.exit_code, 0) << scrub.out << scrub.err;
  EXPECT_EQ(Ctl({"audit", "verify"}).exit_code, 0);
}

TEST_F(BackupTest, KillNineDuringABackupLeavesEarlierOnesValidAndTheNextSucceeds) {
  File(0, 6);
  ASSERT_EQ(Ctl({"backup", "now"}).exit_code, 0);
  // Enough new content that a backup takes a while.
  for (int i = 0; i < 12; ++i) {
    const fs::path path = WriteFile("big" + std::to_string(i), RandomBytes(3 << 20, static_cast<unsigned>(100 + i)));
    ASSERT_EQ(Ctl({"put", path.string()}).exit_code, 0);
  }
  const unsigned seed = TestSeed();
  SCOPED_TRACE("ARCHIVED_TEST_SEED=" + std::to_string(seed));
  std::mt19937 rng(seed);
  for (int cycle = 0; cycle < 3; ++cycle) {
    ASSERT_EQ(Ctl({"backup", "now", "--no-wait"}).exit_code, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 150));
    daemon_->Kill();
    StartDaemon(Config());
    EXPECT_FALSE(fs::exists(dir_.path() / "data" / "backup-work")) << "the killed run's checkpoint is cleared";
    const CommandResult first = Ctl({"backup", "verify", "1", "--read-data"});
    EXPECT_EQ(first.exit_code, 0) << "cycle " << cycle << ": " << first.out << first.err;
  }
  const CommandResult next = Ctl({"backup", "now"});
  ASSERT_EQ(next.exit_code, 0) << next.out << next.err;
  const CommandResult verified = Ctl({"backup", "verify", "--read-data"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  for (const fs::directory_entry& e : fs::directory_iterator(target_)) {
    EXPECT_NE(e.path().extension(), ".tmp") << e.path();
  }
}

// RELIABILITY pitfall 17 end to end: with backup.append_only the daemon never removes a
// backup (archivectl backup forget is refused and says how to prune; a dry run still
// reports), and the administrator prunes with `archived backup forget`, which keeps every
// content backup while the newest records a legal hold in force.
TEST_F(BackupTest, AnAppendOnlyTargetIsPrunedOnlyByTheAdministratorAndHoldsSuspendIt) {
  const fs::path config = WriteFile("append-only.toml", "[backup]\ntarget = \"" + target_.string() +
                                                            "\"\nschedule = \"\"\nappend_only = true\n"
                                                            "keep_last = 1\nkeep_daily = 0\nkeep_weekly = 0\n"
                                                            "keep_monthly = 0\nkeep_yearly = 0\nvault_keep_last = 1\n");
  RestartDaemon(config);
  const std::vector<std::string> ids = File(0, 3);
  ASSERT_EQ(Ctl({"backup", "now"}).exit_code, 0);
  const CommandResult hold = Ctl({"hold", "add", "case-2026-9", "--reason", "tax audit", "--documents", ids[1]});
  ASSERT_EQ(hold.exit_code, 0) << hold.err;
  File(3, 2);
  ASSERT_EQ(Ctl({"backup", "now"}).exit_code, 0);

  const CommandResult refused = Ctl({"backup", "forget"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("archived backup forget"), std::string::npos) << refused.err;
  const CommandResult dry = Ctl({"backup", "forget", "--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("case-2026-9"), std::string::npos) << dry.out;

  const std::vector<std::string> prune = {ArchivedBinaryPath().string(), "backup", "forget", "--config", config.string(),
                                          "--key-file", (dir_.path() / "data" / "master.key").string()};
  const CommandResult held = RunCommand(prune);
  ASSERT_EQ(held.exit_code, 0) << held.out << held.err;
  EXPECT_NE(held.out.find("legal holds in force at content-00000002 (case-2026-9)"), std::string::npos) << held.out;
  EXPECT_TRUE(fs::exists(target_ / "content-00000001.manifest")) << "held: no content backup removed";
  EXPECT_FALSE(fs::exists(target_ / "vault-00000001.manifest")) << "vault backups expire as usual";

  ASSERT_EQ(Ctl({"hold", "release", "case-2026-9", "--reason", "audit closed"}).exit_code, 0);
  File(5, 1);
  ASSERT_EQ(Ctl({"backup", "now"}).exit_code, 0);
  std::vector<std::string> dry_args = prune;
  dry_args.push_back("--dry-run");
  const CommandResult released = RunCommand(dry_args);
  ASSERT_EQ(released.exit_code, 0) << released.out << released.err;
  EXPECT_EQ(released.out.find("legal holds"), std::string::npos) << released.out;
  EXPECT_NE(released.out.find("would remove vault-00000002"), std::string::npos) << released.out;
  ASSERT_EQ(RunCommand(prune).exit_code, 0);
  EXPECT_FALSE(fs::exists(target_ / "vault-00000002.manifest"));
  const CommandResult verified = Ctl({"backup", "verify", "--read-data"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  const CommandResult wrong = RunCommand({ArchivedBinaryPath().string(), "backup", "forget", "--target", target_.string()});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("--key-file"), std::string::npos) << wrong.err;
}

}  // namespace
}  // namespace archived::testing
