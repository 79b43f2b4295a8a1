// archivectl: the command-line client of archived.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>

#include "archived/registers/schema.h"
#include "client/cli.h"

namespace {

constexpr const char* kUsage =
    "usage: archivectl [--server URL] [--cacert FILE] [--token T | --token-file F] [--json] COMMAND …\n"
    "\n"
    "commands:\n"
    "  put PATH… [--title T] [--category C] [--tags a,b] [--author A] [--date YYYY-MM-DD]\n"
    "            [--classification public|internal|confidential|secret]\n"
    "            [-r|--recursive] [-j|--jobs N]       file documents (directories with -r)\n"
    "  version ID FILE                                 file a new version of a document\n"
    "  get ID [--version N] [-o FILE|-] [--force]     download a version (checks its SHA-256)\n"
    "  info ID                                         metadata and versions\n"
    "  versions ID                                     every version\n"
    "  ls [--category C] [--limit N] [--all]          documents, newest first\n"
    "  search QUERY… [--category C] [--type T] [--from DATE] [--to DATE]\n"
    "            [--sort relevance|date] [--limit N] [--offset N]\n"
    "                                                  full-text search (docs/search.md)\n"
    "  login USER [--ttl SECONDS]                      log in (password typed, or on stdin);\n"
    "                                                  the token is kept in ~/.config/archivectl/token\n"
    "  logout                                          revoke the session's token\n"
    "  whoami                                          the user and token in use\n"
    "  user add NAME --role R[,R…] [--clearance L] [--department D,…] [--display-name N]\n"
    "            [--password-stdin]                    (admin) roles: admin, records_officer, clerk, auditor\n"
    "  user list | show NAME | set NAME [flags of add] [--disable|--enable]\n"
    "  token create [--user U] [--ttl SECONDS] [--read-only] [--description D]\n"
    "  token list [--user U] | revoke ID              tokens (another user's: admin)\n"
    "  audit log [--since T] [--until T] [--actor A] [--object ID] [--action A] [--from-seq N]\n"
    "            [--limit N]                           the audit trail (auditor)\n"
    "  audit verify [--checkpoint FILE]                check the whole chain, and that it still holds an\n"
    "                                                  exported checkpoint (exit 3 when not)\n"
    "  admin scrub [--no-wait]                         read and check every version of every document\n"
    "                                                  (admin; exit 3 when something is damaged)\n"
    "  admin rotate-master-key [--no-wait]             rewrap every data key under a new master key\n"
    "                                                  (admin; exit 3 if it stopped)\n"
    "  backup now [--no-wait]                          back up now to the configured target (admin)\n"
    "  backup list                                     backups: time, type, size, duration, verification\n"
    "  backup verify [ID] [--read-data]                check a backup (default the newest); with\n"
    "                                                  --read-data every byte (exit 3 when it fails)\n"
    "  backup forget [--dry-run]                       remove backups the keep policy no longer keeps\n"
    "\n"
    "retention (records officer; docs/retention.md):\n"
    "  category list | add CODE --name N [--name-en N] --class Y|D30|D10 [SCHEDULE]\n"
    "  schedule show CATEGORY | set CATEGORY SCHEDULE [--allow-shorten]\n"
    "            SCHEDULE: --permanent | --years N [--months N] [--trigger filing|date|closing|event]\n"
    "            [--event NAME] [--cut-off none|year|fiscal] [--fiscal-start M] [--action destroy|transfer|review]\n"
    "            [--destroy-after-transfer]\n"
    "  event record ID NAME --date YYYY-MM-DD          a retention event (\"closed\", \"staff separation\" …)\n"
    "  hold add NAME --reason R [--owner U] [--documents ID,…] [--categories C,…] [--query Q]\n"
    "  hold release NAME --reason R | list [--all] | show NAME\n"
    "  disposition due [--as-of DATE] | run [--confirm-clock] | list | show BATCH\n"
    "  disposition approve BATCH [--confirm-clock]    approve; with enough approvals it executes\n"
    "  disposition exclude BATCH ID --reason R | review BATCH ID (--destroy | --retain [SCHEDULE]) [--note N]\n"
    "  certificate list | show ID | verify ID [--public-key HEX]   (exit 3 when it does not verify)\n"
    "  report retention [--format json|csv|html] [-o FILE] [--as-of DATE] [--horizon DAYS]\n"
    "            [--schedule-override CAT=D10,…]    the retention audit report (what-if with overrides)\n"
    "\n"
    "registers (docs/registers.md): KIND is staff, vacancy, candidate, training, appraisal, case, asset,\n"
    "purchase, budget, expense, maintenance, contract, project, task, milestone, review, correspondence,\n"
    "dispute, notice or matter (承办事项)\n"
    "  KIND add [--FIELD VALUE …] [--link DOC,…] [--file PATH]   a new entry (--file files and links a document)\n"
    "  KIND list [--FIELD VALUE …] [--all] | show ID | history ID\n"
    "  KIND update ID [--FIELD VALUE …] [--clear F,…] [--expect-revision N]\n"
    "  KIND link ID DOC | link ID --file PATH | unlink ID DOC\n"
    "  matter overdue [--within DAYS] [--as-of DATE]   open matters due, by handler, with the last chase\n"
    "  matter chase ID --to WHO --note TEXT | matter step ID --note TEXT   催办, and the handling history\n"
    "  project status ID | staff show ID | asset due [--within DAYS] | budget status [--year Y]\n"
    "  vacancy pipeline [ID]                           the reports (--as-of DATE: as if on that day)\n"
    "  ID of an entry: matter-12, or 12 after its kind. Lists: --team a,b.\n"
    "\n"
    "ID may be a document id or its reference code (档号).\n"
    "Server and token: flags, then ARCHIVED_URL, ARCHIVED_CACERT, ARCHIVED_TOKEN, ARCHIVED_TOKEN_FILE,\n"
    "then the config file (--config, $ARCHIVECTL_CONFIG, ~/.config/archivectl/config: server = \"…\",\n"
    "cacert = \"…\", token_file = \"…\"), then http://127.0.0.1:8750 and ./archive-data/admin.token.\n"
    "An https:// server must present a certificate that the CA file (--cacert; default: the\n"
    "system's trust store) vouches for, naming the server's host.\n"
    "Exit status: 0 ok, 1 user error, 2 server or I/O error.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace archived::client;
  std::vector<std::string> argv_vec(argv + 1, argv + argc);
  const std::vector<std::string> value_flags = {"server", "cacert", "token", "token-file", "config", "title", "category",
                                                "tags", "author", "date", "jobs", "version", "output", "limit",
                                                "cursor", "type", "from", "to", "sort", "offset", "ttl", "role",
                                                "clearance", "department", "display-name", "user", "description",
                                                "classification", "since", "until", "actor", "object", "action",
                                                "from-seq", "checkpoint", "name", "name-en", "class", "years",
                                                "months", "trigger", "event", "cut-off", "fiscal-start",
                                                "reason", "owner", "documents", "entries", "categories", "query", "as-of",
                                                "note", "public-key", "format", "horizon", "schedule-override"};
  const std::vector<std::string> switches = {"json", "recursive", "force", "all", "help", "read-only",
                                             "password-stdin", "disable", "enable", "no-wait",
                                             "read-data", "dry-run", "permanent", "allow-shorten",
                                             "confirm-clock", "destroy", "retain", "destroy-after-transfer"};
  std::vector<std::string> all_value_flags = value_flags;
  for (std::string& flag : RegisterValueFlags()) {
    if (std::find(value_flags.begin(), value_flags.end(), flag) == value_flags.end()) all_value_flags.push_back(std::move(flag));
  }
  archived::StatusOr<Args> args = ParseArgs(argv_vec, all_value_flags, switches);
  if (!args.ok()) {
    std::fprintf(stderr, "archivectl: %s\n\n%s", args.status().message().c_str(), kUsage);
    return 1;
  }
  if (args->Has("help") || args->positional.empty()) {
    std::fputs(kUsage, args->Has("help") ? stdout : stderr);
    return args->Has("help") ? 0 : 1;
  }
  const std::string command = args->positional.front();
  args->positional.erase(args->positional.begin());
  const std::map<std::string, std::function<int(const Context&, const Args&)>> commands = {
      {"put", RunPut}, {"version", RunVersion}, {"get", RunGet},
      {"info", RunInfo}, {"versions", RunVersions}, {"ls", RunLs}, {"search", RunSearch},
      {"login", RunLogin}, {"logout", RunLogout}, {"whoami", RunWhoAmI}, {"user", RunUser}, {"token", RunToken},
      {"audit", RunAudit}, {"admin", RunAdmin}, {"backup", RunBackup},
      {"category", RunCategory}, {"schedule", RunSchedule}, {"event", RunEvent}, {"hold", RunHold},
      {"disposition", RunDisposition}, {"certificate", RunCertificate}, {"report", RunReport}};
  const auto it = commands.find(command);
  if (it == commands.end() && archived::registers::FindKind(command).ok()) {
    archived::StatusOr<Context> context = ResolveContext(*args);
    if (!context.ok()) return Fail(command, context.status());
    return RunRegister(*context, *args, command);
  }
  if (it == commands.end()) {
    std::fprintf(stderr, "archivectl: unknown command \"%s\"\n\n%s", command.c_str(), kUsage);
    return 1;
  }
  archived::StatusOr<Context> context = ResolveContext(*args);
  if (!context.ok()) return Fail(command, context.status());
  return it->second(*context, *args);
}
