// audit_bench DIR EVENTS: writes EVENTS realistic audit events (a filing's: actor, role,
// address, document id, reference code, size, sha256) through the committer into a fresh
// RocksDB store at DIR, reopens it, and times VerifyChain over the whole trail, twice (the
// second with the files in the page cache). Prints one line of key=value results.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "archived/audit/actor.h"
#include "archived/audit/chain.h"
#include "archived/audit/committer.h"
#include "archived/storage/rocks_store.h"

int main(int argc, char** argv) {
  using namespace archived;
  if (argc != 3) {
    std::fprintf(stderr, "usage: audit_bench DIR EVENTS\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const std::uint64_t events = std::stoull(argv[2]);
  std::filesystem::remove_all(dir);
  {
    auto store = storage::OpenRocksStore({.directory = dir});
    if (!store.ok()) return std::fprintf(stderr, "%s\n", store.status().ToString().c_str()), 2;
    auto committer = audit::Committer::Open({}, store->get(), SystemClock::Get());
    if (!committer.ok()) return std::fprintf(stderr, "%s\n", committer.status().ToString().c_str()), 2;
    const audit::Actor actor{.name = "li.na", .request_id = "f67753770000393d", .role = "clerk",
                             .remote_address = "192.168.10.23"};
    constexpr std::uint64_t kPerTransaction = 1000;
    for (std::uint64_t done = 0; done < events; done += kPerTransaction) {
      const Status s = (*committer)->Run([&](audit::Transaction& txn) {
        for (std::uint64_t i = done; i < std::min(events, done + kPerTransaction); ++i) {
          char id[32];
          std::snprintf(id, sizeof id, "%024llx", static_cast<unsigned long long>(i * 2654435761u));
          txn.Audit(audit::EventBy(actor, "document.file", id,
                                   "reference_code=Z001-2026-D10-BGS.WS-" + std::to_string(i) +
                                       " classification=INTERNAL version=1 size=48213 sha256="
                                       "a1b49f51c3d2e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9"));
        }
        return OkStatus();
      });
      if (!s.ok()) return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 2;
    }
  }
  auto store = storage::OpenRocksStore({.directory = dir});
  if (!store.ok()) return 2;
  double seconds[2] = {0, 0};
  std::uint64_t verified = 0;
  for (double& s : seconds) {
    const auto start = std::chrono::steady_clock::now();
    auto result = audit::VerifyChain(**store);
    s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!result.ok() || !result->ok()) return std::fprintf(stderr, "verification failed\n"), 1;
    verified = result->events();
  }
  std::printf("audit-verify events=%llu first_seconds=%.3f first_per_second=%.0f seconds=%.3f per_second=%.0f\n",
              static_cast<unsigned long long>(verified), seconds[0], verified / seconds[0], seconds[1],
              verified / seconds[1]);
  return 0;
}
