// archived: the document archive daemon. Composition root: flags and config -> options ->
// open stores, committer, catalogue, authenticator -> serve HTTP -> stop on SIGTERM/SIGINT.
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "archived/audit/chain.h"
#include "archived/audit/checkpoint.h"
#include "archived/auth/authenticator.h"
#include "archived/backup/backup.h"
#include "archived/backup/schedule.h"
#include "archived/base/bytes.h"
#include "archived/base/files.h"
#include "archived/base/log.h"
#include "archived/base/status_macros.h"
#include "archived/catalog/catalog.h"
#include "archived/catalog/key_vault.h"
#include "archived/crypto/keyring.h"
#include "archived/crypto/master_key.h"
#include "archived/daemon/config.h"
#include "archived/http/server.h"
#include "archived/registers/registers.h"
#include "archived/retention/retention.h"
#include "archived/storage/rocks_store.h"

namespace archived::daemon {
namespace {

constexpr const char* kVersion = "0.1.0";
// A passphrase that seals master.key is refused below this length.
constexpr std::size_t kMinPassphraseBytes = 12;
// How long a hold's saved query waits for the search index to catch up before a disposition
// step that needs it is refused (kUnavailable, nothing done).
constexpr std::chrono::milliseconds kHoldQueryCatchUp(6000);

constexpr const char* kUsage =
    "usage: archived [--data-dir DIR] [--listen HOST:PORT] [--config FILE]\n"
    "                [--tls-cert FILE --tls-key FILE] [--passphrase-file FILE]\n"
    "       archived verify-audit [--data-dir DIR] [--checkpoint FILE]\n"
    "       archived index rebuild|check [--data-dir DIR] [--config FILE]\n"
    "       archived restore --from DIR [--backup ID] --data-dir NEW --key-file KEY\n"
    "                        [--passphrase-file FILE] [--index-later]\n"
    "       archived backup forget [--target DIR] --key-file KEY [--config FILE]\n"
    "                              [--passphrase-file FILE] [--dry-run]\n"
    "\n"
    "  --data-dir DIR      where the archive lives (default ./archive-data)\n"
    "  --listen HOST:PORT  address to serve (default 127.0.0.1:8750; port 0 picks one)\n"
    "  --config FILE       TOML configuration (see docs/configuration.md)\n"
    "  --tls-cert FILE     serve HTTPS with this certificate chain (PEM, leaf first)\n"
    "  --tls-key FILE      and this private key (PEM; not readable by other users)\n"
    "  --passphrase-file F master.key is sealed under the passphrase in F (0600); on first\n"
    "                      start it is created so (scrypt); every command needs it then\n"
    "\n"
    "verify-audit checks the audit chain (and, with --checkpoint, that it still holds a signed\n"
    "checkpoint exported earlier; exit 3 when not); index rebuild rebuilds the search index from the\n"
    "catalogue; index check compares the index with the catalogue (run both with the daemon\n"
    "stopped). restore verifies the backups in DIR (content backup ID, default the newest, and the\n"
    "newest vault backup), then restores them into NEW (which must not exist, or be empty) with\n"
    "the master key KEY (a copy of the master.key that made them), rebuilds the search index and\n"
    "checks the audit chain against the backup's manifest; a bad backup writes nothing. With\n"
    "--index-later the index is rebuilt by the daemon in the background when it first starts.\n"
    "backup forget applies the keep policies of --config's [backup] section to the backups in DIR\n"
    "(default backup.target), as the backup host's administrator: for targets the daemon may only\n"
    "add to (backup.append_only). While the newest content backup records a legal hold in force,\n"
    "no content backup is removed.\n"
    "\n"
    "The first start creates DIR, its master key (DIR/master.key) and an admin API token\n"
    "(DIR/admin.token). Keep a copy of master.key somewhere safe: without it nothing can be read.\n";

struct Flags {
  std::string command;  // "" (serve), "verify-audit", "index rebuild", "index check" or "restore"
  std::optional<std::string> data_dir, listen, config, tls_cert, tls_key, passphrase_file, checkpoint;
  std::optional<std::string> from, backup_id, key_file;  // restore (key_file: and backup forget)
  std::optional<std::string> target;                     // backup forget
  bool index_later = false;
  bool dry_run = false;  // backup forget
};

StatusOr<Flags> ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::optional<std::string>* out) -> Status {
      const std::size_t eq = arg.find('=');
      if (eq != std::string::npos) {
        *out = arg.substr(eq + 1);
        return OkStatus();
      }
      if (i + 1 >= argc) return InvalidArgumentError(arg + " needs a value");
      *out = argv[++i];
      return OkStatus();
    };
    const std::string name = arg.substr(0, arg.find('='));
    if (name == "--data-dir") {
      ARCHIVED_RETURN_IF_ERROR(value(&flags.data_dir));
    } else if (name == "--listen") {
      ARCHIVED_RETURN_IF_ERROR(value(&flags.listen));
    } else if (name == "--config") {
      ARCHIVED_RETURN_IF_ERROR(value(&flags.config));
    } else if (name == "--tls-cert") {
      ARCHIVED_RETURN_IF_ERROR(value(&flags.tls_cert));
    } else if (name == "--tls-key") {
      ARCHIVED_RETURN_IF_ERROR(value(&flags.tls_key));
    } else if (name == "--passphrase-file") {
      ARCHIVED_RETURN_IF_ERROR(value(&flags.passphrase_file));
    } else if (name == "--checkpoint" && flags.command == "verify-audit") {
      ARCHIVED_RETURN_IF_ERROR(value(&flags.checkpoint));
    } else if (name == "--from" && flags.command == "restore") {
      ARCHIVED_RETURN_IF_ERROR(value(&flags.from));
    } else if (name == "--backup" && flags.command == "restore") {
      ARCHIVED_RETURN_IF_ERROR(value(&flags.backup_id));
    } else if (arg == "--index-later" && flags.command == "restore") {
      flags.index_later = true;
    } else if (name == "--key-file" && (flags.command == "restore" || flags.command == "backup forget")) {
      ARCHIVED_RETURN_IF_ERROR(value(&flags.key_file));
    } else if (name == "--target" && flags.command == "backup forget") {
      ARCHIVED_RETURN_IF_ERROR(value(&flags.target));
    } else if (arg == "--dry-run" && flags.command == "backup forget") {
      flags.dry_run = true;
    } else if (arg == "backup" && flags.command.empty() && i == 1) {
      if (i + 1 >= argc || std::string(argv[i + 1]) != "forget") {
        return InvalidArgumentError("backup: say \"backup forget\" (the daemon's API makes and lists backups)");
      }
      flags.command = "backup " + std::string(argv[++i]);
    } else if ((arg == "verify-audit" || arg == "restore") && flags.command.empty() && i == 1) {
      flags.command = arg;
    } else if (arg == "index" && flags.command.empty() && i == 1) {
      if (i + 1 >= argc || (std::string(argv[i + 1]) != "rebuild" && std::string(argv[i + 1]) != "check")) {
        return InvalidArgumentError("index: say \"index rebuild\" or \"index check\"");
      }
      flags.command = "index " + std::string(argv[++i]);
    } else {
      return InvalidArgumentError("unknown argument \"" + arg + "\"");
    }
  }
  if (flags.command == "restore" && (!flags.from || !flags.data_dir || !flags.key_file)) {
    return InvalidArgumentError("restore needs --from DIR, --data-dir NEW and --key-file KEY");
  }
  if (flags.command == "backup forget" && !flags.key_file) {
    return InvalidArgumentError("backup forget needs --key-file KEY (a copy of the master.key that made the backups)");
  }
  return flags;
}

StatusOr<DaemonConfig> BuildConfig(const Flags& flags) {
  DaemonConfig config;
  if (flags.config) {
    ARCHIVED_ASSIGN_OR_RETURN(config, LoadConfigFile(*flags.config, config));
  }
  if (flags.data_dir) config.data_dir = *flags.data_dir;
  if (flags.listen) ARCHIVED_RETURN_IF_ERROR(ParseListen(*flags.listen, &config));
  if (flags.tls_cert) config.http.tls_cert_file = *flags.tls_cert;
  if (flags.tls_key) config.http.tls_key_file = *flags.tls_key;
  if (flags.passphrase_file) config.passphrase_file = *flags.passphrase_file;
  config.http.host = config.listen_host;
  config.http.port = config.listen_port;
  ARCHIVED_RETURN_IF_ERROR(ValidateConfig(config));
  return config;
}

struct Stores {
  std::unique_ptr<storage::Store> main, vault;
};

StatusOr<Stores> OpenStores(const DaemonConfig& config) {
  Stores stores;
  ARCHIVED_ASSIGN_OR_RETURN(stores.main, storage::OpenRocksStore({.directory = config.data_dir / "db"}));
  ARCHIVED_ASSIGN_OR_RETURN(stores.vault, storage::OpenRocksStore({.directory = config.data_dir / "vault",
                                                                   .keyspaces = storage::kVaultKeyspaces}));
  return stores;
}

// The archive's modules, opened in dependency order (destroyed in reverse).
struct Archive {
  crypto::MasterKeyFiles key_files;
  std::unique_ptr<crypto::Keyring> keyring;
  std::optional<crypto::SecretKey> checkpoint_seed;  // kept in the vault
  Stores stores;
  std::unique_ptr<audit::Committer> committer;
  std::unique_ptr<catalog::Catalog> catalog;
  std::unique_ptr<registers::Registers> registers;
  std::unique_ptr<indexer::Indexer> indexer;
};

// The passphrase in config.passphrase_file, without its line end; empty when none is set.
StatusOr<std::string> ReadPassphrase(const DaemonConfig& config) {
  if (config.passphrase_file.empty()) return std::string();
  ARCHIVED_ASSIGN_OR_RETURN(const std::optional<std::string> passphrase,
                            ReadPrivateFile(config.passphrase_file, "passphrase file"));
  if (!passphrase) return NotFoundError("passphrase file \"" + config.passphrase_file.string() + "\" is missing");
  std::string text = *passphrase;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.size() < kMinPassphraseBytes) {
    return InvalidArgumentError("the passphrase must be at least " + std::to_string(kMinPassphraseBytes) +
                                " characters long");
  }
  return text;
}

StatusOr<std::unique_ptr<Archive>> OpenArchive(const DaemonConfig& config) {
  ARCHIVED_RETURN_IF_ERROR(EnsurePrivateDirectory(config.data_dir));
  auto archive = std::make_unique<Archive>();
  archive->key_files = {.current = config.data_dir / "master.key", .next = config.data_dir / "master.key.next"};
  ARCHIVED_ASSIGN_OR_RETURN(archive->key_files.passphrase, ReadPassphrase(config));
  ARCHIVED_ASSIGN_OR_RETURN(crypto::MasterKeys keys, crypto::LoadOrCreateMasterKeys(archive->key_files));
  if (keys.created) {
    LogLine("created master key " + archive->key_files.current.string() +
            (archive->key_files.passphrase.empty() ? " (back it up)" : " sealed under the passphrase (back both up)"));
  }
  ARCHIVED_ASSIGN_OR_RETURN(crypto::SecretKey checkpoint_seed, audit::InitialCheckpointSeed(keys.current));
  archive->keyring = std::make_unique<crypto::Keyring>(std::move(keys.current));
  if (keys.next) {
    ARCHIVED_RETURN_IF_ERROR(archive->keyring->BeginRotation(std::move(*keys.next)));
    LogLine("found " + archive->key_files.next.string() + ": a master-key rotation was interrupted; it resumes");
  }
  ARCHIVED_ASSIGN_OR_RETURN(archive->stores, OpenStores(config));
  ARCHIVED_ASSIGN_OR_RETURN(archive->committer,
                            audit::Committer::Open({}, archive->stores.main.get(), SystemClock::Get()));
  ARCHIVED_ASSIGN_OR_RETURN(archive->catalog,
                            catalog::Catalog::Open(config.catalog, archive->stores.main.get(),
                                                   archive->stores.vault.get(), archive->keyring.get(),
                                                   archive->committer.get(), SystemClock::Get()));
  ARCHIVED_ASSIGN_OR_RETURN(archive->checkpoint_seed,
                            catalog::LoadOrCreateVaultSecret(archive->stores.vault.get(), *archive->keyring,
                                                             "audit-checkpoint-seed", checkpoint_seed));
  indexer::IndexerOptions index_options = config.indexer;
  index_options.index.path = (config.data_dir / "index").string();
  if (index_options.extract.helper.empty()) {
    // Built and installed beside the daemon.
    std::error_code ec;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    index_options.extract.helper = (self.parent_path() / "archived-extract").string();
  }
  if (::access(index_options.extract.helper.c_str(), X_OK) != 0) {
    LogLine("warning: the extraction helper " + index_options.extract.helper +
            " is missing; PDF and office files will be filed but not searchable by their text");
  }
  archive->registers = std::make_unique<registers::Registers>(config.registers, archive->stores.main.get(),
                                                               archive->committer.get(), archive->catalog.get());
  // Entries destroyed after the backup this store came from, or before a crash finished them.
  ARCHIVED_ASSIGN_OR_RETURN(const std::size_t replayed, archive->registers->ReplayDestructions({.name = "system"}));
  if (replayed > 0) LogLine("destruction ledger: " + std::to_string(replayed) + " register entry destructions applied");
  // Register entries are searched with documents, their fields as prefixes ("lead_handler:").
  index_options.index.entry_fields = registers::AllFieldNames();
  const registers::Registers* entries = archive->registers.get();
  ARCHIVED_ASSIGN_OR_RETURN(
      archive->indexer,
      indexer::Indexer::Open(index_options, archive->catalog.get(), SystemClock::Get(),
                             {.find = [entries](std::string_view id) { return entries->Find(id); },
                              .for_each_id = [entries](const std::function<Status(std::string_view)>& fn) {
                                return entries->ForEachEntryId(fn);
                              }}));
  return archive;
}

Status CloseArchive(Archive& archive) {
  archive.indexer->Stop();
  archive.committer->Stop();
  archive.indexer.reset();
  archive.registers.reset();
  archive.catalog.reset();
  archive.committer.reset();
  ARCHIVED_RETURN_IF_ERROR(archive.stores.vault->Close());
  return archive.stores.main->Close();
}

// Offline: rebuilds the search index, or compares it with the catalogue (exit 3 if they differ).
StatusOr<int> IndexCommand(const DaemonConfig& config, const std::string& command) {
  ARCHIVED_ASSIGN_OR_RETURN(std::unique_ptr<Archive> archive, OpenArchive(config));
  int exit_code = 0;
  if (command == "index rebuild") {
    const bool tty = ::isatty(STDERR_FILENO) != 0;
    ARCHIVED_RETURN_IF_ERROR(archive->indexer->Rebuild([&](std::size_t done, std::size_t total) {
      std::fprintf(stderr, tty ? "\rindexing: %zu of %zu documents" : "indexing: %zu of %zu documents\n", done, total);
    }));
    if (tty) std::fputc('\n', stderr);
    std::printf("search index rebuilt: %llu documents\n",
                static_cast<unsigned long long>(archive->indexer->stats().documents_in_index));
  } else {
    ARCHIVED_ASSIGN_OR_RETURN(const indexer::Indexer::Difference diff, archive->indexer->Check());
    for (const std::string& id : diff.missing) std::printf("missing from the index: %s\n", id.c_str());
    for (const std::string& id : diff.extra) std::printf("in the index but not the catalogue: %s\n", id.c_str());
    if (diff.pending > 0) {
      std::printf("%llu queued changes not yet indexed (the daemon indexes them when it runs)\n",
                  static_cast<unsigned long long>(diff.pending));
    }
    const bool same = diff.missing.empty() && diff.extra.empty();
    std::printf("search index: %s (%llu documents)\n", same ? "ok, same documents as the catalogue" : "DIFFERS",
                static_cast<unsigned long long>(archive->indexer->stats().documents_in_index));
    exit_code = same ? 0 : 3;
  }
  ARCHIVED_RETURN_IF_ERROR(CloseArchive(*archive));
  return exit_code;
}

// Offline check of the audit chain: exits 0 when it verifies.
// The chain checked offline; with a checkpoint file, also that the chain still holds it.
StatusOr<int> VerifyAudit(const DaemonConfig& config, const std::optional<std::string>& checkpoint_file) {
  std::optional<v1::AuditCheckpoint> checkpoint;
  if (checkpoint_file) {
    std::ifstream in(*checkpoint_file);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return InvalidArgumentError("cannot read the checkpoint file " + *checkpoint_file);
    ARCHIVED_ASSIGN_OR_RETURN(checkpoint, audit::ParseCheckpointJson(text.str()));
    if (Status signed_ok = audit::VerifyCheckpointSignature(*checkpoint); !signed_ok.ok()) {
      std::printf("CHECKPOINT REFUSED: %s\n", signed_ok.message().c_str());
      return 3;
    }
  }
  ARCHIVED_ASSIGN_OR_RETURN(Stores stores, OpenStores(config));
  ARCHIVED_ASSIGN_OR_RETURN(const v1::AuditVerification result,
                            audit::VerifyChain(*stores.main, checkpoint ? checkpoint->seq() : 0));
  std::printf("audit chain: %s, %llu events, head %s%s%s\n", result.ok() ? "ok" : "BROKEN",
              static_cast<unsigned long long>(result.events()), result.head_hash().c_str(),
              result.ok() ? "" : ": ", result.problem().c_str());
  if (!result.ok()) return 3;
  if (!checkpoint) return 0;
  const audit::CheckpointFinding finding = audit::CompareWithCheckpoint(result, *checkpoint);
  std::printf("%s\n", finding.message.c_str());
  return finding.holds ? 0 : 3;
}

// A copy of a data directory's master.key (sealed under the passphrase of
// --passphrase-file, if it is): its text and the key.
struct KeyFile {
  std::string text;
  crypto::SecretKey key;
};
StatusOr<KeyFile> ReadKeyFile(const DaemonConfig& config, const std::filesystem::path& path) {
  ARCHIVED_ASSIGN_OR_RETURN(std::optional<std::string> key_text, ReadPrivateFile(path, "master key file"));
  if (!key_text) return NotFoundError("master key file \"" + path.string() + "\" is missing");
  crypto::MasterKeyFiles key_files{.current = path, .next = {}};
  ARCHIVED_ASSIGN_OR_RETURN(key_files.passphrase, ReadPassphrase(config));
  ARCHIVED_ASSIGN_OR_RETURN(crypto::SecretKey key, crypto::DecodeMasterKeyFile(key_files, *key_text, path));
  return KeyFile{.text = std::move(*key_text), .key = std::move(key)};
}

// Offline, as the backup host's administrator (backup.append_only targets, RELIABILITY
// pitfall 17): the keep policies of the config's [backup] section, applied to the target.
// The legal holds are those the newest content backup recorded; while it names one, no
// content backup is removed, and if it cannot be read nothing is.
StatusOr<int> BackupForgetCommand(const DaemonConfig& config, const Flags& flags) {
  const std::filesystem::path target = flags.target ? std::filesystem::path(*flags.target) : config.backup.target;
  if (target.empty()) return InvalidArgumentError("backup forget needs --target DIR (or backup.target in --config)");
  ARCHIVED_ASSIGN_OR_RETURN(KeyFile key_file, ReadKeyFile(config, *flags.key_file));
  const crypto::Keyring keyring(std::move(key_file.key));
  ARCHIVED_ASSIGN_OR_RETURN(const std::vector<backup::Listed> listed, backup::ListBackups(target, keyring));
  const backup::Listed* newest = nullptr;  // listed oldest first
  for (const backup::Listed& l : listed) {
    if (l.kind == backup::kContent) newest = &l;
  }
  if (newest != nullptr && !newest->manifest) {
    return DataLossError("the newest content backup " + newest->id + " cannot be read (" +
                         std::string(newest->problem.message()) +
                         "), so the legal holds in force are unknown: nothing removed");
  }
  std::vector<std::string> holds;
  if (newest != nullptr) holds.assign(newest->manifest->legal_holds().begin(), newest->manifest->legal_holds().end());
  ARCHIVED_ASSIGN_OR_RETURN(const backup::ForgetResult result,
                            backup::ForgetBackups(target, keyring, config.backup.keep, config.backup.vault_keep,
                                                  SystemClock::Get().Now(), flags.dry_run, holds));
  const char* verb = flags.dry_run ? "would remove" : "removed";
  for (const std::string& id : result.removed) std::printf("%s %s\n", verb, id.c_str());
  for (const std::string& name : result.leftovers) std::printf("%s %s (no manifest: a failed run's)\n", verb, name.c_str());
  for (const std::string& id : result.unreadable) std::printf("left %s: its manifest cannot be read\n", id.c_str());
  if (!holds.empty()) {
    std::string names;
    for (const std::string& name : holds) names += (names.empty() ? "" : ", ") + name;
    std::printf("legal holds in force at %s (%s): no content backup removed\n", newest->id.c_str(), names.c_str());
  }
  std::printf("%zu removed%s, %zu kept\n", result.removed.size() + result.leftovers.size(),
              flags.dry_run ? " (dry run: nothing was)" : "", result.kept.size());
  return 0;
}

// Offline: restores a backup into a new data directory (backup/backup.h RestoreBackup), then
// opens it as the daemon would (sweeping uploads that were in flight at the checkpoint),
// checks the audit chain against the manifest, records the restore on it and rebuilds the
// search index.
StatusOr<int> RestoreCommand(DaemonConfig config, const Flags& flags) {
  ARCHIVED_ASSIGN_OR_RETURN(KeyFile key_file, ReadKeyFile(config, *flags.key_file));
  const crypto::Keyring keyring(std::move(key_file.key));
  std::printf("verifying the backups in %s (master key %s)\n", flags.from->c_str(), keyring.current_id().c_str());
  std::fflush(stdout);
  ARCHIVED_ASSIGN_OR_RETURN(const backup::RestorePlan plan,
                            backup::RestoreBackup(*flags.from, keyring, flags.backup_id.value_or(""), config.data_dir));
  const std::string content_id = backup::BackupId(backup::kContent, plan.content.seq());
  const std::string vault_id = backup::BackupId(backup::kVault, plan.vault.seq());
  std::printf("restored %s (%llu documents, audit event %llu) and %s into %s\n", content_id.c_str(),
              static_cast<unsigned long long>(plan.content.documents()),
              static_cast<unsigned long long>(plan.content.audit_seq()), vault_id.c_str(), config.data_dir.c_str());
  ARCHIVED_RETURN_IF_ERROR(WriteSecretFile(config.data_dir / "master.key", key_file.text));
  ARCHIVED_ASSIGN_OR_RETURN(std::unique_ptr<Archive> archive, OpenArchive(config));
  ARCHIVED_ASSIGN_OR_RETURN(const v1::AuditVerification chain,
                            audit::VerifyChain(*archive->stores.main, plan.content.audit_seq()));
  if (!chain.ok() || chain.hash_at_seq() != HexEncode(plan.content.audit_head())) {
    IgnoreError(CloseArchive(*archive));
    return DataLossError("the restored audit chain does not match the backup's manifest: " +
                         (chain.ok() ? "head " + chain.hash_at_seq() + " at event " + std::to_string(plan.content.audit_seq()) +
                                           ", manifest " + HexEncode(plan.content.audit_head())
                                     : chain.problem()));
  }
  ARCHIVED_RETURN_IF_ERROR(archive->committer->Run([&](audit::Transaction& txn) {
    txn.Audit(audit::EventBy({.name = "restore"}, "backup.restore", content_id,
                             "restored " + content_id + " and " + vault_id + " from " + *flags.from +
                                 "; chain verified through event " + std::to_string(plan.content.audit_seq())));
    return OkStatus();
  }));
  ARCHIVED_ASSIGN_OR_RETURN(const std::vector<v1::DestructionRecord> ledger, archive->catalog->ReadLedger());
  std::printf("destruction ledger: %zu destructions, each applied (documents destroyed after the backup stay destroyed)\n",
              ledger.size());
  std::printf("audit chain verified: %llu events, matching the manifest\n",
              static_cast<unsigned long long>(chain.events()));
  std::fflush(stdout);
  if (flags.index_later) {
    std::printf("search index: rebuilt in the background when the daemon first starts\n");
  } else {
    ARCHIVED_RETURN_IF_ERROR(archive->indexer->Rebuild([](std::size_t, std::size_t) {}));
    std::printf("search index rebuilt: %llu documents\n",
                static_cast<unsigned long long>(archive->indexer->stats().documents_in_index));
  }
  ARCHIVED_RETURN_IF_ERROR(CloseArchive(*archive));
  std::printf("done: start the daemon with --data-dir %s\n", config.data_dir.c_str());
  return 0;
}

// Retention, with its certificate signing key (a vault secret, so that rotations carry it
// and vault backups keep it), holds by query through the search index, a vault backup
// after each destruction, and its scheduled runs.
StatusOr<std::unique_ptr<retention::Retention>> OpenRetention(const DaemonConfig& config, Archive& archive,
                                                             service::BackupService* backups) {
  ARCHIVED_ASSIGN_OR_RETURN(const crypto::SecretKey fresh_seed, crypto::SecretKey::Generate());
  ARCHIVED_ASSIGN_OR_RETURN(const crypto::SecretKey seed,
                            catalog::LoadOrCreateVaultSecret(archive.stores.vault.get(), *archive.keyring,
                                                             "certificate-seed", fresh_seed));
  ARCHIVED_ASSIGN_OR_RETURN(crypto::Ed25519Key signing_key, crypto::Ed25519Key::FromSeed(seed.bytes()));
  retention::RetentionOptions options = config.retention;
  options.fonds = config.catalog.fonds;
  const indexer::Indexer* indexer = archive.indexer.get();
  // The destruction reaches the backups: the vault backup of this run holds the ledger
  // entry, so a restore of any older content backup replays it.
  auto after_destruction = [backups] {
    if (!backups->configured()) return;
    const StatusOr<v1::BackupReport> started = backups->Start({.name = "system", .role = "retention"});
    if (!started.ok()) LogLine("after a destruction, no backup could start: " + started.status().ToString());
  };
  ARCHIVED_ASSIGN_OR_RETURN(
      std::unique_ptr<retention::Retention> retention,
      retention::Retention::Open(options, archive.catalog.get(), archive.registers.get(), archive.committer.get(),
                                 SystemClock::Get(),
                                 std::move(signing_key),
                                 [indexer](const std::string& query) {
                                   // A document filed a moment ago must not be missed.
                                   return indexer->MatchingIds(query, kHoldQueryCatchUp);
                                 },
                                 after_destruction));
  if (!config.disposition_schedule.empty()) {
    ARCHIVED_ASSIGN_OR_RETURN(const backup::CronSchedule schedule,
                              backup::CronSchedule::Parse(config.disposition_schedule));
    retention->StartScheduledRuns([schedule](Timestamp after) { return schedule.Next(after); });
  }
  return retention;
}

StatusOr<int> Serve(const DaemonConfig& config, const sigset_t& signals) {
  // glibc gives each thread that allocates its own arena, and arenas keep freed megabyte
  // buffers: with eight blocking threads RSS grew ~90 MiB over a 2 GiB upload. Two arenas
  // bound that. (A fixed mmap threshold bounds it too, but then every buffer is fresh pages,
  // and page faults cost more than the cipher on this VM: uploads fell to 46 MB/s.) The
  // offline commands keep glibc's default arenas: a rebuild of the search benchmark's index
  // took 39.6 s with them and 46.6 s with two.
  ::mallopt(M_ARENA_MAX, 2);
  ARCHIVED_ASSIGN_OR_RETURN(std::unique_ptr<Archive> archive, OpenArchive(config));
  Stores& stores = archive->stores;
  audit::Committer* committer = archive->committer.get();
  // The whole chain is checked on every start; a broken one is reported loudly, and the
  // daemon serves on so that the records stay available (GET /healthz says degraded).
  ARCHIVED_ASSIGN_OR_RETURN(const v1::AuditVerification chain, audit::VerifyChain(*stores.main));
  std::string audit_problem;
  if (!chain.ok()) {
    audit_problem = "the audit chain is broken at event " + std::to_string(chain.first_bad_seq()) + ": " + chain.problem();
    LogLine("ERROR: " + audit_problem);
  } else {
    LogLine("audit chain verified: " + std::to_string(chain.events()) + " events, head " + chain.head_hash());
  }
  auth::Authenticator authenticator(config.auth, stores.main.get(), committer, SystemClock::Get());
  // A broken chain gets no checkpoint: that would vouch for it.
  std::unique_ptr<Checkpointer> checkpointer;
  if (chain.ok()) {
    ARCHIVED_ASSIGN_OR_RETURN(crypto::Ed25519Key signing_key, audit::CheckpointKey(*archive->checkpoint_seed));
    CheckpointerOptions checkpoint_options = config.checkpoint;
    checkpoint_options.file = CheckpointFile(config);
    checkpointer = std::make_unique<Checkpointer>(checkpoint_options, committer, std::move(signing_key),
                                                  SystemClock::Get());
    ARCHIVED_RETURN_IF_ERROR(checkpointer->Start().Annotate("audit checkpoint " + checkpoint_options.file.string()));
    LogLine("audit checkpoints go to " + checkpoint_options.file.string());
  }
  ARCHIVED_RETURN_IF_ERROR(authenticator.Load());
  const std::filesystem::path token_path = config.data_dir / "admin.token";
  ARCHIVED_ASSIGN_OR_RETURN(const bool token_created, authenticator.EnsureAdminToken([&](std::string_view token) {
    return WriteSecretFile(token_path, std::string(token) + "\n");
  }));
  if (token_created) {
    LogLine("created admin token in " + token_path.string());
  }
  archive->indexer->Start();
  auto scrubber =
      std::make_unique<service::Scrubber>(archive->catalog.get(), committer, SystemClock::Get(), config.scrub);
  scrubber->StartSchedule();
  const service::Guard guard(archive->catalog.get(), &authenticator);
  auto key_rotator = std::make_unique<service::KeyRotator>(archive->key_files, archive->keyring.get(),
                                                           stores.vault.get(), archive->catalog.get(), committer,
                                                           SystemClock::Get(), config.rotation);
  key_rotator->ResumeIfInterrupted();
  service::BackupServiceOptions backup_options = config.backup;
  backup_options.work_dir = config.data_dir / "backup-work";
  backup_options.daemon_version = kVersion;
  if (!config.backup_schedule.empty()) {
    ARCHIVED_ASSIGN_OR_RETURN(backup_options.schedule, backup::CronSchedule::Parse(config.backup_schedule));
  }
  {
    std::error_code ec;  // a run killed midway left its hard-linked checkpoints here
    std::filesystem::remove_all(backup_options.work_dir, ec);
  }
  // Forget asks retention which legal holds are in force. Retention opens after the backups
  // (it starts one after each destruction), so it is reached through this pointer, set while
  // it is open.
  auto holds_from = std::make_shared<std::atomic<const retention::Retention*>>(nullptr);
  backup_options.active_holds = [holds_from]() -> StatusOr<std::vector<std::string>> {
    const retention::Retention* retention = holds_from->load();
    if (retention == nullptr) return UnavailableError("retention is not open");
    ARCHIVED_ASSIGN_OR_RETURN(const v1::HoldList holds, retention->ListHolds(/*include_released=*/false));
    std::vector<std::string> names;
    for (const v1::Hold& hold : holds.holds()) names.push_back(hold.name());
    return names;
  };
  auto backups = std::make_unique<service::BackupService>(stores.main.get(), stores.vault.get(), archive->keyring.get(),
                                                          committer, SystemClock::Get(), backup_options);
  if (backups->configured()) {
    backups->StartSchedule();
    LogLine("backups go to " + backup_options.target.string());
  }
  ARCHIVED_ASSIGN_OR_RETURN(std::unique_ptr<retention::Retention> retention,
                            OpenRetention(config, *archive, backups.get()));
  holds_from->store(retention.get());
  ARCHIVED_ASSIGN_OR_RETURN(auto server, http::HttpServer::Start(config.http, {.catalog = archive->catalog.get(),
                                                                               .authenticator = &authenticator,
                                                                               .committer = committer,
                                                                               .store = stores.main.get(),
                                                                               .indexer = archive->indexer.get(),
                                                                               .scrubber = scrubber.get(),
                                                                               .key_rotator = key_rotator.get(),
                                                                               .backups = backups.get(),
                                                                               .retention = retention.get(),
                                                                               .registers = archive->registers.get(),
                                                                               .guard = &guard,
                                                                               .version = kVersion,
                                                                               .audit_problem = audit_problem,
                                                                               .latest_checkpoint = [&] {
                                                                                 return checkpointer
                                                                                            ? checkpointer->latest()
                                                                                            : std::nullopt;
                                                                               }}));
  const std::string host = config.listen_host.find(':') != std::string::npos ? "[" + config.listen_host + "]"
                                                                            : config.listen_host;
  if (server->tls()) {
    const crypto::TlsCertificateInfo& certificate = server->tls_certificate();
    LogLine("TLS certificate " + certificate.subject + " (" + certificate.key + "), valid until " +
            certificate.not_after);
  }
  std::printf("listening on %s://%s:%u\n", server->tls() ? "https" : "http", host.c_str(),
              static_cast<unsigned>(server->port()));
  std::printf("admin token: %s\n", token_path.c_str());
  std::fflush(stdout);
  LogLine("archived " + std::string(kVersion) + " serving " + config.data_dir.string() + " on " + host + ":" +
          std::to_string(server->port()));

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  LogLine(std::string("received ") + ::strsignal(signal_number) + "; finishing in-flight requests");
  server->Stop();
  server.reset();
  scrubber.reset();  // a running scrub stops at the next document
  holds_from->store(nullptr);  // a scheduled forget from now on removes nothing
  retention.reset();  // waits for a running disposition step
  backups.reset();   // waits for a running backup
  if (checkpointer) {
    if (Status last = checkpointer->Stop(); !last.ok()) LogLine("cannot write the last audit checkpoint: " + last.ToString());
  }
  ARCHIVED_RETURN_IF_ERROR(CloseArchive(*archive));
  LogLine("stopped cleanly");
  return 0;
}

// glibc keeps up to 7 freed chunks of each small size per thread (its tcache) and hands the
// rest back to a shared arena, under the arena's lock; the daemon runs with two arenas
// (M_ARENA_MAX in Serve). A group commit frees dozens of same-sized chunks at once, many of
// them allocated by the I/O thread, and then the I/O thread and the committer queued on
// arena locks and on glibc's consolidation of those chunks. With a cache of 2,000 chunks a
// filing took 10-18% less of the daemon's CPU under the ingest load (docs/benchmarks.md,
// session 17). glibc reads its tunables only as a process starts, so the daemon starts
// itself once more with the larger cache. A tcache_count already in the environment is kept,
// and if the re-execution fails the daemon runs on with glibc's defaults.
constexpr int kAllocatorCacheChunks = 2000;  // per size class and thread; glibc's default: 7

void ReexecWithLargerAllocatorCache(char** argv) {
  constexpr std::string_view kTunable = "glibc.malloc.tcache_count";
  const char* current = std::getenv("GLIBC_TUNABLES");
  if (current != nullptr && std::string_view(current).find(kTunable) != std::string_view::npos) {
    return;
  }
  std::string tunables = current == nullptr || *current == '\0' ? "" : std::string(current) + ":";
  tunables += std::string(kTunable) + "=" + std::to_string(kAllocatorCacheChunks);
  if (::setenv("GLIBC_TUNABLES", tunables.c_str(), 1) == 0) {
    ::execv("/proc/self/exe", argv);  // returns only on failure
  }
  LogLine(std::string("could not restart with a larger allocator cache (") + std::strerror(errno) +
          "); running with glibc's default");
}

}  // namespace
}  // namespace archived::daemon

int main(int argc, char** argv) {
  using namespace archived;
  daemon::ReexecWithLargerAllocatorCache(argv);
  // Signals are taken synchronously by sigwait in the main thread; every thread started
  // after this inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::fputs(daemon::kUsage, stdout);
      return 0;
    }
    if (std::strcmp(argv[i], "--version") == 0) {
      std::printf("archived %s\n", daemon::kVersion);
      return 0;
    }
  }
  StatusOr<daemon::Flags> flags = daemon::ParseFlags(argc, argv);
  StatusOr<daemon::DaemonConfig> config = flags.ok() ? daemon::BuildConfig(*flags) : flags.status();
  if (!config.ok()) {
    std::fprintf(stderr, "archived: %s\n%s", config.status().message().c_str(), daemon::kUsage);
    return 1;
  }
  StatusOr<int> exit_code = flags->command == "restore"           ? daemon::RestoreCommand(*config, *flags)
                            : flags->command == "backup forget"   ? daemon::BackupForgetCommand(*config, *flags)
                            : flags->command == "verify-audit"    ? daemon::VerifyAudit(*config, flags->checkpoint)
                            : flags->command.starts_with("index ") ? daemon::IndexCommand(*config, flags->command)
                                                                   : daemon::Serve(*config, signals);
  if (!exit_code.ok()) {
    std::fprintf(stderr, "archived: %s\n", exit_code.status().message().c_str());
    return exit_code.status().code() == StatusCode::kInvalidArgument ? 1 : 2;
  }
  return *exit_code;
}
