#pragma once
// What a CloudTrail call is authorized on (the Service Authorization Reference's resource types):
// a trail ARN for the trail operations, an event data store or channel ARN for theirs, the
// tagged resource for AddTags/RemoveTags/ListTags, "*" for the rest.

#include <boost/json/object.hpp>

#include "common/result.h"
#include "protocol/model.h"
#include "services/call.h"
#include "services/identity/authorizer.h"

namespace rampart::services::cloudtrail {

Result<ResourceContext> ResolveResource(const Call& call, const model::Operation& op,
                                        const boost::json::object& in);

}  // namespace rampart::services::cloudtrail
