#include "spine/trail_model.h"

#include <fmt/format.h>

#include <ctime>

#include "common/crypto.h"
#include "common/strings.h"

namespace rampart::spine {

namespace json = boost::json;

namespace {

bool Bool(const json::object& o, std::string_view k, bool dflt) {
  const json::value* v = o.if_contains(k);
  return v && v->is_bool() ? v->as_bool() : dflt;
}
json::array Arr(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v && v->is_array() ? v->as_array() : json::array();
}

// Services whose events AWS records as global (in us-east-1) rather than regional.
bool IsGlobalServiceEvent(const store::EventRecord& r) {
  return r.event_source == "iam.amazonaws.com" || r.event_source == "sts.amazonaws.com" ||
         r.event_source == "signin.amazonaws.com" || r.event_source == "cloudfront.amazonaws.com" ||
         r.event_source == "route53.amazonaws.com" ||
         r.event_source == "organizations.amazonaws.com";
}

bool RegionMatches(const TrailConfig& t, const store::EventRecord& r) {
  if (!t.multi_region && r.region != t.home_region) return false;
  if (!t.include_global_events && IsGlobalServiceEvent(r)) return false;
  return true;
}

bool InLoggingWindow(const TrailConfig& t, const store::EventRecord& r) {
  if (r.seq <= t.start_seq || r.event_time_ms < t.start_logging_ms - 999) return false;
  if (!t.is_logging && (r.seq > t.stop_seq || r.event_time_ms > t.stop_logging_ms)) return false;
  return true;
}

bool BasicSelectorMatches(const json::object& sel, const store::EventRecord& r) {
  std::string_view rw = DocStr(sel, "ReadWriteType");
  if (rw == "ReadOnly" && !r.read_only) return false;
  if (rw == "WriteOnly" && r.read_only) return false;
  if (r.category == "Management") {
    if (!Bool(sel, "IncludeManagementEvents", true)) return false;
    for (const auto& src : Arr(sel, "ExcludeManagementEventSources")) {
      if (src.is_string() && src.as_string() == r.event_source) return false;
    }
    return true;
  }
  if (r.category != "Data") return false;
  for (const auto& dr_v : Arr(sel, "DataResources")) {
    if (!dr_v.is_object()) continue;
    const json::object& dr = dr_v.as_object();
    std::string_view type = DocStr(dr, "Type");
    for (const auto& res : r.resources) {
      if (res.type != type) continue;
      for (const auto& val : Arr(dr, "Values")) {
        if (!val.is_string()) continue;
        std::string_view prefix = val.as_string();
        // "arn:aws:s3" (or "arn:aws:s3:::") selects every object of the type.
        if (prefix == "arn:aws:s3" || prefix == "arn:aws:s3:::" || prefix == "arn:aws:lambda" ||
            StartsWith(res.name, prefix)) {
          return true;
        }
      }
    }
  }
  return false;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool FieldMatchesOne(const json::object& fs, std::string_view value) {
  auto any = [&](std::string_view op, auto pred) {
    for (const auto& v : Arr(fs, op)) {
      if (v.is_string() && pred(std::string_view(v.as_string()))) return true;
    }
    return false;
  };
  auto has = [&](std::string_view op) { return !Arr(fs, op).empty(); };
  if (has("Equals") && !any("Equals", [&](std::string_view x) { return value == x; })) return false;
  if (has("StartsWith") &&
      !any("StartsWith", [&](std::string_view x) { return StartsWith(value, x); }))
    return false;
  if (has("EndsWith") && !any("EndsWith", [&](std::string_view x) { return EndsWith(value, x); }))
    return false;
  if (any("NotEquals", [&](std::string_view x) { return value == x; })) return false;
  if (any("NotStartsWith", [&](std::string_view x) { return StartsWith(value, x); })) return false;
  if (any("NotEndsWith", [&](std::string_view x) { return EndsWith(value, x); })) return false;
  return true;
}

bool AdvancedSelectorMatches(const json::object& sel, const store::EventRecord& r) {
  for (const auto& fs_v : Arr(sel, "FieldSelectors")) {
    if (!fs_v.is_object()) continue;
    const json::object& fs = fs_v.as_object();
    std::string_view field = DocStr(fs, "Field");
    bool ok = false;
    if (field == "eventCategory") {
      ok = FieldMatchesOne(fs, r.category);
    } else if (field == "readOnly") {
      ok = FieldMatchesOne(fs, r.read_only ? "true" : "false");
    } else if (field == "eventSource") {
      ok = FieldMatchesOne(fs, r.event_source);
    } else if (field == "eventName") {
      ok = FieldMatchesOne(fs, r.event_name);
    } else if (field == "eventType") {
      ok = FieldMatchesOne(fs, "AwsApiCall");
    } else if (field == "resources.type" || field == "resources.ARN") {
      for (const auto& res : r.resources) {
        if (FieldMatchesOne(fs, field == "resources.type" ? res.type : res.name)) ok = true;
      }
    } else {
      ok = true;  // fields Rampart does not record (e.g. userIdentity.arn) do not narrow
    }
    if (!ok) return false;
  }
  return true;
}

std::tm Utc(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

std::string JoinPrefix(std::string_view prefix) {
  if (prefix.empty()) return "";
  std::string p(prefix);
  if (p.back() != '/') p.push_back('/');
  return p;
}

}  // namespace

Result<TrailConfig> ParseTrailDoc(std::string_view account_id, std::string_view doc) {
  boost::system::error_code ec;
  json::value v = json::parse(doc, ec);
  if (ec || !v.is_object()) return Error::Internal("corrupt trail document");
  const json::object& o = v.as_object();
  TrailConfig t;
  t.account_id = std::string(account_id);
  t.id = DocStr(o, "_Id");
  t.name = DocStr(o, "Name");
  t.arn = DocStr(o, "TrailARN");
  t.home_region = DocStr(o, "HomeRegion");
  t.bucket = DocStr(o, "S3BucketName");
  t.key_prefix = DocStr(o, "S3KeyPrefix");
  t.multi_region = Bool(o, "IsMultiRegionTrail", false);
  t.include_global_events = Bool(o, "IncludeGlobalServiceEvents", true);
  t.validation = Bool(o, "LogFileValidationEnabled", false);
  t.is_logging = Bool(o, "_IsLogging", false);
  t.start_logging_ms = DocInt(o, "_StartLoggingMs");
  t.stop_logging_ms = DocInt(o, "_StopLoggingMs");
  t.start_seq = DocInt(o, "_StartSeq");
  t.stop_seq = DocInt(o, "_StopSeq");
  t.event_selectors = Arr(o, "_EventSelectors");
  t.advanced_selectors = Arr(o, "_AdvancedEventSelectors");
  for (const auto& s : Arr(o, "_InsightSelectors")) {
    if (!s.is_object()) continue;
    std::string_view type = DocStr(s.as_object(), "InsightType");
    if (type == kCallRateInsight) t.call_rate_insight = true;
    if (type == kErrorRateInsight) t.error_rate_insight = true;
  }
  return t;
}

bool TrailWantsRecord(const TrailConfig& t, const store::EventRecord& r) {
  if (r.category == "Insight" || r.account_id != t.account_id) return false;
  if (!RegionMatches(t, r) || !InLoggingWindow(t, r)) return false;
  if (!t.advanced_selectors.empty()) {
    for (const auto& s : t.advanced_selectors) {
      if (s.is_object() && AdvancedSelectorMatches(s.as_object(), r)) return true;
    }
    return false;
  }
  if (t.event_selectors.empty()) return r.category == "Management";  // AWS's default selector
  for (const auto& s : t.event_selectors) {
    if (s.is_object() && BasicSelectorMatches(s.as_object(), r)) return true;
  }
  return false;
}

bool TrailWantsInsight(const TrailConfig& t, const store::EventRecord& r,
                       std::string_view insight_type) {
  if (r.category != "Insight" || r.account_id != t.account_id) return false;
  if (!t.multi_region && r.region != t.home_region) return false;
  if (!InLoggingWindow(t, r)) return false;
  return (insight_type == kCallRateInsight && t.call_rate_insight) ||
         (insight_type == kErrorRateInsight && t.error_rate_insight);
}

std::string FormatTrailTime(int64_t ms) {
  std::tm tm = Utc(ms);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string LogFolder(std::string_view prefix, std::string_view account, std::string_view region) {
  return fmt::format("{}AWSLogs/{}/CloudTrail/{}/", JoinPrefix(prefix), account, region);
}

std::string LogFileKey(std::string_view prefix, std::string_view account, std::string_view region,
                       int64_t ms, std::string_view unique, bool insight) {
  std::tm tm = Utc(ms);
  std::string_view kind = insight ? "CloudTrail-Insight" : "CloudTrail";
  return fmt::format(
      "{}AWSLogs/{}/{}/{}/{:04d}/{:02d}/{:02d}/"
      "{}_{}_{}_{:04d}{:02d}{:02d}T{:02d}{:02d}Z_{}.json.gz",
      JoinPrefix(prefix), account, kind, region, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
      account, kind, region, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
      unique);
}

std::string DigestFolder(std::string_view prefix, std::string_view account,
                         std::string_view region) {
  return fmt::format("{}AWSLogs/{}/CloudTrail-Digest/{}/", JoinPrefix(prefix), account, region);
}

std::string DigestKey(std::string_view prefix, std::string_view account, std::string_view region,
                      std::string_view trail_name, std::string_view home_region, int64_t end_ms) {
  std::tm tm = Utc(end_ms);
  return fmt::format(
      "{}{:04d}/{:02d}/{:02d}/"
      "{}_CloudTrail-Digest_{}_{}_{}_{:04d}{:02d}{:02d}T{:02d}{:02d}{:02d}Z.json.gz",
      DigestFolder(prefix, account, region), tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, account,
      region, trail_name, home_region, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
      tm.tm_min, tm.tm_sec);
}

std::string RandomAlnum(size_t n) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string bytes = crypto::RandomBytes(n * 2);
  std::string out;
  for (size_t i = 0; out.size() < n; ++i) {
    if (i >= bytes.size()) {
      bytes = crypto::RandomBytes(n * 2);
      i = 0;
    }
    auto b = static_cast<unsigned char>(bytes[i]);
    if (b < 248) out.push_back(kAlphabet[b % 62]);  // 248 = 4*62: unbiased
  }
  return out;
}

int64_t DocInt(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  if (!v) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<int64_t>(v->as_double());
  return 0;
}

std::string_view DocStr(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}

}  // namespace rampart::spine
