// Small files written atomically and durably (temp file, fsync, rename, fsync directory):
// the secrets in the data directory (master key, admin token) and the audit checkpoint.
// Thread-compatible.
#pragma once

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

// The contents of a file that must be private, or nullopt if it does not exist.
// Errors: kPermissionDenied (naming it as `what`) if group or others may read it; kInternal.
StatusOr<std::optional<std::string>> ReadPrivateFile(const std::filesystem::path& path, std::string_view what);

// Creates `dir` (0700) if missing and fsyncs its parent. Errors: kInternal.
Status EnsurePrivateDirectory(const std::filesystem::path& dir);

}  // namespace archived
