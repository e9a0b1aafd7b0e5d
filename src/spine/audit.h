#pragma once
// The audit spine: every API call becomes one CloudTrail record, queued in memory and persisted
// by one writer thread in group commits. The caller learns when its record is durable, so the
// gateway sends a reply only after its record is on disk: an acknowledged call always has its
// record, even after kill -9, while many calls share one fsync.
//
// Thread-safe. Append blocks only when the queue is full (back-pressure, never dropping).

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "store/events.h"

namespace rampart::spine {

class AuditWriter {
 public:
  // `store` must outlive the writer.
  explicit AuditWriter(store::EventStore& store, size_t capacity = 65536,
                       size_t max_batch = 2048);
  ~AuditWriter();
  AuditWriter(const AuditWriter&) = delete;
  AuditWriter& operator=(const AuditWriter&) = delete;

  // Queues `record`. `on_durable(ok)` runs on the writer thread once the batch holding it has
  // committed (ok) or failed (not ok). Must not block for long.
  void Append(store::EventRecord record, std::function<void(bool)> on_durable);

  // Subscribers see each committed batch (in seq order) on the writer thread: Insights, rules.
  void Subscribe(std::function<void(const std::vector<store::EventRecord>&)> fn);

  // Stops after writing everything queued.
  void Stop();

  uint64_t batches() const { return batches_; }

 private:
  struct Item {
    store::EventRecord record;
    std::function<void(bool)> on_durable;
  };
  void Run();

  store::EventStore& store_;
  const size_t capacity_;
  const size_t max_batch_;
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<Item> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;   // GUARDED_BY(mu_)
  std::vector<std::function<void(const std::vector<store::EventRecord>&)>> subscribers_;
  uint64_t batches_ = 0;
  std::thread thread_;
};

}  // namespace rampart::spine
