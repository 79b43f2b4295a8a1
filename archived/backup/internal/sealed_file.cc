#include "archived/backup/sealed_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "archived/base/bytes.h"
#include "archived/base/files.h"
#include "archived/base/status_macros.h"
#include "archived/codec/codec.h"
#include "archived/crypto/chunk_seal.h"

namespace archived::backup {
namespace {

constexpr std::string_view kMagic = "ARCSEAL1";
constexpr std::string_view kKeyInfo = "archived.backup.file.v1";
constexpr std::size_t kMaxLabelBytes = 200;
// A sealed chunk is at most: length prefix, codec tag, a raw chunk, the seal's overhead.
constexpr std::size_t kMaxSealedChunkBytes = 4 + 1 + kSealedChunkBytes + crypto::kChunkOverheadBytes;

Status SystemError(std::string_view what, const std::filesystem::path& path) {
  const int err = errno;
  const std::string message = std::string(what) + " \"" + path.string() + "\": " + std::strerror(err);
  return err == ENOSPC || err == EDQUOT ? ResourceExhaustedError(message) : InternalError(message);
}

constexpr std::size_t kFileSaltBytes = 16;

// Each file's key is its own: HKDF salted with the file's random salt, and bound to its
// label. A label written twice (a crashed run's seq reused) never reuses a (key, nonce).
StatusOr<crypto::SecretKey> FileKey(const crypto::Keyring& keyring, std::string_view key_id, std::string_view salt,
                                    std::string_view label, std::string* used_id) {
  std::string info(kKeyInfo);
  info.push_back('\0');
  info.append(label);
  return keyring.Derive(key_id, salt, info, used_id);
}

}  // namespace

SealedFileWriter::SealedFileWriter(NewFile file, std::string label, crypto::SecretKey key, std::string key_id,
                                   std::string salt, int zstd_level)
    : file_(std::move(file)), label_(std::move(label)), key_(std::move(key)), key_id_(std::move(key_id)),
      salt_(std::move(salt)), zstd_level_(zstd_level) {
  plain_.reserve(kSealedChunkBytes);
}

SealedFileWriter::~SealedFileWriter() = default;

StatusOr<std::unique_ptr<SealedFileWriter>> SealedFileWriter::Create(const std::filesystem::path& path,
                                                                    std::string_view label,
                                                                    const crypto::Keyring& keyring, int zstd_level) {
  if (label.empty() || label.size() > kMaxLabelBytes) return InvalidArgumentError("bad sealed file label");
  std::string key_id;
  ARCHIVED_ASSIGN_OR_RETURN(const std::string salt, crypto::RandomBytes(kFileSaltBytes));
  ARCHIVED_ASSIGN_OR_RETURN(crypto::SecretKey key, FileKey(keyring, "", salt, label, &key_id));
  ARCHIVED_ASSIGN_OR_RETURN(NewFile file, NewFile::Create(path, 0600));
  std::unique_ptr<SealedFileWriter> writer(
      new SealedFileWriter(std::move(file), std::string(label), std::move(key), key_id, salt, zstd_level));
  std::string header(kMagic);
  header.push_back(static_cast<char>(label.size()));
  header.append(label);
  header.push_back(static_cast<char>(key_id.size()));
  header.append(key_id);
  header.append(salt);
  ARCHIVED_RETURN_IF_ERROR(writer->WriteAll(header));
  return writer;
}

Status SealedFileWriter::WriteAll(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(file_.fd(), bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return SystemError("cannot write", file_.path());
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
    file_bytes_ += static_cast<std::uint64_t>(n);
  }
  return OkStatus();
}

Status SealedFileWriter::Append(std::string_view bytes, bool compressible) {
  if (finished_) return FailedPreconditionError("sealed file already finished");
  while (!bytes.empty()) {
    // A full chunk is sealed only once more bytes arrive: the last chunk must carry the flag.
    if (plain_.size() == kSealedChunkBytes) ARCHIVED_RETURN_IF_ERROR(SealChunk(/*last=*/false));
    const std::size_t n = std::min(bytes.size(), kSealedChunkBytes - plain_.size());
    plain_.append(bytes.substr(0, n));
    compressible_ = compressible_ || compressible;
    bytes.remove_prefix(n);
  }
  return OkStatus();
}

Status SealedFileWriter::SealChunk(bool last) {
  // Sealed plaintext: u32 length, then the codec payload (raw or zstd).
  codec::EncodePayload(plain_, compressible_ ? zstd_level_ : 0, &payload_);
  out_.clear();
  AppendBigEndian32(out_, static_cast<std::uint32_t>(plain_.size()));
  out_.append(payload_);
  ARCHIVED_RETURN_IF_ERROR(crypto::SealChunkInto(key_, label_, index_, last, out_, &sealed_));
  std::string record;
  record.reserve(4 + sealed_.size());
  AppendBigEndian32(record, static_cast<std::uint32_t>(sealed_.size()));
  record.append(sealed_);
  ARCHIVED_RETURN_IF_ERROR(WriteAll(record));
  ++index_;
  plain_.clear();
  compressible_ = false;
  return OkStatus();
}

Status SealedFileWriter::Finish() {
  if (finished_) return FailedPreconditionError("sealed file already finished");
  ARCHIVED_RETURN_IF_ERROR(SealChunk(/*last=*/true));
  ARCHIVED_RETURN_IF_ERROR(file_.Publish());
  finished_ = true;
  return OkStatus();
}

SealedFileReader::SealedFileReader(std::filesystem::path path, int fd, std::string label, crypto::SecretKey key,
                                   std::string key_id, std::string salt, std::uint64_t file_bytes, std::uint64_t position)
    : path_(std::move(path)), fd_(fd), label_(std::move(label)), key_(std::move(key)), key_id_(std::move(key_id)),
      salt_(std::move(salt)), file_bytes_(file_bytes), position_(position) {}

SealedFileReader::~SealedFileReader() {
  if (fd_ >= 0) ::close(fd_);
}

StatusOr<std::unique_ptr<SealedFileReader>> SealedFileReader::Open(const std::filesystem::path& path,
                                                                  std::string_view label,
                                                                  const crypto::Keyring& keyring) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return NotFoundError("\"" + path.string() + "\" is missing");
    return SystemError("cannot open", path);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return DataLossError("\"" + path.string() + "\" is not a regular file");
  }
  // The header is read through a reader with a placeholder key, then the real one is made.
  std::string header(kMagic.size() + 1 + kMaxLabelBytes + 1 + 64 + kFileSaltBytes, '\0');
  const ssize_t n = ::pread(fd, header.data(), header.size(), 0);
  if (n < 0) {
    ::close(fd);
    return SystemError("cannot read", path);
  }
  header.resize(static_cast<std::size_t>(n));
  auto refuse = [&](std::string_view why) {
    ::close(fd);
    return DataLossError("\"" + path.string() + "\" " + std::string(why));
  };
  if (!header.starts_with(kMagic) || header.size() < kMagic.size() + 2) return refuse("is not a sealed backup file");
  std::size_t at = kMagic.size();
  const std::size_t label_bytes = static_cast<unsigned char>(header[at++]);
  if (header.size() < at + label_bytes + 1) return refuse("has a truncated header");
  const std::string_view found_label = std::string_view(header).substr(at, label_bytes);
  at += label_bytes;
  if (found_label != label) {
    return refuse("is labelled \"" + std::string(found_label) + "\", not \"" + std::string(label) +
                  "\" (renamed or swapped)");
  }
  const std::size_t id_bytes = static_cast<unsigned char>(header[at++]);
  if (header.size() < at + id_bytes) return refuse("has a truncated header");
  const std::string key_id(std::string_view(header).substr(at, id_bytes));
  at += id_bytes;
  if (header.size() < at + kFileSaltBytes) return refuse("has a truncated header");
  std::string salt = header.substr(at, kFileSaltBytes);
  at += kFileSaltBytes;
  StatusOr<crypto::SecretKey> key = FileKey(keyring, key_id, salt, label, nullptr);
  if (!key.ok()) {
    ::close(fd);
    if (key.status().code() == StatusCode::kNotFound) {
      return NotFoundError("\"" + path.string() + "\" is sealed under " + key.status().message() +
                           "; give that master key");
    }
    return key.status();
  }
  return std::unique_ptr<SealedFileReader>(new SealedFileReader(path, fd, std::string(label), std::move(*key), key_id,
                                                                std::move(salt), static_cast<std::uint64_t>(st.st_size), at));
}

Status SealedFileReader::ReadExactly(std::size_t n, std::string* out) {
  out->resize(n);
  std::size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd_, out->data() + done, n - done, static_cast<off_t>(position_ + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return SystemError("cannot read", path_);
    }
    if (r == 0) return DataLossError("\"" + path_.string() + "\" is truncated");
    done += static_cast<std::size_t>(r);
  }
  position_ += n;
  return OkStatus();
}

StatusOr<bool> SealedFileReader::Next(std::string* out) {
  if (done_) {
    out->clear();
    return false;
  }
  const std::string where = "\"" + path_.string() + "\" chunk " + std::to_string(index_);
  if (position_ + 4 > file_bytes_) return DataLossError(where + " is missing: the file is truncated");
  ARCHIVED_RETURN_IF_ERROR(ReadExactly(4, &header_));
  const std::uint32_t sealed_bytes = *ReadBigEndian32(header_);
  if (sealed_bytes > kMaxSealedChunkBytes || sealed_bytes < crypto::kChunkOverheadBytes + 4) {
    return DataLossError(where + " declares an impossible length");
  }
  if (position_ + sealed_bytes > file_bytes_) return DataLossError(where + " is cut short: the file is truncated");
  ARCHIVED_RETURN_IF_ERROR(ReadExactly(sealed_bytes, &sealed_));
  // The file's end says which chunk is the last; the seal checks that the writer agreed, so a
  // truncation at a chunk boundary and bytes appended after the end both fail here.
  const bool last = position_ == file_bytes_;
  if (Status s = crypto::OpenChunkInto(key_, label_, index_, last, sealed_, &payload_); !s.ok()) {
    return DataLossError(where + (last ? " (the last) " : " ") +
                         "fails authentication: the file was altered, truncated, extended or spliced, or the key "
                         "is wrong");
  }
  const std::optional<std::uint32_t> plain_bytes = ReadBigEndian32(payload_);
  if (!plain_bytes || *plain_bytes > kSealedChunkBytes || (!last && *plain_bytes != kSealedChunkBytes)) {
    return DataLossError(where + " has a bad length");
  }
  ARCHIVED_RETURN_IF_ERROR(codec::DecodePayload(std::string_view(payload_).substr(4), *plain_bytes, out)
                               .Annotate(where));
  ++index_;
  done_ = last;
  return true;
}

StatusOr<std::string> SealedFileReader::ReadAll(std::size_t max) {
  std::string all, chunk;
  while (true) {
    ARCHIVED_ASSIGN_OR_RETURN(const bool more, Next(&chunk));
    if (!more) return all;
    if (all.size() + chunk.size() > max) {
      return ResourceExhaustedError("\"" + path_.string() + "\" is larger than " + std::to_string(max) + " bytes");
    }
    all.append(chunk);
  }
}

}  // namespace archived::backup
