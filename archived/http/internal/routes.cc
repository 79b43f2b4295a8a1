// Helpers every API route file uses (routes.h).
#include "archived/http/internal/routes.h"

#include <charconv>

#include "archived/service/guard.h"

namespace archived::http::internal {

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::string_view part = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (!part.empty()) out.emplace_back(part);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

StatusOr<std::uint64_t> ParseNumber(std::string_view field, std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return InvalidArgumentError(std::string(field) + ": not a whole number");
  }
  return value;
}

Status CheckParameters(const Target& target, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : target.query) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return InvalidArgumentError("unknown query parameter \"" + key + "\"");
    }
  }
  return OkStatus();
}

net::awaitable<void> SendMethodNotAllowed(Exchange& ex, std::string_view allow) {
  co_await ex.SendText(405, "application/json",
                       R"({"code":"INVALID_ARGUMENT","message":"method not allowed here; allowed: )" +
                           std::string(allow) + R"(","request_id":")" + ex.request_id() + "\"}");
}

// Checks the policy for `operation` (service::Guard). A refusal is audited and answered 403;
// an allowance records the role it was allowed under on `actor`.
net::awaitable<bool> Permit(Exchange& ex, const ApiServices& s, const auth::Principal& principal,
                            auth::Operation operation, std::string_view object, audit::Actor* actor) {
  const Status allowed = s.guard->Check(principal, operation, actor);
  if (allowed.ok()) co_return true;
  const Status refused = co_await RunBlocking(ex.pool(), [&] { return s.guard->Refuse(*actor, operation, object, allowed); });
  co_await ex.SendError(refused);
  co_return false;
}

// A query flag: absent is false; "true" or "false" otherwise. Errors: kInvalidArgument.
StatusOr<bool> FlagParameter(const Target& target, std::string_view name) {
  const std::optional<std::string> value = target.Get(name);
  if (!value || *value == "false") return false;
  if (*value == "true") return true;
  return InvalidArgumentError(std::string(name) + " must be true or false");
}

// The object-level check of a route on one document: the caller must see it (else 404, as
// for a document that does not exist) and, to change it, may file in its category (else
// 403). Refusals are audited.
net::awaitable<bool> PermitDocument(Exchange& ex, const ApiServices& s, const auth::Principal& principal,
                                    const audit::Actor& actor, auth::Operation operation, const std::string& id,
                                    bool to_change) {
  const Status allowed = co_await RunBlocking(
      ex.pool(), [&] { return s.guard->CheckDocument(principal, actor, operation, id, to_change); });
  if (allowed.ok()) co_return true;
  co_await ex.SendError(allowed);
  co_return false;
}

}  // namespace archived::http::internal
