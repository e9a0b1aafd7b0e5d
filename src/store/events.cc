#include "store/events.h"

namespace rampart::store {

EventView ViewOf(const EventRecord& r) {
  EventView v;
  v.event_time_ms = r.event_time_ms;
  v.read_only = r.read_only;
  v.event_id = r.event_id;
  v.account_id = r.account_id;
  v.event_name = r.event_name;
  v.event_source = r.event_source;
  v.username = r.username;
  v.access_key_id = r.access_key_id;
  v.category = r.category;
  v.region = r.region;
  v.error_code = r.error_code;
  v.principal_arn = r.principal_arn;
  v.user_agent = r.user_agent;
  v.json = r.json;
  v.facts = r.facts;
  v.resources = r.resources.empty() ? nullptr : &r.resources;
  return v;
}

EventRecord ToRecord(const EventView& v) {
  EventRecord r;
  r.event_time_ms = v.event_time_ms;
  r.read_only = v.read_only;
  r.event_id = v.event_id;
  r.account_id = v.account_id;
  r.event_name = v.event_name;
  r.event_source = v.event_source;
  r.username = v.username;
  r.access_key_id = v.access_key_id;
  r.category = v.category;
  r.region = v.region;
  r.error_code = v.error_code;
  r.principal_arn = v.principal_arn;
  r.user_agent = v.user_agent;
  r.json = v.json;
  r.facts = v.facts;
  if (v.resources) r.resources = *v.resources;
  return r;
}

Result<int64_t> EventStore::AppendOne(const EventView& record) {
  std::vector<EventRecord> one;
  one.push_back(ToRecord(record));
  RAMPART_RETURN_IF_ERROR(Append(one));
  return one[0].seq;
}

}  // namespace rampart::store
