// Sealed files: the on-disk form of every backup file (archive and manifest). The bytes are
// cut into chunks, each optionally zstd-compressed and sealed with the STREAM construction
// (crypto/chunk_seal.h) under a key derived from the master key for this file alone (its random salt and label),
// so that a chunk moved, dropped, reordered or spliced from another file, a truncated or
// extended file, a relabelled file and a wrong key are all detected. See FORMAT.md here.
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "archived/base/files.h"
#include "archived/base/status.h"
#include "archived/crypto/crypto.h"
#include "archived/crypto/keyring.h"

namespace archived::backup {

// Plaintext bytes per chunk.
inline constexpr std::size_t kSealedChunkBytes = 64 << 10;

// Writes `path` as a NewFile (base/files.h): it appears only when Finish has made it
// durable, and nothing in the directory is ever renamed or removed, so the target may be an
// append-only directory. Destroying an unfinished writer leaves nothing.
class SealedFileWriter {
 public:
  // `label` names the file inside the seal (its file name); the key derives from the
  // keyring's wrapping key. Errors: kAlreadyExists if `path` exists; kInternal.
  static StatusOr<std::unique_ptr<SealedFileWriter>> Create(const std::filesystem::path& path, std::string_view label,
                                                            const crypto::Keyring& keyring, int zstd_level);
  ~SealedFileWriter();
  SealedFileWriter(const SealedFileWriter&) = delete;
  SealedFileWriter& operator=(const SealedFileWriter&) = delete;

  // Appends plaintext. `compressible` false marks bytes known not to shrink (sealed content):
  // a chunk is given to zstd only if some of its bytes are compressible.
  // Errors: kResourceExhausted when the disk is full; kInternal.
  Status Append(std::string_view bytes, bool compressible);
  // Seals the last chunk, fsyncs, links into place and fsyncs the directory.
  Status Finish();
  // Bytes written to the file so far (header and sealed chunks).
  std::uint64_t file_bytes() const { return file_bytes_; }
  const std::string& master_key_id() const { return key_id_; }
  // The file's random salt (16 bytes): a manifest records its archive's, so that no other
  // file sealed under the same label can stand in for it.
  const std::string& salt() const { return salt_; }

 private:
  SealedFileWriter(NewFile file, std::string label, crypto::SecretKey key, std::string key_id, std::string salt,
                   int zstd_level);
  Status SealChunk(bool last);
  Status WriteAll(std::string_view bytes);

  NewFile file_;
  const std::string label_;
  const crypto::SecretKey key_;
  const std::string key_id_;
  const std::string salt_;
  const int zstd_level_;
  std::string plain_, payload_, sealed_, out_;
  bool compressible_ = false;
  std::uint64_t index_ = 0;
  std::uint64_t file_bytes_ = 0;
  bool finished_ = false;
};

// Reads a sealed file chunk by chunk, authenticating each before returning any of it.
class SealedFileReader {
 public:
  // Opens `path`, whose label must be `label`. Errors: kNotFound if missing; kDataLoss for a
  // file that is not a sealed file or carries another label; kNotFound when its master key is
  // not in the keyring (the message names the key id); kInternal.
  static StatusOr<std::unique_ptr<SealedFileReader>> Open(const std::filesystem::path& path, std::string_view label,
                                                          const crypto::Keyring& keyring);
  ~SealedFileReader();
  SealedFileReader(const SealedFileReader&) = delete;
  SealedFileReader& operator=(const SealedFileReader&) = delete;

  // The next chunk's plaintext into `out`; false at the end (after the last chunk checked).
  // Errors: kDataLoss for any change: a flipped bit, a missing, reordered or foreign chunk,
  // truncation, or bytes after the last chunk. Nothing of a failed chunk is returned.
  StatusOr<bool> Next(std::string* out);
  // The whole plaintext (for small files). Errors as Next; kResourceExhausted beyond `max`.
  StatusOr<std::string> ReadAll(std::size_t max);
  std::uint64_t file_bytes() const { return file_bytes_; }
  const std::string& master_key_id() const { return key_id_; }
  const std::string& salt() const { return salt_; }

 private:
  SealedFileReader(std::filesystem::path path, int fd, std::string label, crypto::SecretKey key, std::string key_id,
                   std::string salt, std::uint64_t file_bytes, std::uint64_t position);
  Status ReadExactly(std::size_t n, std::string* out);

  const std::filesystem::path path_;
  int fd_;
  const std::string label_;
  const crypto::SecretKey key_;
  const std::string key_id_;
  const std::string salt_;
  const std::uint64_t file_bytes_;
  std::uint64_t position_;
  std::uint64_t index_ = 0;
  bool done_ = false;
  std::string sealed_, payload_, header_;
};

}  // namespace archived::backup
