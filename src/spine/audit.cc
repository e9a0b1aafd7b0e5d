#include "spine/audit.h"

#include <cstdio>

namespace rampart::spine {

AuditWriter::AuditWriter(store::EventStore& store) : store_(store) {}

AuditWriter::~AuditWriter() { Stop(); }

bool AuditWriter::Append(const store::EventView& record) {
  // Counted in flight before stopping_ is checked; Stop sets stopping_ before it waits for the
  // count to reach zero (both sequentially consistent), so no append runs after Stop returns.
  in_flight_.fetch_add(1);
  bool ok = false;
  if (!stopping_.load()) {
    auto seq = store_.AppendOne(record);
    ok = seq.ok();
    if (!ok) std::fprintf(stderr, "rampart: audit write failed: %s\n", seq.error().message.c_str());
  }
  if (in_flight_.fetch_sub(1) == 1 && stopping_.load()) in_flight_.notify_all();
  return ok;
}

void AuditWriter::Stop() {
  stopping_.store(true);
  for (int n = in_flight_.load(); n != 0; n = in_flight_.load()) in_flight_.wait(n);
}

}  // namespace rampart::spine
