#include "spine/audit.h"

#include <cstdio>
#include <vector>

namespace rampart::spine {

AuditWriter::AuditWriter(store::EventStore& store) : store_(store) {}

AuditWriter::~AuditWriter() { Stop(); }

bool AuditWriter::Append(store::EventRecord record) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    ++in_flight_;
  }
  // One reusable one-record batch per thread: EventStore::Append takes a batch.
  static thread_local std::vector<store::EventRecord> one(1);
  one[0] = std::move(record);
  Status st = store_.Append(one);
  if (!st.ok()) {
    std::fprintf(stderr, "rampart: audit write failed: %s\n", st.error().message.c_str());
  }
  std::lock_guard lock(mu_);
  if (--in_flight_ == 0 && stopping_) idle_.notify_all();
  return st.ok();
}

void AuditWriter::Stop() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  idle_.wait(lock, [&] { return in_flight_ == 0; });
}

}  // namespace rampart::spine
