// Files that hold secrets in the data directory: the master key (hex, 0600) and the admin
// token (0600). Written atomically and durably: temp file, fsync, rename, fsync directory.
// Thread-compatible.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "archived/base/status.h"
#include "archived/crypto/crypto.h"

namespace archived::daemon {

// Writes `contents` to `path` with mode 0600, replacing it atomically and durably.
// Errors: kInternal naming the path and the system error.
Status WriteSecretFile(const std::filesystem::path& path, std::string_view contents);

// Reads the master key at `path`, creating a new random one there if the file is absent.
// `created` tells which. Errors: kPermissionDenied if the file is readable by group or others;
// kDataLoss if it does not hold a 256-bit key; kInternal for I/O failures.
StatusOr<crypto::SecretKey> LoadOrCreateMasterKey(const std::filesystem::path& path, bool* created);

// Creates `dir` (0700) if missing and fsyncs its parent. Errors: kInternal.
Status EnsurePrivateDirectory(const std::filesystem::path& dir);

}  // namespace archived::daemon
