#pragma once
// Request counters and latency histograms in Prometheus text format. Thread-safe; the hot path
// takes one mutex per request only to find the series (a small map), then updates atomics.

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

namespace rampart::http {

class Metrics {
 public:
  void Observe(std::string_view service, std::string_view operation, int status,
               double seconds);
  // Renders all series plus the given gauges.
  std::string Render(int64_t open_connections) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                      0.005,  0.01,    0.025,  0.05,  0.1,
                                                      0.5,    2.5};
  struct Series {
    std::atomic<int64_t> count{0};
    std::atomic<int64_t> sum_ns{0};
    std::array<std::atomic<int64_t>, kBuckets.size()> buckets{};
  };
  using Key = std::tuple<std::string, std::string, int>;
  mutable std::mutex mu_;
  std::map<Key, std::unique_ptr<Series>> series_;  // GUARDED_BY(mu_) (the map, not the atomics)
};

}  // namespace rampart::http
