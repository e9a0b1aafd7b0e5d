#pragma once
// The audit spine: every API call becomes one CloudTrail record, persisted before the call's
// reply is sent, so an acknowledged call always has its record, even after kill -9.
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
#include <cstddef>

#include "store/events.h"

namespace rampart::spine {

class AuditWriter {
 public:
  // `store` must outlive the writer.
  explicit AuditWriter(store::EventStore& store);
  ~AuditWriter();
  AuditWriter(const AuditWriter&) = delete;
  AuditWriter& operator=(const AuditWriter&) = delete;

  // Appends `record`. True once it is durable; false on a write error or after Stop (the caller
  // must then not acknowledge the call).
  bool Append(const store::EventView& record);

  // Waits for the appends in progress; later Appends return false.
  void Stop();

 private:
  store::EventStore& store_;
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
