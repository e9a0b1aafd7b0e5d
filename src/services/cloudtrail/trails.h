#pragma once
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

 private:
  store::Store& store_;
  store::EventStore* events_;
};

ServiceTable TrailOperations(TrailService& svc);

}  // namespace rampart::services::cloudtrail
