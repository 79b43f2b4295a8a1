// store_load: bounds for scripts/bench/ingest.sh, the storage engine alone. Writes COUNT
// documents (cycling through the files) into a fresh RocksStore at DIR with the daemon's
// options, each document as the keys a filing writes (archived/catalog/FORMAT.md: the
// document, its version, its chunk, five index entries, the index outbox entry and the audit
// record; and, once per synced batch as the committer writes them, three counters). Nothing else:
// no HTTP, no sealing, no transactions, no reads. Every batch is built before the clock starts, its
// chunk compressed as the daemon stores it (its default zstd level for one-chunk content) and
// framed as sealed; the records are filler of their real sizes.
//   store_load groups DIR N COUNT FILE…   one thread commits N documents per synced batch:
//     with N clients waiting for their answers, no design on this engine and disk can put
//     more documents behind one sync, so this is the most any could reach.
//   store_load writers DIR N COUNT FILE…  N threads commit a document each per synced batch,
//     grouped by RocksDB's own write groups (a design without a committer of its own).
// Prints one line: "store-<mode> documents=N seconds=S per_second=R failed=F cpu_us=C", where C
// is the CPU time per document of the whole process (RocksDB's flushes included).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "archived/audit/chain.h"
#include "archived/base/bytes.h"
#include "archived/catalog/content.h"
#include "archived/codec/codec.h"
#include "archived/crypto/chunk_seal.h"
#include "archived/storage/rocks_store.h"
#include "tests/bench/cpu_time.h"
#include "tests/bench/read_file.h"

namespace {

using archived::storage::Keyspace;

// The mean sizes of a small filing's records as the daemon writes them (measured on a store
// holding 2,000 of the benchmark's filings): Document, Version and AuditRecord.
constexpr std::size_t kDocumentBytes = 120;
constexpr std::size_t kVersionBytes = 166;
constexpr std::size_t kAuditBytes = 312;
// The daemon's level for content of one chunk.
const int kZstdLevel = archived::catalog::ContentOptions{}.small_content_zstd_level;

std::string Big64(std::uint64_t v) {
  std::string out;
  archived::AppendBigEndian64(out, v);
  return out;
}

std::string Filler(std::size_t bytes, std::uint64_t seed) {
  std::string out(bytes, 'x');
  for (std::size_t i = 0; i < bytes; ++i)
    out[i] = static_cast<char>('a' + (seed * 31 + i * 7) % 26);
  return out;
}

archived::storage::WriteBatch FilingBatch(std::uint64_t n, const std::string& chunk) {
  char hex[32];
  std::snprintf(hex, sizeof hex, "%024llx",
                static_cast<unsigned long long>(n * 0x9e3779b97f4a7c15ull));
  const std::string id = hex;
  // Random-looking and distinct, as the daemon's random content ids and digests are.
  const std::string content_id =
      Big64(n * 0xbf58476d1ce4e5b9ull) + Big64(n * 0x94d049bb133111ebull);
  const std::string seq = Big64(n + 1);
  const std::string version_ref = id + std::string("\0\0\0\0\1", 5);  // id, 0x00, u32 1
  archived::storage::WriteBatch batch;
  batch.Put(Keyspace::kChunks, content_id + Big64(0), chunk);
  batch.Put(Keyspace::kVersions, version_ref, Filler(kVersionBytes, n));
  batch.Put(Keyspace::kIndexes, "k" + content_id, version_ref);
  batch.Put(Keyspace::kIndexes,
            "h" + std::string("BGS#2") + std::string(1, '\0') + Big64(n * 0xd6e8feb86659fd93ull),
            content_id);
  batch.Put(Keyspace::kDocuments, id, Filler(kDocumentBytes, n + 1));
  batch.Put(Keyspace::kIndexes, "t" + seq, id);
  batch.Put(Keyspace::kIndexes, "c" + std::string("BGS") + std::string(1, '\0') + seq, id);
  batch.Put(Keyspace::kIndexes, "rZ001-2026-D10-BGS-" + std::to_string(n + 1), id);
  batch.Put(Keyspace::kIndexQueue, seq, version_ref);
  batch.Put(Keyspace::kAudit, archived::audit::AuditKey(n + 1), Filler(kAuditBytes, n + 2));
  return batch;
}

// The counters a filing moves (the filing order, the index outbox, the reference code's
// sequence), which the committer writes once per synced batch, at their values after `n`.
void PutCounters(std::uint64_t n, archived::storage::WriteBatch& batch) {
  for (const char* counter :
       {"counter/filing", "counter/index_queue", "counter/ref/Z001/2026/D10/BGS"}) {
    batch.Put(Keyspace::kMeta, counter, Big64(n + 1));
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() < 5 || (args[0] != "writers" && args[0] != "groups")) {
    std::fprintf(stderr, "usage: store_load writers|groups DIR N COUNT FILE…\n");
    return 2;
  }
  const bool grouped = args[0] == "groups";
  const std::filesystem::path dir = args[1];
  const int n = std::stoi(args[2]);
  const int count = std::stoi(args[3]);
  std::vector<std::string> chunks;
  for (auto it = args.begin() + 4; it != args.end(); ++it) {
    std::string payload;
    archived::codec::EncodePayload(archived::bench::ReadWholeFile(*it), kZstdLevel, &payload);
    chunks.push_back(payload + std::string(archived::crypto::kChunkOverheadBytes, '\0'));
  }
  const auto chunk = [&](int i) -> const std::string& {
    return chunks[static_cast<std::size_t>(i) % chunks.size()];
  };
  std::filesystem::remove_all(dir);
  auto store = archived::storage::OpenRocksStore({.directory = dir});
  if (!store.ok()) return std::fprintf(stderr, "%s\n", store.status().ToString().c_str()), 2;
  // Every batch is built before the clock starts, so that only the store's work is timed.
  std::vector<archived::storage::WriteBatch> batches;
  if (grouped) {
    for (int first = 0; first < count; first += n) {
      batches.emplace_back();
      const int end = std::min(count, first + n);
      for (int i = first; i < end; ++i)
        batches.back().Append(FilingBatch(static_cast<std::uint64_t>(i), chunk(i)));
      PutCounters(static_cast<std::uint64_t>(end - 1), batches.back());
    }
  } else {
    for (int i = 0; i < count; ++i) {
      batches.push_back(FilingBatch(static_cast<std::uint64_t>(i), chunk(i)));
      PutCounters(static_cast<std::uint64_t>(i), batches.back());
    }
  }
  std::atomic<int> next{0}, failed{0};
  const auto commit = [&](const archived::storage::WriteBatch& batch, int first) {
    const archived::Status s = (*store)->Commit(batch, {.sync = true});
    if (!s.ok() && failed++ < 3)
      std::fprintf(stderr, "document %d: %s\n", first, s.ToString().c_str());
  };
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = archived::bench::CpuMicros();
  if (grouped) {
    for (std::size_t b = 0; b < batches.size(); ++b) commit(batches[b], static_cast<int>(b) * n);
  } else {
    std::vector<std::thread> threads;
    for (int c = 0; c < n; ++c) {
      threads.emplace_back([&] {
        for (int i = next++; i < count; i = next++) commit(batches[static_cast<std::size_t>(i)], i);
      });
    }
    for (auto& t : threads) t.join();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("store-%s documents=%d seconds=%.3f per_second=%.0f failed=%d cpu_us=%.1f\n",
              args[0].c_str(), count, seconds, count / seconds, failed.load(),
              (archived::bench::CpuMicros() - cpu_start) / count);
  return failed == 0 ? 0 : 1;
}
