// The register routes (docs/registers.md): the kinds, entries of each kind (add, list with
// filters, read, change, history), links to documents, and a document's linked entries.
// Who may read or change a register is its kind's file-plan category's (Guard::CheckRegister).
#include <google/protobuf/util/json_util.h>

#include "archived/base/status_macros.h"
#include "archived/http/internal/routes.h"
#include "archived/registers/registers.h"
#include "archived/service/guard.h"

// GCC 12 wrongly reports -Wmismatched-new-delete on some coroutine frames whose promise has
// its own operator new and delete, as Asio's awaitable does (GCC bug 109224).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace archived::http::internal {
namespace {

using auth::Operation;

// `input.fields` as a message of `kind`, unknown fields and wrong types refused, and the
// names of the fields given.
StatusOr<std::unique_ptr<google::protobuf::Message>> FieldsOf(const registers::Kind& kind,
                                                              const v1::RegisterEntryInput& input,
                                                              std::vector<std::string>* names) {
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(input.fields(), &json).ok()) {
    return InvalidArgumentError("fields: not a JSON object");
  }
  std::unique_ptr<google::protobuf::Message> message = registers::NewMessage(kind);
  if (Status parsed = FromJson(json, message.get()); !parsed.ok()) {
    return InvalidArgumentError("fields: " + std::string(parsed.message()) + " (the fields of " + kind.name +
                                ": see GET /api/v1/registers)");
  }
  if (names != nullptr) {
    for (const auto& [name, value] : input.fields().fields()) {
      // FromJson refused unknown names; a name may be the proto one or its lowerCamel JSON one.
      for (int i = 0; i < kind.descriptor->field_count(); ++i) {
        const google::protobuf::FieldDescriptor* field = kind.descriptor->field(i);
        if (field->name() == name || field->json_name() == name) names->push_back(std::string(field->name()));
      }
    }
  }
  return message;
}

net::awaitable<void> HandleEntries(Exchange& ex, const ApiServices& s, const Target& target,
                                   const std::vector<std::string>& parts, const auth::Principal& principal,
                                   audit::Actor& actor) {
  const bhttp::verb method = ex.request().method();
  const std::size_t n = parts.size();
  StatusOr<const registers::Kind*> found = registers::FindKind(parts[3]);
  if (!found.ok()) co_return co_await ex.SendError(found.status());
  const registers::Kind& kind = **found;
  registers::Registers& r = *s.registers;
  const bool changes = method != bhttp::verb::get;
  const Operation operation = changes ? Operation::kWriteRegister : Operation::kReadRegister;
  if (!co_await Permit(ex, s, principal, operation, kind.name, &actor)) co_return;
  const Status allowed = co_await RunBlocking(
      ex.pool(), [&] { return s.guard->CheckRegister(principal, actor, operation, kind.name, kind.category, changes); });
  if (!allowed.ok()) co_return co_await ex.SendError(allowed);

  if (n == 5) {  // /registers/{kind}/entries
    if (method == bhttp::verb::get) {
      std::map<std::string, std::string> filters;
      std::size_t limit = 0;
      std::string cursor;
      for (const auto& [name, value] : target.query) {
        if (name == "limit") {
          StatusOr<std::uint64_t> parsed = ParseNumber("limit", value);
          if (!parsed.ok()) co_return co_await ex.SendError(parsed.status());
          limit = *parsed;
        } else if (name == "cursor") {
          cursor = value;
        } else if (!filters.emplace(name, value).second) {
          co_return co_await ex.SendError(InvalidArgumentError(name + ": given twice"));
        }
      }
      co_return co_await Answer(ex, 200,
                                co_await RunBlocking(ex.pool(), [&] { return r.List(kind, filters, limit, cursor); }));
    }
    if (method != bhttp::verb::post) co_return co_await SendMethodNotAllowed(ex, "GET, POST");
    v1::RegisterEntryInput input;
    if (StatusOr<std::set<std::string>> keys = co_await ReadJson(ex, &input); !keys.ok()) {
      co_return co_await ex.SendError(keys.status());
    }
    if (input.expected_revision() != 0) {
      co_return co_await ex.SendError(InvalidArgumentError("expected_revision: only for a change"));
    }
    StatusOr<std::unique_ptr<google::protobuf::Message>> fields = FieldsOf(kind, input, nullptr);
    if (!fields.ok()) co_return co_await ex.SendError(fields.status());
    for (const std::string& link : input.links()) {
      if (!co_await PermitDocument(ex, s, principal, actor, operation, link, false)) co_return;
    }
    const std::vector<std::string> links(input.links().begin(), input.links().end());
    co_return co_await Answer(
        ex, 201, co_await RunBlocking(ex.pool(), [&] { return r.Create(actor, kind, **fields, links); }));
  }
  const std::string& id = parts[5];
  if (n == 6) {
    if (method == bhttp::verb::get) {
      if (Status st = CheckParameters(target, {}); !st.ok()) co_return co_await ex.SendError(st);
      co_return co_await Answer(ex, 200, co_await RunBlocking(ex.pool(), [&] { return r.Get(kind, id); }));
    }
    if (method != bhttp::verb::patch) co_return co_await SendMethodNotAllowed(ex, "GET, PATCH");
    v1::RegisterEntryInput input;
    if (StatusOr<std::set<std::string>> keys = co_await ReadJson(ex, &input); !keys.ok()) {
      co_return co_await ex.SendError(keys.status());
    }
    if (!input.links().empty()) {
      co_return co_await ex.SendError(InvalidArgumentError("links: change links with …/links"));
    }
    std::vector<std::string> names;
    StatusOr<std::unique_ptr<google::protobuf::Message>> fields = FieldsOf(kind, input, &names);
    if (!fields.ok()) co_return co_await ex.SendError(fields.status());
    co_return co_await Answer(ex, 200, co_await RunBlocking(ex.pool(), [&] {
                                return r.Update(actor, kind, id, **fields, names, input.expected_revision());
                              }));
  }
  if (n == 7 && parts[6] == "history") {
    if (method != bhttp::verb::get) co_return co_await SendMethodNotAllowed(ex, "GET");
    co_return co_await Answer(ex, 200, co_await RunBlocking(ex.pool(), [&] { return r.History(kind, id); }));
  }
  if (n == 7 && parts[6] == "links") {
    if (method != bhttp::verb::post) co_return co_await SendMethodNotAllowed(ex, "POST");
    v1::RegisterLink link;
    if (StatusOr<std::set<std::string>> keys = co_await ReadJson(ex, &link); !keys.ok()) {
      co_return co_await ex.SendError(keys.status());
    }
    if (link.document_id().empty()) co_return co_await ex.SendError(InvalidArgumentError("document_id: required"));
    if (!co_await PermitDocument(ex, s, principal, actor, operation, link.document_id(), false)) co_return;
    co_return co_await Answer(
        ex, 200, co_await RunBlocking(ex.pool(), [&] { return r.Link(actor, kind, id, link.document_id()); }));
  }
  if (n == 8 && parts[6] == "links") {
    if (method != bhttp::verb::delete_) co_return co_await SendMethodNotAllowed(ex, "DELETE");
    co_return co_await Answer(ex, 200, co_await RunBlocking(ex.pool(), [&] { return r.Unlink(actor, kind, id, parts[7]); }));
  }
  co_await ex.SendError(NotFoundError("no such route: " + target.path));
}

}  // namespace

net::awaitable<bool> DispatchRegisters(Exchange& ex, const ApiServices& s, const Target& target,
                                       const std::vector<std::string>& parts, const auth::Principal& principal,
                                       audit::Actor& actor) {
  const std::size_t n = parts.size();
  const bool linked = n == 5 && parts[2] == "documents" && parts[4] == "entries";
  if (n < 3 || (parts[2] != "registers" && !linked)) co_return false;
  if (s.registers == nullptr) {
    co_await ex.SendError(UnavailableError("registers are not available in this server"));
    co_return true;
  }
  if (linked) {  // GET /documents/{id}/entries: the entries linked to it that the caller may read
    if (ex.request().method() != bhttp::verb::get) {
      co_await SendMethodNotAllowed(ex, "GET");
      co_return true;
    }
    if (!co_await Permit(ex, s, principal, Operation::kReadRegister, parts[3], &actor)) co_return true;
    if (!co_await PermitDocument(ex, s, principal, actor, Operation::kReadRegister, parts[3], false)) co_return true;
    StatusOr<v1::RegisterEntryList> list = co_await RunBlocking(ex.pool(), [&]() -> StatusOr<v1::RegisterEntryList> {
      ARCHIVED_ASSIGN_OR_RETURN(const v1::Document doc, s.catalog->GetDocument(parts[3]));
      ARCHIVED_ASSIGN_OR_RETURN(const auto readable, s.guard->ReadableCategories(principal));
      ARCHIVED_ASSIGN_OR_RETURN(v1::RegisterEntryList all, s.registers->LinkedTo(doc.id()));
      v1::RegisterEntryList shown;
      for (v1::RegisterEntry& entry : *all.mutable_entries()) {
        if (readable(entry.category())) *shown.add_entries() = std::move(entry);
      }
      return shown;
    });
    co_await Answer(ex, 200, list);
    co_return true;
  }
  if (n == 3) {
    if (ex.request().method() != bhttp::verb::get) {
      co_await SendMethodNotAllowed(ex, "GET");
    } else if (co_await Permit(ex, s, principal, Operation::kReadRegister, "", &actor)) {
      co_await ex.SendJson(200, registers::DescribeKinds());
    }
    co_return true;
  }
  if (n >= 5 && parts[4] == "entries" && n <= 8) {
    co_await HandleEntries(ex, s, target, parts, principal, actor);
  } else {
    co_await ex.SendError(NotFoundError("no such route: " + target.path));
  }
  co_return true;
}

}  // namespace archived::http::internal
