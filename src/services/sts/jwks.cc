#include "services/sts/jwks.h"

#include <chrono>

namespace rampart::services::sts {

namespace json = boost::json;

JwksCache::JwksCache(int threads) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
}

JwksCache::~JwksCache() { Stop(); }

void JwksCache::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

const JwksCache::Entry* JwksCache::Fresh(const std::string& key, int64_t now) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || now < it->second.at) return nullptr;
  int64_t ttl = it->second.result.ok() ? kTtlSeconds : kFailureTtlSeconds;
  return now - it->second.at >= ttl ? nullptr : &it->second;
}

std::optional<Result<json::array>> JwksCache::Get(const std::string& key, int64_t now) {
  std::lock_guard lock(mu_);
  if (const Entry* e = Fresh(key, now)) return e->result;
  return std::nullopt;
}

void JwksCache::Put(const std::string& key, json::array keys, int64_t now) {
  std::lock_guard lock(mu_);
  if (entries_.size() > 1000) entries_.clear();
  entries_[key] = Entry{now, std::move(keys)};
}

void JwksCache::Begin(const std::string& key, Fetcher fetch, int64_t now) {
  {
    std::lock_guard lock(mu_);
    // One fetch per key at a time, and none when one finished since the caller looked.
    if (stopping_ || pending_.count(key) || Fresh(key, now)) return;
    pending_[key];
    queue_.push_back({key, std::move(fetch), now});
  }
  cv_.notify_one();
}

void JwksCache::WhenDone(const std::string& key, std::function<void()> then) {
  {
    std::lock_guard lock(mu_);
    auto it = pending_.find(key);
    if (it != pending_.end()) {
      it->second.push_back(std::move(then));
      return;
    }
  }
  then();  // already done (or never started): the caller's re-run finds what is cached
}

void JwksCache::Work() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Job job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    auto started = std::chrono::steady_clock::now();
    Result<json::array> result = job.fetch();
    // Cached as of when the answer came (the caller's clock plus the fetch's duration), so a
    // slow provider's failure is still remembered for the whole kFailureTtlSeconds.
    int64_t took = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::steady_clock::now() - started).count();
    lock.lock();
    if (stopping_) return;
    if (entries_.size() > 1000) entries_.clear();
    entries_[job.key] = Entry{job.now + took, std::move(result)};
    std::vector<std::function<void()>> waiters = std::move(pending_[job.key]);
    pending_.erase(job.key);
    lock.unlock();
    for (auto& w : waiters) w();
    lock.lock();
  }
}

}  // namespace rampart::services::sts
