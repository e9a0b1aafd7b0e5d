#pragma once
// What the server does with damage found in the event log when it opens (store::DamageReport):
// a log line, a CloudTrail event in the default account (eventName EventHistoryGap, so that
// LookupEvents, trails and their digests show the gap), counters for /metrics, and then the
// log's acknowledgement, so the next start does not report it again.

#include <atomic>
#include <cstdint>
#include <string>

#include "common/result.h"
#include "store/events.h"

namespace rampart::server {

struct DamageCounters {
  std::atomic<int64_t> spans{0};
  std::atomic<int64_t> lost_records{0};
  std::string Render() const;  // Prometheus text
};

Status ReportEventLogDamage(store::EventStore& events, const std::string& account_id,
                            int64_t now_ms, DamageCounters& counters);

// The CloudTrail record of one damaged span (exposed for tests).
store::EventRecord GapEvent(const store::DamageReport& d, const std::string& account_id,
                            int64_t now_ms);

}  // namespace rampart::server
