// Committer: the single writer of the main store. Every change to metadata runs as a
// Transaction on the committer's one thread, in submission order, so transactions are
// serializable without locks. The committer drains every pending transaction into one
// RocksDB batch and one fsync (group commit), appends each transaction's audit events to the
// hash chain inside that same batch, and answers Run() only after the batch is durable.
// After a failed write it stops (every later Run fails with kUnavailable) because a failed
// fsync may have lost data. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "archived/audit/chain.h"
#include "archived/base/clock.h"
#include "archived/base/status.h"
#include "archived/storage/store.h"
#include "archived/v1/audit.pb.h"

namespace archived::audit {

struct CommitterOptions {
  // Most transactions in one group (one batch, one fsync). Default: 1024.
  std::size_t max_group_transactions = 1024;
  // Most batch bytes in one group; a larger transaction still goes alone. Default: 16 MiB.
  std::size_t max_group_bytes = 16 << 20;
  // Most transactions waiting; beyond it Run fails with kResourceExhausted. Default: 8192.
  std::size_t max_queue_transactions = 8192;
};

// One transaction's view and writes. Used only inside the function given to Run, on the
// committer thread. Not thread-safe.
class Transaction {
 public:
  // Reads through this group's earlier writes and this transaction's own (not DeleteRange).
  // Errors: kNotFound if absent; storage errors.
  StatusOr<std::string> Get(storage::Keyspace keyspace, std::string_view key) const;
  void Put(storage::Keyspace keyspace, std::string_view key, std::string_view value);
  void Delete(storage::Keyspace keyspace, std::string_view key);
  void DeleteRange(storage::Keyspace keyspace, std::string_view begin, std::string_view end);
  // The next value of the named counter (1, 2, 3 …). Consumed only if the transaction
  // commits, so counters are gap-free. A group writes each counter once, at its final value,
  // however many of its transactions moved it.
  StatusOr<std::uint64_t> NextCounter(std::string_view name);
  // Appends `event` to the audit chain; seq, time and prev_hash are filled in here.
  void Audit(v1::AuditEvent event);
  // The committer's time for this transaction.
  Timestamp now() const { return now_; }

 private:
  friend class Committer;
  using Overlay = std::map<std::pair<int, std::string>, std::optional<std::string>, std::less<>>;
  Transaction(const storage::Store& store, const Overlay& group, Timestamp now)
      : store_(store), group_(group), now_(now) {}

  const storage::Store& store_;
  const Overlay& group_;
  Overlay own_;
  std::vector<std::string> counters_;  // keys (in kMeta) that NextCounter moved
  storage::WriteBatch batch_;
  std::vector<v1::AuditEvent> events_;
  Timestamp now_;
};

struct CommitterStats {
  std::uint64_t transactions = 0;  // committed
  std::uint64_t groups = 0;        // batches written (one fsync each)
  std::uint64_t failed_transactions = 0;
};

class Committer {
 public:
  // `store` must outlive the committer. Starts the thread.
  // Errors: kDataLoss if the newest audit event does not match its hash.
  static StatusOr<std::unique_ptr<Committer>> Open(const CommitterOptions& options,
                                                   storage::Store* store, const Clock& clock);
  ~Committer();
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Runs `fn` as one transaction and returns once its writes are durable. If `fn` fails, its
  // writes are dropped and its Status returned; the rest of the group is unaffected.
  // Errors: fn's own; kResourceExhausted when the queue is full; kUnavailable after a failed
  // write or once stopped.
  Status Run(std::function<Status(Transaction&)> fn);

  // The same without waiting: `done` gets the outcome once it is durable (or why not). It
  // runs on the committer's thread (or, if the transaction is refused before queueing, on
  // the caller's), so it must be quick and must not call back into the committer: post the
  // result elsewhere.
  void Submit(std::function<Status(Transaction&)> fn, std::function<void(const Status&)> done);

  // Commits what is queued, then stops the thread. Idempotent.
  void Stop();

  // False once a write has failed; writes are refused from then on.
  bool healthy() const;
  CommitterStats stats() const;
  ChainHead head() const;

 private:
  struct Pending;
  Committer(const CommitterOptions& options, storage::Store* store, const Clock& clock, ChainHead head);
  void Loop();
  void CommitGroup(std::vector<std::shared_ptr<Pending>>& group);

  struct State;
  const CommitterOptions options_;
  storage::Store* const store_;
  const Clock& clock_;
  std::unique_ptr<State> state_;
};

// The committed value of the counter `name` that Transaction::NextCounter moves; 0 before
// its first use. Errors: kDataLoss for a malformed counter; storage errors.
StatusOr<std::uint64_t> ReadCounter(const storage::Store& store, std::string_view name);

}  // namespace archived::audit
