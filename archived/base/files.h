// Small files written atomically and durably (temp file, fsync, rename, fsync directory):
// the secrets in the data directory (master key, admin token) and the audit checkpoint.
// Thread-compatible.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "archived/base/status.h"

namespace archived {

// Writes `contents` to `path` with mode 0600, replacing it atomically and durably.
// Errors: kInternal naming the path and the system error.
Status WriteSecretFile(const std::filesystem::path& path, std::string_view contents);

// Removes `path` (absent is fine) and fsyncs its directory. Errors: kInternal.
Status RemoveFileDurably(const std::filesystem::path& path);

// Renames `from` over `to` and fsyncs the directory of `to`. Errors: kInternal.
Status RenameDurably(const std::filesystem::path& from, const std::filesystem::path& to);

// A new file that appears under its name only once it is complete and durable, without
// renaming or removing anything in its directory, so that it can be written into an
// append-only directory (chattr +a: entries may be added, never removed or renamed). It is
// written as an unnamed O_TMPFILE and linked into place by Publish; a crash before that
// leaves nothing. Where the file system has no O_TMPFILE it is written under its name
// (O_EXCL), and the destructor tries to remove an unpublished one. Thread-compatible.
class NewFile {
 public:
  // Errors: kAlreadyExists if `path` exists; kInternal.
  static StatusOr<NewFile> Create(const std::filesystem::path& path, mode_t mode);
  NewFile(NewFile&& other) noexcept;
  NewFile& operator=(NewFile&&) = delete;
  ~NewFile();
  int fd() const { return fd_; }
  const std::filesystem::path& path() const { return path_; }
  // fdatasync, close, link into place (never over an existing name), fsync the directory.
  // Errors: kAlreadyExists if the name was taken meanwhile; kInternal.
  Status Publish();

 private:
  NewFile(std::filesystem::path path, int fd, bool named) : path_(std::move(path)), fd_(fd), named_(named) {}
  std::filesystem::path path_;
  int fd_ = -1;
  bool named_ = false;      // written under its name (no O_TMPFILE)
  bool published_ = false;
};

// The contents of a file that must be private, or nullopt if it does not exist.
// Errors: kPermissionDenied (naming it as `what`) if group or others may read it; kInternal.
StatusOr<std::optional<std::string>> ReadPrivateFile(const std::filesystem::path& path, std::string_view what);

// Creates `dir` (0700) if missing and fsyncs its parent. Errors: kInternal.
Status EnsurePrivateDirectory(const std::filesystem::path& dir);

}  // namespace archived
