#include "archived/storage/write_batch.h"

#include <iterator>

namespace archived::storage {

void WriteBatch::Put(Keyspace keyspace, std::string_view key, std::string_view value) {
  ops_.push_back({OpType::kPut, keyspace, std::string(key), std::string(value)});
  byte_size_ += key.size() + value.size();
}

void WriteBatch::Delete(Keyspace keyspace, std::string_view key) {
  ops_.push_back({OpType::kDelete, keyspace, std::string(key), {}});
  byte_size_ += key.size();
}

void WriteBatch::DeleteRange(Keyspace keyspace, std::string_view begin, std::string_view end) {
  ops_.push_back({OpType::kDeleteRange, keyspace, std::string(begin), std::string(end)});
  byte_size_ += begin.size() + end.size();
}

void WriteBatch::Append(WriteBatch&& other) {
  ops_.insert(ops_.end(), std::make_move_iterator(other.ops_.begin()),
              std::make_move_iterator(other.ops_.end()));
  byte_size_ += other.byte_size_;
  other.ops_.clear();
  other.byte_size_ = 0;
}

}  // namespace archived::storage
