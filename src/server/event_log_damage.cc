#include "server/event_log_damage.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cstdio>

#include "common/crypto.h"
#include "common/strings.h"

namespace rampart::server {

namespace json = boost::json;

std::string DamageCounters::Render() const {
  return fmt::format(
      "# HELP rampart_event_log_damaged_spans_total Damaged spans of the event log found at "
      "start (quarantined).\n"
      "# TYPE rampart_event_log_damaged_spans_total counter\n"
      "rampart_event_log_damaged_spans_total {}\n"
      "# HELP rampart_event_log_lost_records_total CloudTrail records lost to damaged spans.\n"
      "# TYPE rampart_event_log_lost_records_total counter\n"
      "rampart_event_log_lost_records_total {}\n",
      spans.load(), lost_records.load());
}

store::EventRecord GapEvent(const store::DamageReport& d, const std::string& account_id,
                            int64_t now_ms) {
  store::EventRecord r;
  r.event_id = crypto::RandomUuid();
  r.account_id = account_id;
  r.event_time_ms = now_ms;
  r.event_name = "EventHistoryGap";
  r.event_source = "cloudtrail.amazonaws.com";
  r.region = "us-east-1";
  r.error_code = "RecordsLost";
  r.user_agent = "cloudtrail.amazonaws.com";
  std::string message = std::to_string(d.lost_records) + " records lost to " +
                        std::to_string(d.bytes) + " damaged bytes of the event log at offset " +
                        std::to_string(d.offset);
  json::object additional{{"lostRecords", d.lost_records},
                          {"damagedBytes", d.bytes},
                          {"logOffset", d.offset}};
  if (!d.quarantine_path.empty()) additional["quarantinedTo"] = d.quarantine_path;
  json::object rec{
      {"eventVersion", "1.09"},
      {"userIdentity", json::object{{"type", "AWSService"}, {"invokedBy", "cloudtrail.amazonaws.com"}}},
      {"eventTime", FormatIso8601(static_cast<double>(now_ms / 1000))},
      {"eventSource", r.event_source},
      {"eventName", r.event_name},
      {"awsRegion", r.region},
      {"sourceIPAddress", "cloudtrail.amazonaws.com"},
      {"userAgent", r.user_agent},
      {"errorCode", r.error_code},
      {"errorMessage", message},
      {"requestParameters", nullptr},
      {"responseElements", nullptr},
      {"additionalEventData", std::move(additional)},
      {"eventID", r.event_id},
      {"readOnly", false},
      {"eventType", "AwsServiceEvent"},
      {"managementEvent", true},
      {"recipientAccountId", account_id},
      {"eventCategory", "Management"}};
  r.json = json::serialize(rec);
  return r;
}

Status ReportEventLogDamage(store::EventStore& events, const std::string& account_id,
                            int64_t now_ms, DamageCounters& counters) {
  std::vector<store::DamageReport> damage = events.Damage();
  if (damage.empty()) return {};
  std::vector<store::EventRecord> gaps;
  for (const auto& d : damage) {
    std::fprintf(stderr,
                 "rampart: event log damaged: %llu bytes at offset %llu, %lld records lost%s%s\n",
                 static_cast<unsigned long long>(d.bytes), static_cast<unsigned long long>(d.offset),
                 static_cast<long long>(d.lost_records),
                 d.quarantine_path.empty() ? "" : "; the bytes are kept in ",
                 d.quarantine_path.c_str());
    counters.spans.fetch_add(1);
    counters.lost_records.fetch_add(d.lost_records);
    gaps.push_back(GapEvent(d, account_id, now_ms));
  }
  // The gap events first: if the server stops before the acknowledgement, the next start
  // reports the damage again rather than never.
  RAMPART_RETURN_IF_ERROR(events.Append(gaps));
  return events.AcknowledgeDamage();
}

}  // namespace rampart::server
