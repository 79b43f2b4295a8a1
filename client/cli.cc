#include "client/cli.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

namespace archived::client {
namespace {

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

// The client config file: `key = "value"` lines (a TOML subset) with server, token and
// token_file. Missing file: empty map.
std::map<std::string, std::string> ReadConfigFile(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    const std::size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string value = Trim(line.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    out[Trim(line.substr(0, eq))] = value;
  }
  return out;
}

StatusOr<std::string> ReadToken(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return InvalidArgumentError("cannot read token file \"" + path + "\"");
  }
  std::stringstream text;
  text << in.rdbuf();
  return Trim(text.str());
}

}  // namespace

std::optional<std::string> Args::Get(std::string_view name) const {
  const auto it = flags.find(std::string(name));
  if (it == flags.end()) return std::nullopt;
  return it->second;
}

StatusOr<Args> ParseArgs(const std::vector<std::string>& argv, const std::vector<std::string>& value_flags,
                         const std::vector<std::string>& switches) {
  static const std::map<std::string, std::string> kShort = {{"-o", "--output"}, {"-r", "--recursive"},
                                                             {"-j", "--jobs"}, {"-h", "--help"}};
  Args args;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    std::string arg = argv[i];
    if (const auto s = kShort.find(arg); s != kShort.end()) arg = s->second;
    if (arg == "--") {
      args.positional.insert(args.positional.end(), argv.begin() + static_cast<std::ptrdiff_t>(i) + 1, argv.end());
      break;
    }
    if (!arg.starts_with("--") || arg == "-") {
      args.positional.push_back(arg);
      continue;
    }
    const std::size_t eq = arg.find('=');
    const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    if (std::find(switches.begin(), switches.end(), name) != switches.end()) {
      args.flags[name] = "";
    } else if (std::find(value_flags.begin(), value_flags.end(), name) != value_flags.end()) {
      if (eq != std::string::npos) {
        args.flags[name] = arg.substr(eq + 1);
      } else if (i + 1 < argv.size()) {
        args.flags[name] = argv[++i];
      } else {
        return InvalidArgumentError("--" + name + " needs a value");
      }
    } else {
      return InvalidArgumentError("unknown option \"" + argv[i] + "\"");
    }
  }
  return args;
}

StatusOr<Context> ResolveContext(const Args& args) {
  const char* home = std::getenv("HOME");
  std::string config_path = args.Get("config").value_or("");
  if (config_path.empty() && std::getenv("ARCHIVECTL_CONFIG")) config_path = std::getenv("ARCHIVECTL_CONFIG");
  if (config_path.empty() && home) config_path = std::string(home) + "/.config/archivectl/config";
  const std::map<std::string, std::string> file = ReadConfigFile(config_path);
  const auto pick = [&](std::string_view flag, const char* env, std::string_view key) -> std::optional<std::string> {
    if (auto v = args.Get(flag)) return v;
    if (const char* e = std::getenv(env); e && *e) return std::string(e);
    if (const auto it = file.find(std::string(key)); it != file.end()) return it->second;
    return std::nullopt;
  };
  Context context;
  context.json = args.Has("json");
  const std::string url = pick("server", "ARCHIVED_URL", "server").value_or("http://127.0.0.1:8750");
  StatusOr<Endpoint> endpoint = ParseServerUrl(url);
  if (!endpoint.ok()) return endpoint.status();
  context.endpoint = *endpoint;
  context.endpoint.ca_file = pick("cacert", "ARCHIVED_CACERT", "cacert").value_or("");
  if (auto token = pick("token", "ARCHIVED_TOKEN", "token")) {
    context.token = *token;
  } else if (auto token_file = pick("token-file", "ARCHIVED_TOKEN_FILE", "token_file")) {
    StatusOr<std::string> token_text = ReadToken(*token_file);
    if (!token_text.ok()) return token_text.status();
    context.token = *token_text;
  }
  if (const char* session = std::getenv("ARCHIVECTL_SESSION"); session && *session) {
    context.session_file = session;
  } else if (home) {
    context.session_file = std::string(home) + "/.config/archivectl/token";
  }
  if (context.token.empty() && !context.session_file.empty()) {
    if (StatusOr<std::string> saved = ReadToken(context.session_file); saved.ok()) context.token = *saved;
  }
  if (context.token.empty()) {
    if (StatusOr<std::string> local = ReadToken("archive-data/admin.token"); local.ok()) {
      context.token = *local;  // the embedded default: the daemon's data directory is here
    }
  }
  return context;
}

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return 0;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists:
    case StatusCode::kPermissionDenied:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kAborted:  // changed meanwhile: look again
    case StatusCode::kOutOfRange:
    case StatusCode::kUnauthenticated:
    case StatusCode::kResourceExhausted:
      return 1;
    default:
      return 2;
  }
}

int Fail(std::string_view what, const Status& status) {
  std::string hint;
  if (status.code() == StatusCode::kUnauthenticated) {
    hint = " (give --token, ARCHIVED_TOKEN or ARCHIVED_TOKEN_FILE; the daemon writes DATA_DIR/admin.token)";
  }
  std::fprintf(stderr, "archivectl: %.*s: %s%s\n", static_cast<int>(what.size()), what.data(),
               status.message().c_str(), hint.c_str());
  return ExitCodeFor(status);
}

std::string HumanBytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char out[32];
  std::snprintf(out, sizeof(out), unit == 0 ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
  return out;
}

Progress ProgressBar(std::string label) {
  if (!::isatty(STDERR_FILENO)) return nullptr;
  auto last_percent = std::make_shared<int>(-1);
  return [label = std::move(label), last_percent](std::uint64_t done, std::uint64_t total) {
    static std::mutex mu;
    const int percent = total == 0 ? 100 : static_cast<int>(done * 100 / total);
    if (percent == *last_percent) return;
    *last_percent = percent;
    std::lock_guard lock(mu);
    const int filled = percent / 5;
    std::fprintf(stderr, "\r%-30.30s [%.*s%*s] %3d%% %s", label.c_str(), filled, "####################",
                 20 - filled, "", percent, HumanBytes(done).c_str());
    if (percent == 100) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  };
}

}  // namespace archived::client

namespace archived::client {

std::string Escape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out.push_back(ch);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(std::move(item));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

StatusOr<std::uint32_t> WholeNumberFlag(const Args& args, std::string_view name) {
  const std::optional<std::string> text = args.Get(name);
  if (!text) return 0u;
  std::uint32_t n = 0;
  for (const char c : *text) {
    if (c < '0' || c > '9' || n > 100000) return InvalidArgumentError("--" + std::string(name) + ": a whole number");
    n = n * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (text->empty()) return InvalidArgumentError("--" + std::string(name) + ": a whole number");
  return n;
}

}  // namespace archived::client
