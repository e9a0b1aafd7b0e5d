// Lifecycle: Put/Get/DeleteBucketLifecycleConfiguration with AWS's checks, and the expiry that
// really happens: a background sweep deletes (or puts delete markers on) current versions past
// Expiration, removes noncurrent versions past NoncurrentVersionExpiration, removes expired
// delete markers (ExpiredObjectDeleteMarker) and aborts multipart uploads past
// AbortIncompleteMultipartUpload. Times are rounded to the next midnight UTC, as S3 does;
// RAMPART_S3_DAY_SECONDS shortens the day for tests.
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <algorithm>

#include "common/strings.h"
#include "services/s3/s3.h"

namespace rampart::services::s3 {

namespace {

json::value Parse(const std::string& doc) {
  boost::system::error_code ec;
  json::value v = json::parse(doc, ec);
  return ec ? json::value() : v;
}

const json::object* Obj(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

Status CheckRule(const json::object& rule, std::vector<std::string>& ids) {
  std::string_view status = Str(rule, "Status");
  if (status != "Enabled" && status != "Disabled") return MalformedXml();
  std::string id(Str(rule, "ID"));
  if (id.size() > 255) return InvalidArgument("ID length should not exceed allowed limit of 255");
  if (!id.empty()) {
    if (std::find(ids.begin(), ids.end(), id) != ids.end()) {
      return InvalidArgument("Rule ID must be unique. Found same ID for more than one rule");
    }
    ids.push_back(id);
  }
  for (const char* t : {"Transitions", "NoncurrentVersionTransitions"}) {
    auto* v = rule.if_contains(t);
    if (v && v->is_array() && !v->as_array().empty()) {
      return Error{"NotImplemented",
                   "Lifecycle transitions to other storage classes are not implemented in "
                   "Rampart (it has one storage class)",
                   501, true};
    }
  }
  const json::object* exp = Obj(rule, "Expiration");
  const json::object* nexp = Obj(rule, "NoncurrentVersionExpiration");
  const json::object* abort = Obj(rule, "AbortIncompleteMultipartUpload");
  if (!exp && !nexp && !abort) {
    return Error{"InvalidRequest", "At least one action needs to be specified in a rule", 400,
                 true};
  }
  if (exp && exp->contains("Days") && Number(*exp, "Days") <= 0) {
    return InvalidArgument("'Days' for Expiration action must be a positive integer");
  }
  if (exp && exp->contains("Date") && std::fmod(Number(*exp, "Date"), 86400.0) != 0) {
    return InvalidArgument("'Date' must be at midnight GMT");
  }
  if (nexp && Number(*nexp, "NoncurrentDays") <= 0) {
    return InvalidArgument(
        "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer");
  }
  if (abort && Number(*abort, "DaysAfterInitiation") <= 0) {
    return InvalidArgument(
        "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive "
        "integer");
  }
  return {};
}

Result<json::value> PutBucketLifecycleConfiguration(S3Service& s3, const Call&,
                                                    const json::object& in) {
  const json::object* c = Obj(in, "LifecycleConfiguration");
  auto* rules = c ? c->if_contains("Rules") : nullptr;
  if (!rules || !rules->is_array() || rules->as_array().empty() ||
      rules->as_array().size() > 1000) {
    return MalformedXml();
  }
  std::vector<std::string> ids;
  for (const auto& r : rules->as_array()) {
    if (!r.is_object()) return MalformedXml();
    RAMPART_RETURN_IF_ERROR(CheckRule(r.as_object(), ids));
  }
  json::array kept = rules->as_array();
  RAMPART_RETURN_IF_ERROR(s3.UpdateBucket(Str(in, "Bucket"), [&](json::object& doc) -> Status {
    doc["Lifecycle"] = kept;
    return {};
  }));
  return json::value(json::object());
}

Result<json::value> GetBucketLifecycleConfiguration(S3Service& s3, const Call&,
                                                    const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  auto* l = b.doc.if_contains("Lifecycle");
  if (!l || !l->is_array()) {
    return Error{"NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist", 404,
                 true};
  }
  return json::value(json::object{{"Rules", *l}});
}

Result<json::value> DeleteBucketLifecycle(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_RETURN_IF_ERROR(s3.UpdateBucket(Str(in, "Bucket"), [](json::object& doc) -> Status {
    doc.erase("Lifecycle");
    return {};
  }));
  return json::value(json::object());
}

// ---- the sweep ----

struct Filter {
  std::string prefix;
  std::vector<std::pair<std::string, std::string>> tags;
  double min_size = -1, max_size = -1;  // ObjectSizeGreaterThan / LessThan (-1: none)
};

Filter FilterOf(const json::object& rule) {
  Filter f;
  f.prefix = Str(rule, "Prefix");
  const json::object* fo = Obj(rule, "Filter");
  if (!fo) return f;
  const json::object* a = Obj(*fo, "And");
  const json::object& src = a ? *a : *fo;
  if (src.contains("Prefix")) f.prefix = Str(src, "Prefix");
  if (const json::object* t = Obj(src, "Tag")) f.tags.emplace_back(Str(*t, "Key"), Str(*t, "Value"));
  if (auto* ts = src.if_contains("Tags"); ts && ts->is_array()) {
    for (const auto& t : ts->as_array()) {
      if (t.is_object()) f.tags.emplace_back(Str(t.as_object(), "Key"), Str(t.as_object(), "Value"));
    }
  }
  if (src.contains("ObjectSizeGreaterThan")) f.min_size = Number(src, "ObjectSizeGreaterThan");
  if (src.contains("ObjectSizeLessThan")) f.max_size = Number(src, "ObjectSizeLessThan");
  return f;
}

bool Matches(const Filter& f, const json::object& obj) {
  double size = Number(obj, "Size");
  if (f.min_size >= 0 && !(size > f.min_size)) return false;
  if (f.max_size >= 0 && !(size < f.max_size)) return false;
  for (const auto& [k, v] : f.tags) {
    bool found = false;
    if (auto* ts = obj.if_contains("Tags"); ts && ts->is_array()) {
      for (const auto& t : ts->as_array()) {
        found = found || (t.is_object() && Str(t.as_object(), "Key") == k &&
                          Str(t.as_object(), "Value") == v);
      }
    }
    if (!found) return false;
  }
  return true;
}

// S3's expiry time: `days` after `since`, rounded up to the next midnight (UTC).
double ExpiresAt(double since, double days, double day) {
  return (std::floor((since + days * day) / day) + 1) * day;
}

struct Sweep {
  S3Service& s3;
  double now, day;
  std::vector<std::string> freed;
};

// Current versions (and lone delete markers) under the rule's filter.
Status ExpireCurrent(Sweep& sw, const Bucket& b, const json::object& rule, const Filter& f) {
  const json::object* exp = Obj(rule, "Expiration");
  if (!exp) return {};
  auto* dm = exp->if_contains("ExpiredObjectDeleteMarker");
  bool markers = dm && dm->is_bool() && dm->as_bool();
  std::string base = b.name + "/";
  return sw.s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    std::string after;
    while (true) {
      RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(kGlobal, "s3-obj", base + f.prefix, after, 500));
      if (rows.empty()) return {};
      for (const auto& row : rows) {
        after = row.key;
        json::value v = Parse(row.doc);
        if (!v.is_object()) continue;
        const json::object& o = v.as_object();
        std::string key = row.key.substr(base.size());
        if (IsDeleteMarker(o)) {
          if (!markers) continue;
          RAMPART_ASSIGN_OR_RETURN(auto older, tx.List(kGlobal, "s3-ver", HistoryPrefix(b.name, key), "", 1));
          if (older.empty()) {
            RAMPART_RETURN_IF_ERROR(DeleteVersion(tx, b.name, key, VersionOf(o), sw.freed,
                                                  static_cast<int64_t>(sw.now)));
          }
          continue;
        }
        if (!Matches(f, o)) continue;
        bool due = (exp->contains("Days") &&
                    sw.now >= ExpiresAt(Number(o, "LastModified"), Number(*exp, "Days"), sw.day)) ||
                   (exp->contains("Date") && sw.now >= Number(*exp, "Date"));
        if (!due) continue;
        RAMPART_RETURN_IF_ERROR(DeleteCurrent(tx, b.name, VersioningOf(b.doc), key,
                                              static_cast<int64_t>(sw.now), b.owner(), sw.freed)
                                    );
      }
    }
  });
}

// Noncurrent versions past NoncurrentDays (keeping NewerNoncurrentVersions of each key).
Status ExpireNoncurrent(Sweep& sw, const Bucket& b, const json::object& rule, const Filter& f) {
  const json::object* nexp = Obj(rule, "NoncurrentVersionExpiration");
  if (!nexp) return {};
  double keep = Number(*nexp, "NewerNoncurrentVersions");
  return sw.s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    std::string after, last_key;
    int64_t index = 0;
    while (true) {
      RAMPART_ASSIGN_OR_RETURN(auto rows,
                               tx.List(kGlobal, "s3-ver", b.name + "/" + f.prefix, after, 500));
      if (rows.empty()) return {};
      for (const auto& row : rows) {
        after = row.key;
        std::string key = row.key.substr(0, row.key.rfind('\x01'));
        index = key == last_key ? index + 1 : 0;
        last_key = key;
        json::value v = Parse(row.doc);
        if (!v.is_object() || !Matches(f, v.as_object()) || index < keep) continue;
        if (IsLocked(v.as_object(), static_cast<int64_t>(sw.now), false)) continue;  // Object Lock
        double since = Number(v.as_object(), "NoncurrentSince");
        if (sw.now < ExpiresAt(since, Number(*nexp, "NoncurrentDays"), sw.day)) continue;
        for (auto& id : BlobIds(v.as_object())) sw.freed.push_back(std::move(id));
        RAMPART_RETURN_IF_ERROR(tx.Delete(kGlobal, "s3-ver", row.key));
      }
    }
  });
}

// Multipart uploads started more than DaysAfterInitiation ago.
Status AbortStale(Sweep& sw, const Bucket& b, const json::object& rule, const Filter& f) {
  const json::object* abort = Obj(rule, "AbortIncompleteMultipartUpload");
  if (!abort) return {};
  return sw.s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto uploads, tx.List(kGlobal, "s3-mpu", b.name + "/", "", 100000));
    for (const auto& u : uploads) {
      json::value v = Parse(u.doc);
      if (!v.is_object() || !StartsWith(Str(v.as_object(), "Key"), f.prefix)) continue;
      double started = Number(v.as_object(), "Initiated");
      if (sw.now < ExpiresAt(started, Number(*abort, "DaysAfterInitiation"), sw.day)) continue;
      std::string id = u.key.substr(b.name.size() + 1);
      RAMPART_ASSIGN_OR_RETURN(auto parts, tx.List(kGlobal, "s3-part", id + "/", "", 20000));
      for (const auto& p : parts) {
        json::value pv = Parse(p.doc);
        if (pv.is_object()) sw.freed.emplace_back(Str(pv.as_object(), "Blob"));
        RAMPART_RETURN_IF_ERROR(tx.Delete(kGlobal, "s3-part", p.key));
      }
      RAMPART_RETURN_IF_ERROR(tx.Delete(kGlobal, "s3-mpu", u.key));
    }
    return {};
  });
}

}  // namespace

double LifecycleDaySeconds() {
  const char* env = std::getenv("RAMPART_S3_DAY_SECONDS");
  double d = env ? std::atof(env) : 0;
  return d > 0 ? d : 86400.0;
}

Status ApplyLifecycle(S3Service& s3, double now) {
  Sweep sw{s3, now, LifecycleDaySeconds(), {}};
  std::vector<std::string> names;
  RAMPART_RETURN_IF_ERROR(s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    std::string after;
    while (true) {
      RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(kGlobal, "s3-bucket", "", after, 1000));
      if (rows.empty()) return {};
      for (const auto& r : rows) {
        after = r.key;
        if (r.doc.find("\"Lifecycle\"") != std::string::npos) names.push_back(r.key);
      }
    }
  }));
  Status result;
  for (const auto& name : names) {
    auto b = s3.GetBucket(name);
    if (!b.ok()) continue;
    auto* rules = b->doc.if_contains("Lifecycle");
    if (!rules || !rules->is_array()) continue;
    for (const auto& r : rules->as_array()) {
      if (!r.is_object() || Str(r.as_object(), "Status") != "Enabled") continue;
      Filter f = FilterOf(r.as_object());
      for (auto step : {ExpireCurrent, ExpireNoncurrent, AbortStale}) {
        Status st = step(sw, *b, r.as_object(), f);
        if (!st.ok() && result.ok()) result = st;
      }
    }
  }
  for (const auto& id : sw.freed) s3.blobs().Remove(id);
  return result;
}

LifecycleWorker::~LifecycleWorker() { Stop(); }

void LifecycleWorker::Start() {
  double day = LifecycleDaySeconds();
  auto interval = std::chrono::milliseconds(
      static_cast<int64_t>(std::clamp(day / 8.0, 0.2, 600.0) * 1000));
  thread_ = std::thread([this, interval] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      lock.unlock();
      double now = std::chrono::duration<double>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
      Status st = ApplyLifecycle(s3_, now);
      if (!st.ok()) std::fprintf(stderr, "rampart: S3 lifecycle: %s\n", st.error().message.c_str());
      lock.lock();
      cv_.wait_for(lock, interval, [this] { return stop_; });
    }
  });
}

void LifecycleWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AddLifecycleOperations(std::vector<OperationEntry>& out, S3Service& s3) {
  static constexpr std::pair<std::string_view, ObjectHandler<S3Service>> kOps[] = {
      {"PutBucketLifecycleConfiguration", PutBucketLifecycleConfiguration},
      {"GetBucketLifecycleConfiguration", GetBucketLifecycleConfiguration},
      {"DeleteBucketLifecycle", DeleteBucketLifecycle},
  };
  AddOperations(out, s3, kOps);
}

}  // namespace rampart::services::s3
