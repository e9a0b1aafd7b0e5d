#include "spine/audit.h"

#include <cstdio>

namespace rampart::spine {

AuditWriter::AuditWriter(store::EventStore& store, size_t capacity, size_t max_batch)
    : store_(store), capacity_(capacity), max_batch_(max_batch) {
  thread_ = std::thread([this] { Run(); });
}

AuditWriter::~AuditWriter() { Stop(); }

void AuditWriter::Subscribe(std::function<void(const std::vector<store::EventRecord>&)> fn) {
  subscribers_.push_back(std::move(fn));
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
  not_empty_.notify_one();
}

void AuditWriter::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  not_empty_.notify_all();
  not_full_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AuditWriter::Run() {
  std::vector<Item> batch;
  std::vector<store::EventRecord> records;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      not_empty_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty() && stopping_) return;
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    not_full_.notify_all();
    records.clear();
    records.reserve(batch.size());
    for (auto& item : batch) records.push_back(std::move(item.record));
    Status st = store_.Append(records);
    ++batches_;
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
  }
}

}  // namespace rampart::spine
