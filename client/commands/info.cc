// archivectl info ID and archivectl versions ID: a document's metadata and its versions.
#include <cstdio>

#include <google/protobuf/util/time_util.h>

#include "client/cli.h"
#include "archived/v1/api.pb.h"

namespace archived::client {
namespace {

void PrintVersions(const google::protobuf::RepeatedPtrField<v1::Version>& versions) {
  std::printf("%-4s %-12s %-25s %-10s %-20s %s\n", "VER", "SIZE", "CREATED", "BY", "SHA256", "FILENAME");
  for (const auto& v : versions) {
    const std::string created = google::protobuf::util::TimeUtil::ToString(v.created_time()).substr(0, 19);
    std::printf("%-4u %-12s %-25s %-10s %.16s…   %s\n", v.version(), HumanBytes(v.size()).c_str(), created.c_str(),
                v.author().c_str(), v.sha256().c_str(), v.filename().c_str());
  }
}

}  // namespace

int RunInfo(const Context& context, const Args& args) {
  if (args.positional.size() != 1) return Fail("info", InvalidArgumentError("usage: archivectl info ID"));
  const std::string& id = args.positional[0];
  StatusOr<Response> r = context.NewClient().Call("GET", "/api/v1/documents/" + Escape(id));
  StatusOr<v1::DocumentDetail> detail = r.ok() ? ParseBody<v1::DocumentDetail>(*r) : StatusOr<v1::DocumentDetail>(r.status());
  if (!detail.ok()) return Fail("info " + id, detail.status());
  if (context.json) {
    std::printf("%s\n", r->body.c_str());
    return 0;
  }
  const v1::Document& d = detail->document();
  std::string tags;
  for (const auto& t : d.tags()) tags += (tags.empty() ? "" : ", ") + t;
  std::printf("id:              %s\nreference code:  %s\ntitle:           %s\ncategory:        %s\n"
              "author:          %s\ndate:            %s\ntags:            %s\nfiled:           %s by %s\n"
              "modified:        %s\nlatest version:  %u\n\n",
              d.id().c_str(), d.reference_code().c_str(), d.title().c_str(), d.category().c_str(),
              d.author().c_str(), d.date().c_str(), tags.c_str(),
              google::protobuf::util::TimeUtil::ToString(d.filed_time()).c_str(), d.filed_by().c_str(),
              google::protobuf::util::TimeUtil::ToString(d.modified_time()).c_str(), d.latest_version());
  if (!d.extraction().empty()) std::printf("extraction:      %s\n\n", d.extraction().c_str());
  PrintVersions(detail->versions());
  return 0;
}

int RunVersions(const Context& context, const Args& args) {
  if (args.positional.size() != 1) return Fail("versions", InvalidArgumentError("usage: archivectl versions ID"));
  const std::string& id = args.positional[0];
  StatusOr<Response> r = context.NewClient().Call("GET", "/api/v1/documents/" + Escape(id) + "/versions");
  StatusOr<v1::VersionList> list = r.ok() ? ParseBody<v1::VersionList>(*r) : StatusOr<v1::VersionList>(r.status());
  if (!list.ok()) return Fail("versions " + id, list.status());
  if (context.json) {
    std::printf("%s\n", r->body.c_str());
    return 0;
  }
  PrintVersions(list->versions());
  return 0;
}

int RunLs(const Context& context, const Args& args) {
  if (!args.positional.empty()) return Fail("ls", InvalidArgumentError("usage: archivectl ls [--category C] [--limit N] [--all]"));
  HttpClient client = context.NewClient();
  std::string cursor = args.Get("cursor").value_or("");
  const std::string limit = args.Get("limit").value_or("50");
  bool header = false;
  do {
    std::string target = "/api/v1/documents?limit=" + Escape(limit);
    if (auto c = args.Get("category")) target += "&category=" + Escape(*c);
    if (!cursor.empty()) target += "&cursor=" + Escape(cursor);
    StatusOr<Response> r = client.Call("GET", target);
    StatusOr<v1::DocumentList> page = r.ok() ? ParseBody<v1::DocumentList>(*r) : StatusOr<v1::DocumentList>(r.status());
    if (!page.ok()) return Fail("ls", page.status());
    if (context.json) {
      std::printf("%s\n", r->body.c_str());
    } else {
      if (!header) std::printf("%-26s %-24s %-4s %-12s %s\n", "REFERENCE CODE", "ID", "VER", "CATEGORY", "TITLE");
      header = true;
      for (const auto& d : page->documents()) {
        std::printf("%-26s %-24s %-4u %-12s %s\n", d.reference_code().c_str(), d.id().c_str(), d.latest_version(),
                    d.category().c_str(), d.title().c_str());
      }
      if (!page->next_cursor().empty() && !args.Has("all")) {
        std::printf("(more: archivectl ls --cursor %s%s, or --all)\n", page->next_cursor().c_str(),
                    args.Has("category") ? (" --category " + *args.Get("category")).c_str() : "");
      }
    }
    cursor = args.Has("all") ? page->next_cursor() : "";
  } while (!cursor.empty());
  return 0;
}

}  // namespace archived::client
