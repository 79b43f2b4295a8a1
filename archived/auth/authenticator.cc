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

StatusOr<Principal> ParseRecord(std::string_view bytes) {
  v1::ApiToken record;
  if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return DataLossError("token record is malformed");
  }
  Principal principal;
  principal.name = record.principal();
  for (const int role : record.roles()) {
    principal.roles.push_back(static_cast<v1::Role>(role));
  }
  return principal;
}

}  // namespace

Status Authenticator::Load() {
  std::map<std::string, Principal, std::less<>> loaded;
  auto it = store_->NewIterator(storage::Keyspace::kAuth);
  for (it->Seek(kTokenKeyPrefix); it->Valid() && it->key().starts_with(kTokenKeyPrefix); it->Next()) {
    ARCHIVED_ASSIGN_OR_RETURN(Principal principal, ParseRecord(it->value()));
    loaded.emplace(std::string(it->key()), std::move(principal));
  }
  ARCHIVED_RETURN_IF_ERROR(it->status());
  std::unique_lock lock(mu_);
  principals_by_key_ = std::move(loaded);
  return OkStatus();
}

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
  std::string record_bytes;
  ARCHIVED_RETURN_IF_ERROR(committer_->Run([&](audit::Transaction& txn) {
    v1::ApiToken record;
    record.set_principal("admin");
    record.add_roles(v1::ROLE_ADMIN);
    record.set_description("created on first start");
    const std::int64_t micros = ToUnixMicros(txn.now());
    record.mutable_created_time()->set_seconds(micros / 1000000);
    record_bytes = record.SerializeAsString();
    txn.Put(storage::Keyspace::kAuth, TokenKey(token), record_bytes);
    v1::AuditEvent event;
    event.set_actor("system");
    event.set_action("token.create");
    event.set_detail("principal=admin role=ADMIN");
    txn.Audit(std::move(event));
    return OkStatus();
  }));
  ARCHIVED_ASSIGN_OR_RETURN(Principal principal, ParseRecord(record_bytes));
  std::unique_lock lock(mu_);
  principals_by_key_[TokenKey(token)] = std::move(principal);
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
  std::shared_lock lock(mu_);
  const auto it = principals_by_key_.find(key);
  if (it == principals_by_key_.end()) {
    return UnauthenticatedError("invalid token");
  }
  return it->second;
}

}  // namespace archived::auth
