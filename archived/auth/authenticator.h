// Authenticator: users, their API tokens, and password logins.
//
// A request is authenticated by the SHA-256 of its bearer token (tokens are 256 random bits,
// so a plain hash suffices): the token must exist, be unexpired and unrevoked, and belong to
// a user who is not disabled; the principal carries the user's current roles. Passwords are
// hashed with scrypt, its parameters stored beside each hash; failed logins are limited per
// user and per address. Users and tokens live in the kAuth keyspace (FORMAT in
// archived/auth/FORMAT.md) and in memory, loaded by Load() and updated by every change made
// here, so an authentication does no I/O. Every change and every login, failed or not, is an
// audit event.
// Thread-safe; the store, committer and clock must outlive it.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "archived/audit/actor.h"
#include "archived/audit/committer.h"
#include "archived/auth/policy.h"
#include "archived/base/clock.h"
#include "archived/base/status.h"
#include "archived/storage/store.h"
#include "archived/v1/auth.pb.h"

namespace archived::auth {

struct AuthOptions {
  // Refuse users who hold the admin or auditor role together with another (三员分立).
  // Default: false (a small office may have one person in several roles; the audit trail
  // records the role each action was allowed under).
  bool strict_separation = false;
  // Lifetime of a token from a login, and of a minted token when none is asked for.
  // Default: 12 hours.
  std::uint64_t default_token_ttl_seconds = 12 * 3600;
  // The longest lifetime a minted token may ask for. Default: 366 days.
  std::uint64_t max_token_ttl_seconds = 366 * 86400;
  std::size_t min_password_bytes = 10;  // Default: 10.
  // scrypt cost: n = 2^scrypt_log2_n, r, p. Default: 2^15, 8, 1 (32 MiB, ~0.1 s a login).
  unsigned scrypt_log2_n = 15;
  std::uint32_t scrypt_r = 8;
  std::uint32_t scrypt_p = 1;
  // Failed logins allowed per user name and per address within the window, after which
  // logins are refused until the oldest failure leaves it. Default: 5 in 15 minutes.
  std::size_t max_failed_logins = 5;
  std::uint64_t failed_login_window_seconds = 15 * 60;

  Status Validate() const;
};

class Authenticator {
 public:
  Authenticator(AuthOptions options, const storage::Store* store, audit::Committer* committer, const Clock& clock)
      : options_(std::move(options)), store_(store), committer_(committer), clock_(&clock) {}

  // Reads every user and token into memory. Errors: storage errors; kDataLoss for a bad record.
  Status Load();

  // On first start: creates the user "admin" (roles: admin only under strict separation,
  // else all four) and a token for it that never expires. `save` gets the token's text first
  // (to write it where the administrator will find it), and only if that succeeds is it
  // committed. Returns whether a token was created. Errors: `save`'s; storage errors.
  StatusOr<bool> EnsureAdminToken(const std::function<Status(std::string_view token)>& save);

  // Errors: kUnauthenticated for a missing, malformed, unknown, expired or revoked token, or a
  // disabled user (the message never contains the token).
  StatusOr<Principal> Authenticate(std::string_view authorization_header) const;

  // Password login: a new token for `request.user`. Errors: kUnauthenticated for a wrong
  // name or password (the same message either way); kResourceExhausted while failures are
  // limited; kInvalidArgument for a bad TTL.
  StatusOr<v1::NewToken> Login(const v1::LoginRequest& request, const audit::Actor& actor);

  // Users. Errors: kInvalidArgument naming the field; kAlreadyExists; kNotFound.
  StatusOr<v1::UserView> CreateUser(const v1::UserChange& change, const audit::Actor& actor);
  // Sets the fields named in `fields` ("display_name", "roles", "clearance", "departments",
  // "disabled", "password").
  StatusOr<v1::UserView> UpdateUser(std::string_view name, const v1::UserChange& change,
                                    const std::set<std::string>& fields, const audit::Actor& actor);
  StatusOr<v1::UserView> GetUser(std::string_view name) const;
  std::vector<v1::UserView> ListUsers() const;

  // Tokens. `for_user` empty: the caller's. Errors: kInvalidArgument; kNotFound.
  StatusOr<v1::NewToken> CreateToken(const Principal& caller, const v1::CreateTokenRequest& request,
                                     const audit::Actor& actor);
  // The tokens of `user`, or of everyone when empty; newest first.
  std::vector<v1::ApiToken> ListTokens(std::string_view user) const;
  StatusOr<v1::ApiToken> GetToken(std::string_view id) const;
  // Errors: kNotFound; kFailedPrecondition when already revoked.
  StatusOr<v1::ApiToken> RevokeToken(std::string_view id, const audit::Actor& actor);

  // Records a refusal in the audit trail (outcome "denied"). Errors: storage errors.
  Status AuditDenial(const audit::Actor& actor, std::string_view operation, std::string_view object,
                     std::string_view reason);

  static v1::UserView View(const v1::User& user);

 private:
  StatusOr<v1::NewToken> MintToken(const std::string& user, std::uint64_t ttl_seconds, v1::TokenScope scope,
                                   std::string description, const audit::Actor& actor, std::string_view action);
  Status CheckUser(const v1::User& user) const;
  StatusOr<v1::PasswordHash> HashPassword(std::string_view password) const;
  Status CommitUser(const v1::User& user, const audit::Actor& actor, std::string_view action, std::string detail);
  // Failed-login bookkeeping; all under failures_mu_.
  std::optional<std::uint64_t> LockedForSeconds(const std::string& user, const std::string& address);
  void RecordFailure(const std::string& user, const std::string& address);

  const AuthOptions options_;
  const storage::Store* const store_;
  audit::Committer* const committer_;
  const Clock* const clock_;
  mutable std::shared_mutex mu_;
  std::map<std::string, v1::User, std::less<>> users_;        // by name; guarded by mu_
  std::map<std::string, v1::ApiToken, std::less<>> tokens_;   // by storage key; guarded by mu_
  std::mutex failures_mu_;
  std::map<std::string, std::deque<Timestamp>> failures_;  // "user:NAME" / "addr:ADDRESS"
};

}  // namespace archived::auth
