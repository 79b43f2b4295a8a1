// The single committer: group commit under concurrency, serializable read-your-group-writes,
// gap-free counters, the audit chain and its verifier's tamper detection, and the fail-stop
// rule after a failed write. Uses MemoryStore (and a store whose commits fail on demand).
#include "archived/audit/committer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <future>
#include <thread>
#include <vector>

#include "archived/base/bytes.h"
#include "archived/base/status_macros.h"
#include "archived/storage/memory_store.h"
#include "tests/testing/flaky_store.h"
#include "tests/testing/status_matchers.h"

namespace archived::audit {
namespace {

using storage::Keyspace;

using testing::FlakyStore;

v1::AuditEvent Event(std::string action) {
  v1::AuditEvent e;
  e.set_actor("tester");
  e.set_action(std::move(action));
  return e;
}

TEST(CommitterTest, ConcurrentTransactionsShareGroupsAndChainVerifies) {
  FlakyStore store;
  FakeClock clock(FromUnixMicros(1'700'000'000'000'000));
  ASSERT_OK_AND_ASSIGN(auto committer, Committer::Open({}, &store, clock));
  constexpr int kThreads = 8, kPerThread = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        EXPECT_OK(committer->Run([&](Transaction& txn) {
          txn.Put(Keyspace::kDocuments, std::to_string(t) + "/" + std::to_string(i), "x");
          txn.Audit(Event("test.write"));
          return OkStatus();
        }));
      }
    });
  }
  for (auto& th : threads) th.join();
  const CommitterStats stats = committer->stats();
  EXPECT_EQ(stats.transactions, kThreads * kPerThread);
  EXPECT_LT(stats.groups, stats.transactions) << "no group commit happened";
  ASSERT_OK_AND_ASSIGN(const v1::AuditVerification v, VerifyChain(store));
  EXPECT_TRUE(v.ok()) << v.problem();
  EXPECT_EQ(v.events(), kThreads * kPerThread);
  EXPECT_EQ(committer->head().seq, v.events());
}

TEST(CommitterTest, CountersAreGapFreeWhenATransactionFails) {
  auto store = storage::NewMemoryStore();
  ASSERT_OK_AND_ASSIGN(auto committer, Committer::Open({}, store.get(), SystemClock::Get()));
  std::vector<std::uint64_t> seen;
  for (int i = 0; i < 6; ++i) {
    const Status s = committer->Run([&](Transaction& txn) -> Status {
      StatusOr<std::uint64_t> n = txn.NextCounter("seq");
      if (!n.ok()) return n.status();
      if (i % 2 == 1) return FailedPreconditionError("refused");
      seen.push_back(*n);
      return OkStatus();
    });
    EXPECT_EQ(s.ok(), i % 2 == 0);
  }
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST(CommitterTest, AGroupWritesEachCounterOnceAtItsFinalValue) {
  FlakyStore store("counter/");
  ASSERT_OK_AND_ASSIGN(auto committer, Committer::Open({}, &store, SystemClock::Get()));
  // The first transaction holds the committer until the others are queued: they then make
  // one group, in which every second one fails after moving the counter.
  std::promise<void> queued;
  std::shared_future<void> release = queued.get_future().share();
  std::promise<Status> first;
  std::promise<void> started;
  committer->Submit([release, &started](Transaction&) { started.set_value(); release.wait(); return OkStatus(); },
                    [&](const Status& s) { first.set_value(s); });
  started.get_future().wait();
  constexpr int kQueued = 9;
  std::vector<std::promise<Status>> outcomes(kQueued);
  std::vector<std::uint64_t> values(kQueued);
  for (int i = 0; i < kQueued; ++i) {
    committer->Submit(
        [i, &values](Transaction& txn) -> Status {
          ARCHIVED_ASSIGN_OR_RETURN(values[i], txn.NextCounter("seq"));
          ARCHIVED_RETURN_IF_ERROR(txn.NextCounter("other").status());
          txn.Put(Keyspace::kDocuments, std::to_string(i), "x");
          return i % 2 == 1 ? AbortedError("refused after moving the counters") : OkStatus();
        },
        [&outcomes, i](const Status& s) { outcomes[i].set_value(s); });
  }
  queued.set_value();
  EXPECT_OK(first.get_future().get());
  std::vector<std::uint64_t> committed;
  for (int i = 0; i < kQueued; ++i) {
    const Status s = outcomes[i].get_future().get();
    EXPECT_EQ(s.ok(), i % 2 == 0) << i;
    if (s.ok()) committed.push_back(values[i]);
  }
  EXPECT_EQ(committed, (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));  // gap-free
  EXPECT_EQ(committer->stats().groups, 2u);
  EXPECT_EQ(store.counted_puts.load(), 2) << "one put per counter for the whole group";
  EXPECT_EQ(*ReadCounter(store, "seq"), 5u);
  EXPECT_EQ(*ReadCounter(store, "other"), 5u);
}

TEST(CommitterTest, TransactionsSeeEarlierWritesOfTheirGroup) {
  auto store = storage::NewMemoryStore();
  ASSERT_OK_AND_ASSIGN(auto committer, Committer::Open({}, store.get(), SystemClock::Get()));
  // Increment one value from many threads; lost updates would show as a smaller total.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        EXPECT_OK(committer->Run([](Transaction& txn) -> Status {
          StatusOr<std::string> v = txn.Get(Keyspace::kMeta, "n");
          const int n = v.ok() ? std::stoi(*v) : 0;
          txn.Put(Keyspace::kMeta, "n", std::to_string(n + 1));
          return OkStatus();
        }));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(*store->Get(Keyspace::kMeta, "n"), "400");
}

// One group (the committer is held on a first transaction while the rest queue): reads see
// the transaction's own writes and deletes and the earlier transactions' of the group, never
// a failed transaction's, and a key put after a counter moved it keeps the put.
TEST(CommitterTest, AGroupReadsThroughItsWritesButNotAFailedTransactions) {
  auto store = storage::NewMemoryStore();
  ASSERT_OK(store->Put(Keyspace::kMeta, "gone", "stored", {}));
  ASSERT_OK_AND_ASSIGN(auto committer, Committer::Open({}, store.get(), SystemClock::Get()));
  std::promise<void> started, queued;
  std::promise<Status> first;
  committer->Submit([&](Transaction&) {
    started.set_value();
    queued.get_future().wait();
    return OkStatus();
  }, [&](const Status& s) { first.set_value(s); });
  started.get_future().wait();  // the committer holds the first group: the rest queue
  std::vector<std::promise<Status>> outcomes(4);
  const auto submit = [&](int i, std::function<Status(Transaction&)> fn) {
    committer->Submit(std::move(fn), [&outcomes, i](const Status& s) { outcomes[i].set_value(s); });
  };
  submit(0, [](Transaction& txn) -> Status {
    txn.Put(Keyspace::kMeta, "a", std::string(20000, 'a'));
    txn.Delete(Keyspace::kMeta, "gone");
    EXPECT_EQ(*txn.Get(Keyspace::kMeta, "a"), std::string(20000, 'a'));
    EXPECT_EQ(txn.Get(Keyspace::kMeta, "gone").status().code(), StatusCode::kNotFound);
    return txn.NextCounter("c").status();
  });
  submit(1, [](Transaction& txn) -> Status {
    txn.Put(Keyspace::kMeta, "a", "failed");
    txn.Put(Keyspace::kMeta, "gone", "failed");
    return InvalidArgumentError("dropped");
  });
  submit(2, [](Transaction& txn) -> Status {
    EXPECT_EQ(*txn.Get(Keyspace::kMeta, "a"), std::string(20000, 'a'));
    EXPECT_EQ(txn.Get(Keyspace::kMeta, "gone").status().code(), StatusCode::kNotFound);
    EXPECT_EQ(*txn.NextCounter("c"), 2u);
    txn.Put(Keyspace::kMeta, "a", "second");
    return OkStatus();
  });
  submit(3, [](Transaction& txn) -> Status {
    EXPECT_EQ(*txn.Get(Keyspace::kMeta, "a"), "second");
    std::string put_over;
    AppendBigEndian64(put_over, 7);
    txn.Put(Keyspace::kMeta, "counter/c", put_over);
    return OkStatus();
  });
  queued.set_value();
  EXPECT_OK(first.get_future().get());
  EXPECT_OK(outcomes[0].get_future().get());
  EXPECT_EQ(outcomes[1].get_future().get().code(), StatusCode::kInvalidArgument);
  EXPECT_OK(outcomes[2].get_future().get());
  EXPECT_OK(outcomes[3].get_future().get());
  EXPECT_EQ(committer->stats().groups, 2u);
  EXPECT_EQ(*store->Get(Keyspace::kMeta, "a"), "second");
  EXPECT_EQ(store->Get(Keyspace::kMeta, "gone").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(*ReadCounter(*store, "c"), 7u);
}

TEST(CommitterTest, SubmitCallsBackOnceDurable) {
  auto store = storage::NewMemoryStore();
  ASSERT_OK_AND_ASSIGN(auto committer, Committer::Open({}, store.get(), SystemClock::Get()));
  std::promise<Status> first, second;
  committer->Submit([](Transaction& txn) { txn.Put(Keyspace::kMeta, "a", "1"); return OkStatus(); },
                    [&](const Status& s) { first.set_value(s); });
  committer->Submit([](Transaction&) { return AbortedError("no"); }, [&](const Status& s) { second.set_value(s); });
  EXPECT_OK(first.get_future().get());
  EXPECT_EQ(second.get_future().get().code(), StatusCode::kAborted);
  EXPECT_EQ(*store->Get(Keyspace::kMeta, "a"), "1");
}

TEST(CommitterTest, AFailedWriteStopsAllLaterWrites) {
  FlakyStore store;
  ASSERT_OK_AND_ASSIGN(auto committer, Committer::Open({}, &store, SystemClock::Get()));
  ASSERT_OK(committer->Run([](Transaction& txn) { txn.Put(Keyspace::kMeta, "a", "1"); return OkStatus(); }));
  store.fail = true;
  EXPECT_EQ(committer->Run([](Transaction& txn) { txn.Put(Keyspace::kMeta, "b", "1"); return OkStatus(); }).code(),
            StatusCode::kUnavailable);
  store.fail = false;  // even if the disk "recovers", nothing more is acknowledged
  EXPECT_EQ(committer->Run([](Transaction&) { return OkStatus(); }).code(), StatusCode::kUnavailable);
  EXPECT_FALSE(committer->healthy());
  EXPECT_FALSE(store.Get(Keyspace::kMeta, "b").ok());
}

class AuditTamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto committer = *Committer::Open({}, store_.get(), SystemClock::Get());
    for (int i = 0; i < 5; ++i) {
      ASSERT_OK(committer->Run([i](Transaction& txn) {
        txn.Audit(Event("event." + std::to_string(i)));
        return OkStatus();
      }));
    }
  }
  std::string Record(std::uint64_t seq) { return *store_->Get(Keyspace::kAudit, AuditKey(seq)); }
  void Put(std::uint64_t seq, const std::string& value) {
    storage::WriteBatch b;
    b.Put(Keyspace::kAudit, AuditKey(seq), value);
    ASSERT_OK(store_->Commit(b, {}));
  }
  std::string Verify() { return VerifyChain(*store_)->problem(); }
  std::uint64_t FirstBad() { return VerifyChain(*store_)->first_bad_seq(); }
  std::unique_ptr<storage::Store> store_ = storage::NewMemoryStore();
};

TEST_F(AuditTamperTest, CleanChainVerifies) { EXPECT_EQ(Verify(), ""); }

TEST_F(AuditTamperTest, EditedEventIsDetected) {
  v1::AuditRecord record;
  ASSERT_TRUE(record.ParseFromString(Record(3)));
  v1::AuditEvent event;
  ASSERT_TRUE(event.ParseFromString(record.event()));
  event.set_actor("mallory");
  record.set_event(event.SerializeAsString());
  Put(3, record.SerializeAsString());
  EXPECT_NE(Verify(), "");
  EXPECT_EQ(FirstBad(), 3u);
}

TEST_F(AuditTamperTest, EditedEventWithRecomputedHashBreaksTheNextLink) {
  v1::AuditRecord record;
  ASSERT_TRUE(record.ParseFromString(Record(3)));
  v1::AuditEvent event;
  ASSERT_TRUE(event.ParseFromString(record.event()));
  event.set_detail("rewritten");
  record.set_event(event.SerializeAsString());
  record.set_hash(ChainHash(event.prev_hash(), record.event()));
  Put(3, record.SerializeAsString());
  EXPECT_NE(Verify().find("event 4 does not link"), std::string::npos) << Verify();
  EXPECT_EQ(FirstBad(), 4u);
}

TEST_F(AuditTamperTest, DeletedAndSwappedEventsAreDetected) {
  const std::string two = Record(2), three = Record(3);
  Put(2, three);  // reordered: 3 where 2 was, 2 where 3 was
  Put(3, two);
  EXPECT_NE(Verify(), "");
  EXPECT_EQ(FirstBad(), 2u);
  Put(2, two);
  Put(3, three);
  EXPECT_EQ(Verify(), "");
  EXPECT_EQ(FirstBad(), 0u);
  storage::WriteBatch b;
  b.Delete(Keyspace::kAudit, AuditKey(2));
  ASSERT_OK(store_->Commit(b, {}));
  EXPECT_NE(Verify().find("event 2 is missing"), std::string::npos) << Verify();
  EXPECT_EQ(FirstBad(), 2u);
}

TEST_F(AuditTamperTest, AnInsertedEventIsDetectedWhereTheChainNoLongerHolds) {
  // A well-formed event slipped in as number 3, the later ones moved up one place.
  const std::string old3 = Record(3), old4 = Record(4), old5 = Record(5);
  v1::AuditRecord two;
  ASSERT_TRUE(two.ParseFromString(Record(2)));
  v1::AuditEvent forged;
  forged.set_seq(3);
  forged.set_actor("mallory");
  forged.set_action("document.file");
  forged.set_prev_hash(two.hash());
  v1::AuditRecord record;
  record.set_event(forged.SerializeAsString());
  record.set_hash(ChainHash(forged.prev_hash(), record.event()));
  Put(3, record.SerializeAsString());
  Put(4, old3);
  Put(5, old4);
  Put(6, old5);
  EXPECT_EQ(FirstBad(), 4u) << Verify();  // record 4 carries seq 3
}

TEST_F(AuditTamperTest, TruncationIsFoundAgainstACheckpoint) {
  ASSERT_OK_AND_ASSIGN(const v1::AuditVerification before, VerifyChain(*store_, 5));
  ASSERT_FALSE(before.hash_at_seq().empty());
  EXPECT_EQ(before.hash_at_seq(), before.head_hash());
  storage::WriteBatch b;
  b.Delete(Keyspace::kAudit, AuditKey(5));
  b.Delete(Keyspace::kAudit, AuditKey(4));
  ASSERT_OK(store_->Commit(b, {}));
  // On its own the shorter chain is consistent; a checkpoint at 5 shows what is gone.
  ASSERT_OK_AND_ASSIGN(const v1::AuditVerification after, VerifyChain(*store_, 5));
  EXPECT_TRUE(after.ok());
  EXPECT_EQ(after.events(), 3u);
  EXPECT_TRUE(after.hash_at_seq().empty());
}

TEST_F(AuditTamperTest, ReadHeadRejectsATamperedNewestEvent) {
  std::string five = Record(5);
  five[five.size() - 1] ^= 1;
  Put(5, five);
  EXPECT_EQ(ReadHead(*store_).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace archived::audit
