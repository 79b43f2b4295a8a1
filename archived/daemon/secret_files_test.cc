// Secret files: created 0600, read back, refused when group/world-readable or malformed.
#include "archived/daemon/secret_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace archived::daemon {
namespace {

TEST(SecretFilesTest, MasterKeyIsCreatedPrivateAndReadBack) {
  testing::TempDir dir;
  const auto path = dir.path() / "master.key";
  bool created = false;
  ASSERT_OK_AND_ASSIGN(const crypto::SecretKey first, LoadOrCreateMasterKey(path, &created));
  EXPECT_TRUE(created);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_OK_AND_ASSIGN(const crypto::SecretKey second, LoadOrCreateMasterKey(path, &created));
  EXPECT_FALSE(created);
  EXPECT_EQ(first.bytes(), second.bytes());
}

TEST(SecretFilesTest, LooseModeAndGarbageAreRefused) {
  testing::TempDir dir;
  const auto path = dir.path() / "master.key";
  bool created = false;
  ASSERT_OK(LoadOrCreateMasterKey(path, &created));
  ::chmod(path.c_str(), 0644);
  EXPECT_EQ(LoadOrCreateMasterKey(path, &created).status().code(), StatusCode::kPermissionDenied);
  ASSERT_OK(WriteSecretFile(path, "not hex\n"));
  EXPECT_EQ(LoadOrCreateMasterKey(path, &created).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace archived::daemon
