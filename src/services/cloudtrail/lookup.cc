#include "services/cloudtrail/lookup.h"

#include <boost/json.hpp>
#include <cmath>

#include "common/crypto.h"
#include "common/strings.h"
#include "store/event_json.h"

namespace rampart::services::cloudtrail {

namespace json = boost::json;

namespace {

constexpr int64_t kWindowMs = 90LL * 24 * 3600 * 1000;

Error Invalid(std::string code, std::string message) {
  return {std::move(code), std::move(message), 400, true};
}

std::string_view Str(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}

std::optional<int64_t> TimeMs(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  if (!v) return std::nullopt;
  if (v->is_double()) return static_cast<int64_t>(std::llround(v->as_double() * 1000));
  if (v->is_int64()) return v->as_int64() * 1000;
  return std::nullopt;
}

// NextToken: base64 of "<time_ms>:<seq>:<hash of the query>" so a token only continues the
// query that produced it.
std::string QueryHash(const store::EventQuery& q, const json::object& in) {
  auto given = [&](std::string_view k) {
    auto t = TimeMs(in, k);
    return t ? std::to_string(*t) : std::string("-");
  };
  return crypto::Sha256Hex(q.account_id + "\n" + q.attribute_key + "\n" + q.attribute_value +
                           "\n" + given("StartTime") + "\n" + given("EndTime") + "\n" +
                           q.category)
      .substr(0, 16);
}

Result<json::value> LookupEvents(store::EventStore& store, const Call& call, const json::object& in) {
  store::EventQuery q;
  q.account_id = call.principal.account_id;
  if (auto* attrs = in.if_contains("LookupAttributes"); attrs && attrs->is_array()) {
    if (attrs->as_array().size() > 1) {
      return Invalid("InvalidLookupAttributesException",
                     "You cannot specify more than one lookup attribute");
    }
    if (!attrs->as_array().empty()) {
      const json::object& a = attrs->as_array()[0].as_object();
      q.attribute_key = std::string(Str(a, "AttributeKey"));
      q.attribute_value = std::string(Str(a, "AttributeValue"));
      if (q.attribute_key == "ReadOnly" && q.attribute_value != "true" &&
          q.attribute_value != "false") {
        return Invalid("InvalidLookupAttributesException",
                       "The ReadOnly lookup attribute takes true or false");
      }
    }
  }
  int64_t now_ms = call.now_epoch_seconds * 1000;
  q.end_ms = TimeMs(in, "EndTime").value_or(now_ms);
  q.start_ms = TimeMs(in, "StartTime").value_or(now_ms - kWindowMs);
  if (q.start_ms > q.end_ms) {
    return Invalid("InvalidTimeRangeException",
                   "Start time must be earlier than end time.");
  }
  q.start_ms = std::max(q.start_ms, now_ms - kWindowMs);
  if (std::string_view cat = Str(in, "EventCategory"); !cat.empty()) {
    if (cat != "insight") {
      return Invalid("InvalidEventCategoryException", "EventCategory must be insight");
    }
    q.category = "Insight";
  }
  int64_t max = 50;
  if (auto* m = in.if_contains("MaxResults"); m && m->is_int64()) max = m->as_int64();
  if (max < 1 || max > 50) {
    return Invalid("InvalidMaxResultsException", "MaxResults must be between 1 and 50");
  }
  q.limit = static_cast<size_t>(max) + 1;
  if (std::string_view token = Str(in, "NextToken"); !token.empty()) {
    auto raw = crypto::Base64Decode(token);
    auto parts = raw.ok() ? Split(*raw, ':') : std::vector<std::string_view>{};
    if (parts.size() != 3 || parts[2] != QueryHash(q, in)) {
      return Invalid("InvalidNextTokenException", "The NextToken is invalid for this query.");
    }
    q.after = std::make_pair(std::strtoll(std::string(parts[0]).c_str(), nullptr, 10),
                             std::strtoll(std::string(parts[1]).c_str(), nullptr, 10));
  }
  RAMPART_ASSIGN_OR_RETURN(std::vector<store::EventRecord> rows, store.Lookup(q));
  json::array events;
  bool more = rows.size() > static_cast<size_t>(max);
  if (more) rows.resize(static_cast<size_t>(max));
  for (const auto& r : rows) {
    std::string text = store::EventJson(r);
    json::object e{{"EventId", r.event_id},
                   {"EventName", r.event_name},
                   {"ReadOnly", r.read_only ? "true" : "false"},
                   {"EventTime", static_cast<double>(r.event_time_ms) / 1000.0},
                   {"EventSource", r.event_source},
                   {"CloudTrailEvent", text}};
    if (!r.access_key_id.empty()) e["AccessKeyId"] = r.access_key_id;
    if (!r.username.empty()) e["Username"] = r.username;
    // The resources the record was indexed by (ResourceType / ResourceName lookups): names for
    // IAM's entities, ARNs for KMS keys and aliases and STS's roles, as AWS answers them.
    json::array resources;
    for (const store::EventResource& x : r.resources) {
      resources.push_back(json::object{{"ResourceType", x.type}, {"ResourceName", x.name}});
    }
    e["Resources"] = std::move(resources);
    events.push_back(std::move(e));
  }
  json::object out{{"Events", std::move(events)}};
  if (more && !rows.empty()) {
    out["NextToken"] = crypto::Base64Encode(std::to_string(rows.back().event_time_ms) + ":" +
                                            std::to_string(rows.back().seq) + ":" + QueryHash(q, in));
  }
  return json::value(std::move(out));
}

}  // namespace

ServiceTable LookupOperations(store::EventStore& events) {
  ServiceTable t{"cloudtrail", {}};
  t.operations.push_back({"LookupEvents", [&events](const Call& call, const json::value& in) {
                            static const json::object kEmpty;
                            return LookupEvents(events, call, in.is_object() ? in.as_object() : kEmpty);
                          }});
  return t;
}

}  // namespace rampart::services::cloudtrail
