#pragma once
// The audit spine: every API call becomes one CloudTrail record, persisted by group commit
// before the call's reply is sent, so an acknowledged call always has its record, even after
// kill -9, while concurrent calls share one write.
//
// Group commit without a writer thread: the caller that finds no write in progress becomes the
// leader; it writes everything queued (its own record and those that arrived meanwhile) in one
// EventStore::Append, runs their completions, and repeats until the queue is empty. A lone
// caller thus writes its own record on its own thread with no hand-off; under load, followers
// return at once and are completed by the leader.
//
// Thread-safe. Append blocks only while the queue is full (back-pressure, never dropping).

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

#include "store/events.h"

namespace rampart::spine {

class AuditWriter {
 public:
  // `store` must outlive the writer.
  explicit AuditWriter(store::EventStore& store, size_t capacity = 65536,
                       size_t max_batch = 4096);
  ~AuditWriter();
  AuditWriter(const AuditWriter&) = delete;
  AuditWriter& operator=(const AuditWriter&) = delete;

  // Queues `record`. `on_durable(ok)` runs once the group holding it has been appended (ok) or
  // failed (not ok), on the leader's thread (possibly this one, before Append returns). It must
  // not block and must not call Append.
  void Append(store::EventRecord record, std::function<void(bool)> on_durable);

  // Subscribers see each committed group (in seq order) on the leader's thread.
  void Subscribe(std::function<void(const std::vector<store::EventRecord>&)> fn);

  // Waits for the writes in progress; later Appends complete with ok = false.
  void Stop();

  uint64_t batches() const;

 private:
  struct Item {
    store::EventRecord record;
    std::function<void(bool)> on_durable;
  };

  store::EventStore& store_;
  const size_t capacity_;
  const size_t max_batch_;
  mutable std::mutex mu_;
  std::condition_variable idle_, not_full_;
  std::deque<Item> queue_;  // GUARDED_BY(mu_)
  bool writing_ = false;    // GUARDED_BY(mu_): a leader is draining the queue
  bool stopping_ = false;   // GUARDED_BY(mu_)
  uint64_t batches_ = 0;    // GUARDED_BY(mu_)
  std::vector<std::function<void(const std::vector<store::EventRecord>&)>> subscribers_;
};

}  // namespace rampart::spine
