// FlakyStore: a Store for unit tests that forwards to a MemoryStore, fails every commit while
// `fail` is set (as a failed fsync would), runs `before_commit` (if set) at the start of each
// commit, and counts commits and the committed puts whose key starts with `count_prefix`.
// Link archived::storage to use it.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "archived/storage/memory_store.h"
#include "archived/storage/store.h"

namespace archived::testing {

class FlakyStore final : public storage::Store {
 public:
  explicit FlakyStore(std::string count_prefix = "") : count_prefix_(std::move(count_prefix)) {}

  StatusOr<std::string> Get(storage::Keyspace k, std::string_view key) const override { return inner_->Get(k, key); }
  Status GetInto(storage::Keyspace k, std::string_view key, std::string* v) const override {
    return inner_->GetInto(k, key, v);
  }
  Status Commit(const storage::WriteBatch& b, const storage::CommitOptions& o) override {
    if (before_commit) before_commit();
    ++commits;
    if (fail.load()) {
      return InternalError("injected fsync failure");
    }
    if (!count_prefix_.empty()) {
      for (const storage::WriteBatch::Op& op : b.ops()) {
        if (op.type == storage::WriteBatch::OpType::kPut && op.key.starts_with(count_prefix_)) ++counted_puts;
      }
    }
    return inner_->Commit(b, o);
  }
  Status Put(storage::Keyspace k, std::string_view key, std::string_view v, const storage::CommitOptions& o) override {
    storage::WriteBatch b;
    b.Put(k, key, v);
    return Commit(b, o);
  }
  std::unique_ptr<storage::Iterator> NewIterator(storage::Keyspace k) const override { return inner_->NewIterator(k); }
  Status CompactRange(storage::Keyspace, std::string_view, std::string_view) override { return OkStatus(); }
  Status Flush(storage::Keyspace) override { return OkStatus(); }
  Status FlushAll() override { return OkStatus(); }
  Status Checkpoint(const std::filesystem::path&) override { return UnimplementedError("not here"); }
  Status Close() override { return OkStatus(); }

  std::function<void()> before_commit;  // set before the store is shared
  std::atomic<bool> fail{false};
  std::atomic<int> commits{0};
  std::atomic<int> counted_puts{0};

 private:
  const std::string count_prefix_;
  std::unique_ptr<storage::Store> inner_ = storage::NewMemoryStore();
};

}  // namespace archived::testing
