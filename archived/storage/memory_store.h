// MemoryStore: an in-memory Store for unit tests and the reference model of randomised
// operation tests. Commits are atomic; nothing is durable. Thread-safe.
#pragma once

#include <memory>

#include "archived/storage/store.h"

namespace archived::storage {

std::unique_ptr<Store> NewMemoryStore();

}  // namespace archived::storage
