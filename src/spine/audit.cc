#include "spine/audit.h"

#include <chrono>
#include <cstdio>
#include <thread>

namespace rampart::spine {

AuditWriter::AuditWriter(store::EventStore& store) : store_(store) {}

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
    if (n == 0) return;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

}  // namespace rampart::spine
