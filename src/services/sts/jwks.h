#pragma once
// OIDC providers' signing keys (JWKS), cached per issuer and fetched off the request threads.
//
// A request that needs keys the cache does not hold never waits on the network: the verifier
// starts a fetch here and answers the Deferred error (services/call.h); the gateway re-runs the
// call when the fetch is done (WhenDone), by which time the keys, or the fetch's failure, are
// cached. Concurrent misses for one issuer share one fetch; failures are remembered for
// kFailureTtlSeconds, so an unreachable provider costs one fetch per half minute, not one per
// call. Fetches run on a few threads of their own (HTTPS with a 5 s budget each).
//
// Thread-safe.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/array.hpp>

#include "common/result.h"

namespace rampart::services::sts {

class JwksCache {
 public:
  static constexpr int64_t kTtlSeconds = 300;
  static constexpr int64_t kFailureTtlSeconds = 30;
  using Fetcher = std::function<Result<boost::json::array>()>;

  explicit JwksCache(int threads = 2);
  ~JwksCache();  // Stop()
  // Finishes the fetch in progress and joins; waiters not yet called are dropped (at shutdown,
  // after the listeners stopped: nobody is left to answer). Idempotent.
  void Stop();
  JwksCache(const JwksCache&) = delete;
  JwksCache& operator=(const JwksCache&) = delete;

  // The cached keys for `key` (issuer and thumbprints), or the error of a fetch that failed
  // less than kFailureTtlSeconds before `now`; nullopt when neither is cached.
  std::optional<Result<boost::json::array>> Get(const std::string& key, int64_t now);
  // Queues `fetch` for `key` (unless one is queued or running), its result to be cached as of
  // `now`.
  void Begin(const std::string& key, Fetcher fetch, int64_t now);
  // Calls `then` once the fetch of `key` is done: on the fetching thread, or at once on this
  // one when no fetch of `key` is pending.
  void WhenDone(const std::string& key, std::function<void()> then);

  void Put(const std::string& key, boost::json::array keys, int64_t now);  // tests

 private:
  struct Entry {
    int64_t at = 0;
    Result<boost::json::array> result = boost::json::array();
  };
  // The entry of `key` still valid at `now`, or null. Called with mu_ held.
  const Entry* Fresh(const std::string& key, int64_t now) const;
  struct Job {
    std::string key;
    Fetcher fetch;
    int64_t now;
  };
  void Work();

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Entry> entries_;                                // GUARDED_BY(mu_)
  std::map<std::string, std::vector<std::function<void()>>> pending_;   // GUARDED_BY(mu_)
  std::deque<Job> queue_;                                               // GUARDED_BY(mu_)
  bool stopping_ = false;                                               // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;
};

}  // namespace rampart::services::sts
