// WriteBatch: mutations that a Store applies all together or not at all. A value type;
// not thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "archived/storage/keyspace.h"

namespace archived::storage {

class WriteBatch {
 public:
  enum class OpType { kPut, kDelete, kDeleteRange };
  struct Op {
    OpType type;
    Keyspace keyspace;
    std::string key;    // for kDeleteRange: the first key deleted
    std::string value;  // for kDeleteRange: the end key, exclusive
  };

  void Put(Keyspace keyspace, std::string_view key, std::string_view value);
  void Delete(Keyspace keyspace, std::string_view key);
  // Deletes every key in [begin, end).
  void DeleteRange(Keyspace keyspace, std::string_view begin, std::string_view end);
  // Moves every op of `other` to the end of this batch.
  void Append(WriteBatch&& other);

  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  // Key and value bytes, a measure of the batch's size.
  std::size_t byte_size() const { return byte_size_; }

 private:
  std::vector<Op> ops_;
  std::size_t byte_size_ = 0;
};

}  // namespace archived::storage
