#pragma once
// STS. For now GetCallerIdentity: always allowed (AWS does not authorize it), answers who the
// verified caller is.

#include "services/call.h"

namespace rampart::services::sts {

ServiceTable Operations();

}  // namespace rampart::services::sts
