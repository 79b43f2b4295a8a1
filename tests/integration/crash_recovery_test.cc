// kill -9 during concurrent ingest (RELIABILITY.md R1, the Jepsen model): four workers file
// documents and new versions of random sizes while the daemon is SIGKILLed after a random
// 0.2–1.5 s; each cycle restarts it and checks that every acknowledged document and version is
// readable and byte-identical, that no document is visible without all its versions readable,
// and that the audit chain verifies with at least one event per acknowledgement.
// ARCHIVED_CRASH_CYCLES sets the cycle count (default 20); ARCHIVED_TEST_SEED the seed.
#include <atomic>
#include <mutex>
#include <thread>

#include "archived/v1/api.pb.h"
#include "client/cli.h"
#include "client/http_client.h"
#include "tests/integration/harness.h"

namespace archived::testing {
namespace {

struct Acked {
  std::string id;
  std::uint32_t version;
  std::string sha256;
};

class CrashRecoveryTest : public DaemonTest {
 protected:
  client::HttpClient Client() {
    return client::HttpClient(*client::ParseServerUrl(daemon_->url()), daemon_->token());
  }
  // Files documents (and sometimes versions of earlier ones) until the daemon dies.
  void Ingest(unsigned seed, std::vector<Acked>* acked, std::mutex* mu, std::atomic<bool>* stop) {
    std::mt19937 rng(seed);
    client::HttpClient client = Client();
    int n = 0;
    while (!stop->load()) {
      const std::size_t size = rng() % 4 == 0 ? 1 + rng() % (3 << 20) : 1 + rng() % 65536;
      const std::string content = RandomBytes(size, rng());
      const auto path = dir_.path() / ("w" + std::to_string(seed) + "-" + std::to_string(n++));
      std::ofstream(path, std::ios::binary) << content;
      std::string target = "/api/v1/documents?title=crash";
      {
        std::lock_guard lock(*mu);
        if (!acked->empty() && rng() % 3 == 0) {
          target = "/api/v1/documents/" + (*acked)[rng() % acked->size()].id + "/versions";
        }
      }
      StatusOr<client::Response> r = client.Upload("POST", target, path.string(), "application/octet-stream", nullptr);
      std::filesystem::remove(path);
      if (!r.ok()) continue;  // "info" or "fail": not a promise
      StatusOr<v1::FileResponse> filed = client::ParseBody<v1::FileResponse>(*r);
      ASSERT_TRUE(filed.ok());
      ASSERT_EQ(filed->sha256(), HexEncode(crypto::Sha256Of(content)));
      std::lock_guard lock(*mu);
      acked->push_back({filed->id(), filed->version(), filed->sha256()});
    }
  }
  std::string Download(client::HttpClient& client, const std::string& id, std::uint32_t version, Status* status) {
    crypto::Sha256 hash;
    StatusOr<client::Response> r = client.Download(
        "/api/v1/documents/" + id + "/content?version=" + std::to_string(version),
        [&](std::string_view piece) { hash.Update(piece); return true; }, nullptr);
    *status = r.status();
    return HexEncode(hash.Finish());
  }
};

TEST_F(CrashRecoveryTest, AcknowledgedWritesSurviveKillNine) {
  const unsigned seed = TestSeed();
  SCOPED_TRACE("ARCHIVED_TEST_SEED=" + std::to_string(seed));
  std::mt19937 rng(seed);
  const int cycles = std::getenv("ARCHIVED_CRASH_CYCLES") ? std::atoi(std::getenv("ARCHIVED_CRASH_CYCLES")) : 20;
  std::vector<Acked> acked;
  std::mutex mu;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> workers;
    for (int w = 0; w < 4; ++w) workers.emplace_back([&, w] { Ingest(rng() + w, &acked, &mu, &stop); });
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 1300));
    daemon_->Kill();
    stop = true;
    for (auto& t : workers) t.join();
    StartDaemon();

    client::HttpClient client = Client();
    // Every acknowledged version is there, byte for byte.
    for (const Acked& a : acked) {
      Status status;
      const std::string sha = Download(client, a.id, a.version, &status);
      ASSERT_TRUE(status.ok()) << "cycle " << cycle << " lost " << a.id << " v" << a.version << ": " << status.ToString();
      ASSERT_EQ(sha, a.sha256) << "cycle " << cycle << " corrupted " << a.id << " v" << a.version;
    }
    // Every visible document is whole: all its versions download and match their hashes.
    std::string cursor;
    std::size_t documents = 0;
    do {
      StatusOr<client::Response> page = client.Call("GET", "/api/v1/documents?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor));
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      const v1::DocumentList list = *client::ParseBody<v1::DocumentList>(*page);
      for (const v1::Document& d : list.documents()) {
        ++documents;
        StatusOr<client::Response> vr = client.Call("GET", "/api/v1/documents/" + d.id() + "/versions");
        ASSERT_TRUE(vr.ok());
        const v1::VersionList versions = *client::ParseBody<v1::VersionList>(*vr);
        ASSERT_EQ(static_cast<std::uint32_t>(versions.versions_size()), d.latest_version()) << d.id();
        for (const v1::Version& v : versions.versions()) {
          Status status;
          ASSERT_EQ(Download(client, d.id(), v.version(), &status), v.sha256()) << "partial document " << d.id();
        }
      }
      cursor = list.next_cursor();
    } while (!cursor.empty());
    StatusOr<client::Response> audit = client.Call("GET", "/api/v1/audit/verify");
    ASSERT_TRUE(audit.ok());
    const v1::AuditVerification verification = *client::ParseBody<v1::AuditVerification>(*audit);
    ASSERT_TRUE(verification.ok()) << "cycle " << cycle << ": " << verification.problem();
    ASSERT_GE(verification.events(), acked.size() + 2);
    std::printf("cycle %d: %zu acknowledged versions, %zu documents, %llu audit events: all verified\n", cycle,
                acked.size(), documents, static_cast<unsigned long long>(verification.events()));
  }
  EXPECT_GT(acked.size(), static_cast<std::size_t>(cycles)) << "the workers barely wrote anything";
  // The derived index caught up with everything the crashes left: the same set of documents.
  WaitIndexed();
  ASSERT_EQ(daemon_->Stop(), 0) << daemon_->Log();
  const CommandResult check = IndexCheck();
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  std::printf("%s", check.out.c_str());
  StartDaemon();
}

}  // namespace
}  // namespace archived::testing
