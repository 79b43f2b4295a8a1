#include "archived/audit/committer.h"

#include <pthread.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "archived/base/bytes.h"
#include "archived/base/status_macros.h"
#include "archived/v1/proto_time.h"

namespace archived::audit {
namespace {

std::string CounterKey(std::string_view name) { return "counter/" + std::string(name); }

StatusOr<std::uint64_t> ParseCounter(const StatusOr<std::string>& value, std::string_view name) {
  return ParseStoredUint64(value, "counter \"" + std::string(name) + "\"");
}

using v1::SetTime;

}  // namespace

StatusOr<std::uint64_t> ReadCounter(const storage::Store& store, std::string_view name) {
  return ParseCounter(store.Get(storage::Keyspace::kMeta, CounterKey(name)), name);
}

StatusOr<std::string> Transaction::Get(storage::Keyspace keyspace, std::string_view key) const {
  const auto probe = std::make_pair(static_cast<int>(keyspace), std::string(key));
  for (const Overlay* overlay : {&own_, &group_}) {
    if (const auto it = overlay->find(probe); it != overlay->end()) {
      if (!it->second) {
        return NotFoundError("key not found");
      }
      return *it->second;
    }
  }
  return store_.Get(keyspace, key);
}

void Transaction::Put(storage::Keyspace keyspace, std::string_view key, std::string_view value) {
  batch_.Put(keyspace, key, value);
  own_[{static_cast<int>(keyspace), std::string(key)}] = std::string(value);
}

void Transaction::Delete(storage::Keyspace keyspace, std::string_view key) {
  batch_.Delete(keyspace, key);
  own_[{static_cast<int>(keyspace), std::string(key)}] = std::nullopt;
}

void Transaction::DeleteRange(storage::Keyspace keyspace, std::string_view begin,
                              std::string_view end) {
  batch_.DeleteRange(keyspace, begin, end);
}

StatusOr<std::uint64_t> Transaction::NextCounter(std::string_view name) {
  const std::string key = CounterKey(name);
  ARCHIVED_ASSIGN_OR_RETURN(const std::uint64_t value, ParseCounter(Get(storage::Keyspace::kMeta, key), name));
  std::string next;
  AppendBigEndian64(next, value + 1);
  // Into the overlay only: the group puts the final value in its batch.
  if (own_.insert_or_assign({static_cast<int>(storage::Keyspace::kMeta), key}, std::move(next)).second) {
    counters_.push_back(key);
  }
  return value + 1;
}

void Transaction::Audit(v1::AuditEvent event) { events_.push_back(std::move(event)); }

struct Committer::Pending {
  std::function<Status(Transaction&)> fn;
  std::function<void(const Status&)> done;
};

struct Committer::State {
  mutable std::mutex mu;
  std::condition_variable wake;
  std::deque<std::shared_ptr<Pending>> queue;
  bool stopping = false;
  bool failed = false;
  ChainHead head;  // guarded by mu for readers; written only by the committer thread
  CommitterStats stats;
  std::thread thread;
};

Committer::Committer(const CommitterOptions& options, storage::Store* store, const Clock& clock,
                     ChainHead head)
    : options_(options), store_(store), clock_(clock),
      state_(std::make_unique<State>()) {
  state_->head = std::move(head);
  state_->thread = std::thread([this] { Loop(); });
}

StatusOr<std::unique_ptr<Committer>> Committer::Open(const CommitterOptions& options,
                                                     storage::Store* store, const Clock& clock) {
  ARCHIVED_CHECK(store != nullptr);
  ARCHIVED_ASSIGN_OR_RETURN(ChainHead head, ReadHead(*store));
  return std::unique_ptr<Committer>(new Committer(options, store, clock, std::move(head)));
}

Committer::~Committer() { Stop(); }

Status Committer::Run(std::function<Status(Transaction&)> fn) {
  std::promise<Status> promise;
  std::future<Status> outcome = promise.get_future();
  Submit(std::move(fn), [&promise](const Status& status) { promise.set_value(status); });
  return outcome.get();
}

void Committer::Submit(std::function<Status(Transaction&)> fn, std::function<void(const Status&)> done) {
  auto pending = std::make_shared<Pending>();
  pending->fn = std::move(fn);
  pending->done = std::move(done);
  Status refused;
  {
    std::lock_guard lock(state_->mu);
    if (state_->failed) {
      refused = UnavailableError("writes are stopped after a failed write; restart the daemon");
    } else if (state_->stopping) {
      refused = UnavailableError("the daemon is shutting down");
    } else if (state_->queue.size() >= options_.max_queue_transactions) {
      refused = ResourceExhaustedError("too many writes waiting; try again");
    } else {
      state_->queue.push_back(pending);
    }
  }
  if (!refused.ok()) {
    pending->done(refused);
    return;
  }
  state_->wake.notify_one();
}

void Committer::Stop() {
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
  }
  state_->wake.notify_one();
  if (state_->thread.joinable()) {
    state_->thread.join();
  }
}

bool Committer::healthy() const {
  std::lock_guard lock(state_->mu);
  return !state_->failed;
}

CommitterStats Committer::stats() const {
  std::lock_guard lock(state_->mu);
  return state_->stats;
}

ChainHead Committer::head() const {
  std::lock_guard lock(state_->mu);
  return state_->head;
}

void Committer::Loop() {
  ::pthread_setname_np(::pthread_self(), "archived-commit");  // for top and perf
  for (;;) {
    std::vector<std::shared_ptr<Pending>> group;
    {
      std::unique_lock lock(state_->mu);
      state_->wake.wait(lock, [&] { return state_->stopping || !state_->queue.empty(); });
      if (state_->queue.empty()) {
        return;  // stopping, and everything queued has been committed
      }
      while (!state_->queue.empty() && group.size() < options_.max_group_transactions) {
        group.push_back(std::move(state_->queue.front()));
        state_->queue.pop_front();
      }
    }
    CommitGroup(group);
  }
}

void Committer::CommitGroup(std::vector<std::shared_ptr<Pending>>& group) {
  if (!healthy()) {
    for (const auto& pending : group) {
      pending->done(UnavailableError("writes are stopped after a failed write"));
    }
    return;
  }
  Transaction::Overlay overlay;
  std::set<std::string> counters;  // moved by the group's transactions; written once, at the end
  storage::WriteBatch batch;
  std::vector<std::shared_ptr<Pending>> members;
  ChainHead head = state_->head;
  std::size_t taken = 0;
  for (; taken < group.size(); ++taken) {
    if (!members.empty() && batch.byte_size() >= options_.max_group_bytes) {
      break;  // the rest go into the next group
    }
    Pending& pending = *group[taken];
    Transaction txn(*store_, overlay, clock_.Now());
    const Status status = pending.fn(txn);
    if (!status.ok()) {
      pending.done(status);
      std::lock_guard lock(state_->mu);
      ++state_->stats.failed_transactions;
      continue;
    }
    for (v1::AuditEvent& event : txn.events_) {
      event.set_seq(head.seq + 1);
      SetTime(event.mutable_time(), txn.now());
      event.set_prev_hash(head.hash);
      v1::AuditRecord record;
      record.set_event(event.SerializeAsString());
      record.set_hash(ChainHash(head.hash, record.event()));
      txn.batch_.Put(storage::Keyspace::kAudit, AuditKey(event.seq()), record.SerializeAsString());
      head.seq = event.seq();
      head.hash = record.hash();
    }
    for (auto& [key, value] : txn.own_) {
      overlay[key] = std::move(value);
    }
    counters.insert(txn.counters_.begin(), txn.counters_.end());
    batch.Append(std::move(txn.batch_));
    members.push_back(group[taken]);
  }
  for (const std::string& key : counters) {
    batch.Put(storage::Keyspace::kMeta, key, *overlay.at({static_cast<int>(storage::Keyspace::kMeta), key}));
  }
  // Put back what did not fit, ahead of anything newer.
  if (taken < group.size()) {
    std::lock_guard lock(state_->mu);
    state_->queue.insert(state_->queue.begin(), group.begin() + static_cast<std::ptrdiff_t>(taken), group.end());
  }
  if (members.empty()) {
    return;
  }
  Status status = store_->Commit(batch, {.sync = true});
  {
    std::lock_guard lock(state_->mu);
    if (status.ok()) {
      state_->head = head;
      state_->stats.transactions += members.size();
      ++state_->stats.groups;
    } else {
      state_->failed = true;
      state_->stats.failed_transactions += members.size();
      status = UnavailableError("commit failed; writes are stopped: " + status.message());
    }
  }
  for (const auto& member : members) {
    member->done(status);
  }
}

}  // namespace archived::audit
