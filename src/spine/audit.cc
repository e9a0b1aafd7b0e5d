#include "spine/audit.h"

#include <cstdio>

namespace rampart::spine {

AuditWriter::AuditWriter(store::EventStore& store, size_t capacity, size_t max_batch)
    : store_(store), capacity_(capacity), max_batch_(max_batch) {}

AuditWriter::~AuditWriter() { Stop(); }

void AuditWriter::Subscribe(std::function<void(const std::vector<store::EventRecord>&)> fn) {
  subscribers_.push_back(std::move(fn));
}

uint64_t AuditWriter::batches() const {
  std::lock_guard lock(mu_);
  return batches_;
}

void AuditWriter::Append(store::EventRecord record, std::function<void(bool)> on_durable) {
  std::unique_lock lock(mu_);
  not_full_.wait(lock, [&] { return queue_.size() < capacity_ || stopping_; });
  if (stopping_) {
    lock.unlock();
    if (on_durable) on_durable(false);
    return;
  }
  queue_.push_back({std::move(record), std::move(on_durable)});
  if (writing_) return;  // the leader will write it
  writing_ = true;
  std::vector<Item> batch;
  std::vector<store::EventRecord> records;
  while (!queue_.empty()) {
    while (!queue_.empty() && batch.size() < max_batch_) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    ++batches_;
    lock.unlock();
    not_full_.notify_all();
    records.clear();
    records.reserve(batch.size());
    for (auto& item : batch) records.push_back(std::move(item.record));
    Status st = store_.Append(records);
    if (!st.ok()) {
      std::fprintf(stderr, "rampart: audit write failed: %s\n", st.error().message.c_str());
    }
    for (auto& item : batch) {
      if (item.on_durable) item.on_durable(st.ok());
    }
    if (st.ok()) {
      for (auto& fn : subscribers_) fn(records);
    }
    batch.clear();
    lock.lock();
  }
  writing_ = false;
  idle_.notify_all();
}

void AuditWriter::Stop() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  not_full_.notify_all();
  idle_.wait(lock, [&] { return !writing_; });
}

}  // namespace rampart::spine
