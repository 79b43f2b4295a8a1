// Helpers every API route file uses: path splitting, parameter and body parsing, and the
// authorization steps that answer 403 or 404 themselves. Internal to archived/http.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "archived/auth/policy.h"
#include "archived/http/internal/exchange.h"
#include "archived/http/json.h"
#include "archived/http/query.h"
#include "archived/http/server.h"

namespace archived::http::internal {

// "/api/v1/documents/x" -> "api", "v1", "documents", "x".
std::vector<std::string> Split(std::string_view path);
// Errors: kInvalidArgument naming `field`.
StatusOr<std::uint64_t> ParseNumber(std::string_view field, std::string_view text);
// Errors: kInvalidArgument naming the first query parameter not in `allowed`.
Status CheckParameters(const Target& target, std::initializer_list<std::string_view> allowed);
// A query flag: absent is false; "true" or "false" otherwise. Errors: kInvalidArgument.
StatusOr<bool> FlagParameter(const Target& target, std::string_view name);
net::awaitable<void> SendMethodNotAllowed(Exchange& ex, std::string_view allow);
// Checks the policy for `operation` (service::Guard). A refusal is audited and answered 403;
// an allowance records the role it was allowed under on `actor`.
net::awaitable<bool> Permit(Exchange& ex, const ApiServices& s, const auth::Principal& principal,
                            auth::Operation operation, std::string_view object, audit::Actor* actor);
// Checks that the caller may see (and, with `to_change`, change) document `id`; answers
// 404 or 403 itself when not.
net::awaitable<bool> PermitDocument(Exchange& ex, const ApiServices& s, const auth::Principal& principal,
                                    const audit::Actor& actor, auth::Operation operation, const std::string& id,
                                    bool to_change);

// Answers `result` as JSON with `status`, or its error.
template <typename T>
net::awaitable<void> Answer(Exchange& ex, int status, const StatusOr<T>& result) {
  if (!result.ok()) co_return co_await ex.SendError(result.status());
  co_await ex.SendJson(status, *result);
}

// A JSON body parsed into `message`, and the names of its top-level keys.
template <typename Message>
net::awaitable<StatusOr<std::set<std::string>>> ReadJson(Exchange& ex, Message* message) {
  StatusOr<std::string> body = co_await ex.ReadWholeBody(ex.limits().max_json_body_bytes);
  if (!body.ok()) co_return body.status();
  StatusOr<std::set<std::string>> keys = TopLevelKeys(*body);
  if (!keys.ok()) co_return keys.status();
  if (Status parsed = FromJson(*body, message); !parsed.ok()) co_return parsed;
  co_return keys;
}


// `category` with schedule_text filled in, for an answer.
v1::Category Described(v1::Category category);

// The retention routes (retention_api.cc): categories (POST, …/schedule), documents' events,
// holds, dispositions and certificates. True if `parts` named one of them (then answered).
net::awaitable<bool> DispatchRetention(Exchange& ex, const ApiServices& s, const Target& target,
                                       const std::vector<std::string>& parts, const auth::Principal& principal,
                                       audit::Actor& actor);

// The register routes (registers_api.cc): /registers, /registers/{kind}/entries…, and
// /documents/{id}/entries. True if `parts` named one of them (then answered).
net::awaitable<bool> DispatchRegisters(Exchange& ex, const ApiServices& s, const Target& target,
                                       const std::vector<std::string>& parts, const auth::Principal& principal,
                                       audit::Actor& actor);

}  // namespace archived::http::internal
