#pragma once
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
// CloudTrail trails API: CreateTrail/UpdateTrail/DeleteTrail/GetTrail/DescribeTrails/ListTrails,
// StartLogging/StopLogging/GetTrailStatus, Put/GetEventSelectors, Put/GetInsightSelectors,
// AddTags/RemoveTags/ListTags, ListPublicKeys.
//
// Trails are documents in the entity store (layout in spine/trail_model.h); delivery, digests
// and Insights run in spine/trail_delivery.h off the request path. Trail names are unique per
// account (AWS: per region, with multi-region trails shadowed everywhere); at most 5 trails per
// region (multi-region trails count in every region), as AWS.
//
// Thread-safe: all state is in the store.

#include "services/call.h"
#include "store/events.h"
#include "store/store.h"

namespace rampart::services::cloudtrail {

class TrailService {
 public:
  // `events` may be null (no event store): logging then starts at the beginning.
  TrailService(store::Store& store, store::EventStore* events) : store_(store), events_(events) {}
  store::Store& store() { return store_; }
  store::EventStore* events() { return events_; }

  // How Create/UpdateTrail check the bucket a trail names, as CloudTrail does: the bucket
  // policy must let cloudtrail.amazonaws.com (for this trail's ARN) read the bucket's ACL and
  // put objects under <prefix>/AWSLogs/<account>/. Arguments: bucket, key prefix, trail ARN,
  // account. Unset (or answering NoSuchBucket): the trail delivers to the data directory.
  using BucketCheck = std::function<Status(std::string_view, std::string_view, std::string_view,
                                           std::string_view)>;
  void set_bucket_check(BucketCheck check) { bucket_check_ = std::move(check); }
  Status CheckBucket(std::string_view bucket, std::string_view prefix, std::string_view arn,
                     std::string_view account) const {
    return bucket_check_ ? bucket_check_(bucket, prefix, arn, account) : Status();
  }

  // Whether a trail of `account` has a selector that takes data events (basic selectors with
  // DataResources, advanced ones selecting eventCategory Data): S3's object calls are recorded,
  // as data events outside the event history, only then. Cached per account until a trail
  // changes.
  bool LogsDataEvents(const std::string& account);

 private:
  BucketCheck bucket_check_;
  std::mutex data_mu_;
  // account -> (trail generation when computed, whether it logs data events)
  std::unordered_map<std::string, std::pair<uint64_t, bool>> data_events_;  // GUARDED_BY(data_mu_)
  store::Store& store_;
  store::EventStore* events_;
};

ServiceTable TrailOperations(TrailService& svc);

}  // namespace rampart::services::cloudtrail
