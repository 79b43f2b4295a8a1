// Backups of the archive into a target directory, their verification, and restore into a
// new data directory (see FORMAT.md here and DESIGN.md "Backups and restore").
//
// A backup run writes two backups: a "content" backup of the main store and a "vault" backup
// of the key vault, each a pax tar of a RocksDB checkpoint's files inside a sealed file
// (sealed_file.h), plus a sealed manifest listing every file with its size and SHA-256. A
// content backup is incremental when the previous one was of the same store: only table and
// blob files new since then are written, and the manifest names the earlier backups that
// hold the rest. Vault backups are always full (the vault is small) and never share files,
// so that pruning vault backups really removes destroyed keys. The manifest is written last:
// a backup without one does not exist. Files appear only complete (base/files.h, NewFile) and
// a run never renames or rewrites a file in the target, so it can be an append-only directory:
// a crashed run leaves at most an archive without its manifest, and the next run takes the
// next sequence number. Thread-compatible: the service layer runs one operation at a time
// per target.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "archived/base/clock.h"
#include "archived/base/status.h"
#include "archived/backup/keep.h"
#include "archived/crypto/keyring.h"
#include "archived/v1/backup.pb.h"

namespace archived::backup {

inline constexpr std::string_view kContent = "content";
inline constexpr std::string_view kVault = "vault";

// "content-00000042".
std::string BackupId(std::string_view kind, std::uint64_t seq);
// Parses "content-00000042", "vault-7" or a bare number (a content backup).
// Errors: kInvalidArgument.
StatusOr<std::pair<std::string, std::uint64_t>> ParseBackupId(std::string_view id);

struct BackupOptions {
  std::filesystem::path target;    // Required: where backups are written.
  // Required: scratch space for the checkpoints, on the data directory's file system (table
  // files are hard-linked, not copied). Emptied before and after each run.
  std::filesystem::path work_dir;
  int zstd_level = 3;  // for the members that compress (tables, logs, manifests). Default: 3.
  std::string daemon_version;
  // Never remove anything from the target (files a crashed or failed run left stay for the
  // administrator's forget). Default: false, which removes them best effort.
  bool append_only = false;
  // The legal holds in force, recorded in the content manifest, so that a forget run away
  // from the archive (`archived backup forget`) honours them.
  std::vector<std::string> legal_holds;
};

// Makes the two checkpoints: the main store's into `content_dir`, the vault's into
// `vault_dir`, in that order (so every data key used by checkpointed content is in the vault
// checkpoint), with no commit in between.
using CheckpointFn = std::function<Status(const std::filesystem::path& content_dir,
                                          const std::filesystem::path& vault_dir)>;

struct BackupResult {
  v1::BackupManifest content, vault;
};

// One backup run. Errors: kInvalidArgument for bad options; kResourceExhausted when the
// target's disk is full; kDataLoss when the previous manifest does not authenticate (the run
// then refuses to build on it); checkpoint and I/O errors. A failed run leaves earlier
// backups as they were.
StatusOr<BackupResult> MakeBackup(const BackupOptions& options, const crypto::Keyring& keyring,
                                  const CheckpointFn& checkpoint, const Clock& clock);

// A backup found in the target: its manifest, or why it cannot be read.
struct Listed {
  std::string id;
  std::string kind;
  std::uint64_t seq = 0;
  std::optional<v1::BackupManifest> manifest;
  Status problem;  // set when the manifest is missing, altered or sealed under another key
};
// Every backup in `target`, content then vault, oldest first. Errors: kNotFound when the
// target directory does not exist; kInternal.
StatusOr<std::vector<Listed>> ListBackups(const std::filesystem::path& target, const crypto::Keyring& keyring);

struct VerifyResult {
  std::uint64_t bytes_read = 0;  // sealed bytes authenticated
  std::uint64_t members = 0;     // files checked against the manifest
};
// Checks backup `id`: its manifest authenticates, every archive it needs is there with its
// recorded size, and, with `read_data`, every byte of them authenticates and every member
// matches the manifest's size and SHA-256.
// Errors: kNotFound for a missing backup or archive; kDataLoss naming the first problem.
StatusOr<VerifyResult> VerifyBackup(const std::filesystem::path& target, const crypto::Keyring& keyring,
                                    std::string_view id, bool read_data);

struct RestorePlan {
  v1::BackupManifest content, vault;
};
// Restores content backup `id` (empty: the newest) and the newest vault backup into
// `data_dir`/db and `data_dir`/vault. Everything is read and authenticated first; only then
// is anything written (into `data_dir`/.restore, then moved into place), so a bad backup
// leaves `data_dir` as it was. `data_dir` must not exist or be empty.
// Errors: kFailedPrecondition for a non-empty data_dir; kNotFound; kDataLoss naming the
// first problem; I/O errors.
StatusOr<RestorePlan> RestoreBackup(const std::filesystem::path& target, const crypto::Keyring& keyring,
                                    std::string_view id, const std::filesystem::path& data_dir);

struct ForgetResult {
  std::vector<std::string> removed;  // ids, oldest first (with dry_run: would be removed)
  std::vector<std::string> kept;
  // Kept although the policy would drop them: an incremental backup that is kept needs them.
  std::vector<std::string> kept_as_needed;
  std::vector<std::string> unreadable;  // backups whose manifest fails: never removed here
  // Archive files a crashed or failed run left without a manifest (older than the newest
  // backup): removed (with dry_run: would be).
  std::vector<std::string> leftovers;
};
// Removes the backups the keep policies no longer keep: content backups by `content`
// (never one that a kept backup needs; none at all while `legal_holds` names a hold in
// force, RELIABILITY pitfall 17), vault backups by `vault` (the newest always stays).
// A backup's manifest is removed before its archive, so an interrupted forget leaves no
// half backup. Errors: kNotFound for a missing target; I/O errors.
StatusOr<ForgetResult> ForgetBackups(const std::filesystem::path& target, const crypto::Keyring& keyring,
                                     const KeepPolicy& content, const KeepPolicy& vault, Timestamp now, bool dry_run,
                                     const std::vector<std::string>& legal_holds = {});

}  // namespace archived::backup
