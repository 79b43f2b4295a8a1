// archivectl search QUERY…: full-text search, one hit per paragraph with its snippet.
#include <unistd.h>

#include <cstdio>

#include "archived/v1/search.pb.h"
#include "client/cli.h"

namespace archived::client {
namespace {

// The API's snippet is HTML: matches inside <mark>, text escaped. On a terminal the matches
// are bold; elsewhere they are wrapped in ** so that they survive a pipe.
std::string RenderSnippet(std::string_view html, bool terminal) {
  const std::string open = terminal ? "\x1b[1m" : "**";
  const std::string close = terminal ? "\x1b[0m" : "**";
  static const std::pair<std::string_view, std::string_view> kEntities[] = {
      {"<mark>", ""}, {"</mark>", ""}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&quot;", "\""}, {"&#39;", "'"}};
  std::string out;
  std::size_t i = 0;
  while (i < html.size()) {
    bool replaced = false;
    for (const auto& [from, to] : kEntities) {
      if (html.substr(i, from.size()) == from) {
        out += from == "<mark>" ? open : from == "</mark>" ? close : std::string(to);
        i += from.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) {
      const char c = html[i++];
      out.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
    }
  }
  return out;
}

std::string Facet(const google::protobuf::RepeatedPtrField<v1::FacetCount>& counts) {
  std::string out;
  for (const auto& f : counts) out += (out.empty() ? "" : ", ") + f.value() + " (" + std::to_string(f.count()) + ")";
  return out.empty() ? "-" : out;
}

}  // namespace

int RunSearch(const Context& context, const Args& args) {
  if (args.positional.empty()) {
    return Fail("search", InvalidArgumentError("usage: archivectl search QUERY… [--category C] [--type T] "
                                               "[--from DATE] [--to DATE] [--sort relevance|date] [--limit N] [--offset N]"));
  }
  std::string query;
  for (const std::string& word : args.positional) query += (query.empty() ? "" : " ") + word;
  std::string target = "/api/v1/search?q=" + Escape(query);
  for (const char* name : {"category", "type", "from", "to", "sort", "limit", "offset"}) {
    if (auto value = args.Get(name)) target += std::string("&") + name + "=" + Escape(*value);
  }
  StatusOr<Response> r = context.NewClient().Call("GET", target);
  StatusOr<v1::SearchResponse> result = r.ok() ? ParseBody<v1::SearchResponse>(*r) : StatusOr<v1::SearchResponse>(r.status());
  if (!result.ok()) return Fail("search \"" + query + "\"", result.status());
  if (context.json) {
    std::printf("%s\n", r->body.c_str());
    return 0;
  }
  const bool terminal = ::isatty(STDOUT_FILENO) != 0;
  std::printf("%u %s for \"%s\"\n", result->estimated_total(), result->estimated_total() == 1 ? "match" : "matches",
              query.c_str());
  std::uint32_t rank = result->offset();
  for (const v1::SearchHit& hit : result->hits()) {
    // A register entry has no reference code: its kind stands there ("[matter]").
    const std::string code = hit.register_kind().empty() ? hit.reference_code() : "[" + hit.register_kind() + "]";
    std::printf("\n%3u. %s  %s\n     %s · %s · %s · id %s · score %u\n", ++rank, code.c_str(), hit.title().c_str(),
                hit.category().c_str(), hit.type().c_str(), hit.date().c_str(), hit.id().c_str(), hit.score());
    if (!hit.snippet().empty()) std::printf("     %s\n", RenderSnippet(hit.snippet(), terminal).c_str());
  }
  if (result->hits_size() > 0 && rank < result->estimated_total()) {
    std::printf("\n(more: --offset %u)\n", rank);
  }
  const v1::SearchFacets& f = result->facets();
  std::printf("\ncategory: %s\nyear:     %s\ntype:     %s\n", Facet(f.category()).c_str(), Facet(f.year()).c_str(),
              Facet(f.type()).c_str());
  return 0;
}

}  // namespace archived::client
