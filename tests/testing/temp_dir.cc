#include "tests/testing/temp_dir.h"

#include <cstdlib>
#include <random>
#include <string>
#include <system_error>

#include "archived/base/check.h"

namespace archived::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "archived-test-XXXXXX").string();
  ARCHIVED_CHECK(::mkdtemp(pattern.data()) != nullptr);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

unsigned TestSeed() {
  if (const char* env = std::getenv("ARCHIVED_TEST_SEED")) {
    return static_cast<unsigned>(std::strtoul(env, nullptr, 10));
  }
  return std::random_device()();
}

}  // namespace archived::testing
