#include "spine/audit.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

namespace rampart::spine {

AuditWriter::AuditWriter(store::EventStore& store, AuditSync sync, int interval_ms)
    : store_(store), sync_(sync) {
  if (sync_ != AuditSync::kNone) syncer_ = std::thread([this, interval_ms] { SyncLoop(interval_ms); });
}

// kInterval: a sync every interval. kAlways: a sync whenever callers wait, answering all of
// them at once.
void AuditWriter::SyncLoop(int interval_ms) {
  std::unique_lock lock(syncer_mu_);
  while (true) {
    if (sync_ == AuditSync::kAlways) {
      syncer_cv_.wait(lock, [this] { return syncer_stop_ || !waiting_.empty(); });
    } else {
      syncer_cv_.wait_for(lock, std::chrono::milliseconds(std::max(1, interval_ms)),
                          [this] { return syncer_stop_; });
    }
    if (syncer_stop_ && waiting_.empty()) return;
    std::vector<std::function<void(bool)>> done;
    done.swap(waiting_);
    lock.unlock();
    Status st = store_.Sync();
    if (!st.ok()) std::fprintf(stderr, "rampart: audit sync failed: %s\n", st.error().message.c_str());
    for (auto& d : done) d(st.ok());
    lock.lock();
  }
}

void AuditWriter::AfterSync(std::function<void(bool)> done) {
  {
    std::lock_guard lock(syncer_mu_);
    waiting_.push_back(std::move(done));
  }
  syncer_cv_.notify_one();
}

AuditWriter::~AuditWriter() { Stop(); }

namespace {
// This thread's stripe: threads take stripes in turn as they first append.
size_t StripeOfThisThread(size_t stripes) {
  static std::atomic<size_t> next{0};
  thread_local size_t mine = next.fetch_add(1) % stripes;
  return mine;
}
}  // namespace

bool AuditWriter::Append(const store::EventView& record) {
  // Counted in flight before stopping_ is checked; Stop sets stopping_ before it sums the
  // counts (all sequentially consistent), so no append runs after Stop returns.
  std::atomic<int>& in_flight = in_flight_[StripeOfThisThread(kStripes)].n;
  in_flight.fetch_add(1);
  bool ok = false;
  if (!stopping_.load()) {
    auto seq = store_.AppendOne(record);
    ok = seq.ok();
    if (!ok) std::fprintf(stderr, "rampart: audit write failed: %s\n", seq.error().message.c_str());
  }
  in_flight.fetch_sub(1);
  return ok;
}

void AuditWriter::Stop() {
  stopping_.store(true);
  // Appends still running end within microseconds; Stop runs once, at shutdown.
  while (true) {
    int n = 0;
    for (const Stripe& s : in_flight_) n += s.n.load();
    if (n == 0) break;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  if (syncer_.joinable()) {
    {
      std::lock_guard lock(syncer_mu_);
      syncer_stop_ = true;
    }
    syncer_cv_.notify_all();
    syncer_.join();
  }
  if (sync_ != AuditSync::kNone) (void)store_.Sync();
}

}  // namespace rampart::spine
