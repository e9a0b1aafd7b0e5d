#pragma once
// Trail delivery: turns the event store into CloudTrail log files, digest files and Insights
// events, as AWS's CloudTrail delivers them to S3.
//
// One pass (RunOnce) does, in order:
//  1. Insights: feeds the records appended since the last pass to the InsightsDetector and
//     appends the Start/End events it emits to the event store (category "Insight"), for
//     accounts with a logging trail that selects that insight type.
//  2. For each trail of each account, when its delivery is due: reads the records after the
//     trail's cursor, keeps those the trail takes (spine/trail_model.h), and writes one gzipped
//     {"Records":[...]} file per region (CloudTrail/) and per region for insights
//     (CloudTrail-Insight/), then advances the cursor.
//  3. For trails with log file validation, when a digest is due: one signed digest per region
//     (even when no log file was delivered), chained to the previous digest of that region.
//
// Durability: files are written before the cursor moves, so a crash between the two delivers the
// same records again under new names (at least once, never lost). The state of each trail is the
// "cloudtrail-delivery" document (trail_model.h), written only by this class.
//
// Thread-safety: RunOnce must not run concurrently with itself; Start() runs it on one
// background thread every `tick`. Stop() is idempotent and joins the thread.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.h"
#include "spine/insights.h"
#include "spine/trail_model.h"
#include "spine/trail_sink.h"
#include "store/events.h"
#include "store/store.h"

namespace rampart::spine {

struct DeliveryOptions {
  int64_t delivery_interval_ms = 5 * 60 * 1000;  // AWS: about every 5 minutes
  int64_t digest_interval_ms = 60 * 60 * 1000;   // AWS: hourly
  size_t max_records_per_pass = 20000;           // per trail; the rest goes in the next pass
  InsightsOptions insights;
  std::function<int64_t()> clock;  // epoch ms; default: the system clock
};

// What GetTrailStatus reports from the delivery document.
struct DeliveryStatus {
  int64_t latest_delivery_ms = 0;
  int64_t latest_delivery_attempt_ms = 0;
  std::string latest_delivery_error;
  int64_t latest_digest_delivery_ms = 0;
  std::string latest_digest_delivery_error;
  int64_t cursor = 0;
  std::string trail_id;  // the trail incarnation the state belongs to
};
DeliveryStatus ParseDeliveryStatus(std::string_view doc);

class TrailDelivery {
 public:
  TrailDelivery(store::Store& store, store::EventStore& events, TrailSink& sink,
                DeliveryOptions options);
  ~TrailDelivery();
  TrailDelivery(const TrailDelivery&) = delete;
  TrailDelivery& operator=(const TrailDelivery&) = delete;

  // One pass at `now_ms`. `force` delivers every logging trail whatever its schedule (used at
  // shutdown). Errors of one trail are recorded in its status and do not stop the others.
  Status RunOnce(int64_t now_ms, bool force = false);

  void Start();
  void Stop();  // finishes the current pass, then delivers what is pending once more
  // Delivers every logging trail now, whatever its schedule, and returns once that pass is
  // done (SIGUSR1, `rampart trail deliver`, and the dev-mode endpoint). Thread-safe.
  Status DeliverNow();

  int64_t Now() const;

 private:
  Status DeliverTrail(const TrailConfig& trail, int64_t now_ms, bool force);
  Status RunInsights(int64_t now_ms, const std::vector<TrailConfig>& trails);

  store::Store& store_;
  store::EventStore& events_;
  TrailSink& sink_;
  DeliveryOptions options_;
  InsightsDetector insights_;
  int64_t insights_cursor_ = -1;  // -1: position at the store's end on the first pass

  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  uint64_t requested_ = 0, served_ = 0;  // GUARDED_BY(mu_): DeliverNow tickets
  std::thread thread_;
};

}  // namespace rampart::spine
