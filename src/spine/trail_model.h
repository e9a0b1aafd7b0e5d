#pragma once
// Trails as the delivery side sees them: the stored trail document, which records a trail
// takes, and AWS's object key layout. Pure apart from parsing; no I/O.
//
// Storage (entity store, in the trail's account; written by services/cloudtrail):
//   kind "cloudtrail-trail", key = trail name. The document is the model's `Trail` structure
//   (Name, S3BucketName, S3KeyPrefix, IsMultiRegionTrail, HomeRegion, TrailARN,
//   LogFileValidationEnabled, HasCustomEventSelectors, HasInsightSelectors, ...) plus internal
//   members whose names start with '_' (never returned on the wire):
//     _Id                   random id of this incarnation (a re-created trail starts afresh)
//     _EventSelectors, _AdvancedEventSelectors, _InsightSelectors, _Tags
//     _IsLogging, _StartLoggingMs, _StopLoggingMs
//     _StartSeq, _StopSeq   event-store positions at StartLogging / StopLogging
//   kind "cloudtrail-delivery", key = trail name: the delivery state owned by TrailDelivery
//   (cursor, latest delivery times, pending log files and the digest chain per region).

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "store/events.h"

namespace rampart::spine {

inline constexpr std::string_view kTrailKind = "cloudtrail-trail";
inline constexpr std::string_view kDeliveryKind = "cloudtrail-delivery";
inline constexpr std::string_view kCallRateInsight = "ApiCallRateInsight";
inline constexpr std::string_view kErrorRateInsight = "ApiErrorRateInsight";

struct TrailConfig {
  std::string account_id;
  std::string id;  // _Id
  std::string name;
  std::string arn;
  std::string home_region;
  std::string bucket;
  std::string key_prefix;
  bool multi_region = false;
  bool include_global_events = true;
  bool validation = false;
  bool is_logging = false;
  int64_t start_logging_ms = 0;
  int64_t stop_logging_ms = 0;
  int64_t start_seq = 0;
  int64_t stop_seq = 0;
  boost::json::array event_selectors;     // EventSelector shapes (empty: the default one)
  boost::json::array advanced_selectors;  // AdvancedEventSelector shapes
  bool call_rate_insight = false;
  bool error_rate_insight = false;
};

Result<TrailConfig> ParseTrailDoc(std::string_view account_id, std::string_view doc);

// Whether a management or data event belongs in the trail: account, region (home region or
// multi-region; global-service events only with IncludeGlobalServiceEvents), the logging window,
// and the event selectors (basic: ReadWriteType, IncludeManagementEvents,
// ExcludeManagementEventSources, DataResources; advanced: eventCategory, readOnly, eventSource,
// eventName, eventType, resources.type, resources.ARN with Equals/StartsWith/EndsWith and their
// negations). Insight records are never taken here (see TrailWantsInsight).
bool TrailWantsRecord(const TrailConfig& trail, const store::EventRecord& r);
// Insight events go to trails with the matching insight selector in the event's region.
bool TrailWantsInsight(const TrailConfig& trail, const store::EventRecord& r,
                       std::string_view insight_type);

// "2024-01-02T03:04:05Z" (CloudTrail record and digest times: whole seconds, UTC).
std::string FormatTrailTime(int64_t ms);
// `[prefix/]AWSLogs/<acct>/CloudTrail[-Insight]/<region>/YYYY/MM/DD/
//  <acct>_CloudTrail[-Insight]_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz`
std::string LogFileKey(std::string_view prefix, std::string_view account, std::string_view region,
                       int64_t ms, std::string_view unique, bool insight);
// `[prefix/]AWSLogs/<acct>/CloudTrail-Digest/<region>/YYYY/MM/DD/
//  <acct>_CloudTrail-Digest_<region>_<trail>_<homeRegion>_<YYYYMMDDTHHMMSSZ>.json.gz`
std::string DigestKey(std::string_view prefix, std::string_view account, std::string_view region,
                      std::string_view trail_name, std::string_view home_region, int64_t end_ms);
// The folder holding the digests of one region:
// `[prefix/]AWSLogs/<acct>/CloudTrail-Digest/<region>/`.
std::string DigestFolder(std::string_view prefix, std::string_view account,
                         std::string_view region);
std::string LogFolder(std::string_view prefix, std::string_view account, std::string_view region);
// 16 random characters of [A-Za-z0-9].
std::string RandomAlnum(size_t n);

// Fields of stored trail documents: 0 / "" when absent or of another type.
int64_t DocInt(const boost::json::object& o, std::string_view key);
std::string_view DocStr(const boost::json::object& o, std::string_view key);

}  // namespace rampart::spine
