// DaemonConfig: everything archived can be told, from the TOML file and the command line;
// and the one translation from it to the modules' options structs. Pure data and functions;
// thread-safe. Every key, with its default, is documented in docs/configuration.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "archived/base/status.h"
#include "archived/catalog/catalog.h"
#include "archived/http/server.h"
#include "archived/auth/authenticator.h"
#include "archived/daemon/checkpointer.h"
#include "archived/service/backups.h"
#include "archived/service/key_rotation.h"
#include "archived/service/scrub.h"
#include "archived/registers/registers.h"
#include "archived/retention/retention.h"
#include "indexer/indexer.h"

namespace archived::daemon {

struct DaemonConfig {
  std::filesystem::path data_dir = "archive-data";
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8750;
  // Plain HTTP (no TLS) on anything but loopback needs this.
  bool allow_plain_http_off_loopback = false;
  catalog::CatalogOptions catalog;
  http::HttpServerOptions http;
  indexer::IndexerOptions indexer;  // index.path is set to DATA_DIR/index at start
  auth::AuthOptions auth;
  // file empty: DATA_DIR's path with ".audit-checkpoint.json" appended, beside it.
  CheckpointerOptions checkpoint;
  // Set: master.key is sealed under the passphrase in this file (0600). Default: none.
  std::filesystem::path passphrase_file;
  service::KeyRotationOptions rotation;
  service::ScrubOptions scrub;
  // [backup]: target empty means not configured; work_dir and daemon_version are set at
  // start; the schedule string is parsed into backup.schedule by ValidateConfig's caller.
  service::BackupServiceOptions backup;
  std::string backup_schedule = "0 2 * * *";  // nightly at 02:00 UTC; "" for none
  // [retention]: fonds is [archive] fonds.
  retention::RetentionOptions retention;
  // When disposition runs draw up what is due (cron syntax, UTC); "" for none.
  std::string disposition_schedule = "30 1 * * *";
  registers::RegistersOptions registers;  // [registers]
};

// Where the audit checkpoint goes: the configured file, or beside the data directory.
std::filesystem::path CheckpointFile(const DaemonConfig& config);

// Reads a TOML file over the defaults. Unknown keys are errors, so typos do not pass silently.
// Errors: kNotFound if the file is missing; kInvalidArgument naming the key or the line.
StatusOr<DaemonConfig> LoadConfigFile(const std::filesystem::path& path, DaemonConfig defaults);

// Parses "HOST:PORT". Errors: kInvalidArgument.
Status ParseListen(std::string_view text, DaemonConfig* config);

// Errors: kInvalidArgument for a combination that cannot work.
Status ValidateConfig(const DaemonConfig& config);

}  // namespace archived::daemon
