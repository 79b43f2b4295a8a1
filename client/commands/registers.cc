// archivectl KIND …: the office's registers (docs/registers.md). Every kind has add, list,
// show, update, link, unlink and history, built from the kind's fields as registers.proto
// describes them (the same schema the daemon checks against); some kinds have the reports
// people ask for: matter overdue / chase / step, project status, staff show, asset due,
// budget status, vacancy pipeline. Tables by default (汉字 aligned), the API's JSON with --json.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include "archived/base/clock.h"
#include "archived/base/status_macros.h"
#include "archived/base/text.h"
#include "archived/registers/schema.h"
#include "archived/v1/api.pb.h"
#include "archived/v1/auth.pb.h"
#include "archived/v1/proto_time.h"
#include "archived/v1/registers.pb.h"
#include "client/cli.h"
#include "client/table.h"

namespace archived::client {
namespace {

using google::protobuf::FieldDescriptor;
using registers::Kind;

// Flags every command takes (the connection) and those of the register commands.
const std::set<std::string>& OwnFlags() {
  static const std::set<std::string> flags = {"server", "cacert",  "token", "token-file", "config", "json",
                                              "link",   "file",    "limit", "all",        "as-of",  "within",
                                              "expect-revision", "clear", "help"};
  return flags;
}

std::string FlagOf(std::string_view field) {
  std::string flag(field);
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

std::string Today() { return FormatRfc3339(SystemClock::Get().Now()).substr(0, 10); }

// Days from `from` to `to` (YYYY-MM-DD each); negative when `to` is earlier.
StatusOr<int> DaysBetween(const std::string& from, const std::string& to) {
  ARCHIVED_ASSIGN_OR_RETURN(const auto a, ParseCalendarDate("date", from));
  ARCHIVED_ASSIGN_OR_RETURN(const auto b, ParseCalendarDate("date", to));
  return static_cast<int>((std::chrono::sys_days(b) - std::chrono::sys_days(a)).count());
}

std::string AddDays(const std::string& date, int days) {
  const StatusOr<std::chrono::year_month_day> d = ParseCalendarDate("date", date);
  if (!d.ok()) return date;
  return FormatCalendarDate(std::chrono::year_month_day{std::chrono::sys_days(*d) + std::chrono::days(days)});
}

StatusOr<std::string> AsOf(const Args& args) {
  const std::string date = args.Get("as-of").value_or(Today());
  ARCHIVED_RETURN_IF_ERROR(ParseCalendarDate("--as-of", date).status());
  return date;
}

StatusOr<int> WithinDays(const Args& args, int fallback) {
  if (!args.Has("within")) return fallback;
  ARCHIVED_ASSIGN_OR_RETURN(const std::uint32_t days, WholeNumberFlag(args, "within"));
  return static_cast<int>(days);
}

// A field of an answered entry as text: numbers without trailing zeros, lists joined.
std::string Text(const google::protobuf::Value& value) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kStringValue:
      return value.string_value();
    case google::protobuf::Value::kNumberValue:
      return FormatShortNumber(value.number_value());
    case google::protobuf::Value::kListValue: {
      std::string out;
      for (const auto& item : value.list_value().values()) {
        if (item.kind_case() == google::protobuf::Value::kStructValue) {
          out += (out.empty() ? "" : "; ") + std::string("…");
        } else {
          out += (out.empty() ? "" : ", ") + Text(item);
        }
      }
      return out;
    }
    default:
      return "";
  }
}

std::string Text(const v1::RegisterEntry& entry, const std::string& field) {
  const auto it = entry.fields().fields().find(field);
  return it == entry.fields().fields().end() ? "" : Text(it->second);
}

// The steps of a list-of-steps field (a matter's chases or history), oldest first.
std::vector<v1::MatterStep> Steps(const v1::RegisterEntry& entry, const std::string& field) {
  std::vector<v1::MatterStep> out;
  const auto it = entry.fields().fields().find(field);
  if (it == entry.fields().fields().end()) return out;
  for (const auto& item : it->second.list_value().values()) {
    v1::MatterStep step;
    const auto& f = item.struct_value().fields();
    const auto get = [&](const char* name) {
      const auto found = f.find(name);
      return found == f.end() ? std::string() : found->second.string_value();
    };
    step.set_date(get("date"));
    step.set_by(get("by"));
    step.set_to(get("to"));
    step.set_note(get("note"));
    out.push_back(std::move(step));
  }
  return out;
}

std::string StepText(const v1::MatterStep& step) {
  std::string out = step.date() + " " + step.by();
  if (!step.to().empty()) out += " → " + step.to();
  if (!step.note().empty()) out += ": " + step.note();
  return out;
}

// The fields given as flags, as the API's JSON `fields`. A list takes "a,b"; `--clear f,g`
// sends null (the field is emptied). Errors: kInvalidArgument for a flag that is not a field
// of `kind`, or a number that is not one.
StatusOr<google::protobuf::Struct> FieldsFromFlags(const Kind& kind, const Args& args, bool allow_clear) {
  google::protobuf::Struct fields;
  std::map<std::string, const FieldDescriptor*> by_flag;
  for (int i = 0; i < kind.descriptor->field_count(); ++i) {
    by_flag[FlagOf(kind.descriptor->field(i)->name())] = kind.descriptor->field(i);
  }
  for (const auto& [flag, value] : args.flags) {
    if (OwnFlags().count(flag) > 0) continue;
    const auto it = by_flag.find(flag);
    if (it == by_flag.end()) {
      std::string names;
      for (const auto& [name, field] : by_flag) {
        if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) names += " --" + name;
      }
      return InvalidArgumentError("--" + flag + ": " + kind.name + " has no such field (fields:" + names + ")");
    }
    const FieldDescriptor* field = it->second;
    google::protobuf::Value& out = (*fields.mutable_fields())[std::string(field->name())];
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      return InvalidArgumentError("--" + flag + ": a list of steps; add one with `archivectl " + kind.name +
                                  (field->name() == "chases" ? " chase" : " step") + " ID …`");
    }
    if (field->is_repeated()) {
      for (const std::string& item : SplitList(value)) out.mutable_list_value()->add_values()->set_string_value(item);
      if (out.list_value().values().empty()) out.mutable_list_value();
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      out.set_string_value(value);
    } else {
      char* end = nullptr;
      const double number = std::strtod(value.c_str(), &end);
      if (value.empty() || end != value.c_str() + value.size()) {
        return InvalidArgumentError("--" + flag + ": a number, not \"" + value + "\"");
      }
      out.set_number_value(number);
    }
  }
  if (const std::optional<std::string> clear = args.Get("clear")) {
    if (!allow_clear) return InvalidArgumentError("--clear: only for update");
    for (const std::string& name : SplitList(*clear)) {
      const auto it = by_flag.find(FlagOf(name));
      if (it == by_flag.end()) return InvalidArgumentError("--clear: " + kind.name + " has no field \"" + name + "\"");
      (*fields.mutable_fields())[std::string(it->second->name())].set_null_value(google::protobuf::NULL_VALUE);
    }
  }
  return fields;
}

std::string EntriesPath(const Kind& kind) { return "/api/v1/registers/" + kind.name + "/entries"; }

// Every entry of `kind` whose fields equal `filters`, page after page.
StatusOr<std::vector<v1::RegisterEntry>> ListAll(const Context& context, const Kind& kind,
                                                 const std::map<std::string, std::string>& filters) {
  std::vector<v1::RegisterEntry> out;
  std::string query = "?limit=1000";
  for (const auto& [name, value] : filters) query += "&" + Escape(name) + "=" + Escape(value);
  std::string cursor;
  HttpClient client = context.NewClient();
  do {
    ARCHIVED_ASSIGN_OR_RETURN(const Response r,
                              client.Call("GET", EntriesPath(kind) + query + (cursor.empty() ? "" : "&cursor=" + cursor)));
    ARCHIVED_ASSIGN_OR_RETURN(v1::RegisterEntryList page, ParseBody<v1::RegisterEntryList>(r));
    for (v1::RegisterEntry& e : *page.mutable_entries()) out.push_back(std::move(e));
    cursor = page.next_cursor();
  } while (!cursor.empty());
  return out;
}

StatusOr<v1::RegisterEntry> GetEntry(const Context& context, const Kind& kind, const std::string& id) {
  ARCHIVED_ASSIGN_OR_RETURN(const Response r, context.NewClient().Call("GET", EntriesPath(kind) + "/" + Escape(id)));
  return ParseBody<v1::RegisterEntry>(r);
}

// "12" -> "matter-12": a number alone names an entry of the kind at hand.
std::string EntryId(const Kind& kind, const std::string& id) {
  const bool digits = !id.empty() && std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
  return digits ? kind.name + "-" + id : id;
}

StatusOr<const Kind*> KindNamed(const std::string& name) { return registers::FindKind(name); }

// The columns a list shows: the id, the title, then up to five fields that say most (those
// with choices, dates, references, required ones), in the order of the schema.
std::vector<std::string> ListColumns(const Kind& kind) {
  std::vector<std::string> out;
  for (int i = 0; i < kind.descriptor->field_count() && out.size() < 5; ++i) {
    const FieldDescriptor* f = kind.descriptor->field(i);
    if (f->name() == kind.title_field || f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) continue;
    const auto& o = f->options();
    if (o.GetExtension(v1::required) || !o.GetExtension(v1::choices).empty() || !o.GetExtension(v1::format).empty() ||
        !o.GetExtension(v1::refers_to).empty()) {
      out.push_back(std::string(f->name()));
    }
  }
  return out;
}

void PrintEntries(const Kind& kind, const std::vector<v1::RegisterEntry>& entries) {
  const std::vector<std::string> columns = ListColumns(kind);
  std::vector<std::string> headers = {"id", kind.title_field};
  headers.insert(headers.end(), columns.begin(), columns.end());
  std::vector<std::size_t> widths = {0, 40};
  widths.resize(headers.size(), 24);
  Table table(headers, widths);
  for (const v1::RegisterEntry& e : entries) {
    std::vector<std::string> row = {e.id(), e.title()};
    for (const std::string& c : columns) row.push_back(Text(e, c));
    table.AddRow(std::move(row));
  }
  if (table.empty()) {
    std::printf("(no %s entries)\n", kind.name.c_str());
  } else {
    table.Print();
  }
}

// The entry's fields one per line, in schema order, then its links and revision.
void PrintEntry(const Context& context, const Kind& kind, const v1::RegisterEntry& e) {
  if (e.state() == v1::REGISTER_ENTRY_STATE_DESTROYED) {
    // Only the stub is left: its fields, revisions and links went with the destruction.
    const v1::DestructionStub& d = e.destruction();
    std::string approvers;
    for (const std::string& a : d.approvers()) approvers += (approvers.empty() ? "" : ", ") + a;
    std::printf("%s  %s  (DESTROYED; %s, %s)\n  destroyed %s under disposition batch %s, approved by %s; "
                "%d revisions' SHA-256 kept on the certificate\n  added %s by %s\n",
                e.id().c_str(), e.title().c_str(), e.category().c_str(), kind.group.c_str(),
                FormatRfc3339(v1::TimeOf(d.destroyed_time())).substr(0, 10).c_str(), d.batch_id().c_str(),
                approvers.c_str(), d.revision_sha256_size(),
                FormatRfc3339(v1::TimeOf(e.created_time())).substr(0, 10).c_str(), e.created_by().c_str());
    return;
  }
  std::printf("%s  %s  (revision %u; %s, %s)\n", e.id().c_str(), e.title().c_str(), e.revision(),
              e.category().c_str(), kind.group.c_str());
  std::size_t width = 0;
  for (int i = 0; i < kind.descriptor->field_count(); ++i) {
    width = std::max(width, DisplayWidth(kind.descriptor->field(i)->name()));
  }
  for (int i = 0; i < kind.descriptor->field_count(); ++i) {
    const FieldDescriptor* f = kind.descriptor->field(i);
    const std::string name(f->name());
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      const std::vector<v1::MatterStep> steps = Steps(e, name);
      if (steps.empty()) continue;
      std::printf("  %s:\n", name.c_str());
      for (const v1::MatterStep& s : steps) std::printf("    %s\n", StepText(s).c_str());
      continue;
    }
    const std::string value = Text(e, name);
    if (value.empty()) continue;
    std::printf("  %s%s  %s\n", name.c_str(), std::string(width - DisplayWidth(name), ' ').c_str(), value.c_str());
  }
  if (!e.links().empty()) {
    std::printf("  linked documents:\n");
    HttpClient client = context.NewClient();
    for (const std::string& id : e.links()) {
      StatusOr<Response> r = client.Call("GET", "/api/v1/documents/" + Escape(id));
      StatusOr<v1::DocumentDetail> d = r.ok() ? ParseBody<v1::DocumentDetail>(*r) : StatusOr<v1::DocumentDetail>(r.status());
      if (d.ok()) {
        std::printf("    %s  %s  %s\n", d->document().reference_code().c_str(), d->document().title().c_str(), id.c_str());
      } else {
        std::printf("    %s  (%s)\n", id.c_str(), std::string(d.status().message()).c_str());
      }
    }
  }
  StatusOr<Response> h = context.NewClient().Call("GET", EntriesPath(kind) + "/" + Escape(e.id()) + "/history");
  StatusOr<v1::RegisterEntryList> history =
      h.ok() ? ParseBody<v1::RegisterEntryList>(*h) : StatusOr<v1::RegisterEntryList>(h.status());
  if (history.ok() && history->entries_size() > 1) {
    std::printf("  history:\n");
    for (const v1::RegisterEntry& r : history->entries()) {
      std::printf("    %u  %s  %s  %s\n", r.revision(), FormatRfc3339(v1::TimeOf(r.modified_time())).substr(0, 16).c_str(),
                  r.modified_by().c_str(), r.change().c_str());
    }
  }
  std::printf("  added %s by %s; changed %s by %s: %s\n", FormatRfc3339(v1::TimeOf(e.created_time())).substr(0, 10).c_str(),
              e.created_by().c_str(), FormatRfc3339(v1::TimeOf(e.modified_time())).substr(0, 10).c_str(),
              e.modified_by().c_str(), e.change().c_str());
}

// Files `path` as a document in the kind's category, titled after the entry; its id.
StatusOr<std::string> FileForEntry(const Context& context, const Kind& kind, const std::string& path,
                                   const std::string& title) {
  const std::filesystem::path file(path);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return InvalidArgumentError("--file: no such file: " + path);
  const std::string target = "/api/v1/documents?filename=" + Escape(file.filename().string()) +
                             "&title=" + Escape(title.empty() ? file.stem().string() : title) +
                             "&category=" + Escape(kind.category);
  ARCHIVED_ASSIGN_OR_RETURN(const Response r,
                            context.NewClient().Upload("POST", target, path, GuessMimeType(file), nullptr));
  ARCHIVED_ASSIGN_OR_RETURN(const v1::FileResponse filed, ParseBody<v1::FileResponse>(r));
  if (!context.json) std::printf("filed %s as %s\n", path.c_str(), filed.reference_code().c_str());
  return filed.id();
}

int PrintAnswer(const Context& context, const Kind& kind, const Response& r, const char* verb) {
  StatusOr<v1::RegisterEntry> e = ParseBody<v1::RegisterEntry>(r);
  if (!e.ok()) return Fail(kind.name, e.status());
  if (context.json) {
    std::printf("%s\n", r.body.c_str());
  } else {
    const bool said = e->change().empty() || e->change() == "added";
    std::printf("%s %s (revision %u)%s%s\n", verb, e->id().c_str(), e->revision(), said ? "" : ": ",
                said ? "" : e->change().c_str());
  }
  return 0;
}

// How often a step is tried on a fresh read of the matter before giving up.
constexpr int kStepAttempts = 20;

// Appends a step (a chase, or a step of the handling history) to a matter, as the caller,
// retrying when the matter changed in between.
int AddStep(const Context& context, const Kind& kind, const Args& args, const std::string& field) {
  const char* what = field == "chases" ? "chase" : "step";
  if (args.positional.size() != 2) {
    return Fail(what, InvalidArgumentError(field == "chases" ? "usage: matter chase ID --to WHO --note TEXT [--date D]"
                                                             : "usage: matter step ID --note TEXT [--date D]"));
  }
  if (field == "chases" && !args.Get("to")) return Fail(what, InvalidArgumentError("--to: whom the chase went to"));
  const std::string id = EntryId(kind, args.positional[1]);
  StatusOr<Response> me = context.NewClient().Call("GET", "/api/v1/whoami");
  StatusOr<v1::WhoAmI> who = me.ok() ? ParseBody<v1::WhoAmI>(*me) : StatusOr<v1::WhoAmI>(me.status());
  if (!who.ok()) return Fail(what, who.status());
  const std::string date = args.Get("date").value_or(Today());
  for (int attempt = 0;; ++attempt) {
    StatusOr<v1::RegisterEntry> entry = GetEntry(context, kind, id);
    if (!entry.ok()) return Fail(what, entry.status());
    v1::RegisterEntryInput input;
    google::protobuf::Value& list = (*input.mutable_fields()->mutable_fields())[field];
    const auto existing = entry->fields().fields().find(field);
    if (existing != entry->fields().fields().end()) list = existing->second;
    auto& step = *list.mutable_list_value()->add_values()->mutable_struct_value()->mutable_fields();
    step["date"].set_string_value(date);
    step["by"].set_string_value(who->user().name());
    if (const auto to = args.Get("to")) step["to"].set_string_value(*to);
    if (const auto note = args.Get("note")) step["note"].set_string_value(*note);
    input.set_expected_revision(entry->revision());
    StatusOr<Response> r = context.NewClient().Call("PATCH", EntriesPath(kind) + "/" + Escape(id), ToJson(input),
                                                    "application/json");
    if (!r.ok() && r.status().code() == StatusCode::kAborted && attempt < kStepAttempts) {
      // Someone changed the matter in between: read it again, after a short random pause so
      // that racing chasers spread out.
      static std::mt19937 rng(std::random_device{}());
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(5, 45)(rng)));
      continue;
    }
    if (!r.ok()) return Fail(what, r.status());
    return PrintAnswer(context, kind, *r, field == "chases" ? "chased" : "recorded a step on");
  }
}

// matter overdue: open matters past (or within --within days of) their deadline, by handler.
int MatterOverdue(const Context& context, const Kind& kind, const Args& args) {
  const StatusOr<std::string> as_of = AsOf(args);
  const StatusOr<int> within = WithinDays(args, 0);
  if (!as_of.ok() || !within.ok()) return Fail("matter overdue", !as_of.ok() ? as_of.status() : within.status());
  StatusOr<std::vector<v1::RegisterEntry>> all = ListAll(context, kind, {});
  if (!all.ok()) return Fail("matter overdue", all.status());
  const std::string horizon = AddDays(*as_of, *within);
  std::map<std::string, std::vector<const v1::RegisterEntry*>> by_handler;
  for (const v1::RegisterEntry& e : *all) {
    const std::string status = Text(e, "status"), deadline = Text(e, "deadline");
    if (status == "done" || status == "closed" || deadline.empty() || deadline > horizon) continue;
    std::string handler = Text(e, Text(e, "mode") == "referral" ? "referred_to" : "lead_handler");
    by_handler[handler.empty() ? "(no handler)" : handler].push_back(&e);
  }
  if (context.json) {
    v1::RegisterEntryList list;
    for (const auto& [handler, entries] : by_handler) {
      for (const v1::RegisterEntry* e : entries) *list.add_entries() = *e;
    }
    std::printf("%s\n", ToJson(list).c_str());
    return 0;
  }
  if (by_handler.empty()) {
    std::printf("no open matter is due by %s\n", horizon.c_str());
    return 0;
  }
  for (auto& [handler, entries] : by_handler) {
    std::sort(entries.begin(), entries.end(),
              [](const auto* a, const auto* b) { return Text(*a, "deadline") < Text(*b, "deadline"); });
    std::printf("%s (%zu)\n", handler.c_str(), entries.size());
    Table table({"id", "title", "deadline", "overdue", "status", "last chase"}, {0, 30, 0, 0, 0, 50});
    for (const v1::RegisterEntry* e : entries) {
      const StatusOr<int> late = DaysBetween(Text(*e, "deadline"), *as_of);
      const std::vector<v1::MatterStep> chases = Steps(*e, "chases");
      table.AddRow({e->id(), e->title(), Text(*e, "deadline"),
                    !late.ok() ? "?" : *late > 0 ? std::to_string(*late) + " days" : *late == 0 ? "today" : "in " + std::to_string(-*late) + " days",
                    Text(*e, "status"), chases.empty() ? "never chased" : StepText(chases.back())});
    }
    std::string rendered = table.Render();
    // Indent the group's table under its handler.
    std::string indented;
    for (std::size_t start = 0; start < rendered.size();) {
      const std::size_t end = rendered.find('\n', start);
      indented += "  " + rendered.substr(start, end - start + 1);
      start = end + 1;
    }
    std::fputs(indented.c_str(), stdout);
  }
  return 0;
}

// project status ID: its tasks by state, those overdue, progress, milestones.
int ProjectStatus(const Context& context, const Kind& kind, const Args& args) {
  if (args.positional.size() != 2) return Fail("project status", InvalidArgumentError("usage: project status ID"));
  const StatusOr<std::string> as_of = AsOf(args);
  if (!as_of.ok()) return Fail("project status", as_of.status());
  const std::string id = EntryId(kind, args.positional[1]);
  StatusOr<v1::RegisterEntry> project = GetEntry(context, kind, id);
  if (!project.ok()) return Fail("project status", project.status());
  StatusOr<std::vector<v1::RegisterEntry>> tasks = ListAll(context, **KindNamed("task"), {{"project", id}});
  StatusOr<std::vector<v1::RegisterEntry>> milestones = ListAll(context, **KindNamed("milestone"), {{"project", id}});
  if (!tasks.ok() || !milestones.ok()) return Fail("project status", !tasks.ok() ? tasks.status() : milestones.status());
  if (context.json) {
    v1::RegisterEntryList list;
    *list.add_entries() = *project;
    for (const auto* group : {&*tasks, &*milestones}) {
      for (const auto& e : *group) *list.add_entries() = e;
    }
    std::printf("%s\n", ToJson(list).c_str());
    return 0;
  }
  std::map<std::string, int> by_state;
  double progress = 0;
  Table overdue({"task", "title", "assignee", "due", "status", "progress"}, {0, 30});
  for (const v1::RegisterEntry& t : *tasks) {
    const std::string state = Text(t, "status").empty() ? "todo" : Text(t, "status");
    ++by_state[state];
    progress += state == "done" ? 100 : std::atof(Text(t, "progress").c_str());
    const std::string due = Text(t, "due_date");
    if (state != "done" && !due.empty() && due < *as_of) {
      overdue.AddRow({t.id(), t.title(), Text(t, "assignee"), due, state, Text(t, "progress") + "%"});
    }
  }
  std::printf("%s  %s  [%s]  owner %s  due %s\n", Text(*project, "code").c_str(), project->title().c_str(),
              Text(*project, "status").c_str(), Text(*project, "owner").c_str(), Text(*project, "due_date").c_str());
  std::string states;
  for (const char* s : {"todo", "doing", "blocked", "done"}) states += "  " + std::string(s) + " " + std::to_string(by_state[s]);
  std::printf("tasks %zu:%s\n", tasks->size(), states.c_str());
  if (!tasks->empty()) std::printf("progress %.0f%%\n", progress / static_cast<double>(tasks->size()));
  if (!overdue.empty()) {
    std::printf("overdue on %s:\n", as_of->c_str());
    overdue.Print();
  }
  if (!milestones->empty()) {
    Table table({"milestone", "title", "due", "reached"}, {0, 30});
    for (const auto& m : *milestones) table.AddRow({m.id(), m.title(), Text(m, "due_date"), Text(m, "reached_date")});
    table.Print();
  }
  return 0;
}

// staff show ID: the entry, then its training and appraisals.
int StaffShow(const Context& context, const Kind& kind, const Args& args) {
  if (args.positional.size() != 2) return Fail("staff show", InvalidArgumentError("usage: staff show ID"));
  const std::string id = EntryId(kind, args.positional[1]);
  StatusOr<v1::RegisterEntry> staff = GetEntry(context, kind, id);
  if (!staff.ok()) return Fail("staff show", staff.status());
  StatusOr<std::vector<v1::RegisterEntry>> training = ListAll(context, **KindNamed("training"), {{"staff", id}});
  StatusOr<std::vector<v1::RegisterEntry>> appraisals = ListAll(context, **KindNamed("appraisal"), {{"staff", id}});
  if (!training.ok() || !appraisals.ok()) {
    return Fail("staff show", !training.ok() ? training.status() : appraisals.status());
  }
  if (context.json) {
    v1::RegisterEntryList list;
    *list.add_entries() = *staff;
    for (const auto* group : {&*training, &*appraisals}) {
      for (const auto& e : *group) *list.add_entries() = e;
    }
    std::printf("%s\n", ToJson(list).c_str());
    return 0;
  }
  PrintEntry(context, kind, *staff);
  double hours = 0;
  Table t({"training", "course", "from", "to", "hours", "result"}, {0, 30});
  for (const auto& e : *training) {
    hours += std::atof(Text(e, "hours").c_str());
    t.AddRow({e.id(), e.title(), Text(e, "start_date"), Text(e, "end_date"), Text(e, "hours"), Text(e, "result")});
  }
  std::printf("\ntraining: %zu courses, %g hours\n", training->size(), hours);
  if (!t.empty()) t.Print();
  Table a({"appraisal", "period", "rating", "reviewer", "outcome"}, {0, 0, 0, 0, 40});
  for (const auto& e : *appraisals) {
    a.AddRow({e.id(), Text(e, "period"), Text(e, "rating"), Text(e, "reviewer"), Text(e, "outcome")});
  }
  std::printf("\nappraisals: %zu\n", appraisals->size());
  if (!a.empty()) a.Print();
  return 0;
}

// asset due: maintenance whose next date, and warranties whose end, fall by as-of + within
// (default 30 days); only each asset's latest maintenance counts.
int AssetDue(const Context& context, const Kind& kind, const Args& args) {
  const StatusOr<std::string> as_of = AsOf(args);
  const StatusOr<int> within = WithinDays(args, 30);
  if (!as_of.ok() || !within.ok()) return Fail("asset due", !as_of.ok() ? as_of.status() : within.status());
  const std::string horizon = AddDays(*as_of, *within);
  StatusOr<std::vector<v1::RegisterEntry>> assets = ListAll(context, kind, {});
  StatusOr<std::vector<v1::RegisterEntry>> work = ListAll(context, **KindNamed("maintenance"), {});
  if (!assets.ok() || !work.ok()) return Fail("asset due", !assets.ok() ? assets.status() : work.status());
  std::map<std::string, const v1::RegisterEntry*> latest;  // asset id -> its latest maintenance
  for (const auto& m : *work) {
    const v1::RegisterEntry*& slot = latest[Text(m, "asset")];
    if (slot == nullptr || Text(m, "date") >= Text(*slot, "date")) slot = &m;
  }
  Table table({"asset", "tag", "name", "due", "what", "in days"}, {0, 0, 30, 0, 40});
  v1::RegisterEntryList due;
  for (const auto& a : *assets) {
    if (Text(a, "status") == "disposed") continue;
    const auto days = [&](const std::string& date) {
      const StatusOr<int> d = DaysBetween(*as_of, date);
      return d.ok() ? std::to_string(*d) : std::string("?");
    };
    bool listed = false;
    if (const auto it = latest.find(a.id()); it != latest.end()) {
      const std::string next = Text(*it->second, "next_due");
      if (!next.empty() && next <= horizon) {
        table.AddRow({a.id(), Text(a, "tag"), a.title(), next, "maintenance (" + Text(*it->second, "kind") + ")", days(next)});
        listed = true;
      }
    }
    const std::string warranty = Text(a, "warranty_until");
    if (!warranty.empty() && warranty >= *as_of && warranty <= horizon) {
      table.AddRow({a.id(), Text(a, "tag"), a.title(), warranty, "warranty ends", days(warranty)});
      listed = true;
    }
    if (listed) *due.add_entries() = a;
  }
  if (context.json) {
    std::printf("%s\n", ToJson(due).c_str());
  } else if (table.empty()) {
    std::printf("nothing is due by %s\n", horizon.c_str());
  } else {
    std::printf("due by %s:\n", horizon.c_str());
    table.Print();
  }
  return 0;
}

// budget status [--year Y]: each budget line, what its expenses spent, what is left.
int BudgetStatus(const Context& context, const Kind& kind, const Args& args) {
  std::map<std::string, std::string> filters;
  if (const auto year = args.Get("year")) filters["year"] = *year;
  StatusOr<std::vector<v1::RegisterEntry>> budgets = ListAll(context, kind, filters);
  StatusOr<std::vector<v1::RegisterEntry>> expenses = ListAll(context, **KindNamed("expense"), {});
  if (!budgets.ok() || !expenses.ok()) return Fail("budget status", !budgets.ok() ? budgets.status() : expenses.status());
  std::map<std::string, std::int64_t> spent;  // budget id -> cents
  for (const auto& e : *expenses) {
    const StatusOr<std::int64_t> cents = registers::ParseAmount(Text(e, "amount"));
    if (!cents.ok()) return Fail("budget status", cents.status().Annotate(e.id()));
    spent[Text(e, "budget")] += *cents;
  }
  Table table({"budget", "year", "department", "line", "amount", "spent", "left", "used"}, {0, 0, 16, 24});
  std::int64_t total_amount = 0, total_spent = 0;
  for (const auto& b : *budgets) {
    const StatusOr<std::int64_t> amount = registers::ParseAmount(Text(b, "amount"));
    if (!amount.ok()) return Fail("budget status", amount.status().Annotate(b.id()));
    const std::int64_t used = spent[b.id()];
    total_amount += *amount;
    total_spent += used;
    char percent[16];
    std::snprintf(percent, sizeof percent, "%.1f%%", *amount == 0 ? 0.0 : 100.0 * static_cast<double>(used) / static_cast<double>(*amount));
    table.AddRow({b.id(), Text(b, "year"), Text(b, "department"), Text(b, "line"), registers::FormatAmount(*amount),
                  registers::FormatAmount(used), registers::FormatAmount(*amount - used),
                  std::string(percent) + (used > *amount ? " OVER" : "")});
  }
  if (context.json) {
    std::printf("{\"budgets\":%zu,\"amount\":\"%s\",\"spent\":\"%s\",\"left\":\"%s\"}\n", budgets->size(),
                registers::FormatAmount(total_amount).c_str(), registers::FormatAmount(total_spent).c_str(),
                registers::FormatAmount(total_amount - total_spent).c_str());
    return 0;
  }
  if (table.empty()) {
    std::printf("(no budgets)\n");
    return 0;
  }
  table.Print();
  std::printf("total: amount %s, spent %s, left %s\n", registers::FormatAmount(total_amount).c_str(),
              registers::FormatAmount(total_spent).c_str(), registers::FormatAmount(total_amount - total_spent).c_str());
  return 0;
}

// vacancy pipeline [ID]: candidates of each open vacancy (or of one) by stage.
int VacancyPipeline(const Context& context, const Kind& kind, const Args& args) {
  StatusOr<std::vector<v1::RegisterEntry>> vacancies = ListAll(context, kind, {});
  StatusOr<std::vector<v1::RegisterEntry>> candidates = ListAll(context, **KindNamed("candidate"), {});
  if (!vacancies.ok() || !candidates.ok()) {
    return Fail("vacancy pipeline", !vacancies.ok() ? vacancies.status() : candidates.status());
  }
  const std::string only = args.positional.size() > 1 ? EntryId(kind, args.positional[1]) : "";
  static const std::vector<std::string> kStages = {"applied", "screened", "interviewed", "offered", "hired", "rejected"};
  std::vector<std::string> headers = {"vacancy", "position", "department", "headcount"};
  headers.insert(headers.end(), kStages.begin(), kStages.end());
  Table table(headers, {0, 24, 16});
  v1::RegisterEntryList shown;
  for (const auto& v : *vacancies) {
    if (!only.empty() ? v.id() != only : (Text(v, "status") == "filled" || Text(v, "status") == "cancelled")) continue;
    std::map<std::string, int> by_stage;
    for (const auto& c : *candidates) {
      if (Text(c, "vacancy") == v.id()) ++by_stage[Text(c, "stage")];
    }
    std::vector<std::string> row = {v.id(), v.title(), Text(v, "department"), Text(v, "headcount")};
    for (const std::string& stage : kStages) row.push_back(std::to_string(by_stage[stage]));
    table.AddRow(std::move(row));
    *shown.add_entries() = v;
  }
  if (!only.empty() && shown.entries().empty()) return Fail("vacancy pipeline", NotFoundError("no vacancy " + only));
  if (context.json) {
    for (const auto& c : *candidates) {
      for (const auto& v : shown.entries()) {
        if (Text(c, "vacancy") == v.id()) *shown.add_entries() = c;
      }
    }
    std::printf("%s\n", ToJson(shown).c_str());
  } else if (table.empty()) {
    std::printf("(no open vacancies)\n");
  } else {
    table.Print();
  }
  return 0;
}

constexpr const char* kUsage =
    "usage: archivectl KIND add [--FIELD VALUE …] [--link DOC,…] [--file PATH]\n"
    "       archivectl KIND list [--FIELD VALUE …] [--limit N] [--all]\n"
    "       archivectl KIND show ID | history ID | update ID [--FIELD VALUE …] [--clear F,…] [--expect-revision N]\n"
    "       archivectl KIND link ID DOC | link ID --file PATH | unlink ID DOC\n"
    "reports: matter overdue [--within DAYS] [--as-of DATE] | matter chase ID --to WHO --note TEXT [--date D]\n"
    "         matter step ID --note TEXT [--date D] | project status ID [--as-of DATE] | staff show ID\n"
    "         asset due [--within DAYS] [--as-of DATE] | budget status [--year Y] | vacancy pipeline [ID]\n";

}  // namespace

std::vector<std::string> RegisterValueFlags() {
  std::vector<std::string> flags = {"link", "file", "within", "expect-revision", "clear"};
  for (const std::string& name : registers::AllFieldNames()) flags.push_back(FlagOf(name));
  return flags;
}

int RunRegister(const Context& context, const Args& args, const std::string& kind_name) {
  StatusOr<const Kind*> found = KindNamed(kind_name);
  if (!found.ok()) return Fail(kind_name, found.status());
  const Kind& kind = **found;
  if (args.positional.empty()) {
    std::fprintf(stderr, "%s", kUsage);
    return 1;
  }
  const std::string& verb = args.positional[0];
  const std::string what = kind.name + " " + verb;
  const auto need_id = [&](std::size_t n) { return args.positional.size() == n; };

  if (verb == "overdue" && kind.name == "matter") return MatterOverdue(context, kind, args);
  if (verb == "chase" && kind.name == "matter") return AddStep(context, kind, args, "chases");
  if (verb == "step" && kind.name == "matter") return AddStep(context, kind, args, "history");
  if (verb == "status" && kind.name == "project") return ProjectStatus(context, kind, args);
  if (verb == "show" && kind.name == "staff") return StaffShow(context, kind, args);
  if (verb == "due" && kind.name == "asset") return AssetDue(context, kind, args);
  if (verb == "status" && kind.name == "budget") return BudgetStatus(context, kind, args);
  if (verb == "pipeline" && kind.name == "vacancy") return VacancyPipeline(context, kind, args);

  if (verb == "add") {
    if (!need_id(1)) return Fail(what, InvalidArgumentError("add takes no positional arguments; fields are --flags"));
    StatusOr<google::protobuf::Struct> fields = FieldsFromFlags(kind, args, false);
    if (!fields.ok()) return Fail(what, fields.status());
    v1::RegisterEntryInput input;
    *input.mutable_fields() = *fields;
    for (const std::string& link : SplitList(args.Get("link").value_or(""))) input.add_links(link);
    if (const auto file = args.Get("file")) {
      const auto title = fields->fields().find(kind.title_field);
      StatusOr<std::string> filed =
          FileForEntry(context, kind, *file, title == fields->fields().end() ? "" : title->second.string_value());
      if (!filed.ok()) return Fail(what, filed.status());
      input.add_links(*filed);
    }
    StatusOr<Response> r = context.NewClient().Call("POST", EntriesPath(kind), ToJson(input), "application/json");
    if (!r.ok()) return Fail(what, r.status());
    return PrintAnswer(context, kind, *r, "added");
  }
  if (verb == "list") {
    if (!need_id(1)) return Fail(what, InvalidArgumentError("filters are --FIELD VALUE flags"));
    std::map<std::string, std::string> filters;
    StatusOr<google::protobuf::Struct> fields = FieldsFromFlags(kind, args, false);
    if (!fields.ok()) return Fail(what, fields.status());
    for (const auto& [name, value] : args.flags) {
      if (OwnFlags().count(name) == 0) {
        std::string field = name;
        std::replace(field.begin(), field.end(), '-', '_');
        filters[field] = value;
      }
    }
    if (args.Has("all")) {
      StatusOr<std::vector<v1::RegisterEntry>> all = ListAll(context, kind, filters);
      if (!all.ok()) return Fail(what, all.status());
      if (context.json) {
        v1::RegisterEntryList list;
        for (auto& e : *all) *list.add_entries() = std::move(e);
        std::printf("%s\n", ToJson(list).c_str());
      } else {
        PrintEntries(kind, *all);
      }
      return 0;
    }
    std::string query = "?limit=" + Escape(args.Get("limit").value_or("50"));
    for (const auto& [name, value] : filters) query += "&" + Escape(name) + "=" + Escape(value);
    return CallAndPrint<v1::RegisterEntryList>(context, what, "GET", EntriesPath(kind) + query, "",
                                               [&](const v1::RegisterEntryList& list) {
                                                 PrintEntries(kind, {list.entries().begin(), list.entries().end()});
                                                 if (!list.next_cursor().empty()) std::printf("(more: --all)\n");
                                                 return 0;
                                               });
  }
  if (args.positional.size() < 2) {
    std::fprintf(stderr, "%s", kUsage);
    return 1;
  }
  const std::string id = EntryId(kind, args.positional[1]);
  const std::string path = EntriesPath(kind) + "/" + Escape(id);
  if (verb == "show" && need_id(2)) {
    return CallAndPrint<v1::RegisterEntry>(context, what, "GET", path, "", [&](const v1::RegisterEntry& e) {
      PrintEntry(context, kind, e);
      return 0;
    });
  }
  if (verb == "history" && need_id(2)) {
    return CallAndPrint<v1::RegisterEntryList>(context, what, "GET", path + "/history", "",
                                               [&](const v1::RegisterEntryList& list) {
                                                 Table table({"revision", "time", "by", "change"}, {0, 0, 0, 80});
                                                 for (const auto& e : list.entries()) {
                                                   table.AddRow({std::to_string(e.revision()),
                                                                 FormatRfc3339(v1::TimeOf(e.modified_time())).substr(0, 19),
                                                                 e.modified_by(), e.change()});
                                                 }
                                                 table.Print();
                                                 return 0;
                                               });
  }
  if (verb == "update" && need_id(2)) {
    StatusOr<google::protobuf::Struct> fields = FieldsFromFlags(kind, args, true);
    if (!fields.ok()) return Fail(what, fields.status());
    if (fields->fields().empty()) return Fail(what, InvalidArgumentError("give the fields to change as --FIELD VALUE"));
    v1::RegisterEntryInput input;
    *input.mutable_fields() = *fields;
    // A bad number must not become 0 ("any revision") without a word.
    StatusOr<std::uint32_t> expected = WholeNumberFlag(args, "expect-revision");
    if (!expected.ok()) return Fail(what, expected.status());
    input.set_expected_revision(*expected);
    StatusOr<Response> r = context.NewClient().Call("PATCH", path, ToJson(input), "application/json");
    if (!r.ok()) return Fail(what, r.status());
    return PrintAnswer(context, kind, *r, "changed");
  }
  if (verb == "link" && (need_id(3) || (need_id(2) && args.Has("file")))) {
    std::string document = need_id(3) ? args.positional[2] : "";
    if (const auto file = args.Get("file")) {
      StatusOr<v1::RegisterEntry> entry = GetEntry(context, kind, id);
      if (!entry.ok()) return Fail(what, entry.status());
      StatusOr<std::string> filed = FileForEntry(context, kind, *file, "");
      if (!filed.ok()) return Fail(what, filed.status());
      document = *filed;
    }
    v1::RegisterLink link;
    link.set_document_id(document);
    StatusOr<Response> r = context.NewClient().Call("POST", path + "/links", ToJson(link), "application/json");
    if (!r.ok()) return Fail(what, r.status());
    return PrintAnswer(context, kind, *r, "linked");
  }
  if (verb == "unlink" && need_id(3)) {
    StatusOr<Response> r = context.NewClient().Call("DELETE", path + "/links/" + Escape(args.positional[2]));
    if (!r.ok()) return Fail(what, r.status());
    return PrintAnswer(context, kind, *r, "unlinked");
  }
  std::fprintf(stderr, "archivectl: %s: unknown command or wrong arguments\n%s", what.c_str(), kUsage);
  return 1;
}

}  // namespace archived::client
