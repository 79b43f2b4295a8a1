// Authenticator: turns an Authorization header into a Principal by looking up the SHA-256 of
// its bearer token (tokens are 256 random bits, so a plain hash suffices; no KDF). Token
// records are kept in memory, loaded by Load() and updated by every change made here, so a
// check does no I/O and may run on the HTTP I/O thread. The first start creates the admin
// token. Users, roles and token management grow here (issue #4).
// Thread-safe; the store and committer must outlive it.
#pragma once

#include <functional>
#include <map>
#include <shared_mutex>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "archived/audit/committer.h"
#include "archived/base/status.h"
#include "archived/storage/store.h"
#include "archived/v1/auth.pb.h"

namespace archived::auth {

struct Principal {
  std::string name;
  std::vector<v1::Role> roles;
};

class Authenticator {
 public:
  Authenticator(const storage::Store* store, audit::Committer* committer)
      : store_(store), committer_(committer) {}

  // Reads every token record into memory. Errors: storage errors; kDataLoss for a bad record.
  Status Load();

  // If no token exists yet, creates an admin token: `save` gets its text first (to write it
  // where the administrator will find it), and only if that succeeds is its hash committed.
  // Returns whether a token was created. Errors: `save`'s; storage errors.
  StatusOr<bool> EnsureAdminToken(const std::function<Status(std::string_view token)>& save);

  // Errors: kUnauthenticated for a missing, malformed or unknown token (the message never
  // contains the token).
  StatusOr<Principal> Authenticate(std::string_view authorization_header) const;

 private:
  const storage::Store* const store_;
  audit::Committer* const committer_;
  mutable std::shared_mutex mu_;
  std::map<std::string, Principal, std::less<>> principals_by_key_;  // guarded by mu_
};

}  // namespace archived::auth
