// search_bench: the tools of scripts/bench/search.sh, each a peer or a load in one run:
//   search_bench file URL TOKEN CLIENTS LIST          files every path in LIST over HTTP
//   search_bench extract LIST OUTDIR                  the text archived extracts, one .txt each
//   search_bench xapian TEXTDIR DBDIR [COMMIT_EVERY]  peer: plain single-threaded Xapian indexing
//   search_bench queries TEXTDIR COUNT OUT            1–3 words of a random document, per query
//   search_bench sqlite-build TEXTDIR DB              peer: SQLite FTS5 (unicode61; Chinese as
//                                                     two-character tokens) over the text
//   search_bench sqlite-query DB QUERIES THREADS      peer: BM25 top 20 for every query
//   search_bench http-query URL TOKEN QUERIES CLIENTS [PARAMS]
//                                                     GET /api/v1/search?q=…[&PARAMS] for every query
//   search_bench lag URL TOKEN COUNT RATE             filing-to-searchable time at RATE docs/s
//   search_bench xapian-query INDEXDIR QUERIES THREADS
//                                                     bound: the index's shards, parsed query, top 20
//                                                     ids; no stored fields, snippets, facets or HTTP
//   search_bench index-query INDEXDIR QUERIES THREADS [FACETS]
//                                                     SearchIndex::Search in process (no HTTP), with
//                                                     facets unless FACETS is 0: the query's own cost
// Each prints one line of "key=value" results.
#include <sqlite3.h>
#include <xapian.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "indexer/extract/extract.h"
#include "indexer/index/search_index.h"
#include "tests/bench/read_file.h"

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::vector<fs::path> TextFiles(const std::string& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

double Seconds(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(ch);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

struct Latencies {
  std::mutex mutex;
  std::vector<double> ms;
  void Add(const std::vector<double>& more) {
    std::lock_guard lock(mutex);
    ms.insert(ms.end(), more.begin(), more.end());
  }
  std::string Summary(double seconds) {
    std::sort(ms.begin(), ms.end());
    const auto at = [&](double q) { return ms.empty() ? 0.0 : ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * ms.size()))]; };
    char line[256];
    std::snprintf(line, sizeof line, "queries=%zu seconds=%.3f per_second=%.0f p50_ms=%.3f p99_ms=%.3f", ms.size(), seconds,
                  ms.size() / seconds, at(0.50), at(0.99));
    return line;
  }
};

// Runs each query once, spread over `threads` threads. Each thread makes its own answerer
// (make_answerer()), called with a query and returning how many hits it found; only that
// call is timed. Returns the latency summary with the hits and the queries that found none.
template <typename MakeAnswerer>
std::string TimeQueries(const std::vector<std::string>& queries, int threads, MakeAnswerer make_answerer) {
  Latencies latencies;
  std::atomic<std::size_t> next{0}, hits{0}, no_hits{0};
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      auto answer = make_answerer();
      std::vector<double> mine;
      for (std::size_t i = next++; i < queries.size(); i = next++) {
        const auto t0 = Clock::now();
        const std::size_t found = answer(queries[i]);
        mine.push_back(Seconds(t0) * 1000);
        hits += found;
        no_hits += found == 0;
      }
      latencies.Add(mine);
    });
  }
  for (auto& t : pool) t.join();
  return latencies.Summary(Seconds(start)) + " hits=" + std::to_string(hits.load()) +
         " no_hits=" + std::to_string(no_hits.load());
}

// An HTTP/1.1 keep-alive client on one connection.
class Connection {
 public:
  Connection(const std::string& url) {
    const std::string hostport = url.substr(url.find("//") + 2);
    host_ = hostport;
    stream_.connect(net::ip::tcp::resolver(ioc_).resolve(hostport.substr(0, hostport.find(':')),
                                                          hostport.substr(hostport.find(':') + 1)));
  }
  bhttp::response<bhttp::string_body> Send(bhttp::request<bhttp::string_body>& req) {
    req.set(bhttp::field::host, host_);
    req.keep_alive(true);
    req.prepare_payload();
    bhttp::write(stream_, req);
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream_, buffer_, res);
    return res;
  }

 private:
  net::io_context ioc_;
  beast::tcp_stream stream_{ioc_};
  beast::flat_buffer buffer_;
  std::string host_;
};

int File(const std::string& url, const std::string& token, int clients, const std::string& list) {
  const std::vector<std::string> paths = ReadLines(list);
  std::atomic<std::size_t> next{0}, failed{0}, bytes{0};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      Connection conn(url);
      for (std::size_t i = next++; i < paths.size(); i = next++) {
        const fs::path path(paths[i]);
        bhttp::request<bhttp::string_body> req{bhttp::verb::post,
                                               "/api/v1/documents?filename=" + UrlEncode(path.filename().string()), 11};
        req.set(bhttp::field::authorization, "Bearer " + token);
        req.set(bhttp::field::content_type, "application/octet-stream");
        req.body() = archived::bench::ReadWholeFile(path);
        bytes += req.body().size();
        const auto res = conn.Send(req);
        if (res.result_int() != 201 && failed++ < 3) {
          std::fprintf(stderr, "%s: HTTP %d %s\n", paths[i].c_str(), res.result_int(), res.body().c_str());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = Seconds(start);
  std::printf("file documents=%zu bytes=%zu seconds=%.3f per_second=%.0f failed=%zu\n", paths.size(), bytes.load(),
              seconds, paths.size() / seconds, failed.load());
  return failed == 0 ? 0 : 1;
}

int Extract(const std::string& list, const std::string& out_dir, const std::string& helper) {
  const std::vector<std::string> paths = ReadLines(list);
  fs::create_directories(out_dir);
  archived::extract::ExtractLimits limits;
  limits.helper = helper;
  std::size_t text_bytes = 0, failed = 0;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const std::string content = archived::bench::ReadWholeFile(paths[i]);
    const auto type = archived::extract::DetectContentType("application/octet-stream", paths[i], content.substr(0, 4096));
    auto text = archived::extract::ExtractText(content, true, type, limits);
    if (!text.ok()) {
      ++failed;
      continue;
    }
    char name[32];
    std::snprintf(name, sizeof name, "/%06zu.txt", i);
    std::ofstream(out_dir + name, std::ios::binary) << text->text;
    text_bytes += text->text.size();
  }
  std::printf("extract documents=%zu text_bytes=%zu failed=%zu\n", paths.size(), text_bytes, failed);
  return 0;
}

int XapianBaseline(const std::string& text_dir, const std::string& db_dir, std::size_t commit_every) {
  const std::vector<fs::path> files = TextFiles(text_dir);
  std::vector<std::string> texts;
  std::size_t bytes = 0;
  for (const auto& f : files) {
    texts.push_back(archived::bench::ReadWholeFile(f));
    bytes += texts.back().size();
  }
  const auto start = Clock::now();
  Xapian::WritableDatabase db(db_dir, Xapian::DB_CREATE_OR_OVERWRITE);
  Xapian::TermGenerator tg;
  tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
  tg.set_stemmer(Xapian::Stem("en"));
  tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    Xapian::Document doc;
    tg.set_document(doc);
    tg.index_text(texts[i]);
    doc.add_boolean_term("Q" + std::to_string(i));
    db.replace_document("Q" + std::to_string(i), doc);
    if (commit_every > 0 && (i + 1) % commit_every == 0) db.commit();
  }
  db.commit();
  const double seconds = Seconds(start);
  std::printf("xapian documents=%zu text_bytes=%zu seconds=%.3f mb_per_second=%.2f commit_every=%zu\n", texts.size(), bytes,
              seconds, bytes / 1e6 / seconds, commit_every);
  return 0;
}

bool IsCjkLead(const std::string& s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0xE3 || c > 0xE9 || i + 2 >= s.size()) return false;  // U+3000–U+9FFF
  const char32_t cp = ((c & 0x0F) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3F) << 6) |
                      (static_cast<unsigned char>(s[i + 2]) & 0x3F);
  return cp >= 0x4E00 && cp <= 0x9FFF;
}

// Words of a text: English words of 3–12 letters (lower case) and Chinese two-character words.
std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> out;
  std::string word;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    const char c = i < text.size() ? text[i] : ' ';
    if (std::isalpha(static_cast<unsigned char>(c))) {
      word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      continue;
    }
    if (word.size() >= 3 && word.size() <= 12) out.push_back(word);
    word.clear();
    if (i + 5 < text.size() && IsCjkLead(text, i) && IsCjkLead(text, i + 3)) {
      out.push_back(text.substr(i, 6));
      i += 2;
    }
  }
  return out;
}

// What a clerk types to find a document: one to three of its words, skipping words found in
// more than a tenth of the corpus (the, and, file …). 30% of the queries come from documents
// with Chinese text and use Chinese words.
int Queries(const std::string& text_dir, std::size_t count, const std::string& out) {
  const std::vector<fs::path> files = TextFiles(text_dir);
  std::unordered_map<std::string, std::size_t> df;
  std::vector<std::vector<std::string>> english_docs, chinese_docs;
  for (const auto& f : files) {
    const std::vector<std::string> words = Words(archived::bench::ReadWholeFile(f));
    std::set<std::string> unique(words.begin(), words.end());
    for (const auto& w : unique) ++df[w];
    std::vector<std::string> en, zh;
    for (const auto& w : unique) ((static_cast<unsigned char>(w[0]) >= 0x80) ? zh : en).push_back(w);
    if (!en.empty()) english_docs.push_back(std::move(en));
    if (!zh.empty()) chinese_docs.push_back(std::move(zh));
  }
  const std::size_t too_common = files.size() / 10;
  std::mt19937 rng(20261124);
  std::ofstream o(out);
  std::size_t chinese = 0;
  for (std::size_t q = 0; q < count; ++q) {
    const bool zh = !chinese_docs.empty() && rng() % 10 < 3;
    const auto& docs = zh ? chinese_docs : english_docs;
    const auto& words = docs[rng() % docs.size()];
    const std::size_t want = 1 + rng() % 3;
    std::string line;
    for (std::size_t tries = 0, got = 0; got < want && tries < 50; ++tries) {
      const std::string& w = words[rng() % words.size()];
      if (df[w] > too_common || line.find(w) != std::string::npos) continue;
      line += (line.empty() ? "" : " ") + w;
      ++got;
    }
    if (line.empty()) {
      --q;
      continue;
    }
    chinese += zh;
    o << line << "\n";
  }
  std::printf("queries count=%zu chinese=%zu documents=%zu\n", count, chinese, files.size());
  return 0;
}

void Check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    std::fprintf(stderr, "sqlite %s: %s\n", what, sqlite3_errmsg(db));
    std::exit(2);
  }
}

// unicode61 keeps a run of Chinese characters as one token, so a Chinese word would find
// only a document whose whole run is that word. The peer therefore splits each run into
// overlapping two-character tokens, as Xapian's CJK n-grams do (a lone character stays one),
// in the text and in the query: "文件管理" becomes the phrase "文件 件管 管理".
std::string CjkBigrams(const std::string& text) {
  std::string out;
  out.reserve(text.size() + text.size() / 2);
  std::size_t i = 0;
  while (i < text.size()) {
    if (!IsCjkLead(text, i)) {
      out.push_back(text[i++]);
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && IsCjkLead(text, end)) end += 3;
    out.push_back(' ');
    if (end - i == 3) {
      out.append(text, i, 3);
    } else {
      for (std::size_t c = i; c + 3 < end; c += 3) {
        out.append(text, c, 6);
        out.push_back(' ');
      }
    }
    out.push_back(' ');
    i = end;
  }
  return out;
}

int SqliteBuild(const std::string& text_dir, const std::string& path) {
  fs::remove(path);
  sqlite3* db = nullptr;
  Check(sqlite3_open(path.c_str(), &db), db, "open");
  Check(sqlite3_exec(db, "CREATE VIRTUAL TABLE docs USING fts5(body, tokenize='unicode61');",
                     nullptr, nullptr, nullptr), db, "create");
  std::size_t bytes = 0, n = 0;
  const auto start = Clock::now();
  Check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
  sqlite3_stmt* insert = nullptr;
  Check(sqlite3_prepare_v2(db, "INSERT INTO docs(rowid, body) VALUES (?1, ?2)", -1, &insert, nullptr), db, "prepare");
  for (const auto& f : TextFiles(text_dir)) {
    const std::string original = archived::bench::ReadWholeFile(f);
    bytes += original.size();
    const std::string text = CjkBigrams(original);
    sqlite3_bind_int64(insert, 1, static_cast<sqlite3_int64>(++n));
    sqlite3_bind_text(insert, 2, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
    Check(sqlite3_step(insert), db, "insert");
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  Check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
  std::printf("sqlite-build documents=%zu text_bytes=%zu seconds=%.3f mb_per_second=%.2f\n", n, bytes, Seconds(start),
              bytes / 1e6 / Seconds(start));
  sqlite3_close(db);
  return 0;
}

int SqliteQuery(const std::string& path, const std::string& query_file, int threads) {
  struct Answerer {
    sqlite3* db = nullptr;
    sqlite3_stmt* stmt = nullptr;
    Answerer(const std::string& path) {
      Check(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr), db, "open");
      Check(sqlite3_prepare_v2(db, "SELECT rowid, bm25(docs) AS r FROM docs WHERE docs MATCH ?1 ORDER BY r LIMIT 20", -1,
                               &stmt, nullptr), db, "prepare");
    }
    Answerer(const Answerer&) = delete;  // returned by guaranteed elision, never copied
    ~Answerer() {
      sqlite3_finalize(stmt);
      sqlite3_close(db);
    }
    std::size_t operator()(const std::string& query) {
      std::string match;
      std::istringstream words(query);
      for (std::string w; words >> w;) match += (match.empty() ? "\"" : " \"") + CjkBigrams(w) + "\"";
      sqlite3_bind_text(stmt, 1, match.c_str(), -1, SQLITE_TRANSIENT);
      std::size_t found = 0;
      while (sqlite3_step(stmt) == SQLITE_ROW) ++found;
      sqlite3_reset(stmt);
      return found;
    }
  };
  const std::string summary = TimeQueries(ReadLines(query_file), threads, [&] { return Answerer(path); });
  std::printf("sqlite-query %s threads=%d\n", summary.c_str(), threads);
  return 0;
}

int HttpQuery(const std::string& url, const std::string& token, const std::string& query_file, int clients,
              const std::string& params) {
  std::atomic<std::size_t> failed{0};
  const std::string summary = TimeQueries(ReadLines(query_file), clients, [&] {
    return [&, conn = std::make_shared<Connection>(url)](const std::string& query) -> std::size_t {
      bhttp::request<bhttp::string_body> req{
          bhttp::verb::get, "/api/v1/search?q=" + UrlEncode(query) + (params.empty() ? "" : "&" + params), 11};
      req.set(bhttp::field::authorization, "Bearer " + token);
      const auto res = conn->Send(req);
      if (res.result_int() != 200) {
        if (failed++ < 3) std::fprintf(stderr, "%s: HTTP %d %s\n", query.c_str(), res.result_int(), res.body().c_str());
        return 0;
      }
      std::size_t hits = 0;  // each hit is an object that begins with its id
      for (std::size_t at = res.body().find("{\"id\":"); at != std::string::npos; at = res.body().find("{\"id\":", at + 1)) ++hits;
      return hits;
    };
  });
  std::printf("http-query %s clients=%d params=%s failed=%zu\n", summary.c_str(), clients, params.empty() ? "-" : params.c_str(),
              failed.load());
  return failed == 0 ? 0 : 1;
}

// The least a query can cost with Xapian: the index's shards as one database, the query
// parsed with the index's flags (CJK n-grams, English stems, AND), the top 20 ids ranked by
// BM25; no stored fields, snippets, facets or HTTP. An upper bound on any answer's rate.
int XapianQuery(const std::string& dir, const std::string& query_file, int threads) {
  std::vector<std::string> shards;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().starts_with("shard-")) shards.push_back(entry.path().string());
  }
  const std::string summary = TimeQueries(ReadLines(query_file), threads, [&] {
    Xapian::Database db;
    for (const std::string& shard : shards) db.add_database(Xapian::Database(shard));
    Xapian::QueryParser parser;
    parser.set_database(db);
    parser.set_stemmer(Xapian::Stem("en"));
    parser.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    parser.set_default_op(Xapian::Query::OP_AND);
    return [db, parser](const std::string& query) mutable {
      Xapian::Enquire enquire(db);
      enquire.set_query(parser.parse_query(query, Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_CJK_NGRAM));
      return static_cast<std::size_t>(enquire.get_mset(0, 20).size());
    };
  });
  std::printf("xapian-query %s threads=%d\n", summary.c_str(), threads);
  return 0;
}

int IndexQuery(const std::string& dir, const std::string& query_file, int threads, bool facets) {
  auto index = archived::index::SearchIndex::Open({.path = dir});
  if (!index.ok()) {
    std::fprintf(stderr, "%s\n", index.status().ToString().c_str());
    return 2;
  }
  std::atomic<std::size_t> failed{0};
  const std::string summary = TimeQueries(ReadLines(query_file), threads, [&] {
    return [&](const std::string& query) -> std::size_t {
      auto answer = (*index)->Search({.query = query, .facets = facets});
      if (answer.ok()) return static_cast<std::size_t>(answer->hits_size());
      if (failed++ < 3) std::fprintf(stderr, "%s: %s\n", query.c_str(), answer.status().ToString().c_str());
      return 0;
    };
  });
  std::printf("index-query %s threads=%d facets=%d failed=%zu\n", summary.c_str(), threads, facets ? 1 : 0, failed.load());
  return failed == 0 ? 0 : 1;
}

// Search lag at normal load: files COUNT small documents, one every 1/RATE s, each with a
// word of its own, and polls the search until each is found.
int Lag(const std::string& url, const std::string& token, int count, double rate) {
  Connection conn(url);
  std::vector<double> lags;
  std::mt19937_64 rng(std::random_device{}());
  for (int i = 0; i < count; ++i) {
    const auto started = Clock::now();
    const std::string word = "lagprobe" + std::to_string(rng() % 1000000000000ull);
    bhttp::request<bhttp::string_body> post{bhttp::verb::post, "/api/v1/documents?title=lag&filename=lag.txt", 11};
    post.set(bhttp::field::authorization, "Bearer " + token);
    post.set(bhttp::field::content_type, "text/plain");
    post.body() = "A note for the lag probe: " + word + "\n";
    if (conn.Send(post).result_int() != 201) return 1;
    const auto filed = Clock::now();
    for (;;) {
      bhttp::request<bhttp::string_body> get{bhttp::verb::get, "/api/v1/search?q=" + word, 11};
      get.set(bhttp::field::authorization, "Bearer " + token);
      if (conn.Send(get).body().find("\"estimated_total\":1") != std::string::npos) break;
      if (Seconds(filed) > 30) return 1;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    lags.push_back(Seconds(filed) * 1000);
    const double pause = 1.0 / rate - Seconds(started);
    if (pause > 0) std::this_thread::sleep_for(std::chrono::duration<double>(pause));
  }
  std::sort(lags.begin(), lags.end());
  std::printf("lag documents=%d rate=%.0f p50_ms=%.1f max_ms=%.1f\n", count, rate, lags[lags.size() / 2], lags.back());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> a(argv + 1, argv + argc);
  const std::string mode = a.empty() ? "" : a[0];
  if (mode == "file" && a.size() == 5) return File(a[1], a[2], std::stoi(a[3]), a[4]);
  if (mode == "extract" && a.size() == 4) return Extract(a[1], a[2], a[3]);
  if (mode == "xapian" && (a.size() == 3 || a.size() == 4)) return XapianBaseline(a[1], a[2], a.size() == 4 ? std::stoul(a[3]) : 0);
  if (mode == "queries" && a.size() == 4) return Queries(a[1], std::stoul(a[2]), a[3]);
  if (mode == "sqlite-build" && a.size() == 3) return SqliteBuild(a[1], a[2]);
  if (mode == "sqlite-query" && a.size() == 4) return SqliteQuery(a[1], a[2], std::stoi(a[3]));
  if (mode == "http-query" && (a.size() == 5 || a.size() == 6)) {
    return HttpQuery(a[1], a[2], a[3], std::stoi(a[4]), a.size() == 6 ? a[5] : "");
  }
  if (mode == "xapian-query" && a.size() == 4) return XapianQuery(a[1], a[2], std::stoi(a[3]));
  if (mode == "index-query" && (a.size() == 4 || a.size() == 5)) {
    return IndexQuery(a[1], a[2], std::stoi(a[3]), a.size() == 4 || a[4] != "0");
  }
  if (mode == "lag" && a.size() == 5) return Lag(a[1], a[2], std::stoi(a[3]), std::stod(a[4]));
  std::fprintf(stderr, "usage: see the comment at the top of tests/bench/search_bench.cc\n");
  return 2;
}
