#include "archived/auth/authenticator.h"

#include <algorithm>

#include "archived/base/bytes.h"
#include "archived/base/status_macros.h"
#include "archived/base/text.h"
#include "archived/crypto/crypto.h"
#include "archived/v1/proto_time.h"

namespace archived::auth {
namespace {

constexpr std::string_view kTokenPrefix = "arc_";
constexpr std::string_view kTokenKeyPrefix = "token/";
constexpr std::string_view kUserKeyPrefix = "user/";
constexpr std::size_t kTokenIdHexDigits = 16;
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kPasswordHashBytes = 32;
constexpr std::size_t kMaxPasswordBytes = 1024;
constexpr std::string_view kAdmin = "admin";

std::string TokenKey(std::string_view token) {
  return std::string(kTokenKeyPrefix) + HexEncode(crypto::Sha256Of(token));
}
std::string UserKey(std::string_view name) { return std::string(kUserKeyPrefix) + std::string(name); }

using v1::SetTime;
using v1::TimeOf;

std::string RolesText(const google::protobuf::RepeatedField<int>& roles) {
  std::string out;
  for (const int r : roles) out += (out.empty() ? "" : ",") + RoleName(static_cast<v1::Role>(r));
  return out;
}

Status ValidateUserName(std::string_view name) {
  const bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
  if (!ok) return InvalidArgumentError("name: 1 to 64 of a-z, 0-9, '.', '_' and '-'");
  return OkStatus();
}

template <typename Message>
StatusOr<Message> Parse(std::string_view bytes, std::string_view what) {
  Message m;
  if (!m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return DataLossError(std::string(what) + " record is malformed");
  }
  return m;
}

}  // namespace

Status AuthOptions::Validate() const {
  if (default_token_ttl_seconds == 0 || default_token_ttl_seconds > max_token_ttl_seconds) {
    return InvalidArgumentError("auth.default_token_ttl_seconds: from 1 to auth.max_token_ttl_seconds");
  }
  if (scrypt_log2_n < 10 || scrypt_log2_n > 22 || scrypt_r == 0 || scrypt_p == 0) {
    return InvalidArgumentError("auth.scrypt_log2_n: from 10 to 22, with r and p positive");
  }
  if (max_failed_logins == 0) return InvalidArgumentError("auth.max_failed_logins: at least 1");
  return OkStatus();
}

v1::UserView Authenticator::View(const v1::User& user) {
  v1::UserView v;
  v.set_name(user.name());
  v.set_display_name(user.display_name());
  *v.mutable_roles() = user.roles();
  v.set_clearance(user.clearance());
  *v.mutable_departments() = user.departments();
  v.set_disabled(user.disabled());
  v.set_has_password(user.has_password());
  *v.mutable_created_time() = user.created_time();
  *v.mutable_updated_time() = user.updated_time();
  return v;
}

Status Authenticator::Load() {
  std::map<std::string, v1::User, std::less<>> users;
  std::map<std::string, v1::ApiToken, std::less<>> tokens;
  auto it = store_->NewIterator(storage::Keyspace::kAuth);
  for (it->Seek(kUserKeyPrefix); it->Valid() && it->key().starts_with(kUserKeyPrefix); it->Next()) {
    ARCHIVED_ASSIGN_OR_RETURN(v1::User user, Parse<v1::User>(it->value(), "user"));
    users.emplace(user.name(), std::move(user));
  }
  for (it->Seek(kTokenKeyPrefix); it->Valid() && it->key().starts_with(kTokenKeyPrefix); it->Next()) {
    ARCHIVED_ASSIGN_OR_RETURN(v1::ApiToken token, Parse<v1::ApiToken>(it->value(), "token"));
    // Tokens from before ids were stored: the id is derived from the key anyway.
    if (token.id().empty()) token.set_id(std::string(it->key().substr(kTokenKeyPrefix.size(), kTokenIdHexDigits)));
    tokens.emplace(std::string(it->key()), std::move(token));
  }
  ARCHIVED_RETURN_IF_ERROR(it->status());
  std::unique_lock lock(mu_);
  users_ = std::move(users);
  tokens_ = std::move(tokens);
  return OkStatus();
}

StatusOr<bool> Authenticator::EnsureAdminToken(const std::function<Status(std::string_view token)>& save) {
  bool have_user = false, have_token = false;
  {
    std::shared_lock lock(mu_);
    have_user = users_.contains(kAdmin);
    have_token = !tokens_.empty();
  }
  const audit::Actor system{.name = "system"};
  if (!have_user) {
    // Archives made before users existed have an admin token already: its user appears now.
    v1::User admin;
    admin.set_name(std::string(kAdmin));
    admin.set_display_name("Administrator");
    admin.add_roles(v1::ROLE_ADMIN);
    if (!options_.strict_separation) {
      for (const v1::Role r : {v1::ROLE_RECORDS_OFFICER, v1::ROLE_CLERK, v1::ROLE_AUDITOR}) admin.add_roles(r);
    }
    admin.set_clearance(options_.strict_separation ? v1::PUBLIC : v1::SECRET);
    SetTime(admin.mutable_created_time(), clock_->Now());
    *admin.mutable_updated_time() = admin.created_time();
    ARCHIVED_RETURN_IF_ERROR(CommitUser(admin, system, "user.create", "roles=" + RolesText(admin.roles())));
  }
  if (have_token) return false;
  ARCHIVED_ASSIGN_OR_RETURN(const std::string secret, crypto::RandomBytes(32));
  const std::string token = std::string(kTokenPrefix) + HexEncode(secret);
  ARCHIVED_RETURN_IF_ERROR(save(token));
  v1::ApiToken record;
  record.set_principal(std::string(kAdmin));
  record.set_description("created on first start");
  record.set_scope(v1::FULL);
  const std::string key = TokenKey(token);
  record.set_id(key.substr(kTokenKeyPrefix.size(), kTokenIdHexDigits));
  ARCHIVED_RETURN_IF_ERROR(committer_->Run([&](audit::Transaction& txn) {
    SetTime(record.mutable_created_time(), txn.now());
    txn.Put(storage::Keyspace::kAuth, key, record.SerializeAsString());
    txn.Audit(audit::EventBy(system, "token.create", record.id(), "user=admin expires=never"));
    return OkStatus();
  }));
  std::unique_lock lock(mu_);
  tokens_[key] = std::move(record);
  return true;
}

StatusOr<Principal> Authenticator::Authenticate(std::string_view header) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (header.empty()) {
    return UnauthenticatedError("missing Authorization: Bearer token");
  }
  if (header.size() <= kBearer.size() || !header.starts_with(kBearer)) {
    return UnauthenticatedError("Authorization header must be \"Bearer <token>\"");
  }
  const std::string_view token = header.substr(kBearer.size());
  if (token.size() > 256) {
    return UnauthenticatedError("invalid token");
  }
  // The lookup is by hash, so timing reveals nothing about the token's bytes.
  const std::string key = TokenKey(token);
  const Timestamp now = clock_->Now();
  std::shared_lock lock(mu_);
  const auto it = tokens_.find(key);
  if (it == tokens_.end()) {
    return UnauthenticatedError("invalid token");
  }
  const v1::ApiToken& record = it->second;
  if (record.has_revoked_time()) return UnauthenticatedError("token " + record.id() + " is revoked");
  if (record.has_expire_time() && TimeOf(record.expire_time()) <= now) {
    return UnauthenticatedError("token " + record.id() + " has expired; log in again");
  }
  Principal principal;
  principal.name = record.principal();
  principal.token_id = record.id();
  principal.scope = record.scope() == v1::READ_ONLY ? v1::READ_ONLY : v1::FULL;
  const auto user = users_.find(record.principal());
  if (user == users_.end()) {
    return UnauthenticatedError("token " + record.id() + " belongs to no user");
  }
  if (user->second.disabled()) return UnauthenticatedError("user " + user->second.name() + " is disabled");
  for (const int r : user->second.roles()) principal.roles.push_back(static_cast<v1::Role>(r));
  principal.clearance = user->second.clearance() == v1::CLASSIFICATION_UNSPECIFIED ? v1::INTERNAL
                                                                                    : user->second.clearance();
  principal.departments.assign(user->second.departments().begin(), user->second.departments().end());
  return principal;
}

std::optional<std::uint64_t> Authenticator::LockedForSeconds(const std::string& user, const std::string& address) {
  const Timestamp now = clock_->Now();
  const auto window = std::chrono::seconds(options_.failed_login_window_seconds);
  std::lock_guard lock(failures_mu_);
  std::optional<std::uint64_t> wait;
  for (const std::string& key : {"user:" + user, "addr:" + address}) {
    auto it = failures_.find(key);
    if (it == failures_.end()) continue;
    std::deque<Timestamp>& times = it->second;
    while (!times.empty() && times.front() + window <= now) times.pop_front();
    if (times.empty()) {
      failures_.erase(it);
      continue;
    }
    if (times.size() >= options_.max_failed_logins) {
      const auto left = std::chrono::duration_cast<std::chrono::seconds>(times.front() + window - now).count() + 1;
      wait = std::max<std::uint64_t>(wait.value_or(0), static_cast<std::uint64_t>(left));
    }
  }
  return wait;
}

void Authenticator::RecordFailure(const std::string& user, const std::string& address) {
  const Timestamp now = clock_->Now();
  std::lock_guard lock(failures_mu_);
  for (const std::string& key : {"user:" + user, "addr:" + address}) {
    std::deque<Timestamp>& times = failures_[key];
    times.push_back(now);
    while (times.size() > options_.max_failed_logins) times.pop_front();
  }
}

StatusOr<v1::NewToken> Authenticator::Login(const v1::LoginRequest& request, const audit::Actor& actor) {
  const std::string& name = request.user();
  if (request.password().size() > kMaxPasswordBytes) return InvalidArgumentError("password: too long");
  if (const auto wait = LockedForSeconds(name, actor.remote_address)) {
    v1::AuditEvent event = audit::EventBy(actor, "auth.login", name, "too many failed logins");
    event.set_outcome("denied");
    ARCHIVED_RETURN_IF_ERROR(committer_->Run([&](audit::Transaction& txn) {
      txn.Audit(std::move(event));
      return OkStatus();
    }));
    return ResourceExhaustedError("too many failed logins for this user or address; try again in " +
                                  std::to_string(*wait) + " s");
  }
  std::optional<v1::User> user;
  {
    std::shared_lock lock(mu_);
    if (const auto it = users_.find(name); it != users_.end()) user = it->second;
  }
  // A missing user costs the same scrypt as a wrong password.
  v1::PasswordHash stored;
  const bool usable = user && !user->disabled() && user->has_password();
  if (usable) {
    stored = user->password();
  } else {
    stored.set_n(std::uint64_t{1} << options_.scrypt_log2_n);
    stored.set_r(options_.scrypt_r);
    stored.set_p(options_.scrypt_p);
    stored.set_salt(std::string(kSaltBytes, '\0'));
    stored.set_hash(std::string(kPasswordHashBytes, '\0'));
  }
  ARCHIVED_ASSIGN_OR_RETURN(const std::string computed, crypto::Scrypt(request.password(), stored.salt(), stored.n(),
                                                                       stored.r(), stored.p(), stored.hash().size()));
  if (!usable || !crypto::ConstantTimeEquals(computed, stored.hash())) {
    RecordFailure(name, actor.remote_address);
    v1::AuditEvent event = audit::EventBy(actor, "auth.login", name, "wrong user name or password");
    event.set_actor(name.empty() ? "-" : name);
    event.set_outcome("failed");
    ARCHIVED_RETURN_IF_ERROR(committer_->Run([&](audit::Transaction& txn) {
      txn.Audit(std::move(event));
      return OkStatus();
    }));
    return UnauthenticatedError("wrong user name or password");
  }
  audit::Actor as_user = actor;
  as_user.name = name;
  return MintToken(name, request.ttl_seconds(), v1::FULL,
                   request.description().empty() ? "login" : request.description(), as_user, "auth.login");
}

StatusOr<v1::NewToken> Authenticator::MintToken(const std::string& user, std::uint64_t ttl_seconds,
                                                v1::TokenScope scope, std::string description,
                                                const audit::Actor& actor, std::string_view action) {
  if (ttl_seconds == 0) ttl_seconds = options_.default_token_ttl_seconds;
  if (ttl_seconds > options_.max_token_ttl_seconds) {
    return InvalidArgumentError("ttl_seconds: at most " + std::to_string(options_.max_token_ttl_seconds));
  }
  if (description.size() > 200 || HasControlCharacters(description) || !IsValidUtf8(description)) {
    return InvalidArgumentError("description: at most 200 bytes of text");
  }
  ARCHIVED_ASSIGN_OR_RETURN(const std::string secret, crypto::RandomBytes(32));
  v1::NewToken out;
  out.set_token(std::string(kTokenPrefix) + HexEncode(secret));
  const std::string key = TokenKey(out.token());
  v1::ApiToken& record = *out.mutable_record();
  record.set_principal(user);
  record.set_description(std::move(description));
  record.set_scope(scope == v1::READ_ONLY ? v1::READ_ONLY : v1::FULL);
  record.set_id(key.substr(kTokenKeyPrefix.size(), kTokenIdHexDigits));
  ARCHIVED_RETURN_IF_ERROR(committer_->Run([&](audit::Transaction& txn) {
    SetTime(record.mutable_created_time(), txn.now());
    SetTime(record.mutable_expire_time(), txn.now() + std::chrono::seconds(ttl_seconds));
    txn.Put(storage::Keyspace::kAuth, key, record.SerializeAsString());
    txn.Audit(audit::EventBy(actor, std::string(action), record.id(),
                             "user=" + user + " scope=" + v1::TokenScope_Name(record.scope()) +
                                 " ttl_seconds=" + std::to_string(ttl_seconds)));
    return OkStatus();
  }));
  std::unique_lock lock(mu_);
  tokens_[key] = record;
  return out;
}

Status Authenticator::CheckUser(const v1::User& user) const {
  ARCHIVED_RETURN_IF_ERROR(ValidateUserName(user.name()));
  if (user.roles().empty()) return InvalidArgumentError("roles: at least one of admin, records_officer, clerk, auditor");
  std::vector<v1::Role> roles;
  for (const int r : user.roles()) {
    if (r < v1::ROLE_ADMIN || r > v1::ROLE_AUDITOR) return InvalidArgumentError("roles: unknown role");
    if (std::find(roles.begin(), roles.end(), r) != roles.end()) return InvalidArgumentError("roles: listed twice");
    roles.push_back(static_cast<v1::Role>(r));
  }
  if (options_.strict_separation) ARCHIVED_RETURN_IF_ERROR(CheckSeparation(roles));
  if (user.clearance() < v1::CLASSIFICATION_UNSPECIFIED || user.clearance() > v1::SECRET) {
    return InvalidArgumentError("clearance: one of PUBLIC, INTERNAL, CONFIDENTIAL, SECRET");
  }
  for (const std::string* text : {&user.display_name()}) {
    if (text->size() > 200 || HasControlCharacters(*text) || !IsValidUtf8(*text)) {
      return InvalidArgumentError("display_name: at most 200 bytes of text");
    }
  }
  for (const std::string& d : user.departments()) {
    if (d.empty() || d.size() > 64 || HasControlCharacters(d) || !IsValidUtf8(d)) {
      return InvalidArgumentError("departments: each 1 to 64 bytes of text");
    }
  }
  return OkStatus();
}

StatusOr<v1::PasswordHash> Authenticator::HashPassword(std::string_view password) const {
  if (password.size() < options_.min_password_bytes || password.size() > kMaxPasswordBytes) {
    return InvalidArgumentError("password: from " + std::to_string(options_.min_password_bytes) + " to " +
                                std::to_string(kMaxPasswordBytes) + " bytes");
  }
  v1::PasswordHash h;
  h.set_algorithm("scrypt");
  h.set_n(std::uint64_t{1} << options_.scrypt_log2_n);
  h.set_r(options_.scrypt_r);
  h.set_p(options_.scrypt_p);
  ARCHIVED_ASSIGN_OR_RETURN(std::string salt, crypto::RandomBytes(kSaltBytes));
  ARCHIVED_ASSIGN_OR_RETURN(std::string hash, crypto::Scrypt(password, salt, h.n(), h.r(), h.p(), kPasswordHashBytes));
  h.set_salt(std::move(salt));
  h.set_hash(std::move(hash));
  return h;
}

Status Authenticator::CommitUser(const v1::User& user, const audit::Actor& actor, std::string_view action,
                                 std::string detail) {
  ARCHIVED_RETURN_IF_ERROR(committer_->Run([&](audit::Transaction& txn) {
    txn.Put(storage::Keyspace::kAuth, UserKey(user.name()), user.SerializeAsString());
    txn.Audit(audit::EventBy(actor, std::string(action), user.name(), std::move(detail)));
    return OkStatus();
  }));
  std::unique_lock lock(mu_);
  users_[user.name()] = user;
  return OkStatus();
}

StatusOr<v1::UserView> Authenticator::CreateUser(const v1::UserChange& change, const audit::Actor& actor) {
  v1::User user;
  user.set_name(change.name());
  user.set_display_name(change.display_name());
  *user.mutable_roles() = change.roles();
  user.set_clearance(change.clearance() == v1::CLASSIFICATION_UNSPECIFIED ? v1::INTERNAL : change.clearance());
  *user.mutable_departments() = change.departments();
  user.set_disabled(change.disabled());
  ARCHIVED_RETURN_IF_ERROR(CheckUser(user));
  {
    std::shared_lock lock(mu_);
    if (users_.contains(user.name())) return AlreadyExistsError("user " + user.name() + " exists");
  }
  if (!change.password().empty()) {
    ARCHIVED_ASSIGN_OR_RETURN(*user.mutable_password(), HashPassword(change.password()));
  }
  SetTime(user.mutable_created_time(), clock_->Now());
  *user.mutable_updated_time() = user.created_time();
  // Two creations of one name race to here: the second overwrites nothing it has not seen,
  // because user records are written by this object only, under the committer's order.
  ARCHIVED_RETURN_IF_ERROR(CommitUser(user, actor, "user.create",
                                      "roles=" + RolesText(user.roles()) +
                                          " clearance=" + v1::Classification_Name(user.clearance())));
  return View(user);
}

StatusOr<v1::UserView> Authenticator::UpdateUser(std::string_view name, const v1::UserChange& change,
                                                  const std::set<std::string>& fields, const audit::Actor& actor) {
  static const std::set<std::string> kFields = {"display_name", "roles", "clearance", "departments",
                                                "disabled", "password"};
  for (const std::string& f : fields) {
    if (!kFields.contains(f)) return InvalidArgumentError(f + ": not a field that can be changed");
  }
  v1::User user;
  {
    std::shared_lock lock(mu_);
    const auto it = users_.find(name);
    if (it == users_.end()) return NotFoundError("no user " + std::string(name));
    user = it->second;
  }
  std::string detail;
  if (fields.contains("display_name")) user.set_display_name(change.display_name());
  if (fields.contains("roles")) {
    *user.mutable_roles() = change.roles();
    detail += "roles=" + RolesText(user.roles()) + " ";
  }
  if (fields.contains("clearance")) {
    user.set_clearance(change.clearance() == v1::CLASSIFICATION_UNSPECIFIED ? v1::INTERNAL : change.clearance());
    detail += "clearance=" + v1::Classification_Name(user.clearance()) + " ";
  }
  if (fields.contains("departments")) *user.mutable_departments() = change.departments();
  if (fields.contains("disabled")) {
    user.set_disabled(change.disabled());
    detail += std::string(change.disabled() ? "disabled" : "enabled") + " ";
  }
  ARCHIVED_RETURN_IF_ERROR(CheckUser(user));
  if (fields.contains("password")) {
    if (change.password().empty()) {
      user.clear_password();
      detail += "password removed ";
    } else {
      ARCHIVED_ASSIGN_OR_RETURN(*user.mutable_password(), HashPassword(change.password()));
      detail += "password set ";
    }
  }
  SetTime(user.mutable_updated_time(), clock_->Now());
  if (!detail.empty()) detail.pop_back();
  ARCHIVED_RETURN_IF_ERROR(CommitUser(user, actor, "user.update", detail));
  return View(user);
}

StatusOr<v1::UserView> Authenticator::GetUser(std::string_view name) const {
  std::shared_lock lock(mu_);
  const auto it = users_.find(name);
  if (it == users_.end()) return NotFoundError("no user " + std::string(name));
  return View(it->second);
}

std::vector<v1::UserView> Authenticator::ListUsers() const {
  std::shared_lock lock(mu_);
  std::vector<v1::UserView> out;
  for (const auto& [name, user] : users_) out.push_back(View(user));
  return out;
}

StatusOr<v1::NewToken> Authenticator::CreateToken(const Principal& caller, const v1::CreateTokenRequest& request,
                                                  const audit::Actor& actor) {
  const std::string user = request.user().empty() ? caller.name : request.user();
  {
    std::shared_lock lock(mu_);
    if (!users_.contains(user)) return NotFoundError("no user " + user);
  }
  // A token never reaches further than the one that minted it.
  const v1::TokenScope scope = caller.scope == v1::READ_ONLY ? v1::READ_ONLY : request.scope();
  return MintToken(user, request.ttl_seconds(), scope, request.description(), actor, "token.create");
}

std::vector<v1::ApiToken> Authenticator::ListTokens(std::string_view user) const {
  std::vector<v1::ApiToken> out;
  {
    std::shared_lock lock(mu_);
    for (const auto& [key, token] : tokens_) {
      if (user.empty() || token.principal() == user) out.push_back(token);
    }
  }
  std::sort(out.begin(), out.end(), [](const v1::ApiToken& a, const v1::ApiToken& b) {
    return a.created_time().seconds() != b.created_time().seconds() ? a.created_time().seconds() > b.created_time().seconds()
                                                                    : a.id() < b.id();
  });
  return out;
}

StatusOr<v1::ApiToken> Authenticator::GetToken(std::string_view id) const {
  if (id.size() != kTokenIdHexDigits) return NotFoundError("no token " + std::string(id));
  std::shared_lock lock(mu_);
  const auto it = tokens_.lower_bound(std::string(kTokenKeyPrefix) + std::string(id));
  if (it == tokens_.end() || it->second.id() != id) return NotFoundError("no token " + std::string(id));
  return it->second;
}

StatusOr<v1::ApiToken> Authenticator::RevokeToken(std::string_view id, const audit::Actor& actor) {
  std::string key;
  v1::ApiToken record;
  {
    std::shared_lock lock(mu_);
    const auto it = tokens_.lower_bound(std::string(kTokenKeyPrefix) + std::string(id));
    if (id.size() != kTokenIdHexDigits || it == tokens_.end() || it->second.id() != id) {
      return NotFoundError("no token " + std::string(id));
    }
    key = it->first;
    record = it->second;
  }
  if (record.has_revoked_time()) return FailedPreconditionError("token " + record.id() + " is already revoked");
  ARCHIVED_RETURN_IF_ERROR(committer_->Run([&](audit::Transaction& txn) {
    SetTime(record.mutable_revoked_time(), txn.now());
    txn.Put(storage::Keyspace::kAuth, key, record.SerializeAsString());
    txn.Audit(audit::EventBy(actor, "token.revoke", record.id(), "user=" + record.principal()));
    return OkStatus();
  }));
  std::unique_lock lock(mu_);
  tokens_[key] = record;
  return record;
}

Status Authenticator::AuditDenial(const audit::Actor& actor, std::string_view operation, std::string_view object,
                                  std::string_view reason) {
  v1::AuditEvent event = audit::EventBy(actor, std::string(operation), std::string(object), std::string(reason));
  event.set_outcome("denied");
  return committer_->Run([&](audit::Transaction& txn) {
    txn.Audit(std::move(event));
    return OkStatus();
  });
}

}  // namespace archived::auth
