// json_bench: the JSON writer on a search answer (20 hits with snippets and facets: what
// every search request serializes), in English and in Chinese, and UTF-8 validation.
//   json_bench [--benchmark_filter=…]
#include <benchmark/benchmark.h>

#include <string>

#include "archived/base/text.h"
#include "archived/http/json.h"
#include "archived/v1/search.pb.h"

namespace {

archived::v1::SearchResponse Answer(const std::string& words) {
  archived::v1::SearchResponse answer;
  for (int i = 0; i < 20; ++i) {
    archived::v1::SearchHit* hit = answer.add_hits();
    hit->set_id("0f3c2a9e-" + std::to_string(1000 + i));
    hit->set_reference_code("Z001-2026-D30-BGS-" + std::to_string(1000 + i));
    hit->set_title(words.substr(0, 60));
    std::string snippet;
    while (snippet.size() < 240) snippet += words;
    snippet.insert(snippet.size() / 2, "<mark>");
    snippet += "</mark>";
    hit->set_snippet(snippet);
    hit->set_score(90 - i);
    hit->set_date("2026-11-24");
    hit->set_category("BGS/HR");
    hit->set_type("html");
    hit->set_author("records office");
    hit->set_version(1);
    hit->set_filename("document-" + std::to_string(i) + ".html");
  }
  answer.set_estimated_total(1234);
  for (const char* c : {"BGS", "BGS/HR", "CW", "XZ"}) {
    archived::v1::FacetCount* f = answer.mutable_facets()->add_category();
    f->set_value(c);
    f->set_count(17);
  }
  return answer;
}

const std::string kEnglish =
    "The records officer files each \"document\" into the file plan, with a reference code; ";
const std::string kChinese = "办公室主任负责文件管理、档案的归档与销毁，并对承办事项进行催办。";

void BM_SearchAnswerToJson(benchmark::State& state, const std::string& words) {
  const archived::v1::SearchResponse answer = Answer(words);
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string json = archived::http::ToJson(answer);
    bytes += json.size();
    benchmark::DoNotOptimize(json);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK_CAPTURE(BM_SearchAnswerToJson, english, kEnglish);
BENCHMARK_CAPTURE(BM_SearchAnswerToJson, chinese, kChinese);

void BM_IsValidUtf8(benchmark::State& state, const std::string& words) {
  std::string text;
  while (text.size() < 16384) text += words;
  for (auto _ : state) benchmark::DoNotOptimize(archived::IsValidUtf8(text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK_CAPTURE(BM_IsValidUtf8, english, kEnglish);
BENCHMARK_CAPTURE(BM_IsValidUtf8, chinese, kChinese);

}  // namespace

BENCHMARK_MAIN();
