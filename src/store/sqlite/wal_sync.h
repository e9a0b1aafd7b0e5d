#pragma once
// Group commit for the SQLite engine. The connection runs with synchronous=NORMAL, so a COMMIT
// appends to the WAL without waiting for the disk; this syncer makes those commits durable by
// fdatasync'ing the WAL file on its own thread, outside the connection's mutex. Each commit gets
// a number (Database::commit_seq); one fdatasync covers every commit numbered before it started,
// so the commits that arrive during one sync share the next. Together this is exactly as durable
// as synchronous=FULL (where SQLite fsyncs the WAL inside each COMMIT), without holding every
// reader and writer behind each disk flush. Checkpoints are safe as they are: with NORMAL, SQLite
// syncs the WAL before copying it into the database and the database after.
//
// Thread-safe.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/result.h"

namespace rampart::store::sqlite {

class WalSyncer {
 public:
  // `wal_path` is the database's "-wal" file; opened (and its directory synced) at the first
  // sync. `committed` is the number of the newest commit already in the WAL (Context::commit_seq):
  // a sync covers every commit numbered up to its value when the sync began.
  WalSyncer(std::string wal_path, const std::atomic<uint64_t>& committed);
  ~WalSyncer();  // syncs what is outstanding, then joins the thread
  WalSyncer(const WalSyncer&) = delete;
  WalSyncer& operator=(const WalSyncer&) = delete;

  // Calls done(true) from the sync thread once commit `seq` is on disk (at once if it already
  // is), done(false) if the sync failed.
  void AfterSync(uint64_t seq, std::function<void(bool)> done);
  // Blocks until commit `seq` is on disk.
  Status SyncTo(uint64_t seq);
  // The last sync failure ("" if the last sync succeeded); the store reports it as unhealthy.
  std::string fault() const;

 private:
  void Loop();
  Status SyncOnce();

  const std::string wal_path_;
  const std::atomic<uint64_t>& committed_;
  int fd_ = -1;  // sync thread only
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t synced_ = 0;                                             // GUARDED_BY(mu_)
  uint64_t wanted_ = 0;                                             // GUARDED_BY(mu_)
  std::vector<std::pair<uint64_t, std::function<void(bool)>>> waiting_;  // GUARDED_BY(mu_)
  std::string fault_;                                               // GUARDED_BY(mu_)
  bool stop_ = false;                                               // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace rampart::store::sqlite
