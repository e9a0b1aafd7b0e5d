// Object Lock: a bucket's configuration (default retention), each version's retention (GOVERNANCE
// or COMPLIANCE, until a date) and legal hold, and the rule they enforce: a locked version cannot
// be deleted (or its retention shortened) until it is unlocked; GOVERNANCE yields to a caller
// with s3:BypassGovernanceRetention who asks to bypass it, COMPLIANCE and legal holds to no one.
// Version metadata: "Retention": {"Mode", "Until" (epoch seconds)}, "LegalHold": "ON".
#include <boost/json.hpp>
#include <cmath>

#include "services/s3/s3.h"

namespace rampart::services::s3 {

namespace {

Error NoLockConfiguration() {
  return Error{"InvalidRequest", "Bucket is missing Object Lock Configuration", 400, true};
}
Error NoObjectLock() {
  return Error{"NoSuchObjectLockConfiguration",
               "The specified object does not have a ObjectLock configuration", 404, true};
}

bool ValidMode(std::string_view m) { return m == "GOVERNANCE" || m == "COMPLIANCE"; }

Result<json::value> PutObjectLockConfiguration(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  auto* c = in.if_contains("ObjectLockConfiguration");
  if (!c || !c->is_object() || Str(c->as_object(), "ObjectLockEnabled") != "Enabled") {
    return MalformedXml();
  }
  json::object config{{"ObjectLockEnabled", "Enabled"}};
  if (auto* rule = c->as_object().if_contains("Rule"); rule && rule->is_object()) {
    auto* d = rule->as_object().if_contains("DefaultRetention");
    if (!d || !d->is_object() || !ValidMode(Str(d->as_object(), "Mode"))) return MalformedXml();
    auto days = Int(d->as_object(), "Days");
    auto years = Int(d->as_object(), "Years");
    if (days.has_value() == years.has_value()) return MalformedXml();
    if (days.value_or(1) <= 0 || years.value_or(1) <= 0) {
      return InvalidArgument("Default retention period must be a positive integer value");
    }
    config["Rule"] = json::object{{"DefaultRetention", d->as_object()}};
  }
  RAMPART_RETURN_IF_ERROR(s3.UpdateBucket(b.name, [&](json::object& doc) -> Status {
    if (VersioningOf(doc) != "Enabled") {
      return Error{"InvalidBucketState",
                   "Versioning must be 'Enabled' on the bucket to apply a Object Lock "
                   "configuration",
                   409, true};
    }
    doc["ObjectLock"] = config;
    return {};
  }));
  return json::value(json::object());
}

Result<json::value> GetObjectLockConfiguration(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  auto* c = b.doc.if_contains("ObjectLock");
  if (!c || !c->is_object()) {
    return Error{"ObjectLockConfigurationNotFoundError",
                 "Object Lock configuration does not exist for this bucket", 404, true};
  }
  return json::value(json::object{{"ObjectLockConfiguration", *c}});
}

Result<json::value> PutObjectRetention(S3Service& s3, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  if (!ObjectLockEnabled(b)) return NoLockConfiguration();
  auto* r = in.if_contains("Retention");
  const json::object empty;
  const json::object& ret = r && r->is_object() ? r->as_object() : empty;
  std::string_view mode = Str(ret, "Mode");
  double until = Number(ret, "RetainUntilDate");
  if (!mode.empty() && !ValidMode(mode)) return MalformedXml();
  if (!mode.empty() && until <= static_cast<double>(call.now_epoch_seconds)) {
    return InvalidArgument("The retain until date must be in the future!");
  }
  bool bypass = Flag(in, "BypassGovernanceRetention");
  RAMPART_RETURN_IF_ERROR(UpdateVersion(s3, b.name, Str(in, "Key"), Str(in, "VersionId"),
                                        [&](json::object& v) -> Status {
    auto* old = v.if_contains("Retention");
    if (old && old->is_object()) {
      std::string_view old_mode = Str(old->as_object(), "Mode");
      double old_until = Number(old->as_object(), "Until");
      bool active = old_until > static_cast<double>(call.now_epoch_seconds);
      bool weaker = mode.empty() || until < old_until || (old_mode == "COMPLIANCE" && mode != old_mode);
      if (active && weaker && (old_mode == "COMPLIANCE" || !bypass)) {
        return Error{"AccessDenied", "Access Denied", 403, true};
      }
    }
    if (mode.empty()) {
      v.erase("Retention");
    } else {
      v["Retention"] = json::object{{"Mode", mode}, {"Until", until}};
    }
    return {};
  }));
  return json::value(json::object());
}

Result<json::value> GetObjectRetention(S3Service& s3, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  if (!ObjectLockEnabled(b)) return NoLockConfiguration();
  RAMPART_ASSIGN_OR_RETURN(json::object v,
                           LoadObject(s3, b.name, Str(in, "Key"), Str(in, "VersionId"), &call));
  auto* r = v.if_contains("Retention");
  if (!r || !r->is_object()) return NoObjectLock();
  return json::value(json::object{
      {"Retention", json::object{{"Mode", Str(r->as_object(), "Mode")},
                                 {"RetainUntilDate", Number(r->as_object(), "Until")}}}});
}

Result<json::value> PutObjectLegalHold(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  if (!ObjectLockEnabled(b)) return NoLockConfiguration();
  auto* h = in.if_contains("LegalHold");
  std::string_view status = h && h->is_object() ? Str(h->as_object(), "Status") : "";
  if (status != "ON" && status != "OFF") return MalformedXml();
  RAMPART_RETURN_IF_ERROR(UpdateVersion(s3, b.name, Str(in, "Key"), Str(in, "VersionId"),
                                        [&](json::object& v) -> Status {
    v["LegalHold"] = status;
    return {};
  }));
  return json::value(json::object());
}

Result<json::value> GetObjectLegalHold(S3Service& s3, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  if (!ObjectLockEnabled(b)) return NoLockConfiguration();
  RAMPART_ASSIGN_OR_RETURN(json::object v,
                           LoadObject(s3, b.name, Str(in, "Key"), Str(in, "VersionId"), &call));
  if (!v.contains("LegalHold")) return NoObjectLock();
  return json::value(json::object{{"LegalHold", json::object{{"Status", Str(v, "LegalHold")}}}});
}

}  // namespace

bool ObjectLockEnabled(const Bucket& b) {
  auto* c = b.doc.if_contains("ObjectLock");
  return c && c->is_object();
}

bool IsLocked(const json::object& version, int64_t now, bool bypass_governance) {
  if (Str(version, "LegalHold") == "ON") return true;
  auto* r = version.if_contains("Retention");
  if (!r || !r->is_object()) return false;
  if (Number(r->as_object(), "Until") <= static_cast<double>(now)) return false;
  return !(bypass_governance && Str(r->as_object(), "Mode") == "GOVERNANCE");
}

Status ApplyLockOnWrite(const Bucket& b, const json::object& in, int64_t now, json::object& meta) {
  std::string_view mode = Str(in, "ObjectLockMode");
  auto* until_v = in.if_contains("ObjectLockRetainUntilDate");
  std::string_view hold = Str(in, "ObjectLockLegalHoldStatus");
  bool asked = !mode.empty() || (until_v && !until_v->is_null()) || !hold.empty();
  meta.erase("Retention");  // a copy does not inherit its source's lock
  meta.erase("LegalHold");
  if (!ObjectLockEnabled(b)) {
    if (asked) return NoLockConfiguration();
    return {};
  }
  if (!hold.empty()) {
    if (hold != "ON" && hold != "OFF") return InvalidArgument("Legal Hold status is invalid");
    meta["LegalHold"] = hold;
  }
  if (!mode.empty() || (until_v && !until_v->is_null())) {
    double until = Number(in, "ObjectLockRetainUntilDate");
    if (mode.empty() || until == 0) {
      return InvalidArgument("x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must "
                             "both be supplied");
    }
    if (!ValidMode(mode)) return InvalidArgument("Unknown wormMode directive.");
    if (until <= static_cast<double>(now)) {
      return InvalidArgument("The retain until date must be in the future!");
    }
    meta["Retention"] = json::object{{"Mode", mode}, {"Until", until}};
    return {};
  }
  // The bucket's default retention, from now.
  auto* rule = b.doc.at("ObjectLock").as_object().if_contains("Rule");
  if (!rule || !rule->is_object()) return {};
  auto* d = rule->as_object().if_contains("DefaultRetention");
  if (!d || !d->is_object()) return {};
  double days = static_cast<double>(Int(d->as_object(), "Days").value_or(0) +
                                    365 * Int(d->as_object(), "Years").value_or(0));
  meta["Retention"] = json::object{{"Mode", Str(d->as_object(), "Mode")},
                                   {"Until", static_cast<double>(now) + days * 86400}};
  return {};
}

void AddLockHeaders(const json::object& version, json::object& out) {
  if (auto* r = version.if_contains("Retention"); r && r->is_object()) {
    out["ObjectLockMode"] = Str(r->as_object(), "Mode");
    out["ObjectLockRetainUntilDate"] = Number(r->as_object(), "Until");
  }
  if (version.contains("LegalHold")) out["ObjectLockLegalHoldStatus"] = Str(version, "LegalHold");
}

void AddLockOperations(std::vector<OperationEntry>& out, S3Service& s3) {
  static constexpr std::pair<std::string_view, ObjectHandler<S3Service>> kOps[] = {
      {"PutObjectLockConfiguration", PutObjectLockConfiguration},
      {"GetObjectLockConfiguration", GetObjectLockConfiguration},
      {"PutObjectRetention", PutObjectRetention},
      {"GetObjectRetention", GetObjectRetention},
      {"PutObjectLegalHold", PutObjectLegalHold},
      {"GetObjectLegalHold", GetObjectLegalHold},
  };
  AddOperations(out, s3, kOps);
}

}  // namespace rampart::services::s3
