// Sealed files (R10's variants at the file layer): round trips of every size around the
// chunk boundary; a flipped bit anywhere, a truncation at and between chunk boundaries, the
// last chunk dropped, bytes appended, a chunk spliced from another file, a relabelled file
// and a wrong key are each refused, never read as data.
#include "archived/backup/sealed_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "archived/crypto/chunk_seal.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace archived::backup {
namespace {

namespace fs = std::filesystem;

crypto::SecretKey NewKey() { return *crypto::SecretKey::Generate(); }

std::string Pattern(std::size_t n, unsigned seed, bool compressible) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    s[i] = compressible ? static_cast<char>('a' + (i / 7 + seed) % 13) : static_cast<char>(rng());
  }
  return s;
}

std::string ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteBytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

Status Write(const fs::path& path, std::string_view label, const crypto::Keyring& ring, const std::string& data,
             bool compressible) {
  auto writer = SealedFileWriter::Create(path, label, ring, 3);
  if (!writer.ok()) return writer.status();
  // In uneven pieces, so that chunks are cut inside appends.
  for (std::size_t at = 0; at < data.size();) {
    const std::size_t n = std::min<std::size_t>(data.size() - at, 10007);
    if (Status s = (*writer)->Append(std::string_view(data).substr(at, n), compressible); !s.ok()) return s;
    at += n;
  }
  return (*writer)->Finish();
}

StatusOr<std::string> Read(const fs::path& path, std::string_view label, const crypto::Keyring& ring) {
  auto reader = SealedFileReader::Open(path, label, ring);
  if (!reader.ok()) return reader.status();
  return (*reader)->ReadAll(64 << 20);
}

class SealedFileTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  crypto::Keyring ring_{NewKey()};
};

TEST_F(SealedFileTest, RoundTripsEverySizeAroundTheChunkBoundary) {
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, kSealedChunkBytes - 1, kSealedChunkBytes,
                                 kSealedChunkBytes + 1, 3 * kSealedChunkBytes + 5}) {
    for (const bool compressible : {false, true}) {
      const fs::path path = dir_.path() / ("f" + std::to_string(size) + (compressible ? "c" : "r"));
      const std::string data = Pattern(size, static_cast<unsigned>(size), compressible);
      ASSERT_OK(Write(path, path.filename().string(), ring_, data, compressible));
      EXPECT_FALSE(fs::exists(path.string() + ".tmp"));
      ASSERT_OK_AND_ASSIGN(const std::string back, Read(path, path.filename().string(), ring_));
      EXPECT_EQ(back, data) << size;
      if (compressible && size > 1000) {
        EXPECT_LT(fs::file_size(path), size / 4) << "compressible bytes shrink";
      }
      if (!compressible) {
        EXPECT_LT(fs::file_size(path), size + 100 + size / 1000) << "random bytes are stored as they are";
      }
    }
  }
}

TEST_F(SealedFileTest, EveryTamperingIsRefused) {
  const std::string data = Pattern(4 * kSealedChunkBytes + 100, 7, false);
  const fs::path path = dir_.path() / "a";
  ASSERT_OK(Write(path, "a", ring_, data, false));
  const std::string good = ReadBytes(path);
  const fs::path bad = dir_.path() / "bad";

  // A flipped bit, sampled every 4 KiB and in the header.
  for (std::size_t at = 0; at < good.size(); at += (at < 64 ? 1 : 4096)) {
    std::string flipped = good;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x10);
    WriteBytes(bad, flipped);
    EXPECT_FALSE(Read(bad, "a", ring_).ok()) << "bit flip at " << at;
  }
  // Truncation anywhere: at every record boundary and inside records.
  std::vector<std::size_t> cuts = {0, 5, 20, good.size() - 1};
  for (std::size_t at = 0; at < good.size(); at += kSealedChunkBytes / 2) cuts.push_back(at);
  for (const std::size_t cut : cuts) {
    WriteBytes(bad, good.substr(0, cut));
    const StatusOr<std::string> read = Read(bad, "a", ring_);
    ASSERT_FALSE(read.ok()) << "truncated at " << cut;
    EXPECT_EQ(read.status().code(), StatusCode::kDataLoss) << read.status().ToString();
  }
  // Appended garbage, and the file repeated.
  WriteBytes(bad, good + "garbage");
  EXPECT_EQ(Read(bad, "a", ring_).status().code(), StatusCode::kDataLoss);
  // The wrong key.
  crypto::Keyring other(NewKey());
  const StatusOr<std::string> wrong = Read(path, "a", other);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kNotFound) << "names the master key it needs";
  EXPECT_NE(wrong.status().message().find(ring_.current_id()), std::string::npos) << wrong.status().message();
  // Relabelled: read as another file's name.
  EXPECT_EQ(Read(path, "b", ring_).status().code(), StatusCode::kDataLoss);
}

TEST_F(SealedFileTest, AChunkFromAnotherFileIsRefused) {
  // Two files with the same label and size (a crashed run's seq written again), so chunks
  // sit at the same offsets: chunk 1 of one put into the other.
  const std::string one = Pattern(3 * kSealedChunkBytes, 1, false);
  const std::string two = Pattern(3 * kSealedChunkBytes, 2, false);
  const fs::path a = dir_.path() / "x", b = dir_.path() / "y";
  ASSERT_OK(Write(a, "x", ring_, one, false));
  ASSERT_OK(Write(b, "x", ring_, two, false));
  std::string spliced = ReadBytes(a);
  const std::string other = ReadBytes(b);
  ASSERT_EQ(spliced.size(), other.size());
  const std::size_t header = 8 + 1 + 1 + 1 + ring_.current_id().size() + 16;
  const std::size_t record = 4 + 1 + 4 + kSealedChunkBytes + crypto::kChunkOverheadBytes;
  spliced.replace(header + record, record, other.substr(header + record, record));
  WriteBytes(a, spliced);
  EXPECT_EQ(Read(a, "x", ring_).status().code(), StatusCode::kDataLoss);
  // The other file whole in its place reads (it is a good file), but with another salt:
  // manifests record their archive's salt for that.
  ASSERT_OK_AND_ASSIGN(auto reader_b, SealedFileReader::Open(b, "x", ring_));
  ASSERT_OK(Write(dir_.path() / "c", "x", ring_, one, false));
  ASSERT_OK_AND_ASSIGN(auto reader_c, SealedFileReader::Open(dir_.path() / "c", "x", ring_));
  EXPECT_NE(reader_b->salt(), reader_c->salt());
}

}  // namespace
}  // namespace archived::backup
