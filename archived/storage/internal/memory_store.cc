#include "archived/storage/memory_store.h"

#include <array>
#include <map>
#include <mutex>

namespace archived::storage {
namespace {

using Map = std::map<std::string, std::string, std::less<>>;

// Iterates over a private copy, which gives the snapshot semantics RocksDB iterators have.
class MemoryIterator final : public Iterator {
 public:
  explicit MemoryIterator(Map snapshot) : map_(std::move(snapshot)), it_(map_.end()) {}

  void Seek(std::string_view target) override { it_ = map_.lower_bound(target); }
  void SeekForPrev(std::string_view target) override {
    it_ = map_.upper_bound(target);
    MoveBack();
  }
  void SeekToFirst() override { it_ = map_.begin(); }
  void SeekToLast() override {
    it_ = map_.end();
    MoveBack();
  }
  bool Valid() const override { return it_ != map_.end(); }
  void Next() override { ++it_; }
  void Prev() override { MoveBack(); }
  std::string_view key() const override { return it_->first; }
  std::string_view value() const override { return it_->second; }
  Status status() const override { return OkStatus(); }

 private:
  // Steps to the previous entry, or becomes invalid when there is none.
  void MoveBack() {
    if (it_ == map_.begin()) {
      it_ = map_.end();
    } else {
      --it_;
    }
  }
  Map map_;
  Map::const_iterator it_;
};

class MemoryStore final : public Store {
 public:
  StatusOr<std::string> Get(Keyspace keyspace, std::string_view key) const override {
    std::lock_guard lock(mu_);
    const Map& map = maps_[static_cast<int>(keyspace)];
    const auto it = map.find(key);
    if (it == map.end()) {
      return NotFoundError("key not found");
    }
    return it->second;
  }

  Status GetInto(Keyspace keyspace, std::string_view key, std::string* value) const override {
    StatusOr<std::string> got = Get(keyspace, key);
    if (!got.ok()) return got.status();
    *value = std::move(got).value();
    return OkStatus();
  }

  Status Put(Keyspace keyspace, std::string_view key, std::string_view value,
             const CommitOptions& options) override {
    WriteBatch batch;
    batch.Put(keyspace, key, value);
    return Commit(batch, options);
  }

  Status Commit(const WriteBatch& batch, const CommitOptions&) override {
    std::lock_guard lock(mu_);
    if (closed_) {
      return UnavailableError("store is closed");
    }
    for (const WriteBatch::Op& op : batch.ops()) {
      Map& map = maps_[static_cast<int>(op.keyspace)];
      switch (op.type) {
        case WriteBatch::OpType::kPut:
          map[op.key] = op.value;
          break;
        case WriteBatch::OpType::kDelete:
          map.erase(op.key);
          break;
        case WriteBatch::OpType::kDeleteRange:
          map.erase(map.lower_bound(op.key), map.lower_bound(op.value));
          break;
      }
    }
    return OkStatus();
  }

  std::unique_ptr<Iterator> NewIterator(Keyspace keyspace) const override {
    std::lock_guard lock(mu_);
    return std::make_unique<MemoryIterator>(maps_[static_cast<int>(keyspace)]);
  }

  Status CompactRange(Keyspace, std::string_view, std::string_view) override {
    return OkStatus();
  }

  Status Flush(Keyspace) override { return OkStatus(); }
  Status FlushAll() override { return OkStatus(); }

  Status Checkpoint(const std::filesystem::path&) override {
    return UnimplementedError("an in-memory store has no files to checkpoint");
  }

  Status Close() override {
    std::lock_guard lock(mu_);
    closed_ = true;
    return OkStatus();
  }

 private:
  mutable std::mutex mu_;
  std::array<Map, kKeyspaceCount> maps_;
  bool closed_ = false;
};

}  // namespace

std::unique_ptr<Store> NewMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace archived::storage
