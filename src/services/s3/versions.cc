// Versioning: the current version of a key lives in s3-obj [bucket/key] (a delete marker is a
// current version too), older ones in s3-ver [bucket/key \x01 <order>], newest first. A bucket
// that was never versioned keeps one object per key with no VersionId ("null").
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "common/crypto.h"
#include "services/s3/s3.h"

namespace rampart::services::s3 {

namespace {

// Newest first: the order component counts down.
std::string HistoryKey(std::string_view bucket, std::string_view key) {
  static std::atomic<uint64_t> last{0};
  uint64_t now = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
  uint64_t prev = last.load();
  while (true) {
    uint64_t next = std::max(now, prev + 1);
    if (last.compare_exchange_weak(prev, next)) {
      now = next;
      break;
    }
  }
  char order[24];
  std::snprintf(order, sizeof order, "%016llx", static_cast<unsigned long long>(~now));
  return HistoryPrefix(bucket, key) + order;
}

json::value Parse(const std::string& doc) {
  boost::system::error_code ec;
  json::value v = json::parse(doc, ec);
  return ec ? json::value() : v;
}

bool IsMarker(const json::object& o) {
  auto* m = o.if_contains("DeleteMarker");
  return m && m->is_bool() && m->as_bool();
}

// Frees a version's bytes (delete markers and inline objects have no files).
void Free(const json::object& o, std::vector<std::string>& freed) {
  for (auto& id : BlobIds(o)) freed.push_back(std::move(id));
}

// The noncurrent version whose VersionId is `version`: its row key and document.
Result<std::optional<store::EntityRow>> FindHistory(store::EntityTx& tx, std::string_view bucket,
                                                    std::string_view key,
                                                    std::string_view version) {
  std::string after;
  while (true) {
    RAMPART_ASSIGN_OR_RETURN(auto rows,
                             tx.List(kGlobal, "s3-ver", HistoryPrefix(bucket, key), after, 1000));
    if (rows.empty()) return std::optional<store::EntityRow>();
    for (auto& r : rows) {
      after = r.key;
      json::value v = Parse(r.doc);
      if (v.is_object() && VersionOf(v.as_object()) == version) {
        return std::optional<store::EntityRow>(std::move(r));
      }
    }
  }
}

// Makes the newest noncurrent version current again (its current was deleted for good).
Status PromoteNewest(store::EntityTx& tx, std::string_view bucket, std::string_view key) {
  RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(kGlobal, "s3-ver", HistoryPrefix(bucket, key), "", 1));
  if (rows.empty()) return {};
  RAMPART_RETURN_IF_ERROR(tx.Delete(kGlobal, "s3-ver", rows[0].key));
  return tx.Put(kGlobal, "s3-obj", ObjectKey(bucket, key), rows[0].doc);
}

// Removes the version "null" wherever it is (a Suspended bucket replaces it).
Status DropNullVersion(store::EntityTx& tx, std::string_view bucket, std::string_view key,
                       std::vector<std::string>& freed) {
  RAMPART_ASSIGN_OR_RETURN(auto row, FindHistory(tx, bucket, key, "null"));
  if (!row) return {};
  json::value v = Parse(row->doc);
  if (v.is_object()) Free(v.as_object(), freed);
  return tx.Delete(kGlobal, "s3-ver", row->key);
}

}  // namespace

std::string HistoryPrefix(std::string_view bucket, std::string_view key) {
  return ObjectKey(bucket, key) + '\x01';
}

std::string NewVersionId() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
  std::string raw = crypto::RandomBytes(32);
  std::string id(32, 'A');
  for (size_t i = 0; i < id.size(); ++i) id[i] = kAlphabet[static_cast<uint8_t>(raw[i]) % 64];
  return id;
}

std::string_view VersioningOf(const json::object& bucket_doc) { return Str(bucket_doc, "Versioning"); }

std::string VersionOf(const json::object& obj) {
  std::string_view v = Str(obj, "VersionId");
  return v.empty() ? "null" : std::string(v);
}

Status PutCurrent(store::EntityTx& tx, std::string_view bucket, std::string_view versioning,
                  std::string_view key, json::object& meta, std::vector<std::string>& freed) {
  std::string k = ObjectKey(bucket, key);
  RAMPART_ASSIGN_OR_RETURN(auto old, tx.Get(kGlobal, "s3-obj", k));
  json::value ov = old ? Parse(*old) : json::value();
  const json::object* prev = ov.is_object() ? &ov.as_object() : nullptr;
  if (prev) {
    // When it stops being current (lifecycle's NoncurrentDays count from here).
    ov.as_object()["NoncurrentSince"] = static_cast<double>(std::time(nullptr));
    *old = json::serialize(ov);
  }
  if (versioning.empty()) {
    meta.erase("VersionId");
    if (prev) Free(*prev, freed);
  } else if (versioning == "Enabled") {
    meta["VersionId"] = NewVersionId();
    if (prev) RAMPART_RETURN_IF_ERROR(tx.Put(kGlobal, "s3-ver", HistoryKey(bucket, key), *old));
  } else {  // Suspended: the new version is "null" and replaces any other "null"
    meta["VersionId"] = "null";
    if (prev && VersionOf(*prev) == "null") {
      Free(*prev, freed);
    } else if (prev) {
      RAMPART_RETURN_IF_ERROR(tx.Put(kGlobal, "s3-ver", HistoryKey(bucket, key), *old));
    }
    RAMPART_RETURN_IF_ERROR(DropNullVersion(tx, bucket, key, freed));
  }
  return tx.Put(kGlobal, "s3-obj", k, json::serialize(meta));
}

Result<json::object> DeleteCurrent(store::EntityTx& tx, std::string_view bucket,
                                   std::string_view versioning, std::string_view key, int64_t now,
                                   std::string_view owner, std::vector<std::string>& freed) {
  std::string k = ObjectKey(bucket, key);
  if (versioning.empty()) {
    RAMPART_ASSIGN_OR_RETURN(auto old, tx.Get(kGlobal, "s3-obj", k));
    if (!old) return json::object();
    json::value v = Parse(*old);
    if (v.is_object()) Free(v.as_object(), freed);
    RAMPART_RETURN_IF_ERROR(tx.Delete(kGlobal, "s3-obj", k));
    return json::object();
  }
  // A versioned bucket keeps what was there and puts a delete marker on top.
  json::object marker{{"DeleteMarker", true},
                      {"LastModified", static_cast<double>(now)},
                      {"Owner", std::string(owner)}};
  RAMPART_RETURN_IF_ERROR(PutCurrent(tx, bucket, versioning, key, marker, freed));
  return json::object{{"DeleteMarker", true}, {"VersionId", Str(marker, "VersionId")}};
}

Result<json::object> DeleteVersion(store::EntityTx& tx, std::string_view bucket,
                                   std::string_view key, std::string_view version,
                                   std::vector<std::string>& freed, int64_t now,
                                   bool bypass_governance) {
  json::object out{{"VersionId", version}};
  Error locked{"AccessDenied", "Access Denied because object protected by object lock.", 403, true};
  std::string k = ObjectKey(bucket, key);
  RAMPART_ASSIGN_OR_RETURN(auto cur, tx.Get(kGlobal, "s3-obj", k));
  json::value cv = cur ? Parse(*cur) : json::value();
  if (cv.is_object() && VersionOf(cv.as_object()) == version) {
    if (IsLocked(cv.as_object(), now, bypass_governance)) return locked;
    if (IsMarker(cv.as_object())) out["DeleteMarker"] = true;
    Free(cv.as_object(), freed);
    RAMPART_RETURN_IF_ERROR(tx.Delete(kGlobal, "s3-obj", k));
    RAMPART_RETURN_IF_ERROR(PromoteNewest(tx, bucket, key));
    return out;
  }
  RAMPART_ASSIGN_OR_RETURN(auto row, FindHistory(tx, bucket, key, version));
  if (!row) return out;  // nothing of that id: S3 answers 204 all the same
  json::value v = Parse(row->doc);
  if (v.is_object()) {
    if (IsLocked(v.as_object(), now, bypass_governance)) return locked;
    if (IsMarker(v.as_object())) out["DeleteMarker"] = true;
    Free(v.as_object(), freed);
  }
  RAMPART_RETURN_IF_ERROR(tx.Delete(kGlobal, "s3-ver", row->key));
  return out;
}

Result<std::optional<json::object>> FindVersion(store::EntityTx& tx, std::string_view bucket,
                                                std::string_view key, std::string_view version) {
  RAMPART_ASSIGN_OR_RETURN(auto cur, tx.Get(kGlobal, "s3-obj", ObjectKey(bucket, key)));
  json::value cv = cur ? Parse(*cur) : json::value();
  if (cv.is_object() && (version.empty() || VersionOf(cv.as_object()) == version)) {
    return std::optional<json::object>(std::move(cv.as_object()));
  }
  if (version.empty()) return std::optional<json::object>();
  RAMPART_ASSIGN_OR_RETURN(auto row, FindHistory(tx, bucket, key, version));
  if (!row) return std::optional<json::object>();
  json::value v = Parse(row->doc);
  if (!v.is_object()) return Error::Internal("the stored object metadata is damaged");
  return std::optional<json::object>(std::move(v.as_object()));
}

Status UpdateVersion(S3Service& s3, std::string_view bucket, std::string_view key,
                     std::string_view version,
                     const std::function<Status(json::object&)>& fn) {
  return s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    std::string k = ObjectKey(bucket, key);
    RAMPART_ASSIGN_OR_RETURN(auto cur, tx.Get(kGlobal, "s3-obj", k));
    boost::system::error_code ec;
    json::value cv = cur ? json::parse(*cur, ec) : json::value();
    if (cv.is_object() && (version.empty() || VersionOf(cv.as_object()) == version)) {
      if (IsDeleteMarker(cv.as_object())) return NoSuchKey();
      RAMPART_RETURN_IF_ERROR(fn(cv.as_object()));
      return tx.Put(kGlobal, "s3-obj", k, json::serialize(cv));
    }
    if (version.empty()) return NoSuchKey();
    RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(kGlobal, "s3-ver", HistoryPrefix(bucket, key), "",
                                                 100000));
    for (const auto& row : rows) {
      json::value v = json::parse(row.doc, ec);
      if (ec || !v.is_object() || VersionOf(v.as_object()) != version) continue;
      if (IsDeleteMarker(v.as_object())) return NoSuchKey();
      RAMPART_RETURN_IF_ERROR(fn(v.as_object()));
      return tx.Put(kGlobal, "s3-ver", row.key, json::serialize(v));
    }
    return Error{"NoSuchVersion", "The specified version does not exist.", 404, true};
  });
}

bool IsDeleteMarker(const json::object& obj) { return IsMarker(obj); }

}  // namespace rampart::services::s3
