// TempDir: a fresh directory under $TMPDIR, removed with everything in it on destruction.
// Not thread-safe.
#pragma once

#include <filesystem>

namespace archived::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A seed for randomised tests: $ARCHIVED_TEST_SEED when set, else a fresh random value.
// The caller prints it on failure.
unsigned TestSeed();

}  // namespace archived::testing
