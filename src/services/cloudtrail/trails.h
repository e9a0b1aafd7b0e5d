#pragma once
#include <functional>
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

 private:
  BucketCheck bucket_check_;
  store::Store& store_;
  store::EventStore* events_;
};

ServiceTable TrailOperations(TrailService& svc);

}  // namespace rampart::services::cloudtrail
