// Content streams: byte-exact round trips around chunk boundaries, compressible and random
// data, and detection of stored-chunk tampering (flip, swap, drop) and a missing data key.
#include "archived/catalog/content.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "archived/catalog/internal/keys.h"
#include "archived/crypto/chunk_seal.h"
#include "archived/storage/memory_store.h"
#include "tests/testing/status_matchers.h"

namespace archived::catalog {
namespace {

using storage::Keyspace;
constexpr std::size_t kChunk = 4096;

class ContentTest : public ::testing::Test {
 protected:
  // Writes `data` in uneven pieces and returns the version a commit would store.
  v1::Version Write(const std::string& data) {
    auto writer = Begin();
    for (std::size_t at = 0; at < data.size();) {
      const std::size_t n = std::min<std::size_t>(data.size() - at, 1 + rng_() % 5000);
      EXPECT_OK(writer->Append(std::string_view(data).substr(at, n)));
      at += n;
    }
    const SealedContent sealed = *writer->Finish();
    writer->MarkCommitted();
    for (std::size_t i = 0; i < sealed.held_chunks.size(); ++i) {  // what the commit would write
      EXPECT_OK(store_->Put(Keyspace::kChunks, internal::ChunkKey(sealed.content_id, i), sealed.held_chunks[i], {}));
    }
    return VersionOf(sealed);
  }
  // The version a commit would store for `sealed`.
  static v1::Version VersionOf(const SealedContent& sealed) {
    v1::Version v;
    v.set_size(sealed.size);
    v.mutable_content()->set_content_id(sealed.content_id);
    v.mutable_content()->set_chunk_bytes(sealed.chunk_bytes);
    v.mutable_content()->set_chunk_count(sealed.chunk_count);
    v.mutable_content()->set_seal_format(crypto::kChunkSealFormat);
    return v;
  }
  std::unique_ptr<ContentWriter> Begin(std::size_t hold_bytes = 2 * kChunk + 200) {
    return ContentWriter::Begin({.chunk_bytes = kChunk, .hold_bytes_per_upload = hold_bytes}, store_.get(),
                                &budget_, *keys_.Take(), SystemClock::Get());
  }
  bool Empty(Keyspace keyspace) {
    auto it = store_->NewIterator(keyspace);
    it->SeekToFirst();
    return !it->Valid();
  }
  StatusOr<std::string> ReadAll(const v1::Version& v) {
    auto reader = ContentReader::Open(*store_, *vault_, keyring_, v);
    if (!reader.ok()) return reader.status();
    std::string out;
    for (std::uint64_t i = 0; i < (*reader)->chunk_count(); ++i) {
      std::string chunk;
      if (Status s = (*reader)->ReadChunk(i, &chunk); !s.ok()) return s;
      out += chunk;
    }
    return out;
  }
  std::string Random(std::size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng_());
    return s;
  }
  std::mt19937 rng_{42};
  crypto::Keyring keyring_{*crypto::SecretKey::Generate()};
  std::unique_ptr<storage::Store> store_ = storage::NewMemoryStore();
  std::unique_ptr<storage::Store> vault_ = storage::NewMemoryStore();
  KeyReserve keys_{vault_.get(), &keyring_, 4};
  HoldBudget budget_{1 << 20};
};

TEST_F(ContentTest, RoundTripsAroundChunkBoundaries) {
  for (const std::size_t size : {0ul, 1ul, kChunk - 1, kChunk, kChunk + 1, 3 * kChunk, 5 * kChunk + 17}) {
    const std::string data = Random(size);
    const v1::Version v = Write(data);
    EXPECT_EQ(v.content().chunk_count(), size == 0 ? 1 : (size + kChunk - 1) / kChunk) << size;
    ASSERT_OK_AND_ASSIGN(const std::string back, ReadAll(v));
    EXPECT_EQ(back, data) << size;
  }
}

TEST_F(ContentTest, CompressibleDataIsStoredSmaller) {
  const std::string text(10 * kChunk, 'a');
  auto writer = Begin();
  ASSERT_OK(writer->Append(text));
  ASSERT_OK_AND_ASSIGN(const SealedContent sealed, writer->Finish());
  EXPECT_LT(sealed.stored_bytes, text.size() / 4);
  EXPECT_EQ(sealed.size, text.size());
}

TEST_F(ContentTest, TamperedSwappedAndMissingChunksAreDataLoss) {
  const v1::Version v = Write(Random(3 * kChunk));
  const std::string id = v.content().content_id();
  const std::string c0 = *store_->Get(Keyspace::kChunks, internal::ChunkKey(id, 0));
  const std::string c1 = *store_->Get(Keyspace::kChunks, internal::ChunkKey(id, 1));
  storage::WriteBatch swap;
  swap.Put(Keyspace::kChunks, internal::ChunkKey(id, 0), c1);
  swap.Put(Keyspace::kChunks, internal::ChunkKey(id, 1), c0);
  ASSERT_OK(store_->Commit(swap, {}));
  EXPECT_EQ(ReadAll(v).status().code(), StatusCode::kDataLoss);

  std::string flipped = c0;
  flipped[100] ^= 0x10;
  storage::WriteBatch flip;
  flip.Put(Keyspace::kChunks, internal::ChunkKey(id, 0), flipped);
  flip.Put(Keyspace::kChunks, internal::ChunkKey(id, 1), c1);
  ASSERT_OK(store_->Commit(flip, {}));
  EXPECT_EQ(ReadAll(v).status().code(), StatusCode::kDataLoss);

  storage::WriteBatch drop;
  drop.Put(Keyspace::kChunks, internal::ChunkKey(id, 0), c0);
  drop.Delete(Keyspace::kChunks, internal::ChunkKey(id, 2));
  ASSERT_OK(store_->Commit(drop, {}));
  EXPECT_EQ(ReadAll(v).status().code(), StatusCode::kDataLoss);
}

TEST_F(ContentTest, ChunkFromAnotherContentIsDataLoss) {
  const v1::Version a = Write(Random(2 * kChunk));
  const v1::Version b = Write(Random(2 * kChunk));
  storage::WriteBatch splice;
  splice.Put(Keyspace::kChunks, internal::ChunkKey(a.content().content_id(), 0),
             *store_->Get(Keyspace::kChunks, internal::ChunkKey(b.content().content_id(), 0)));
  ASSERT_OK(store_->Commit(splice, {}));
  EXPECT_EQ(ReadAll(a).status().code(), StatusCode::kDataLoss);
  EXPECT_OK(ReadAll(b));
}

TEST_F(ContentTest, MissingKeyOrWrongMasterKeyIsDataLoss) {
  const v1::Version v = Write("secret");
  const crypto::Keyring other(*crypto::SecretKey::Generate());
  EXPECT_EQ(ContentReader::Open(*store_, *vault_, other, v).status().code(), StatusCode::kDataLoss);
  storage::WriteBatch shred;
  shred.Delete(Keyspace::kKeys, v.content().content_id());
  ASSERT_OK(vault_->Commit(shred, {}));
  EXPECT_EQ(ReadAll(v).status().code(), StatusCode::kDataLoss);
}

TEST_F(ContentTest, SingleChunkContentWritesNothingBeforeTheCommit) {
  auto writer = Begin(/*hold_bytes=*/0);
  ASSERT_OK(writer->Append(Random(kChunk)));  // exactly one chunk: held even with no hold allowance
  ASSERT_OK_AND_ASSIGN(const SealedContent sealed, writer->Finish());
  EXPECT_EQ(sealed.held_chunks.size(), 1u);
  EXPECT_FALSE(sealed.pending_recorded);
  EXPECT_TRUE(Empty(Keyspace::kChunks));
  EXPECT_TRUE(Empty(Keyspace::kUploads));
}

TEST_F(ContentTest, SmallMultiChunkContentIsHeldWithinItsBudget) {
  auto writer = Begin();  // holds up to two random chunks and a bit
  ASSERT_OK(writer->Append(Random(2 * kChunk)));
  EXPECT_LT(budget_.available(), 1 << 20);  // the first chunk was taken from the budget
  ASSERT_OK_AND_ASSIGN(const SealedContent sealed, writer->Finish());
  EXPECT_EQ(sealed.held_chunks.size(), 2u);
  EXPECT_FALSE(sealed.pending_recorded);
  EXPECT_TRUE(Empty(Keyspace::kChunks));
  EXPECT_TRUE(Empty(Keyspace::kUploads));
  writer.reset();
  EXPECT_EQ(budget_.available(), 1 << 20);  // given back with the writer
}

TEST_F(ContentTest, ContentPastItsHoldIsWrittenAsItArrives) {
  const std::string data = Random(3 * kChunk + 5);
  auto writer = Begin();
  ASSERT_OK(writer->Append(data));
  EXPECT_FALSE(Empty(Keyspace::kChunks));   // the third chunk did not fit: all written
  EXPECT_FALSE(Empty(Keyspace::kUploads));  // after a pending record
  EXPECT_EQ(budget_.available(), 1 << 20);  // nothing held any more
  ASSERT_OK_AND_ASSIGN(const SealedContent sealed, writer->Finish());
  EXPECT_TRUE(sealed.held_chunks.empty());
  EXPECT_TRUE(sealed.pending_recorded);
  writer->MarkCommitted();
  ASSERT_OK_AND_ASSIGN(const std::string back, ReadAll(VersionOf(sealed)));
  EXPECT_EQ(back, data);
}

TEST_F(ContentTest, ContentDeclaredFarPastItsHoldIsWrittenFromItsFirstChunk) {
  auto small = Begin();
  small->ExpectSize(2 * kChunk);  // within the hold: held as before
  ASSERT_OK(small->Append(Random(2 * kChunk)));
  ASSERT_OK_AND_ASSIGN(const SealedContent held, small->Finish());
  EXPECT_EQ(held.held_chunks.size(), 2u);
  auto big = Begin();
  big->ExpectSize(100 * kChunk);
  ASSERT_OK(big->Append(Random(kChunk + 1)));
  EXPECT_FALSE(Empty(Keyspace::kChunks));  // the first chunk, as soon as it was sealed
  ASSERT_OK_AND_ASSIGN(const SealedContent written, big->Finish());
  EXPECT_TRUE(written.held_chunks.empty());
  EXPECT_TRUE(written.pending_recorded);
}

TEST_F(ContentTest, UploadsWriteAsTheyGoOnceTheSharedBudgetIsSpent) {
  HoldBudget small(kChunk + 100);  // room for one held random chunk, not two
  const ContentOptions options{.chunk_bytes = kChunk, .hold_bytes_per_upload = 4 * kChunk};
  auto first = ContentWriter::Begin(options, store_.get(), &small, *keys_.Take(), SystemClock::Get());
  auto second = ContentWriter::Begin(options, store_.get(), &small, *keys_.Take(), SystemClock::Get());
  ASSERT_OK(first->Append(Random(2 * kChunk)));  // holds its first chunk
  EXPECT_TRUE(Empty(Keyspace::kChunks));
  ASSERT_OK(second->Append(Random(2 * kChunk)));  // finds the budget spent: writes
  EXPECT_FALSE(Empty(Keyspace::kChunks));
  ASSERT_OK_AND_ASSIGN(const SealedContent a, first->Finish());
  ASSERT_OK_AND_ASSIGN(const SealedContent b, second->Finish());
  EXPECT_EQ(a.held_chunks.size(), 2u);  // a last chunk needs no budget
  EXPECT_TRUE(b.held_chunks.empty());
  EXPECT_TRUE(b.pending_recorded);
  first.reset();
  second.reset();
  EXPECT_EQ(small.available(), kChunk + 100);
  EXPECT_TRUE(Empty(Keyspace::kChunks));  // both aborted: nothing left
}

TEST_F(ContentTest, ReservedKeysAreDurableUniqueAndRefilled) {
  std::set<std::string> ids;
  for (int i = 0; i < 10; ++i) {  // crosses two refills of 4
    ASSERT_OK_AND_ASSIGN(ReservedKey key, keys_.Take());
    EXPECT_TRUE(ids.insert(key.content_id).second);
    ASSERT_OK_AND_ASSIGN(const std::string wrapped, vault_->Get(Keyspace::kKeys, key.content_id));
    ASSERT_OK_AND_ASSIGN(const crypto::SecretKey unwrapped, keyring_.Unwrap(wrapped));
    EXPECT_EQ(unwrapped.bytes(), key.data_key.bytes());
  }
}

TEST_F(ContentTest, AbortRemovesChunksAndThePendingRecord) {
  auto writer = Begin();
  ASSERT_OK(writer->Append(Random(4 * kChunk)));
  writer.reset();  // never finished: aborts
  EXPECT_FALSE(store_->NewIterator(Keyspace::kChunks)->Valid());
  auto chunks = store_->NewIterator(Keyspace::kChunks);
  chunks->SeekToFirst();
  EXPECT_FALSE(chunks->Valid());
  auto uploads = store_->NewIterator(Keyspace::kUploads);
  uploads->SeekToFirst();
  EXPECT_FALSE(uploads->Valid());
}

}  // namespace
}  // namespace archived::catalog
