#include "archived/auth/authenticator.h"

#include "archived/base/bytes.h"
#include "archived/base/status_macros.h"
#include "archived/crypto/crypto.h"

namespace archived::auth {
namespace {

constexpr std::string_view kTokenPrefix = "arc_";
constexpr std::string_view kTokenKeyPrefix = "token/";

std::string TokenKey(std::string_view token) {
  return std::string(kTokenKeyPrefix) + HexEncode(crypto::Sha256Of(token));
}

}  // namespace

StatusOr<bool> Authenticator::EnsureAdminToken(
    const std::function<Status(std::string_view token)>& save) {
  auto it = store_->NewIterator(storage::Keyspace::kAuth);
  it->Seek(kTokenKeyPrefix);
  if (it->Valid() && it->key().starts_with(kTokenKeyPrefix)) {
    return false;
  }
  ARCHIVED_RETURN_IF_ERROR(it->status());
  ARCHIVED_ASSIGN_OR_RETURN(const std::string secret, crypto::RandomBytes(32));
  const std::string token = std::string(kTokenPrefix) + HexEncode(secret);
  ARCHIVED_RETURN_IF_ERROR(save(token));
  ARCHIVED_RETURN_IF_ERROR(committer_->Run([&](audit::Transaction& txn) {
    v1::ApiToken record;
    record.set_principal("admin");
    record.add_roles(v1::ROLE_ADMIN);
    record.set_description("created on first start");
    const std::int64_t micros = ToUnixMicros(txn.now());
    record.mutable_created_time()->set_seconds(micros / 1000000);
    txn.Put(storage::Keyspace::kAuth, TokenKey(token), record.SerializeAsString());
    v1::AuditEvent event;
    event.set_actor("system");
    event.set_action("token.create");
    event.set_detail("principal=admin role=ADMIN");
    txn.Audit(std::move(event));
    return OkStatus();
  }));
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
  StatusOr<std::string> bytes = store_->Get(storage::Keyspace::kAuth, TokenKey(token));
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) {
      return UnauthenticatedError("invalid token");
    }
    return bytes.status();
  }
  v1::ApiToken record;
  if (!record.ParseFromString(*bytes)) {
    return DataLossError("token record is malformed");
  }
  Principal principal;
  principal.name = record.principal();
  for (const int role : record.roles()) {
    principal.roles.push_back(static_cast<v1::Role>(role));
  }
  return principal;
}

}  // namespace archived::auth
