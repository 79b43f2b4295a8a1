// archivectl login, logout, whoami, user … and token …: people and their tokens.
#include <termios.h>
#include <unistd.h>

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/time_util.h>

#include "archived/v1/auth.pb.h"
#include "client/cli.h"

namespace archived::client {
namespace {

using google::protobuf::util::TimeUtil;

std::string Time(const google::protobuf::Timestamp& t) {
  return t.seconds() == 0 ? "-" : TimeUtil::ToString(t).substr(0, 19) + "Z";
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// "clerk" → "ROLE_CLERK"; "internal" → "INTERNAL".
StatusOr<std::string> RoleEnum(const std::string& name) {
  for (const char* role : {"admin", "records_officer", "clerk", "auditor"}) {
    if (name == role) {
      std::string upper = "ROLE_";
      for (const char c : name) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
      return upper;
    }
  }
  return InvalidArgumentError("--role: admin, records_officer, clerk or auditor (comma-separated)");
}
std::string RoleText(int role) {
  std::string name = v1::Role_Name(static_cast<v1::Role>(role));
  if (name.starts_with("ROLE_")) name = name.substr(5);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}
StatusOr<std::string> ClearanceEnum(const std::string& name) {
  for (const char* level : {"public", "internal", "confidential", "secret"}) {
    if (name == level) {
      std::string upper;
      for (const char c : name) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
      return upper;
    }
  }
  return InvalidArgumentError("--clearance: public, internal, confidential or secret");
}

Status SaveSession(const std::string& path, const std::string& token) {
  if (path.empty()) return InvalidArgumentError("no home directory to keep the session in; set ARCHIVECTL_SESSION");
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  const std::string temp = path + ".new";
  {
    std::ofstream out(temp, std::ios::trunc);
    if (!out) return UnavailableError("cannot write " + temp);
    ::chmod(temp.c_str(), 0600);
    out << token << "\n";
    if (!out.flush()) return UnavailableError("cannot write " + temp);
  }
  std::filesystem::rename(temp, path, ec);
  if (ec) return UnavailableError("cannot write " + path + ": " + ec.message());
  return OkStatus();
}

template <typename M>
StatusOr<M> CallFor(const Context& context, std::string_view method, const std::string& target,
                    const std::string& body = "") {
  StatusOr<Response> r = context.NewClient().Call(method, target, body, body.empty() ? "" : "application/json");
  if (!r.ok()) return r.status();
  if (context.json) std::printf("%s\n", r->body.c_str());
  return ParseBody<M>(*r);
}

void PrintUser(const v1::UserView& u) {
  std::string roles;
  for (const int r : u.roles()) roles += (roles.empty() ? "" : ",") + RoleText(r);
  std::string departments;
  for (const auto& d : u.departments()) departments += (departments.empty() ? "" : ",") + d;
  std::string clearance = v1::Classification_Name(u.clearance());
  for (char& c : clearance) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::printf("%-16s %-36s %-13s %-12s %-9s %s\n", u.name().c_str(), roles.c_str(), clearance.c_str(),
              departments.empty() ? "-" : departments.c_str(), u.disabled() ? "disabled" : "active",
              u.display_name().c_str());
}

void PrintTokens(const google::protobuf::RepeatedPtrField<v1::ApiToken>& tokens) {
  std::printf("%-17s %-12s %-10s %-21s %-21s %-8s %s\n", "ID", "USER", "SCOPE", "CREATED", "EXPIRES", "STATE",
              "DESCRIPTION");
  for (const v1::ApiToken& t : tokens) {
    std::printf("%-17s %-12s %-10s %-21s %-21s %-8s %s\n", t.id().c_str(), t.principal().c_str(),
                t.scope() == v1::READ_ONLY ? "read-only" : "full", Time(t.created_time()).c_str(),
                t.has_expire_time() ? Time(t.expire_time()).c_str() : "never",
                t.has_revoked_time() ? "revoked" : "active", t.description().c_str());
  }
}

// The body of `user add` / `user set`: only the fields given.
StatusOr<std::string> UserBody(const Args& args, const std::string& name) {
  google::protobuf::Struct body;
  auto& fields = *body.mutable_fields();
  if (!name.empty()) fields["name"].set_string_value(name);
  if (auto roles = args.Get("role")) {
    auto* list = fields["roles"].mutable_list_value();
    for (const std::string& r : SplitList(*roles)) {
      StatusOr<std::string> e = RoleEnum(r);
      if (!e.ok()) return e.status();
      list->add_values()->set_string_value(*e);
    }
  }
  if (auto clearance = args.Get("clearance")) {
    StatusOr<std::string> e = ClearanceEnum(*clearance);
    if (!e.ok()) return e.status();
    fields["clearance"].set_string_value(*e);
  }
  if (auto departments = args.Get("department")) {
    auto* list = fields["departments"].mutable_list_value();
    for (const std::string& d : SplitList(*departments)) list->add_values()->set_string_value(d);
  }
  if (auto display = args.Get("display-name")) fields["display_name"].set_string_value(*display);
  if (args.Has("disable")) fields["disabled"].set_bool_value(true);
  if (args.Has("enable")) fields["disabled"].set_bool_value(false);
  if (args.Has("password-stdin")) {
    StatusOr<std::string> password = ReadPassword("password for " + (name.empty() ? "the user" : name) + ": ");
    if (!password.ok()) return password.status();
    fields["password"].set_string_value(*password);
  }
  return ToJson(body);
}

}  // namespace

std::string ToJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

StatusOr<std::string> ReadPassword(const std::string& prompt) {
  std::string password;
  if (::isatty(STDIN_FILENO)) {
    std::fprintf(stderr, "%s", prompt.c_str());
    termios old{};
    ::tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::getline(std::cin, password);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::fprintf(stderr, "\n");
  } else {
    std::getline(std::cin, password);
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) return InvalidArgumentError("no password given (type it, or pipe it to stdin)");
  return password;
}

int RunLogin(const Context& context, const Args& args) {
  if (args.positional.size() != 1) {
    return Fail("login", InvalidArgumentError("usage: archivectl login USER [--ttl SECONDS] (password on stdin)"));
  }
  v1::LoginRequest request;
  request.set_user(args.positional[0]);
  if (auto ttl = args.Get("ttl")) request.set_ttl_seconds(std::strtoull(ttl->c_str(), nullptr, 10));
  request.set_description("archivectl login");
  StatusOr<std::string> password = ReadPassword("password for " + request.user() + ": ");
  if (!password.ok()) return Fail("login", password.status());
  request.set_password(*password);
  Context anonymous = context;
  anonymous.token.clear();
  anonymous.json = false;
  StatusOr<v1::NewToken> token = CallFor<v1::NewToken>(anonymous, "POST", "/api/v1/login", ToJson(request));
  if (!token.ok()) return Fail("login", token.status());
  if (Status saved = SaveSession(context.session_file, token->token()); !saved.ok()) return Fail("login", saved);
  std::printf("logged in as %s (token %s, expires %s); the token is in %s\n", request.user().c_str(),
              token->record().id().c_str(), Time(token->record().expire_time()).c_str(), context.session_file.c_str());
  return 0;
}

int RunLogout(const Context& context, const Args&) {
  StatusOr<v1::WhoAmI> me = CallFor<v1::WhoAmI>(context, "GET", "/api/v1/whoami");
  if (!me.ok()) return Fail("logout", me.status());
  StatusOr<v1::ApiToken> revoked = CallFor<v1::ApiToken>(context, "DELETE", "/api/v1/tokens/" + Escape(me->token_id()));
  if (!revoked.ok()) return Fail("logout", revoked.status());
  std::error_code ec;
  if (!context.session_file.empty()) std::filesystem::remove(context.session_file, ec);
  if (!context.json) std::printf("token %s revoked\n", me->token_id().c_str());
  return 0;
}

int RunWhoAmI(const Context& context, const Args&) {
  StatusOr<v1::WhoAmI> me = CallFor<v1::WhoAmI>(context, "GET", "/api/v1/whoami");
  if (!me.ok()) return Fail("whoami", me.status());
  if (context.json) return 0;
  PrintUser(me->user());
  std::printf("token %s, %s, expires %s\n", me->token_id().c_str(), me->scope() == v1::READ_ONLY ? "read-only" : "full",
              me->has_expire_time() ? Time(me->expire_time()).c_str() : "never");
  return 0;
}

int RunUser(const Context& context, const Args& args) {
  const std::string usage =
      "usage: archivectl user add NAME --role R[,R…] [--clearance L] [--department D,…] [--display-name N] "
      "[--password-stdin] | list | show NAME | set NAME [those flags] [--disable|--enable]";
  const std::string verb = args.positional.empty() ? "" : args.positional[0];
  const std::string name = args.positional.size() > 1 ? args.positional[1] : "";
  if (verb == "list" && args.positional.size() == 1) {
    StatusOr<v1::UserList> list = CallFor<v1::UserList>(context, "GET", "/api/v1/users");
    if (!list.ok()) return Fail("user list", list.status());
    if (context.json) return 0;
    std::printf("%-16s %-36s %-13s %-12s %-9s %s\n", "NAME", "ROLES", "CLEARANCE", "DEPARTMENTS", "STATE", "DISPLAY NAME");
    for (const v1::UserView& u : list->users()) PrintUser(u);
    return 0;
  }
  if (args.positional.size() != 2 || (verb != "add" && verb != "show" && verb != "set")) {
    return Fail("user", InvalidArgumentError(usage));
  }
  StatusOr<v1::UserView> user = InvalidArgumentError(usage);
  if (verb == "show") {
    user = CallFor<v1::UserView>(context, "GET", "/api/v1/users/" + Escape(name));
  } else {
    if (verb == "add" && !args.Has("role")) return Fail("user add", InvalidArgumentError("--role is required"));
    StatusOr<std::string> body = UserBody(args, verb == "add" ? name : "");
    if (!body.ok()) return Fail("user " + verb, body.status());
    user = verb == "add" ? CallFor<v1::UserView>(context, "POST", "/api/v1/users", *body)
                         : CallFor<v1::UserView>(context, "PATCH", "/api/v1/users/" + Escape(name), *body);
  }
  if (!user.ok()) return Fail("user " + verb + " " + name, user.status());
  if (!context.json) PrintUser(*user);
  return 0;
}

int RunToken(const Context& context, const Args& args) {
  const std::string usage =
      "usage: archivectl token create [--user U] [--ttl SECONDS] [--read-only] [--description D] | "
      "list [--user U] | revoke ID";
  const std::string verb = args.positional.empty() ? "" : args.positional[0];
  if (verb == "create" && args.positional.size() == 1) {
    v1::CreateTokenRequest request;
    request.set_user(args.Get("user").value_or(""));
    if (auto ttl = args.Get("ttl")) request.set_ttl_seconds(std::strtoull(ttl->c_str(), nullptr, 10));
    request.set_scope(args.Has("read-only") ? v1::READ_ONLY : v1::FULL);
    request.set_description(args.Get("description").value_or(""));
    StatusOr<v1::NewToken> token = CallFor<v1::NewToken>(context, "POST", "/api/v1/tokens", ToJson(request));
    if (!token.ok()) return Fail("token create", token.status());
    if (!context.json) {
      std::printf("%s\n", token->token().c_str());
      std::fprintf(stderr, "token %s for %s, expires %s: shown once, keep it safe\n", token->record().id().c_str(),
                   token->record().principal().c_str(), Time(token->record().expire_time()).c_str());
    }
    return 0;
  }
  if (verb == "list" && args.positional.size() == 1) {
    std::string target = "/api/v1/tokens";
    if (auto user = args.Get("user")) target += "?user=" + Escape(*user);
    StatusOr<v1::TokenList> list = CallFor<v1::TokenList>(context, "GET", target);
    if (!list.ok()) return Fail("token list", list.status());
    if (!context.json) PrintTokens(list->tokens());
    return 0;
  }
  if (verb == "revoke" && args.positional.size() == 2) {
    StatusOr<v1::ApiToken> revoked =
        CallFor<v1::ApiToken>(context, "DELETE", "/api/v1/tokens/" + Escape(args.positional[1]));
    if (!revoked.ok()) return Fail("token revoke", revoked.status());
    if (!context.json) std::printf("token %s revoked\n", revoked->id().c_str());
    return 0;
  }
  return Fail("token", InvalidArgumentError(usage));
}

}  // namespace archived::client
