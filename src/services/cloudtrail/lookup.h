#pragma once
// CloudTrail LookupEvents over the event store (the last 90 days of management and Insights
// events of the caller's account).

#include "services/call.h"
#include "store/events.h"

namespace rampart::services::cloudtrail {

ServiceTable LookupOperations(store::EventStore& events);

}  // namespace rampart::services::cloudtrail
