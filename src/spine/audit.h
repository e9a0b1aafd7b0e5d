#pragma once
// The audit spine: every API call becomes one CloudTrail record, written before the call's reply
// is sent, so an acknowledged call always has its record, even after kill -9. What survives a
// power cut depends on the sync mode (--audit-sync): kNone, what the kernel wrote back (up to
// ~30 s may be lost); kInterval, everything but the last interval (1 s by default); kAlways,
// everything: the reply waits until its record is on disk. With kAlways the replies wait on the
// writer's sync thread, not on the I/O threads: the calls that arrive during one fdatasync share
// the next one (group commit), and the I/O threads go on serving meanwhile.
//
// Each caller appends its own record on its own thread. With the default event store
// (store/log/event_log.cc) an append is a copy into a shared mapping of the log under a short
// lock: durable against the process being killed as soon as it returns, with no system call
// and no hand-off to another thread. (An earlier design queued records for a group-commit
// leader; once an append stopped costing a write() the queue only added cross-thread wake-ups:
// recording cost 21 % of GetCallerIdentity throughput at 64 connections with it.) Back-pressure
// is the store's lock: a caller waits for the append ahead of it, never for a batch.
//
// Thread-safe.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <vector>
#include <mutex>
#include <thread>

#include "store/events.h"

namespace rampart::spine {

enum class AuditSync { kNone, kInterval, kAlways };

class AuditWriter {
 public:
  // `store` must outlive the writer. kInterval syncs every `interval_ms` on a thread of its own.
  explicit AuditWriter(store::EventStore& store, AuditSync sync = AuditSync::kNone,
                       int interval_ms = 1000);
  ~AuditWriter();
  AuditWriter(const AuditWriter&) = delete;
  AuditWriter& operator=(const AuditWriter&) = delete;

  // Appends `record`. True once it is written; false on a write error or after Stop (the caller
  // must then not acknowledge the call). With kAlways the record is not on disk yet: the caller
  // acknowledges the call from AfterSync.
  bool Append(const store::EventView& record);
  // True when a caller must wait for AfterSync before acknowledging an appended call (kAlways).
  bool SyncsEachCall() const { return sync_ == AuditSync::kAlways; }
  // Calls `done(true)` from the sync thread once everything appended before this call is on
  // disk, or done(false) if the sync failed. REQUIRES: SyncsEachCall().
  void AfterSync(std::function<void(bool)> done);

  // Waits for the appends in progress, syncs what they wrote; later Appends return false.
  void Stop();

 private:
  store::EventStore& store_;
  const AuditSync sync_;
  void SyncLoop(int interval_ms);

  std::thread syncer_;  // kInterval, kAlways
  std::mutex syncer_mu_;
  std::condition_variable syncer_cv_;
  bool syncer_stop_ = false;  // GUARDED_BY(syncer_mu_)
  std::vector<std::function<void(bool)>> waiting_;  // GUARDED_BY(syncer_mu_): kAlways
  // Appends between their check of stopping_ and their end, counted in stripes chosen by
  // thread, each on its own cache line: one shared counter was a cache line moving between the
  // cores twice a call.
  struct alignas(64) Stripe {
    std::atomic<int> n{0};
  };
  static constexpr size_t kStripes = 16;
  Stripe in_flight_[kStripes];
  alignas(64) std::atomic<bool> stopping_{false};
};

}  // namespace rampart::spine
