#include "store/events.h"

#include "common/crypto.h"
#include "store/event_json.h"

namespace rampart::store {

namespace {
// The members EventRecord and EventView share, by name: strings one way, views the other.
template <typename To, typename From>
void CopyShared(To& to, const From& from) {
  to.event_time_ms = from.event_time_ms;
  to.read_only = from.read_only;
  to.event_id = from.event_id;
  to.account_id = from.account_id;
  to.event_name = from.event_name;
  to.event_source = from.event_source;
  to.username = from.username;
  to.access_key_id = from.access_key_id;
  to.category = from.category;
  to.region = from.region;
  to.error_code = from.error_code;
  to.principal_arn = from.principal_arn;
  to.user_agent = from.user_agent;
  to.json = from.json;
  to.facts = from.facts;
}
}  // namespace

EventView ViewOf(const EventRecord& r) {
  EventView v;
  CopyShared(v, r);
  v.resources = r.resources.empty() ? nullptr : &r.resources;
  return v;
}

EventRecord ToRecord(const EventView& v) {
  EventRecord r;
  CopyShared(r, v);
  if (v.resources) r.resources = *v.resources;
  if (v.event_id.empty() && v.event_uuid) {
    r.event_id.resize(36);
    crypto::FormatUuid(v.event_uuid, r.event_id.data());
  }
  if (v.call) {
    r.facts.clear();
    AppendEventFacts(r.facts, *v.call);
  }
  return r;
}

Result<int64_t> EventStore::AppendOne(const EventView& record) {
  std::vector<EventRecord> one;
  one.push_back(ToRecord(record));
  RAMPART_RETURN_IF_ERROR(Append(one));
  return one[0].seq;
}

}  // namespace rampart::store
