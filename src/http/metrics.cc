#include "http/metrics.h"

#include <fmt/format.h>

namespace rampart::http {

void Metrics::Observe(std::string_view service, std::string_view operation, int status,
                      double seconds) {
  Series* s;
  {
    std::lock_guard lock(mu_);
    auto& slot = series_[Key(std::string(service), std::string(operation), status)];
    if (!slot) slot = std::make_unique<Series>();
    s = slot.get();
  }
  s->count.fetch_add(1, std::memory_order_relaxed);
  s->sum_ns.fetch_add(static_cast<int64_t>(seconds * 1e9), std::memory_order_relaxed);
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) s->buckets[i].fetch_add(1, std::memory_order_relaxed);
  }
}

std::string Metrics::Render(int64_t open_connections) const {
  std::string out;
  out += "# HELP rampart_requests_total API requests by service, operation and HTTP status.\n";
  out += "# TYPE rampart_requests_total counter\n";
  std::lock_guard lock(mu_);
  for (const auto& [k, s] : series_) {
    out += fmt::format("rampart_requests_total{{service=\"{}\",operation=\"{}\",status=\"{}\"}} {}\n",
                       std::get<0>(k), std::get<1>(k), std::get<2>(k), s->count.load());
  }
  out += "# HELP rampart_request_duration_seconds API request latency.\n";
  out += "# TYPE rampart_request_duration_seconds histogram\n";
  for (const auto& [k, s] : series_) {
    std::string labels = fmt::format("service=\"{}\",operation=\"{}\",status=\"{}\"",
                                     std::get<0>(k), std::get<1>(k), std::get<2>(k));
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out += fmt::format("rampart_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", labels,
                         kBuckets[i], s->buckets[i].load());
    }
    out += fmt::format("rampart_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", labels,
                       s->count.load());
    out += fmt::format("rampart_request_duration_seconds_sum{{{}}} {}\n", labels,
                       static_cast<double>(s->sum_ns.load()) / 1e9);
    out += fmt::format("rampart_request_duration_seconds_count{{{}}} {}\n", labels,
                       s->count.load());
  }
  out += "# HELP rampart_open_connections Open client connections.\n";
  out += "# TYPE rampart_open_connections gauge\n";
  out += fmt::format("rampart_open_connections {}\n", open_connections);
  return out;
}

}  // namespace rampart::http
