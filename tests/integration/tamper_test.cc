// RELIABILITY R6 at the HTTP socket: sealed chunks are altered in the store of a stopped
// daemon (a bit flipped, a chunk deleted, two chunks swapped, a chunk spliced in from another
// document, the last chunk dropped), then each document is downloaded with curl. Pass: no
// byte of an unauthenticated chunk reaches the client. A damaged first chunk gets an error
// response with no content; later damage cuts the connection exactly at the end of the last
// good chunk, so curl sees a short transfer, never wrong bytes; the daemon keeps serving.
#include <gmock/gmock.h>

#include <map>

#include "archived/storage/rocks_store.h"
#include "tests/integration/harness.h"

namespace archived::testing {
namespace {

constexpr std::size_t kChunk = 1 << 20;  // the default chunk size

class TamperTest : public DaemonTest {
 protected:
  struct Doc {
    std::string id;
    std::string content;
  };
  // Files a document of `chunks` chunks (the last one partly filled).
  Doc FileDoc(int chunks, unsigned seed) {
    const std::string content = RandomBytes((chunks - 1) * kChunk + 1000 + seed, seed);
    const auto path = WriteFile("doc-" + std::to_string(seed), content);
    const CommandResult r = Curl({"-X", "POST", "-H", "Content-Type: application/octet-stream", "--data-binary",
                                  "@" + path.string(), Api("/documents?title=tamper")});
    return {JsonField(r.out, "id"), content};
  }
  struct Download {
    int status = 0;
    int curl_exit = 0;
    std::string body;
  };
  Download Get(const std::string& id) {
    const auto out = dir_.path() / "download.bin";
    std::filesystem::remove(out);
    const CommandResult r = Curl({"-o", out.string(), "-w", "%{http_code}", Api("/documents/" + id + "/content")});
    std::ifstream in(out, std::ios::binary);
    Download d;
    d.body.assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    d.status = r.out.empty() ? -1 : std::stoi(r.out);
    d.curl_exit = r.exit_code;
    return d;
  }
};

TEST_F(TamperTest, NoByteOfAnUnauthenticatedChunkLeavesTheDaemon) {
  // Chunk counts 2..6 tell the documents' contents apart in the store.
  std::map<int, Doc> docs;  // by chunk count
  for (int chunks = 2; chunks <= 6; ++chunks) docs[chunks] = FileDoc(chunks, static_cast<unsigned>(chunks));
  for (const auto& [chunks, doc] : docs) {
    const Download clean = Get(doc.id);
    ASSERT_EQ(clean.status, 200);
    ASSERT_EQ(clean.body, doc.content) << "before tampering, " << chunks << " chunks";
  }
  ASSERT_EQ(daemon_->Stop(), 0);
  {
    auto store = storage::OpenRocksStore({.directory = dir_.path() / "data" / "db"});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    // Chunk keys are content id (16 bytes) + index: group them by content.
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> by_content;
    auto it = (*store)->NewIterator(storage::Keyspace::kChunks);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      by_content[std::string(it->key().substr(0, 16))].emplace_back(std::string(it->key()), std::string(it->value()));
    }
    it.reset();
    std::map<std::size_t, std::vector<std::pair<std::string, std::string>>> by_count;
    for (auto& [content, chunks] : by_content) by_count[chunks.size()] = chunks;
    ASSERT_EQ(by_count.size(), 5u);
    storage::WriteBatch batch;
    // 2 chunks: a bit flipped in chunk 1.
    std::string flipped = by_count[2][1].second;
    flipped[flipped.size() / 3] ^= 0x10;
    batch.Put(storage::Keyspace::kChunks, by_count[2][1].first, flipped);
    // 3 chunks: chunk 2 (the last) deleted; the document is cut short.
    batch.Delete(storage::Keyspace::kChunks, by_count[3][2].first);
    // 4 chunks: chunks 0 and 1 swapped.
    batch.Put(storage::Keyspace::kChunks, by_count[4][0].first, by_count[4][1].second);
    batch.Put(storage::Keyspace::kChunks, by_count[4][1].first, by_count[4][0].second);
    // 5 chunks: chunk 3 replaced by chunk 3 of the 6-chunk document (a splice).
    batch.Put(storage::Keyspace::kChunks, by_count[5][3].first, by_count[6][3].second);
    // 6 chunks: chunk 0's tag truncated by one byte.
    batch.Put(storage::Keyspace::kChunks, by_count[6][0].first,
              by_count[6][0].second.substr(0, by_count[6][0].second.size() - 1));
    ASSERT_TRUE((*store)->Commit(batch, {.sync = true}).ok());
  }
  StartDaemon();
  // Damage at chunk k: exactly the first k chunks arrive, and they are the true bytes.
  const std::map<int, std::size_t> good_chunks = {{2, 1}, {3, 2}, {4, 0}, {5, 3}, {6, 0}};
  for (const auto& [chunks, good] : good_chunks) {
    const Doc& doc = docs[chunks];
    const Download d = Get(doc.id);
    SCOPED_TRACE("document of " + std::to_string(chunks) + " chunks, damaged at chunk " + std::to_string(good));
    if (good == 0) {
      // Nothing was sent yet: a proper error, and no content.
      EXPECT_EQ(d.status, 500);
      EXPECT_THAT(d.body, ::testing::HasSubstr("DATA_LOSS"));
      EXPECT_EQ(d.body.find(doc.content.substr(0, 64)), std::string::npos);
      EXPECT_LT(d.body.size(), 1024u);
    } else {
      EXPECT_EQ(d.status, 200);
      EXPECT_NE(d.curl_exit, 0) << "curl must see the transfer cut short";
      EXPECT_EQ(d.body.size(), good * kChunk);
      EXPECT_TRUE(d.body == doc.content.substr(0, d.body.size())) << "bytes that are not the document's";
    }
  }
  EXPECT_EQ(CurlStatus({daemon_->url() + "/healthz"}, false), 200);
  EXPECT_THAT(daemon_->Log(), ::testing::HasSubstr("download cut short"));
}

}  // namespace
}  // namespace archived::testing
