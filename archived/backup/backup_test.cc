// Backups at the module level, over real RocksDB stores: a full and incremental chain
// restores exactly each state; verification catches a flipped bit, a missing or replaced
// archive and a relabelled manifest; restore writes nothing when anything is wrong; the
// tar layer refuses hostile archives (R11) sealed under the right key.
#include "archived/backup/backup.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "archived/backup/internal/tar.h"
#include "archived/backup/sealed_file.h"
#include "archived/storage/rocks_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace archived::backup {
namespace {

namespace fs = std::filesystem;
using storage::Keyspace;

crypto::SecretKey NewKey() { return *crypto::SecretKey::Generate(); }

// Every key and value of the keyspaces a test writes, to compare stores.
using Contents = std::map<std::pair<int, std::string>, std::string>;
Contents Dump(const storage::Store& store, std::initializer_list<Keyspace> keyspaces) {
  Contents out;
  for (const Keyspace k : keyspaces) {
    auto it = store.NewIterator(k);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out[{static_cast<int>(k), std::string(it->key())}] = std::string(it->value());
    }
  }
  return out;
}

std::string RandomBytes(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  unsigned x = seed * 2654435761u + 1;
  for (char& c : s) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return s;
}

void FlipByte(const fs::path& path, std::uintmax_t at) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(at));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x01);
  f.seekp(static_cast<std::streamoff>(at));
  f.write(&c, 1);
}

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto main = storage::OpenRocksStore({.directory = dir_.path() / "db"});
    ASSERT_OK(main);
    main_ = std::move(*main);
    auto vault = storage::OpenRocksStore({.directory = dir_.path() / "vault", .keyspaces = storage::kVaultKeyspaces});
    ASSERT_OK(vault);
    vault_ = std::move(*vault);
  }

  // Adds `n` documents with a chunk each and their keys, flushing so that tables exist.
  void AddDocuments(int first, int n) {
    for (int i = first; i < first + n; ++i) {
      const std::string id = "doc" + std::to_string(i);
      ASSERT_OK(main_->Put(Keyspace::kDocuments, id, "metadata of " + id + std::string(200, 'm'), {}));
      ASSERT_OK(main_->Put(Keyspace::kChunks, id, RandomBytes(20000 + i, static_cast<unsigned>(i)), {}));
      ASSERT_OK(vault_->Put(Keyspace::kKeys, id, RandomBytes(48, static_cast<unsigned>(i) + 7), {}));
    }
    ASSERT_OK(main_->Flush(Keyspace::kDocuments));
    ASSERT_OK(main_->Flush(Keyspace::kChunks));
  }

  StatusOr<BackupResult> Backup(bool append_only = false, std::vector<std::string> holds = {}) {
    return MakeBackup({.target = target_,
                       .work_dir = dir_.path() / "work",
                       .zstd_level = 3,
                       .daemon_version = "test",
                       .append_only = append_only,
                       .legal_holds = std::move(holds)},
                      ring_,
                      [&](const fs::path& content, const fs::path& vault) -> Status {
                        if (Status s = main_->Checkpoint(content); !s.ok()) return s;
                        return vault_->Checkpoint(vault);
                      },
                      clock_);
  }

  // Restores into a fresh directory and returns the two stores' contents.
  StatusOr<std::pair<Contents, Contents>> RestoreAndDump(std::string_view id, const fs::path& into) {
    StatusOr<RestorePlan> plan = RestoreBackup(target_, ring_, id, into);
    if (!plan.ok()) return plan.status();
    auto main = storage::OpenRocksStore({.directory = into / "db"});
    if (!main.ok()) return main.status();
    auto vault = storage::OpenRocksStore({.directory = into / "vault", .keyspaces = storage::kVaultKeyspaces});
    if (!vault.ok()) return vault.status();
    return std::make_pair(Dump(**main, {Keyspace::kDocuments, Keyspace::kChunks}), Dump(**vault, {Keyspace::kKeys}));
  }

  std::pair<Contents, Contents> Live() {
    return {Dump(*main_, {Keyspace::kDocuments, Keyspace::kChunks}), Dump(*vault_, {Keyspace::kKeys})};
  }

  testing::TempDir dir_;
  fs::path target_ = dir_.path() / "backups";
  crypto::Keyring ring_{NewKey()};
  FakeClock clock_{FromUnixMicros(1'790'000'000'000'000)};
  std::unique_ptr<storage::Store> main_, vault_;
};

TEST_F(BackupTest, AFullAndTwoIncrementalBackupsEachRestoreExactly) {
  std::vector<std::pair<Contents, Contents>> states;
  AddDocuments(0, 40);
  ASSERT_OK_AND_ASSIGN(const BackupResult first, Backup());
  states.push_back(Live());
  EXPECT_FALSE(first.content.incremental());
  EXPECT_EQ(first.content.seq(), 1u);
  EXPECT_EQ(first.vault.seq(), 1u);

  AddDocuments(40, 5);
  ASSERT_OK_AND_ASSIGN(const BackupResult second, Backup());
  states.push_back(Live());
  EXPECT_TRUE(second.content.incremental());
  EXPECT_EQ(second.content.previous(), 1u);
  EXPECT_EQ(std::vector<std::uint64_t>(second.content.needs().begin(), second.content.needs().end()),
            std::vector<std::uint64_t>{1});
  EXPECT_LT(second.content.written_bytes() * 3, first.content.written_bytes()) << "only new files are written";

  AddDocuments(45, 5);
  ASSERT_OK(main_->Put(Keyspace::kDocuments, "doc3", "changed after backup 2", {}));
  ASSERT_OK_AND_ASSIGN(const BackupResult third, Backup());
  states.push_back(Live());
  EXPECT_TRUE(third.content.incremental());

  for (std::uint64_t seq = 1; seq <= 3; ++seq) {
    const std::string id = BackupId(kContent, seq);
    ASSERT_OK_AND_ASSIGN(const VerifyResult verified, VerifyBackup(target_, ring_, id, /*read_data=*/true));
    EXPECT_GT(verified.bytes_read, 0u);
    ASSERT_OK_AND_ASSIGN(const auto restored, RestoreAndDump(id, dir_.path() / ("restored" + std::to_string(seq))));
    EXPECT_TRUE(restored.first == states[seq - 1].first) << id;
    // The newest vault is restored with every content backup.
    EXPECT_TRUE(restored.second == states.back().second) << id;
  }
  ASSERT_OK_AND_ASSIGN(const std::vector<Listed> listed, ListBackups(target_, ring_));
  ASSERT_EQ(listed.size(), 6u);
  for (const Listed& l : listed) EXPECT_TRUE(l.manifest.has_value()) << l.id << " " << l.problem.ToString();
}

TEST_F(BackupTest, TamperingIsFoundAndRestoreWritesNothing) {
  AddDocuments(0, 30);
  ASSERT_OK(Backup().status());
  AddDocuments(30, 5);
  ASSERT_OK(Backup().status());
  const fs::path archive1 = target_ / "content-00000001.archive";
  const fs::path saved = dir_.path() / "saved";
  fs::copy_file(archive1, saved);
  const fs::path into = dir_.path() / "restored";
  auto expect_refused = [&](const std::string& what) {
    const StatusOr<VerifyResult> verified = VerifyBackup(target_, ring_, "content-00000002", true);
    EXPECT_FALSE(verified.ok()) << what;
    const StatusOr<RestorePlan> plan = RestoreBackup(target_, ring_, "", into);
    EXPECT_FALSE(plan.ok()) << what;
    EXPECT_FALSE(fs::exists(into)) << what << ": restore created the data directory";
  };

  // A bit flipped in the archive an incremental backup needs.
  FlipByte(archive1, fs::file_size(archive1) / 2);
  expect_refused("bit flip");
  // The archive missing.
  fs::remove(archive1);
  EXPECT_EQ(VerifyBackup(target_, ring_, "2", false).status().code(), StatusCode::kNotFound);
  expect_refused("missing archive");
  // Another archive put in its place (backup 2's own).
  fs::copy_file(target_ / "content-00000002.archive", archive1);
  expect_refused("swapped archive");
  fs::remove(archive1);
  // Truncated by one chunk's worth.
  fs::copy_file(saved, archive1);
  fs::resize_file(archive1, fs::file_size(saved) - 1000);
  expect_refused("truncated");
  // A manifest relabelled as newer.
  fs::remove(archive1);
  fs::copy_file(saved, archive1);
  ASSERT_OK(VerifyBackup(target_, ring_, "2", true).status());
  fs::copy_file(target_ / "content-00000001.manifest", target_ / "content-00000003.manifest");
  EXPECT_EQ(VerifyBackup(target_, ring_, "3", false).status().code(), StatusCode::kDataLoss);
  fs::remove(target_ / "content-00000003.manifest");
  // The wrong master key.
  crypto::Keyring other(NewKey());
  EXPECT_FALSE(VerifyBackup(target_, other, "2", false).ok());
  EXPECT_FALSE(RestoreBackup(target_, other, "", into).ok());
  EXPECT_FALSE(fs::exists(into));
  // A non-empty target directory is refused.
  fs::create_directories(into / "something");
  EXPECT_EQ(RestoreBackup(target_, ring_, "", into).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(BackupTest, ACrashedRunLeavesEarlierBackupsValidAndTheNextRunSucceeds) {
  AddDocuments(0, 10);
  ASSERT_OK(Backup().status());
  // What a kill -9 mid-run leaves: an archive without a manifest (files appear only whole,
  // and the manifest last), or an older build's temporary file.
  { std::ofstream(target_ / "content-00000002.archive.tmp") << "partial"; }
  { std::ofstream(target_ / "content-00000002.archive") << "no manifest"; }
  ASSERT_OK_AND_ASSIGN(const std::vector<Listed> before, ListBackups(target_, ring_));
  EXPECT_EQ(before.size(), 2u) << "a backup without a manifest does not exist";
  AddDocuments(10, 3);
  ASSERT_OK_AND_ASSIGN(const BackupResult next, Backup());
  EXPECT_EQ(next.content.seq(), 3u) << "a number once written is never taken again";
  EXPECT_FALSE(fs::exists(target_ / "content-00000002.archive.tmp"));
  EXPECT_FALSE(fs::exists(target_ / "content-00000002.archive"));
  ASSERT_OK(VerifyBackup(target_, ring_, "1", true).status());
  ASSERT_OK(VerifyBackup(target_, ring_, "3", true).status());
  // A failing checkpoint leaves nothing behind.
  const StatusOr<BackupResult> failed =
      MakeBackup({.target = target_, .work_dir = dir_.path() / "work", .zstd_level = 3, .daemon_version = "test"},
                 ring_, [](const fs::path&, const fs::path&) { return InternalError("disk on fire"); }, clock_);
  EXPECT_FALSE(failed.ok());
  EXPECT_FALSE(fs::exists(target_ / "content-00000004.archive"));
  EXPECT_FALSE(fs::exists(target_ / "content-00000004.manifest"));
  for (const fs::directory_entry& entry : fs::directory_iterator(target_)) {
    EXPECT_TRUE(entry.path().extension() == ".archive" || entry.path().extension() == ".manifest") << entry.path();
  }
}

// RELIABILITY pitfall 17: the process that writes backups cannot remove them. With the
// target append-only for everyone (chattr +a: entries may be added, never removed or
// renamed; needs CAP_LINUX_IMMUTABLE), runs still succeed, a crashed run's leftover is passed
// over, nothing already there changes, and removing is refused until the administrator
// lifts the attribute, when forget removes the old backups and the leftover.
TEST_F(BackupTest, RunsNeedOnlyToAddFilesSoTheTargetCanBeAppendOnly) {
  fs::create_directories(target_);
  if (std::system(("chattr +a " + target_.string() + " 2>/dev/null").c_str()) != 0) {
    GTEST_SKIP() << "chattr +a is not available here (needs root and a file system that has it)";
  }
  struct Lift {  // or the temporary directory could not be removed
    fs::path dir;
    ~Lift() { [[maybe_unused]] const int rc = std::system(("chattr -a " + dir.string() + " 2>/dev/null").c_str()); }
  } lift{target_};
  AddDocuments(0, 10);
  ASSERT_OK(Backup(/*append_only=*/true).status());
  std::error_code ec;
  EXPECT_FALSE(fs::remove(target_ / "content-00000001.manifest", ec)) << "the attribute took";
  // A crashed run's archive without a manifest: it stays, and the next run passes it over.
  { std::ofstream(target_ / "content-00000002.archive") << "no manifest"; }
  std::map<std::string, std::uintmax_t> sizes;
  for (const fs::directory_entry& entry : fs::directory_iterator(target_)) sizes[entry.path().filename()] = entry.file_size();
  AddDocuments(10, 3);
  ASSERT_OK_AND_ASSIGN(const BackupResult next, Backup(/*append_only=*/true, {"case-7"}));
  EXPECT_EQ(next.content.seq(), 3u);
  EXPECT_EQ(next.content.legal_holds_size(), 1);
  for (const auto& [name, size] : sizes) EXPECT_EQ(fs::file_size(target_ / name), size) << name;
  ASSERT_OK(VerifyBackup(target_, ring_, "3", true).status());
  EXPECT_FALSE(ForgetBackups(target_, ring_, {.last = 1}, {.last = 1}, clock_.Now(), /*dry_run=*/false).ok());
  ASSERT_EQ(std::system(("chattr -a " + target_.string()).c_str()), 0);
  ASSERT_OK_AND_ASSIGN(const ForgetResult pruned,
                       ForgetBackups(target_, ring_, {.last = 1}, {.last = 1}, clock_.Now(), /*dry_run=*/false));
  EXPECT_EQ(pruned.leftovers, std::vector<std::string>{"content-00000002.archive"});
  EXPECT_FALSE(fs::exists(target_ / "content-00000002.archive"));
  ASSERT_OK(VerifyBackup(target_, ring_, "3", true).status());
}

TEST_F(BackupTest, ForgetKeepsWhatThePolicyAndTheIncrementalChainsNeed) {
  for (int run = 0; run < 4; ++run) {
    AddDocuments(run * 5, 5);
    ASSERT_OK(Backup().status());
    clock_.Advance(std::chrono::hours(24));
  }
  // Backups 1 (full) and 2, 3, 4 (each needing 1, and the ones before it whose files live on).
  ASSERT_OK_AND_ASSIGN(const auto listed, ListBackups(target_, ring_));
  ASSERT_EQ(listed.size(), 8u);
  ASSERT_OK_AND_ASSIGN(const ForgetResult dry,
                       ForgetBackups(target_, ring_, {.last = 1}, {.last = 2}, clock_.Now(), /*dry_run=*/true));
  ASSERT_OK_AND_ASSIGN(const auto still, ListBackups(target_, ring_));
  EXPECT_EQ(still.size(), 8u) << "a dry run removes nothing";
  ASSERT_OK_AND_ASSIGN(const ForgetResult done,
                       ForgetBackups(target_, ring_, {.last = 1}, {.last = 2}, clock_.Now(), /*dry_run=*/false));
  EXPECT_EQ(done.removed, dry.removed);
  EXPECT_EQ(std::count(done.kept.begin(), done.kept.end(), "content-00000004"), 1);
  EXPECT_EQ(std::count(done.kept.begin(), done.kept.end(), "content-00000001"), 1) << "backup 4 needs backup 1";
  EXPECT_EQ(std::count(done.kept_as_needed.begin(), done.kept_as_needed.end(), "content-00000001"), 1);
  EXPECT_EQ(std::count(done.removed.begin(), done.removed.end(), "vault-00000001"), 1);
  EXPECT_EQ(std::count(done.removed.begin(), done.removed.end(), "vault-00000002"), 1);
  EXPECT_FALSE(fs::exists(target_ / "vault-00000001.archive"));
  // What is left still verifies and restores.
  ASSERT_OK(VerifyBackup(target_, ring_, "4", true).status());
  ASSERT_OK(RestoreBackup(target_, ring_, "", dir_.path() / "restored").status());
}

// R11: hostile tar streams, sealed under the right key (a key in the wrong hands, or a bug).
class HostileArchiveTest : public ::testing::Test {
 protected:
  struct Entry {
    std::string name;
    unsigned type = AE_IFREG;
    std::string data;
    std::string link;       // symlink target
    std::string hardlink;   // hard link target
    std::int64_t declared = -1;  // size declared, if not the data's
  };

  // Writes entries with libarchive's writer into a sealed file. An entry declaring more
  // than its data ends the stream there (libarchive would pad it to the declared size).
  void WriteSealed(const std::vector<Entry>& entries, bool zip = false, bool gzip = false) {
    struct Out {
      std::string bytes;
      bool stop = false;
    } out;
    archive* a = archive_write_new();
    if (zip) {
      archive_write_set_format_zip(a);
    } else {
      archive_write_set_format_pax_restricted(a);
    }
    if (gzip) archive_write_add_filter_gzip(a);
    archive_write_set_bytes_per_block(a, 0);
    archive_write_open(
        a, &out, nullptr,
        [](archive*, void* opaque, const void* buffer, size_t n) -> la_ssize_t {
          auto* o = static_cast<Out*>(opaque);
          if (o->stop) return -1;
          o->bytes.append(static_cast<const char*>(buffer), n);
          return static_cast<la_ssize_t>(n);
        },
        nullptr);
    for (const Entry& e : entries) {
      archive_entry* entry = archive_entry_new();
      archive_entry_set_pathname(entry, e.name.c_str());
      archive_entry_set_filetype(entry, e.type);
      archive_entry_set_perm(entry, 0644);
      if (!e.link.empty()) archive_entry_set_symlink(entry, e.link.c_str());
      if (!e.hardlink.empty()) archive_entry_set_hardlink(entry, e.hardlink.c_str());
      archive_entry_set_size(entry, e.declared >= 0 ? e.declared : static_cast<la_int64_t>(e.data.size()));
      archive_write_header(a, entry);
      if (!e.data.empty()) archive_write_data(a, e.data.data(), e.data.size());
      archive_entry_free(entry);
      if (e.declared > static_cast<std::int64_t>(e.data.size())) out.stop = true;
    }
    if (!out.stop) archive_write_close(a);
    out.stop = true;
    archive_write_free(a);
    fs::remove(path_);
    auto writer = SealedFileWriter::Create(path_, "t", ring_, 3);
    ASSERT_OK(writer);
    ASSERT_OK((*writer)->Append(out.bytes, true));
    ASSERT_OK((*writer)->Finish());
  }

  Status ReadWith(const std::map<std::string, std::uint64_t>& expected) {
    auto reader = SealedFileReader::Open(path_, "t", ring_);
    if (!reader.ok()) return reader.status();
    return internal::TarReader::ReadAll(
        reader->get(), expected,
        {.begin = [&](std::string_view name, std::uint64_t) { opened_.emplace_back(name); return OkStatus(); },
         .data = [](std::string_view) { return OkStatus(); },
         .end = [] { return OkStatus(); }});
  }

  testing::TempDir dir_;
  fs::path path_ = dir_.path() / "t";
  crypto::Keyring ring_{NewKey()};
  std::vector<std::string> opened_;
};

TEST_F(HostileArchiveTest, EveryHostileEntryIsRefusedBeforeItsData) {
  const std::map<std::string, std::uint64_t> expected = {{"CURRENT", 4}};
  struct Case {
    std::string what;
    std::vector<Entry> entries;
  };
  const std::vector<Case> cases = {
      {"parent path", {{.name = "../../x", .data = "evil"}}},
      {"absolute path", {{.name = "/etc/x", .data = "evil"}}},
      {"symlink then a file through it",
       {{.name = "a", .type = AE_IFLNK, .link = "/tmp/outside"}, {.name = "a/x", .data = "evil"}}},
      {"hard link with data", {{.name = "CURRENT", .data = "evil", .hardlink = "../outside"}}},
      {"directory then symlink of the same name",
       {{.name = "d", .type = AE_IFDIR}, {.name = "d", .type = AE_IFLNK, .link = "/"}}},
      {"device", {{.name = "CURRENT", .type = AE_IFCHR}}},
      {"long path", {{.name = std::string(5000, 'a') + "/x", .data = "evil"}}},
      {"declared 10 GiB", {{.name = "CURRENT", .data = "abcd", .declared = std::int64_t{10} << 30}}},
      {"not in the manifest", {{.name = "CURRENT", .data = "abcd"}, {.name = "EXTRA", .data = "x"}}},
      {"twice", {{.name = "CURRENT", .data = "abcd"}, {.name = "CURRENT", .data = "abcd"}}},
      {"missing member", {}},
  };
  for (const Case& c : cases) {
    WriteSealed(c.entries);
    opened_.clear();
    const Status s = ReadWith(expected);
    EXPECT_EQ(s.code(), StatusCode::kDataLoss) << c.what << ": " << s.ToString();
    for (const std::string& name : opened_) EXPECT_EQ(name, "CURRENT") << c.what;
  }
  // Many tiny entries stop at the first unknown one.
  std::vector<Entry> many;
  for (int i = 0; i < 10000; ++i) many.push_back({.name = "f" + std::to_string(i), .data = "x"});
  WriteSealed(many);
  EXPECT_EQ(ReadWith(expected).code(), StatusCode::kDataLoss);
  // A format we do not write.
  WriteSealed({{.name = "CURRENT", .data = "abcd"}}, /*zip=*/true);
  EXPECT_EQ(ReadWith(expected).code(), StatusCode::kDataLoss);
  // A gzip bomb: 64 MiB of zeros in a tar, gzipped to a few dozen KiB. No filter is enabled,
  // so it is refused as unrecognised without inflating anything.
  WriteSealed({{.name = "CURRENT", .data = std::string(64 << 20, '\0')}}, false, /*gzip=*/true);
  EXPECT_LT(fs::file_size(path_), 1u << 20);
  opened_.clear();
  EXPECT_EQ(ReadWith({{"CURRENT", 64u << 20}}).code(), StatusCode::kDataLoss);
  EXPECT_TRUE(opened_.empty());
  // And the good case reads.
  WriteSealed({{.name = "CURRENT", .data = "abcd"}});
  EXPECT_OK(ReadWith(expected));
}

}  // namespace
}  // namespace archived::backup
