// Runs the Store contract against MemoryStore.
#include "archived/storage/memory_store.h"

#include "tests/contract/store_contract.h"

namespace archived::storage {
namespace {

struct MemoryStoreFactory {
  static std::unique_ptr<Store> Make(const std::filesystem::path&) { return NewMemoryStore(); }
  static std::unique_ptr<Store> Reopen(const std::filesystem::path&, std::unique_ptr<Store> s) {
    return s;
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Memory, StoreContractTest, MemoryStoreFactory);

}  // namespace
}  // namespace archived::storage
