// Master-key rotation (RELIABILITY R8): the real daemon, rewrapping one record per synced batch
// (many sync points), is SIGKILLed at a random moment 0–20 ms after each rotation starts,
// while a document is being filed. After every restart every acknowledged document must
// download byte-identical, and a rotation found half done must resume and finish. At the end
// the vault is read directly: every record names the new master key, the previous master key
// opens none of them, master.key.next is gone, and the audit chain holds the rotations.
// A second test does the same with the master key sealed under a passphrase.
// ARCHIVED_ROTATION_CYCLES sets the cycle count (default 12); ARCHIVED_TEST_SEED the seed.
#include <gmock/gmock.h>

#include "archived/base/bytes.h"
#include "archived/crypto/keyring.h"
#include "archived/crypto/master_key.h"
#include "archived/storage/rocks_store.h"
#include "tests/integration/harness.h"
#include "tests/testing/status_matchers.h"

namespace archived::testing {
namespace {

using ::testing::HasSubstr;

struct Filed {
  std::string id;
  std::string sha256;
};

class KeyRotationTest : public DaemonTest {
 protected:
  void SetUp() override {}
  void Start(const std::string& extra_config = "") {
    config_ = dir_.path() / "archived.toml";
    std::ofstream(config_) << "[keys]\nrotation_batch_records = 1\n" << extra_config;
    StartDaemon(config_);
  }
  void Restart() { StartDaemon(config_); }
  Filed FileOne(std::mt19937& rng, int n) {
    const std::size_t size = n % 7 == 0 ? (2 << 20) + rng() % 100000 : 1 + rng() % 30000;
    const auto path = WriteFile("doc-" + std::to_string(n), RandomBytes(size, rng()));
    const CommandResult r = Curl({"-X", "POST", "-H", "Content-Type: application/octet-stream", "--data-binary",
                                  "@" + path.string(), Api("/documents?title=rotation-" + std::to_string(n))});
    return {JsonField(r.out, "id"), JsonField(r.out, "sha256")};
  }
  void ExpectAllReadable(const std::vector<Filed>& filed, const std::string& when) {
    for (const Filed& f : filed) {
      const CommandResult r = Curl({"-o", "-", Api("/documents/" + f.id + "/content")});
      ASSERT_EQ(r.exit_code, 0) << when;
      ASSERT_EQ(HexEncode(crypto::Sha256Of(r.out)), f.sha256) << when << ": document " << f.id << " " << r.out.substr(0, 200);
    }
  }
  std::string RotationState() {
    return JsonField(Curl({Api("/admin/rotate-master-key")}).out, "state");
  }
  void WaitRotationDone() {
    for (int i = 0; i < 600; ++i) {
      const std::string state = RotationState();
      if (state == "done") return;
      ASSERT_NE(state, "failed") << Curl({Api("/admin/rotate-master-key")}).out;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "the rotation did not finish in 30 s";
  }
  crypto::MasterKeyFiles Files(const std::string& passphrase = "") {
    return {.current = dir_.path() / "data" / "master.key", .next = dir_.path() / "data" / "master.key.next",
            .passphrase = passphrase};
  }
  // Every vault record, read with the daemon stopped.
  std::vector<std::string> VaultRecords() {
    auto vault = storage::OpenRocksStore({.directory = dir_.path() / "data" / "vault",
                                          .keyspaces = storage::kVaultKeyspaces});
    EXPECT_TRUE(vault.ok()) << vault.status().ToString();
    std::vector<std::string> out;
    auto it = (*vault)->NewIterator(storage::Keyspace::kKeys);
    for (it->SeekToFirst(); it->Valid(); it->Next()) out.emplace_back(it->value());
    return out;
  }
  void RunCycles(const std::string& passphrase) {
    const int cycles = std::getenv("ARCHIVED_ROTATION_CYCLES") ? std::atoi(std::getenv("ARCHIVED_ROTATION_CYCLES")) : 12;
    std::mt19937 rng(TestSeed());
    std::vector<Filed> filed;
    for (int i = 0; i < 60; ++i) filed.push_back(FileOne(rng, i));
    ExpectAllReadable(filed, "before any rotation");
    int resumed = 0;
    std::size_t raced = 0;  // filings acknowledged while a rotation ran
    for (int cycle = 0; cycle < cycles; ++cycle) {
      // A filing races the rotation; it counts only if acknowledged.
      std::vector<Filed> racing;
      std::thread filer([&, seed = static_cast<unsigned>(rng())] {
        std::mt19937 local(seed);
        Filed f = FileOne(local, 1000 + cycle);
        if (!f.id.empty()) racing.push_back(f);
      });
      ASSERT_EQ(CurlStatus({"-X", "POST", Api("/admin/rotate-master-key")}), 202) << daemon_->Log();
      // A rotation of ~60 records, one synced batch each, takes some 10–40 ms here: kill inside it.
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 20000));
      daemon_->Kill();
      filer.join();
      raced += racing.size();
      filed.insert(filed.end(), racing.begin(), racing.end());
      if (std::filesystem::exists(Files().next)) ++resumed;  // the kill landed inside the rotation
      Restart();
      ExpectAllReadable(filed, "after kill " + std::to_string(cycle));
      if (std::filesystem::exists(Files().next)) WaitRotationDone();
      // Stop cleanly now and then: a restart with nothing pending must read everything too.
      if (cycle % 4 == 3) RestartDaemon(config_);
    }
    std::printf("rotation cycles: %d, resumed after a kill: %d, documents: %zu (%zu filed during a rotation)\n",
                cycles, resumed, filed.size(), raced);
    EXPECT_GT(resumed, 0) << "no kill landed inside a rotation: the test proved nothing";
    // A last, uninterrupted rotation; then the previous key must open nothing.
    const crypto::MasterKeyFiles files = Files(passphrase);
    ASSERT_OK_AND_ASSIGN(const crypto::MasterKeys before, crypto::LoadOrCreateMasterKeys(files));
    const CommandResult rotated = Ctl({"admin", "rotate-master-key"});
    ASSERT_EQ(rotated.exit_code, 0) << rotated.out << rotated.err;
    EXPECT_THAT(rotated.out, HasSubstr("rotation done: master key " + crypto::KeyIdHex(before.current)));
    ExpectAllReadable(filed, "after the last rotation");
    const CommandResult audit = Ctl({"audit", "log", "--action", "keys.rotate"});
    EXPECT_THAT(audit.out, HasSubstr("keys.rotate"));
    EXPECT_EQ(Ctl({"audit", "verify"}).exit_code, 0);
    ASSERT_EQ(daemon_->Stop(), 0);

    EXPECT_FALSE(std::filesystem::exists(files.next));
    ASSERT_OK_AND_ASSIGN(const crypto::MasterKeys after, crypto::LoadOrCreateMasterKeys(files));
    EXPECT_NE(crypto::KeyIdHex(after.current), crypto::KeyIdHex(before.current));
    const crypto::Keyring current(*crypto::SecretKey::FromBytes(after.current.bytes()));
    const crypto::Keyring retired(*crypto::SecretKey::FromBytes(before.current.bytes()));
    const std::vector<std::string> records = VaultRecords();
    ASSERT_GE(records.size(), filed.size());
    std::size_t opened_by_retired = 0;
    for (const std::string& record : records) {
      EXPECT_TRUE(current.IsCurrent(record)) << "a record not under the new key";
      EXPECT_TRUE(current.Unwrap(record).ok());
      if (retired.Unwrap(record).ok()) ++opened_by_retired;
    }
    EXPECT_EQ(opened_by_retired, 0u);
  }
  std::filesystem::path config_;
};

TEST_F(KeyRotationTest, KillNineAtAnyPointLeavesEveryDocumentReadable) {
  Start();
  RunCycles("");
}

TEST_F(KeyRotationTest, PassphraseSealedMasterKeyRotatesAndIsNeededToStart) {
  const auto passphrase_file = dir_.path() / "passphrase";
  {
    std::ofstream(passphrase_file) << "a long office passphrase\n";
  }
  std::filesystem::permissions(passphrase_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  Start("passphrase_file = \"" + passphrase_file.string() + "\"\n");
  std::ifstream in(dir_.path() / "data" / "master.key");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(text.starts_with("archived-master-key 1\nscrypt ")) << text;
  setenv("ARCHIVED_ROTATION_CYCLES", "3", 0);
  RunCycles("a long office passphrase");
  // Without the passphrase, or with a wrong one, the daemon does not start.
  const CommandResult none = RunCommand({ArchivedBinaryPath().string(), "--data-dir", (dir_.path() / "data").string(),
                                         "--listen", "127.0.0.1:0"},
                                        {}, std::chrono::seconds(30));
  EXPECT_NE(none.exit_code, 0);
  EXPECT_THAT(none.err, HasSubstr("protected by a passphrase"));
  std::ofstream(passphrase_file) << "not the office passphrase\n";
  const CommandResult wrong = RunCommand({ArchivedBinaryPath().string(), "--data-dir", (dir_.path() / "data").string(),
                                          "--listen", "127.0.0.1:0", "--passphrase-file", passphrase_file.string()},
                                         {}, std::chrono::seconds(30));
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_THAT(wrong.err, HasSubstr("wrong passphrase"));
}

}  // namespace
}  // namespace archived::testing
