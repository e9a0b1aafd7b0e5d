#include "spine/trail_delivery.h"

#include <algorithm>

#include <fmt/format.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>

#include "common/crypto.h"
#include "spine/trail_keys.h"
#include "store/event_json.h"

namespace rampart::spine {

namespace json = boost::json;

namespace {

json::object ParseObject(std::string_view doc) {
  boost::system::error_code ec;
  json::value v = json::parse(doc, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.as_object());
}

// One region's slice of a pass: the records' JSON and their time range.
struct Batch {
  std::string body;  // comma-separated records
  size_t count = 0;
  int64_t oldest_ms = INT64_MAX, newest_ms = 0;
  void Add(const store::EventRecord& r) {
    if (count++) body.push_back(',');
    body += store::EventJson(r);
    oldest_ms = std::min(oldest_ms, r.event_time_ms);
    newest_ms = std::max(newest_ms, r.event_time_ms);
  }
};

}  // namespace

DeliveryStatus ParseDeliveryStatus(std::string_view doc) {
  json::object o = ParseObject(doc);
  DeliveryStatus s;
  s.latest_delivery_ms = DocInt(o, "LatestDeliveryMs");
  s.latest_delivery_attempt_ms = DocInt(o, "LatestDeliveryAttemptMs");
  s.latest_delivery_error = DocStr(o, "LatestDeliveryError");
  s.latest_digest_delivery_ms = DocInt(o, "LatestDigestDeliveryMs");
  s.latest_digest_delivery_error = DocStr(o, "LatestDigestDeliveryError");
  s.cursor = DocInt(o, "Cursor");
  s.trail_id = DocStr(o, "TrailId");
  return s;
}

TrailDelivery::TrailDelivery(store::Store& store, store::EventStore& events, TrailSink& sink,
                             DeliveryOptions options)
    : store_(store),
      events_(events),
      sink_(sink),
      options_(std::move(options)),
      insights_(options_.insights) {}

TrailDelivery::~TrailDelivery() { Stop(); }

int64_t TrailDelivery::Now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void TrailDelivery::Start() {
  int64_t tick = std::min({options_.delivery_interval_ms, options_.digest_interval_ms,
                           options_.insights.bucket_ms / 2});
  tick = std::clamp<int64_t>(tick, 100, 10000);
  thread_ = std::thread([this, tick] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      uint64_t serving = requested_;  // every DeliverNow up to here is served by this pass
      bool force = served_ < serving;
      lock.unlock();
      Status st = RunOnce(Now(), force);
      if (!st.ok())
        std::fprintf(stderr, "rampart: trail delivery: %s\n", st.error().message.c_str());
      lock.lock();
      served_ = serving;
      done_cv_.notify_all();
      cv_.wait_for(lock, std::chrono::milliseconds(tick),
                   [this] { return stopping_ || requested_ > served_; });
    }
  });
}

Status TrailDelivery::DeliverNow() {
  std::unique_lock lock(mu_);
  if (stopping_) return Error::Unavailable("trail delivery is stopping");
  if (!thread_.joinable()) {
    lock.unlock();
    return RunOnce(Now(), /*force=*/true);
  }
  uint64_t ticket = ++requested_;
  cv_.notify_all();
  done_cv_.wait(lock, [&] { return served_ >= ticket || stopping_; });
  return {};
}

void TrailDelivery::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  done_cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    (void)RunOnce(Now(), /*force=*/true);
  }
}

Status TrailDelivery::RunOnce(int64_t now_ms, bool force) {
  // Every trail of every account.
  RAMPART_ASSIGN_OR_RETURN(auto accounts, store_.accounts().ListAccounts());
  std::vector<TrailConfig> trails;
  for (const auto& account : accounts) {
    RAMPART_RETURN_IF_ERROR(store_.entities().Transact([&](store::EntityTx& tx) -> Status {
      RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(account.account_id, kTrailKind, "", "", 1000));
      for (const auto& row : rows) {
        auto t = ParseTrailDoc(account.account_id, row.doc);
        if (t.ok()) trails.push_back(std::move(*t));
      }
      return {};
    }));
  }
  Status insights = RunInsights(now_ms, trails);
  if (!insights.ok()) {
    std::fprintf(stderr, "rampart: insights: %s\n", insights.error().message.c_str());
  }
  Status first_error;
  for (const auto& t : trails) {
    Status st = DeliverTrail(t, now_ms, force);
    if (!st.ok() && first_error.ok()) first_error = st;
  }
  return first_error;
}

Status TrailDelivery::RunInsights(int64_t now_ms, const std::vector<TrailConfig>& trails) {
  if (insights_cursor_ < 0) {
    RAMPART_ASSIGN_OR_RETURN(insights_cursor_, events_.LastSeq());
    insights_.Begin(now_ms);
    return {};
  }
  // As in AWS, the baseline is learnt only while some trail has Insights enabled: otherwise
  // skip the records (reading and counting every call costs ~7k instructions a call).
  bool any_enabled = std::any_of(trails.begin(), trails.end(), [](const TrailConfig& t) {
    return t.is_logging && (t.call_rate_insight || t.error_rate_insight);
  });
  if (!any_enabled) {
    RAMPART_ASSIGN_OR_RETURN(insights_cursor_, events_.LastSeq());
    return {};
  }
  for (;;) {
    RAMPART_ASSIGN_OR_RETURN(auto batch, events_.ReadAfter(insights_cursor_, 2000));
    for (const auto& r : batch) {
      insights_cursor_ = r.seq;
      if (r.category != "Insight") insights_.Observe(ObservedFromRecord(r));
    }
    if (batch.size() < 2000) break;
  }
  auto enabled = [&](std::string_view account, std::string_view type) {
    for (const auto& t : trails) {
      if (t.account_id != account || !t.is_logging) continue;
      if ((type == kCallRateInsight && t.call_rate_insight) ||
          (type == kErrorRateInsight && t.error_rate_insight)) {
        return true;
      }
    }
    return false;
  };
  std::vector<InsightEvent> raised = insights_.Advance(now_ms, enabled);
  if (raised.empty()) return {};
  std::vector<store::EventRecord> records;
  for (const auto& e : raised) records.push_back(e.ToRecord());
  RAMPART_RETURN_IF_ERROR(events_.Append(records));
  // Our own appends carry nothing to observe.
  for (const auto& r : records) insights_cursor_ = std::max(insights_cursor_, r.seq);
  return {};
}

Status TrailDelivery::DeliverTrail(const TrailConfig& trail, int64_t now_ms, bool force) {
  json::object state;
  RAMPART_RETURN_IF_ERROR(store_.entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto doc, tx.Get(trail.account_id, kDeliveryKind, trail.name));
    if (doc) state = ParseObject(*doc);
    return {};
  }));
  if (DocStr(state, "TrailId") != trail.id) state = json::object{{"TrailId", trail.id}};
  json::object& regions = state["Regions"].is_object() ? state["Regions"].as_object()
                                                       : state["Regions"].emplace_object();
  int64_t cursor = std::max(DocInt(state, "Cursor"), trail.start_seq);
  bool has_pending_window = trail.is_logging || cursor < trail.stop_seq;
  // Due at the time set by the last pass, or one interval after the last attempt if the
  // interval is shorter now (a server restarted with a new --trail-delivery-seconds).
  int64_t next = DocInt(state, "NextDeliveryMs");
  if (int64_t attempt = DocInt(state, "LatestDeliveryAttemptMs"); attempt > 0) {
    next = std::min(next, attempt + options_.delivery_interval_ms);
  }
  bool due = force || now_ms >= next;
  bool changed = false;

  // ---- Log files ----
  if (has_pending_window && due) {
    std::map<std::string, Batch> logs, insight_logs;
    size_t read = 0;
    int64_t limit_seq = trail.is_logging ? INT64_MAX : trail.stop_seq;
    bool more = true;
    while (more && read < options_.max_records_per_pass) {
      RAMPART_ASSIGN_OR_RETURN(auto batch, events_.ReadAfter(cursor, 1000));
      more = batch.size() == 1000;
      for (const auto& r : batch) {
        if (r.seq > limit_seq) {
          more = false;
          break;
        }
        cursor = r.seq;
        ++read;
        if (r.category == "Insight") {
          boost::system::error_code ec;
          json::value v = json::parse(store::EventJson(r), ec);
          std::string type;
          if (!ec && v.is_object()) {
            if (const auto* d = v.as_object().if_contains("insightDetails"); d && d->is_object()) {
              type = DocStr(d->as_object(), "insightType");
            }
          }
          if (TrailWantsInsight(trail, r, type)) insight_logs[r.region].Add(r);
        } else if (TrailWantsRecord(trail, r)) {
          logs[r.region].Add(r);
        }
      }
    }
    std::string error;
    for (auto* group : {&logs, &insight_logs}) {
      bool insight = group == &insight_logs;
      for (auto& [region, b] : *group) {
        std::string body = "{\"Records\":[" + b.body + "]}";
        std::string key = LogFileKey(trail.key_prefix, trail.account_id, region, now_ms,
                                     RandomAlnum(16), insight);
        auto gz = Gzip(body);
        Status put = gz.ok() ? sink_.PutForTrail(trail.arn, trail.account_id, trail.bucket, key, *gz, {}) : Status(gz.error());
        if (!put.ok()) {
          error = put.error().message;
          break;
        }
        if (!insight && trail.validation) {
          json::object& rs = regions[region].is_object() ? regions[region].as_object()
                                                         : regions[region].emplace_object();
          json::array& pending =
              rs["Pending"].is_array() ? rs["Pending"].as_array() : rs["Pending"].emplace_array();
          pending.push_back(json::object{{"s3Bucket", trail.bucket},
                                         {"s3Object", key},
                                         {"hashValue", crypto::Sha256Hex(body)},
                                         {"hashAlgorithm", "SHA-256"},
                                         {"newestEventTime", FormatTrailTime(b.newest_ms)},
                                         {"oldestEventTime", FormatTrailTime(b.oldest_ms)}});
        }
        state["LatestDeliveryMs"] = now_ms;
      }
      if (!error.empty()) break;
    }
    state["LatestDeliveryAttemptMs"] = now_ms;
    state["NextDeliveryMs"] = now_ms + options_.delivery_interval_ms;
    if (error.empty()) {
      state["Cursor"] = cursor;
      state["LatestDeliveryError"] = "";
    } else {
      // Nothing of this pass counts: the same records are delivered again next time.
      state["LatestDeliveryError"] = error;
    }
    changed = true;
  }

  // ---- Digests ----
  if (trail.validation && trail.is_logging) {
    int64_t period_start = DocInt(state, "DigestPeriodStartMs");
    if (period_start == 0) {
      state["DigestPeriodStartMs"] =
          std::max(trail.start_logging_ms, now_ms - options_.digest_interval_ms);
      period_start = DocInt(state, "DigestPeriodStartMs");
      changed = true;
    }
    if (now_ms - period_start >= options_.digest_interval_ms) {
      std::set<std::string> names{trail.home_region};
      for (const auto& [region, v] : regions) names.insert(std::string(region));
      std::string error;
      for (const auto& region : names) {
        json::object& rs = regions[region].is_object() ? regions[region].as_object()
                                                       : regions[region].emplace_object();
        auto key = CurrentSigningKey(store_, trail.account_id, region, now_ms);
        if (!key.ok()) {
          error = key.error().message;
          break;
        }
        json::array pending = rs["Pending"].is_array() ? rs["Pending"].as_array() : json::array();
        std::string newest, oldest;
        for (const auto& lf : pending) {
          std::string n(DocStr(lf.as_object(), "newestEventTime"));
          std::string o(DocStr(lf.as_object(), "oldestEventTime"));
          if (newest.empty() || n > newest) newest = n;
          if (oldest.empty() || o < oldest) oldest = o;
        }
        std::string digest_key = DigestKey(trail.key_prefix, trail.account_id, region, trail.name,
                                           trail.home_region, now_ms);
        json::value prev = rs.contains("Prev") ? rs["Prev"] : json::value(nullptr);
        auto prev_str = [&](std::string_view k) -> json::value {
          if (!prev.is_object()) return nullptr;
          const json::value* v = prev.as_object().if_contains(k);
          return v ? *v : json::value(nullptr);
        };
        json::object digest{
            {"awsAccountId", trail.account_id},
            {"digestStartTime", FormatTrailTime(period_start)},
            {"digestEndTime", FormatTrailTime(now_ms)},
            {"digestS3Bucket", trail.bucket},
            {"digestS3Object", digest_key},
            {"digestPublicKeyFingerprint", key->pub.fingerprint},
            {"digestSignatureAlgorithm", "SHA256withRSA"},
            {"newestEventTime", newest.empty() ? json::value(nullptr) : json::value(newest)},
            {"oldestEventTime", oldest.empty() ? json::value(nullptr) : json::value(oldest)},
            {"previousDigestS3Bucket", prev_str("Bucket")},
            {"previousDigestS3Object", prev_str("Key")},
            {"previousDigestHashValue", prev_str("Hash")},
            {"previousDigestHashAlgorithm",
             prev.is_object() ? json::value("SHA-256") : json::value(nullptr)},
            {"previousDigestSignature", prev_str("Signature")},
            {"logFiles", pending}};
        std::string body = json::serialize(digest);
        std::string body_hash = crypto::Sha256Hex(body);
        json::value prev_sig = prev_str("Signature");
        std::string to_sign = fmt::format(
            "{}\n{}/{}\n{}\n{}", FormatTrailTime(now_ms), trail.bucket, digest_key, body_hash,
            prev_sig.is_string() ? std::string(prev_sig.as_string()) : std::string("null"));
        auto sig = SignSha256Rsa(key->private_der, to_sign);
        if (!sig.ok()) {
          error = sig.error().message;
          break;
        }
        std::string sig_hex = crypto::HexEncode(*sig);
        auto gz = Gzip(body);
        Status put =
            gz.ok() ? sink_.PutForTrail(trail.arn, trail.account_id, trail.bucket, digest_key, *gz,
                                        {{"signature", sig_hex},
                                         {"signature-algorithm", "SHA256withRSA"}})
                    : Status(gz.error());
        if (!put.ok()) {
          error = put.error().message;
          break;
        }
        rs["Pending"] = json::array();
        rs["Prev"] = json::object{{"Bucket", trail.bucket},
                                  {"Key", digest_key},
                                  {"Hash", body_hash},
                                  {"Signature", sig_hex}};
      }
      if (error.empty()) {
        state["DigestPeriodStartMs"] = now_ms;
        state["LatestDigestDeliveryMs"] = now_ms;
        state["LatestDigestDeliveryError"] = "";
      } else {
        state["LatestDigestDeliveryError"] = error;
      }
      changed = true;
    }
  }

  if (!changed) return {};
  std::string doc = json::serialize(state);
  return store_.entities().Transact([&](store::EntityTx& tx) -> Status {
    // A trail deleted (or re-created) meanwhile keeps no state from this pass.
    RAMPART_ASSIGN_OR_RETURN(auto current, tx.Get(trail.account_id, kTrailKind, trail.name));
    if (!current) return {};
    auto now_cfg = ParseTrailDoc(trail.account_id, *current);
    if (!now_cfg.ok() || now_cfg->id != trail.id) return {};
    return tx.Put(trail.account_id, kDeliveryKind, trail.name, doc);
  });
}

}  // namespace rampart::spine
