#include "spine/insights.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "common/crypto.h"
#include "spine/trail_model.h"

namespace rampart::spine {

namespace json = boost::json;

namespace {

void Merge(std::map<std::string, int64_t>& into, const std::map<std::string, int64_t>& from) {
  for (const auto& [k, v] : from) into[k] += v;
  if (into.size() > 200) {  // keep the heaviest 100: attributions only report the top 5
    std::vector<std::pair<int64_t, std::string>> v;
    for (const auto& [k, n] : into) v.emplace_back(n, k);
    std::nth_element(v.begin(), v.begin() + 100, v.end(), std::greater<>());
    into.clear();
    for (size_t i = 0; i < 100; ++i) into.emplace(v[i].second, v[i].first);
  }
}

json::array Top5(const std::map<std::string, int64_t>& counts, double per_minute_factor) {
  std::vector<std::pair<int64_t, std::string>> v;
  for (const auto& [k, n] : counts) v.emplace_back(n, k);
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  json::array out;
  for (size_t i = 0; i < v.size() && i < 5; ++i) {
    out.push_back(json::object{{"value", v[i].second},
                               {"average", static_cast<double>(v[i].first) * per_minute_factor}});
  }
  return out;
}

double Round2(double x) { return std::round(x * 100.0) / 100.0; }

}  // namespace

ObservedCall ObservedFromRecord(const store::EventRecord& r) {
  ObservedCall c;
  c.account_id = r.account_id;
  c.region = r.region;
  c.event_source = r.event_source;
  c.event_name = r.event_name;
  c.time_ms = r.event_time_ms;
  c.write_management = !r.read_only && r.category == "Management";
  c.error_code = r.error_code;
  c.user_agent = r.user_agent;
  c.user_arn = r.principal_arn;
  return c;
}

store::EventRecord InsightEvent::ToRecord() const {
  store::EventRecord r;
  r.event_id = event_id;
  r.account_id = account_id;
  r.event_time_ms = time_ms;
  r.event_name = event_name;
  r.event_source = event_source;
  r.read_only = false;
  r.category = "Insight";
  r.region = region;
  r.json = json;
  return r;
}

InsightsDetector::InsightsDetector(InsightsOptions options) : options_(options) {
  if (options_.bucket_ms <= 0) options_.bucket_ms = 60000;
  if (options_.baseline_buckets <= 0) options_.baseline_buckets = 1;
}

void InsightsDetector::Begin(int64_t now_ms) { start_bucket_ = now_ms / options_.bucket_ms + 1; }

void InsightsDetector::Observe(const ObservedCall& c) {
  if (start_bucket_ < 0) return;
  if (c.write_management) Add(std::string(kCallRateInsight), c);
  if (!c.error_code.empty()) Add(std::string(kErrorRateInsight), c);
}

void InsightsDetector::Add(const std::string& type, const ObservedCall& c) {
  int64_t bucket = c.time_ms / options_.bucket_ms;
  if (bucket < start_bucket_) return;
  std::string key =
      fmt::format("{}|{}|{}|{}|{}", c.account_id, c.region, c.event_source, c.event_name, type);
  auto [it, inserted] = series_.try_emplace(key);
  Series& s = it->second;
  if (inserted) {
    s.account_id = c.account_id;
    s.region = c.region;
    s.event_source = c.event_source;
    s.event_name = c.event_name;
    s.insight_type = type;
    // Every bucket before the first call of a series had no calls: the ring starts at zeros.
    s.last_closed = std::max(start_bucket_ - 1, bucket - 1);
    int64_t global_closed = start_bucket_ - 1;
    for (const auto& [k, other] : series_)
      global_closed = std::max(global_closed, other.last_closed);
    s.last_closed = std::min(s.last_closed, global_closed);
  }
  if (bucket <= s.last_closed) return;  // too late: that bucket was already judged
  Bucket& b = s.open[bucket];
  ++b.count;
  ++b.users[c.user_arn.empty() ? "null" : c.user_arn];
  ++b.agents[c.user_agent.empty() ? "null" : c.user_agent];
  ++b.errors[c.error_code.empty() ? "null" : c.error_code];
}

std::vector<InsightEvent> InsightsDetector::Advance(
    int64_t now_ms, const std::function<bool(std::string_view, std::string_view)>& enabled) {
  std::vector<InsightEvent> out;
  if (start_bucket_ < 0) return out;
  int64_t target = (now_ms - options_.grace_ms) / options_.bucket_ms - 1;
  const int64_t n = options_.baseline_buckets;
  for (auto& [key, s] : series_) {
    bool emit = enabled(s.account_id, s.insight_type);
    int64_t b = s.last_closed + 1;
    while (b <= target) {
      // A long quiet stretch: the whole window becomes zeros at once.
      if (!s.active && (s.open.empty() || s.open.begin()->first > target) && target - b + 1 >= n) {
        std::fill(s.window.begin(), s.window.end(), 0);
        s.base_buckets += target - b + 1;
        b = target + 1;
        break;
      }
      Close(s, b, emit, out);
      ++b;
    }
    s.last_closed = std::max(s.last_closed, target);
  }
  std::sort(out.begin(), out.end(),
            [](const InsightEvent& a, const InsightEvent& b) { return a.time_ms < b.time_ms; });
  return out;
}

void InsightsDetector::Close(Series& s, int64_t b, bool emit, std::vector<InsightEvent>& out) {
  const int64_t n = options_.baseline_buckets;
  if (s.window.empty()) s.window.assign(static_cast<size_t>(n), 0);
  Bucket bucket;
  if (auto it = s.open.find(b); it != s.open.end()) {
    bucket = std::move(it->second);
    s.open.erase(it);
  }
  double sum = 0, sumsq = 0;
  for (int64_t x : s.window) {
    sum += static_cast<double>(x);
    sumsq += static_cast<double>(x) * static_cast<double>(x);
  }
  double mean = sum / static_cast<double>(n);
  double sd = std::sqrt(std::max(0.0, sumsq / static_cast<double>(n) - mean * mean));
  double threshold =
      mean + std::max({options_.sigma * sd, options_.relative * mean, options_.min_delta});
  double count = static_cast<double>(bucket.count);
  double per_minute = 60000.0 / static_cast<double>(options_.bucket_ms);
  bool full = b - start_bucket_ >= n;

  bool anomalous = false;
  if (full) {
    if (!s.active && count > threshold) {
      anomalous = true;
      s.active = true;
      s.start_threshold = threshold;
      s.start_mean = mean;
      s.insight_start = b;
      s.insight_buckets = 1;
      s.insight_total = bucket.count;
      s.ins_users = bucket.users;
      s.ins_agents = bucket.agents;
      s.ins_errors = bucket.errors;
      s.shared_id = crypto::RandomUuid();
      if (emit) {
        out.push_back(
            MakeEvent(s, "Start", b * options_.bucket_ms, mean * per_minute, count * per_minute));
      }
    } else if (s.active && count > std::max(s.start_threshold, threshold)) {
      anomalous = true;
      ++s.insight_buckets;
      s.insight_total += bucket.count;
      Merge(s.ins_users, bucket.users);
      Merge(s.ins_agents, bucket.agents);
      Merge(s.ins_errors, bucket.errors);
    } else if (s.active) {
      s.active = false;
      if (emit) {
        double avg = static_cast<double>(s.insight_total) /
                     static_cast<double>(std::max<int64_t>(1, s.insight_buckets));
        out.push_back(MakeEvent(s, "End", b * options_.bucket_ms, s.start_mean * per_minute,
                                avg * per_minute));
      }
    }
  }
  if (!anomalous) {
    Merge(s.base_users, bucket.users);
    Merge(s.base_agents, bucket.agents);
    Merge(s.base_errors, bucket.errors);
    ++s.base_buckets;
  }
  s.window[static_cast<size_t>(b % n)] = bucket.count;
}

InsightEvent InsightsDetector::MakeEvent(const Series& s, std::string_view state, int64_t time_ms,
                                         double baseline_avg, double insight_avg) const {
  InsightEvent e;
  e.account_id = s.account_id;
  e.region = s.region;
  e.event_source = s.event_source;
  e.event_name = s.event_name;
  e.insight_type = s.insight_type;
  e.state = std::string(state);
  e.event_id = crypto::RandomUuid();
  e.time_ms = time_ms;
  double per_minute = 60000.0 / static_cast<double>(options_.bucket_ms);
  auto minutes = [&](int64_t buckets) {
    return std::max<int64_t>(1, (buckets * options_.bucket_ms + 59999) / 60000);
  };
  double ins_factor = per_minute / static_cast<double>(std::max<int64_t>(1, s.insight_buckets));
  double base_factor = per_minute / static_cast<double>(std::max<int64_t>(1, s.base_buckets));
  json::object stats{{"baseline", json::object{{"average", Round2(baseline_avg)}}},
                     {"insight", json::object{{"average", Round2(insight_avg)}}}};
  if (state == "End") stats["insightDuration"] = minutes(s.insight_buckets);
  stats["baselineDuration"] = minutes(options_.baseline_buckets);
  json::array attributions;
  for (auto [name, ins, base] : {std::tuple{"userIdentityArn", &s.ins_users, &s.base_users},
                                 std::tuple{"userAgent", &s.ins_agents, &s.base_agents},
                                 std::tuple{"errorCode", &s.ins_errors, &s.base_errors}}) {
    attributions.push_back(json::object{{"attribute", name},
                                        {"insight", Top5(*ins, ins_factor)},
                                        {"baseline", Top5(*base, base_factor)}});
  }
  json::object details{{"state", e.state},
                       {"eventSource", s.event_source},
                       {"eventName", s.event_name},
                       {"insightType", s.insight_type}};
  if (s.insight_type == kErrorRateInsight && !s.ins_errors.empty()) {
    auto top = std::max_element(s.ins_errors.begin(), s.ins_errors.end(),
                                [](const auto& a, const auto& b) { return a.second < b.second; });
    details["errorCode"] = top->first;
  }
  details["insightContext"] =
      json::object{{"statistics", std::move(stats)}, {"attributions", std::move(attributions)}};
  json::object rec{{"eventVersion", "1.08"},
                   {"eventTime", FormatTrailTime(time_ms)},
                   {"awsRegion", s.region},
                   {"eventID", e.event_id},
                   {"eventType", "AwsCloudTrailInsight"},
                   {"recipientAccountId", s.account_id},
                   {"sharedEventID", s.shared_id},
                   {"insightDetails", std::move(details)},
                   {"eventCategory", "Insight"}};
  e.json = json::serialize(rec);
  return e;
}

}  // namespace rampart::spine
