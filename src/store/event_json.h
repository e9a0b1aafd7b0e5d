#pragma once
// CloudTrail records kept as facts: each API call's record is stored as a small binary blob of
// what its JSON needs beyond the indexed fields of EventRecord (EventRecord::facts), and AWS's
// JSON is rendered from it only when the record is read (LookupEvents, trail delivery).
// Writing the JSON on every call cost ~10k instructions of a GetCallerIdentity's ~120k; the
// blob costs a few hundred. The blob holds no secrets: the spine redacts request parameters
// and response elements before they get here.

#include <cstdint>
#include <string>
#include <string_view>

#include "store/events.h"

namespace rampart::store {

// Appends the blob of `facts` to `blob` (version 1: u8 version, then fixed-width fields and
// u32-length-prefixed strings in declaration order).
void AppendEventFacts(std::string& blob, const EventFacts& facts);

// The record's CloudTrail JSON (eventVersion 1.08): `json` when the record carries it (Insights
// events), else rendered from `facts`; "" when neither is usable.
std::string EventJson(const EventRecord& record);

}  // namespace rampart::store
