// What every archivectl subcommand shares: the parsed command line, the resolved server and
// token, error reporting and exit codes (0 ok, 1 user error, 2 server or I/O error).
// Not thread-safe unless stated.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/message.h>

#include "archived/base/status.h"
#include "client/http_client.h"

namespace archived::client {

// Parsed arguments: positionals and --flags (a flag's value, or "" for a switch).
struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;
  bool Has(std::string_view name) const { return flags.count(std::string(name)) > 0; }
  std::optional<std::string> Get(std::string_view name) const;
};

// `switches` take no value; every other flag takes one. Short forms: -o -r -j -h.
// Errors: kInvalidArgument for an unknown flag or a missing value.
StatusOr<Args> ParseArgs(const std::vector<std::string>& argv, const std::vector<std::string>& value_flags,
                         const std::vector<std::string>& switches);

struct Context {
  Endpoint endpoint;
  std::string token;
  // Where `archivectl login` keeps its token: ~/.config/archivectl/token (or
  // $ARCHIVECTL_SESSION); empty without a home.
  std::string session_file;
  bool json = false;
  HttpClient NewClient() const { return HttpClient(endpoint, token); }
};

// Resolves the server and token: flags, then ARCHIVED_URL / ARCHIVED_TOKEN /
// ARCHIVED_TOKEN_FILE, then the config file (--config, $ARCHIVECTL_CONFIG, or
// ~/.config/archivectl/config), then the session of `archivectl login`, then
// http://127.0.0.1:8750 with ./archive-data/admin.token.
// Errors: kInvalidArgument for a bad URL or an unreadable token file named explicitly.
StatusOr<Context> ResolveContext(const Args& args);

// Prints "archivectl: <what>: <message>" to stderr and returns the exit code for `status`.
int Fail(std::string_view what, const Status& status);
int ExitCodeFor(const Status& status);

// "12.3 MiB".
std::string HumanBytes(std::uint64_t bytes);
// A progress bar on stderr when it is a terminal; a no-op otherwise. Thread-safe.
Progress ProgressBar(std::string label);

// Subcommands. Each returns the process exit code.
int RunPut(const Context& context, const Args& args);
int RunVersion(const Context& context, const Args& args);
int RunGet(const Context& context, const Args& args);
int RunInfo(const Context& context, const Args& args);
int RunVersions(const Context& context, const Args& args);
int RunLs(const Context& context, const Args& args);
int RunSearch(const Context& context, const Args& args);
int RunLogin(const Context& context, const Args& args);
int RunLogout(const Context& context, const Args& args);
int RunWhoAmI(const Context& context, const Args& args);
int RunUser(const Context& context, const Args& args);
int RunToken(const Context& context, const Args& args);
// Exit 3 when the trail is broken.
int RunAudit(const Context& context, const Args& args);
// Exit 3 when the scrub found problems.
int RunAdmin(const Context& context, const Args& args);
// Exit 3 when a backup run or a verification failed.
int RunBackup(const Context& context, const Args& args);
// Retention (commands/retention.cc). certificate verify exits 3 when it does not verify.
int RunCategory(const Context& context, const Args& args);
int RunSchedule(const Context& context, const Args& args);
int RunEvent(const Context& context, const Args& args);
int RunHold(const Context& context, const Args& args);
int RunDisposition(const Context& context, const Args& args);
int RunCertificate(const Context& context, const Args& args);
int RunReport(const Context& context, const Args& args);
// Registers (commands/registers.cc): `kind` is a register kind ("matter", "staff" …).
int RunRegister(const Context& context, const Args& args, const std::string& kind);
// The flags the register commands take: every field (as --lead-handler) and their own.
std::vector<std::string> RegisterValueFlags();

// A message as the JSON the API takes.
std::string ToJson(const google::protobuf::Message& message);
// The value of --`name` as a whole number up to 100,000; 0 when the flag is absent.
// Errors: kInvalidArgument naming the flag.
StatusOr<std::uint32_t> WholeNumberFlag(const Args& args, std::string_view name);
// "a,b,,c" -> {"a", "b", "c"}.
std::vector<std::string> SplitList(const std::string& text);
// A MIME type from the file name's extension; application/octet-stream when unknown.
std::string GuessMimeType(const std::filesystem::path& path);
// A password: from the terminal without echo when stdin is one (prompting with `prompt`),
// else the first line of stdin. Errors: kInvalidArgument when there is none.
StatusOr<std::string> ReadPassword(const std::string& prompt);

}  // namespace archived::client

#include <google/protobuf/util/json_util.h>

namespace archived::client {

// Parses a JSON response body into `M`. Errors: kInternal if the server sent something else.
template <typename M>
StatusOr<M> ParseBody(const Response& response) {
  M message;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;  // a newer server may add fields
  if (!google::protobuf::util::JsonStringToMessage(response.body, &message, options).ok()) {
    return InternalError("the server's answer is not the expected JSON");
  }
  return message;
}

// Percent-encodes a query or path component.
std::string Escape(std::string_view text);

// Calls the API; prints the JSON with --json, else hands the parsed answer to `print`.
template <typename M>
int CallAndPrint(const Context& context, std::string_view what, std::string_view method, const std::string& target,
                 const std::string& body, const std::function<int(const M&)>& print) {
  StatusOr<Response> r = context.NewClient().Call(method, target, body);
  StatusOr<M> parsed = r.ok() ? ParseBody<M>(*r) : StatusOr<M>(r.status());
  if (!parsed.ok()) return Fail(what, parsed.status());
  if (context.json) {
    std::printf("%s\n", r->body.c_str());
    return 0;
  }
  return print(*parsed);
}

}  // namespace archived::client
