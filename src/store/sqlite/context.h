#pragma once
// State shared by the SQLite engine's per-domain stores.

#include <memory>
#include <mutex>
#include <string>

#include "store/sqlite/database.h"

namespace rampart::store::sqlite {

// One write connection behind one mutex, shared by readers too. SQLite allows a single writer
// per database anyway, and every operation here is a few index lookups (microseconds), so a
// reader pool would add connections, cache copies and WAL-snapshot subtleties for no measured
// gain. If profiles ever show readers waiting on writers, add a pool of read-only connections
// here; the interfaces above do not change.
struct Context {
  std::mutex mu;
  std::unique_ptr<Database> db;  // guarded by mu
  std::string root_key;          // immutable after open; 32 bytes
};

}  // namespace rampart::store::sqlite
