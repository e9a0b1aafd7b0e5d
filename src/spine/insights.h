#pragma once
// CloudTrail Insights: per-API per-minute call and error counts against a baseline, raising
// Start/End insight events in AWS's format (eventCategory "Insight", insightDetails).
//
// Model (AWS does not publish its own; this one is documented in docs/CLOUDTRAIL.md):
//  - A series is (account, region, eventSource, eventName, insight type). ApiCallRateInsight
//    counts write management events; ApiErrorRateInsight counts events with an errorCode.
//  - Time is cut into buckets of `bucket_ms` (one minute; shorter in tests). A bucket closes
//    `grace_ms` after its end (records are group-committed a little after their eventTime).
//  - The baseline of a closed bucket is the mean m and standard deviation s of the series'
//    counts over the preceding `baseline_buckets` buckets (zeros where there were no calls).
//    Detection needs a full baseline window after the detector started (AWS likewise waits).
//  - An insight starts when a bucket's count c > T = m + max(sigma*s, relative*m, min_delta).
//    The floor min_delta keeps a quiet API (m ~ 0, s ~ 0) from firing on a handful of calls; the
//    relative term asks a busy steady API for a real jump, not noise.
//  - It ends at the first bucket with c <= max(T at start, T of the current baseline): the
//    level has returned, or the baseline has absorbed the new level.
//  - Statistics are reported per minute (bucket counts scaled by 60000 / bucket_ms); durations
//    in minutes. Attributions: the top 5 user ARNs, user agents and error codes, in the insight
//    and in the baseline.
//
// Pure core: no I/O, no clock; the caller feeds calls and the time. Not thread-safe (one owner:
// the trail delivery thread).

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/events.h"

namespace rampart::spine {

struct InsightsOptions {
  int64_t bucket_ms = 60 * 1000;
  int64_t baseline_buckets = 7 * 24 * 60;  // AWS: 7 days of minutes
  int64_t grace_ms = 2000;
  double sigma = 3.0;
  double relative = 0.5;
  double min_delta = 5.0;  // calls per bucket
};

// The facts of one record the detector needs.
struct ObservedCall {
  std::string account_id, region, event_source, event_name;
  int64_t time_ms = 0;
  bool write_management = false;  // counts toward ApiCallRateInsight
  std::string error_code;         // non-empty: counts toward ApiErrorRateInsight
  std::string user_arn, user_agent;
};
// From the record's indexed fields (userIdentity.arn, userAgent, errorCode): no JSON parsing.
ObservedCall ObservedFromRecord(const store::EventRecord& r);

struct InsightEvent {
  std::string account_id, region, event_source, event_name, insight_type, state;  // Start|End
  std::string event_id;
  int64_t time_ms = 0;
  std::string json;  // the whole record
  store::EventRecord ToRecord() const;
};

class InsightsDetector {
 public:
  explicit InsightsDetector(InsightsOptions options = {});
  // Buckets starting at or after `now_ms`'s bucket are observed in full; earlier ones not.
  void Begin(int64_t now_ms);
  bool begun() const { return start_bucket_ >= 0; }
  void Observe(const ObservedCall& call);
  // Closes every bucket ended at or before now_ms - grace_ms and returns the insight events
  // that raises, oldest first. `enabled(account, type)` says whether events of that account and
  // type are wanted; disabled series still learn their baseline.
  std::vector<InsightEvent> Advance(
      int64_t now_ms, const std::function<bool(std::string_view, std::string_view)>& enabled);
  size_t series_count() const { return series_.size(); }
  const InsightsOptions& options() const { return options_; }

 private:
  using Counts = std::map<std::string, int64_t>;
  struct Bucket {
    int64_t count = 0;
    Counts users, agents, errors;
  };
  struct Series {
    std::string account_id, region, event_source, event_name, insight_type;
    std::map<int64_t, Bucket> open;  // buckets not yet closed, by index
    std::vector<int64_t> window;     // ring of the last baseline_buckets closed counts
    int64_t last_closed = -1;
    Counts base_users, base_agents, base_errors;  // attributions outside insights
    int64_t base_buckets = 0;
    bool active = false;
    double start_threshold = 0, start_mean = 0;
    int64_t insight_start = 0, insight_buckets = 0, insight_total = 0;
    Counts ins_users, ins_agents, ins_errors;
    std::string shared_id;
  };
  void Add(const std::string& type, const ObservedCall& c);
  void Close(Series& s, int64_t bucket, bool emit, std::vector<InsightEvent>& out);
  InsightEvent MakeEvent(const Series& s, std::string_view state, int64_t time_ms,
                         double baseline_avg, double insight_avg) const;

  InsightsOptions options_;
  int64_t start_bucket_ = -1;
  std::unordered_map<std::string, Series> series_;
};

}  // namespace rampart::spine
