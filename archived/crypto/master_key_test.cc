// Master key files: created 0600 and read back, in hex or sealed under a passphrase; a wrong
// passphrase, a loose mode, garbage and a missing current file beside a next one are refused;
// the rotation's write-next / promote steps leave a readable pair at every point.
#include "archived/crypto/master_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "archived/base/bytes.h"
#include "archived/base/files.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace archived::crypto {
namespace {

MasterKeyFiles FilesIn(const testing::TempDir& dir, std::string passphrase = "") {
  // A cheap scrypt keeps the test fast; the format records the parameters.
  return {.current = dir.path() / "master.key", .next = dir.path() / "master.key.next",
          .passphrase = std::move(passphrase), .scrypt_n = 1 << 10};
}

TEST(MasterKeyTest, HexKeyIsCreatedPrivateAndReadBack) {
  testing::TempDir dir;
  const MasterKeyFiles files = FilesIn(dir);
  ASSERT_OK_AND_ASSIGN(const MasterKeys first, LoadOrCreateMasterKeys(files));
  EXPECT_TRUE(first.created);
  EXPECT_FALSE(first.next.has_value());
  struct stat info {};
  ASSERT_EQ(::stat(files.current.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_OK_AND_ASSIGN(const MasterKeys second, LoadOrCreateMasterKeys(files));
  EXPECT_FALSE(second.created);
  EXPECT_EQ(first.current.bytes(), second.current.bytes());
}

TEST(MasterKeyTest, LooseModeAndGarbageAreRefused) {
  testing::TempDir dir;
  const MasterKeyFiles files = FilesIn(dir);
  ASSERT_OK(LoadOrCreateMasterKeys(files));
  ::chmod(files.current.c_str(), 0644);
  EXPECT_EQ(LoadOrCreateMasterKeys(files).status().code(), StatusCode::kPermissionDenied);
  ASSERT_OK(WriteSecretFile(files.current, "not hex\n"));
  EXPECT_EQ(LoadOrCreateMasterKeys(files).status().code(), StatusCode::kDataLoss);
}

TEST(MasterKeyTest, PassphraseSealsTheKeyAndAWrongOneIsRefused) {
  testing::TempDir dir;
  const MasterKeyFiles files = FilesIn(dir, "correct horse battery staple");
  ASSERT_OK_AND_ASSIGN(const MasterKeys made, LoadOrCreateMasterKeys(files));
  std::ifstream in(files.current);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find(HexEncode(made.current.bytes())), std::string::npos) << "the key is in the clear";
  EXPECT_TRUE(text.starts_with("archived-master-key 1\nscrypt 1024 8 1 "));
  ASSERT_OK_AND_ASSIGN(const MasterKeys again, LoadOrCreateMasterKeys(files));
  EXPECT_EQ(again.current.bytes(), made.current.bytes());

  MasterKeyFiles wrong = files;
  wrong.passphrase = "correct horse battery stapler";
  EXPECT_EQ(LoadOrCreateMasterKeys(wrong).status().code(), StatusCode::kUnauthenticated);
  MasterKeyFiles none = files;
  none.passphrase.clear();
  const auto refused = LoadOrCreateMasterKeys(none);
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("--passphrase-file"), std::string::npos);

  // One changed byte of the sealed key: refused, never a different key.
  std::string altered = text;
  altered[altered.size() - 3] = altered[altered.size() - 3] == '0' ? '1' : '0';
  ASSERT_OK(WriteSecretFile(files.current, altered));
  EXPECT_EQ(LoadOrCreateMasterKeys(files).status().code(), StatusCode::kUnauthenticated);
}

TEST(MasterKeyTest, RotationFilesAreReadableAtEveryStep) {
  testing::TempDir dir;
  const MasterKeyFiles files = FilesIn(dir, "passphrase for rotation");
  ASSERT_OK_AND_ASSIGN(const MasterKeys old_keys, LoadOrCreateMasterKeys(files));
  ASSERT_OK_AND_ASSIGN(const SecretKey next, SecretKey::Generate());
  ASSERT_OK(WriteNextMasterKey(files, next));
  ASSERT_OK_AND_ASSIGN(const MasterKeys during, LoadOrCreateMasterKeys(files));
  EXPECT_EQ(during.current.bytes(), old_keys.current.bytes());
  ASSERT_TRUE(during.next.has_value());
  EXPECT_EQ(during.next->bytes(), next.bytes());
  ASSERT_OK(PromoteNextMasterKey(files));
  ASSERT_OK_AND_ASSIGN(const MasterKeys after, LoadOrCreateMasterKeys(files));
  EXPECT_EQ(after.current.bytes(), next.bytes());
  EXPECT_FALSE(after.next.has_value());
  EXPECT_FALSE(std::filesystem::exists(files.next));
}

TEST(MasterKeyTest, ANextKeyWithoutACurrentOneIsNotReplacedByANewKey) {
  testing::TempDir dir;
  const MasterKeyFiles files = FilesIn(dir);
  ASSERT_OK_AND_ASSIGN(const SecretKey next, SecretKey::Generate());
  ASSERT_OK(WriteNextMasterKey(files, next));
  EXPECT_EQ(LoadOrCreateMasterKeys(files).status().code(), StatusCode::kDataLoss);
  EXPECT_FALSE(std::filesystem::exists(files.current));
}

}  // namespace
}  // namespace archived::crypto
