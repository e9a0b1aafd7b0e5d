#pragma once
// State shared by the SQLite engine's per-domain stores.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "store/sqlite/database.h"
#include "store/sqlite/wal_sync.h"
#include "store/store.h"

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
  // Group commit (wal_sync.h): the number of the newest commit in the WAL, and the thread that
  // makes commits durable. No syncer for an in-memory database (nothing to sync).
  std::atomic<uint64_t> commit_seq{0};
  std::unique_ptr<WalSyncer> syncer;
};

// Holds the connection's mutex for one store operation. If the operation committed, the commit
// gets its number before the mutex is released (so every commit numbered N is in the WAL when
// N is visible); then, inside a DeferCommitSync scope, the number is left for the request to
// wait on, and outside one the operation waits for the disk here. A failed sync is the store's
// fault (Health reports it); the operation itself has committed.
class Guard {
 public:
  explicit Guard(Context& ctx) : ctx_(ctx), lock_(ctx.mu) {}
  ~Guard() {
    if (!ctx_.db->TakeCommitted() || !ctx_.syncer) return;
    uint64_t seq = ctx_.commit_seq.fetch_add(1, std::memory_order_acq_rel) + 1;
    lock_.unlock();
    if (CommitSyncDeferred()) {
      NotePendingCommit(seq);
    } else {
      (void)ctx_.syncer->SyncTo(seq);
    }
  }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

 private:
  Context& ctx_;
  std::unique_lock<std::mutex> lock_;
};

}  // namespace rampart::store::sqlite
