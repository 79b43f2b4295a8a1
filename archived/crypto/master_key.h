// The master key (KEK) on disk: DATA_DIR/master.key and, while a rotation is under way,
// DATA_DIR/master.key.next. Each file holds either the key in hex (the embedded default), or
// the key sealed with AES-256-GCM under a key derived from a passphrase with scrypt (its
// parameters and salt in the file beside it, like a LUKS or borg key file). Files are 0600,
// written atomically and durably. A rotation writes the next key first and promotes it over
// the current one (one rename) only when every data key is rewrapped, so a crash at any point
// leaves a pair of files from which every data key can still be opened. Thread-compatible.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "archived/base/status.h"
#include "archived/crypto/crypto.h"

namespace archived::crypto {

struct MasterKeyFiles {
  std::filesystem::path current;  // DATA_DIR/master.key
  std::filesystem::path next;     // DATA_DIR/master.key.next
  // Empty: the key files hold the key in hex. Otherwise they are sealed under it.
  std::string passphrase;
  // scrypt cost for new sealed files: 2^15 × 8 uses 32 MiB and ~0.1 s here. Default: 32768, 8, 1.
  std::uint64_t scrypt_n = 1 << 15;
  std::uint32_t scrypt_r = 8;
  std::uint32_t scrypt_p = 1;
};

struct MasterKeys {
  SecretKey current;
  std::optional<SecretKey> next;  // set when a rotation was under way
  bool created = false;           // true when this call made the first key
};

// Reads the current key (creating it when absent and no next key exists) and the next key if
// one is there. Errors: kPermissionDenied for a file group or others may read; kUnauthenticated
// for a wrong passphrase; kFailedPrecondition for a sealed file without a passphrase, or a
// passphrase with a hex file; kDataLoss for a malformed file; kInternal for I/O.
StatusOr<MasterKeys> LoadOrCreateMasterKeys(const MasterKeyFiles& files);

// Writes `key` as the next key, durably. Errors: kInternal.
Status WriteNextMasterKey(const MasterKeyFiles& files, const SecretKey& key);

// Makes the next key the current one (atomic rename, directory fsynced). Errors: kInternal.
Status PromoteNextMasterKey(const MasterKeyFiles& files);

// The text of a key file for `key` under `files`' passphrase (or in hex). Errors: kInternal.
StatusOr<std::string> EncodeMasterKeyFile(const MasterKeyFiles& files, const SecretKey& key);
// The key in a key file's text. Errors: as LoadOrCreateMasterKeys.
StatusOr<SecretKey> DecodeMasterKeyFile(const MasterKeyFiles& files, const std::string& text,
                                        const std::filesystem::path& path);

}  // namespace archived::crypto
