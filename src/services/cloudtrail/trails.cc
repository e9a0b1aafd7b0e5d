#include "services/cloudtrail/trails.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <atomic>
#include <chrono>
#include <map>
#include <regex>
#include <set>

#include "common/crypto.h"
#include "common/strings.h"
#include "spine/trail_delivery.h"
#include "spine/trail_keys.h"
#include "spine/trail_model.h"

namespace rampart::services::cloudtrail {

namespace json = boost::json;
using spine::kDeliveryKind;
using spine::kTrailKind;

namespace {

constexpr int kMaxTrailsPerRegion = 5;
constexpr size_t kMaxTags = 50;

Error Ct(std::string code, std::string message) {
  return Error{std::move(code), std::move(message), 400, true};
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string_view Str(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}
const json::value* Member(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v && !v->is_null() ? v : nullptr;
}
int64_t Int(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v && v->is_int64() ? v->as_int64() : 0;
}
const json::object& AsObject(const json::value& v) {
  static const json::object kEmpty;
  return v.is_object() ? v.as_object() : kEmpty;
}

std::string TrailArn(std::string_view region, std::string_view account, std::string_view name) {
  return fmt::format("arn:aws:cloudtrail:{}:{}:trail/{}", region, account, name);
}

// AWS's trail name rules.
Status ValidateTrailName(std::string_view name) {
  if (name.size() < 3) {
    return Ct("InvalidTrailNameException",
              fmt::format("Trail name too short. Minimum allowed length: 3 characters. Specified "
                          "name length: {} characters.",
                          name.size()));
  }
  if (name.size() > 128) {
    return Ct("InvalidTrailNameException",
              fmt::format("Trail name too long. Maximum allowed length: 128 characters. Specified "
                          "name length: {} characters.",
                          name.size()));
  }
  static const std::regex kChars(R"([A-Za-z0-9._\-]+)");
  if (!std::regex_match(name.begin(), name.end(), kChars)) {
    return Ct("InvalidTrailNameException",
              "Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, "
              "periods (.), hyphens (-), and underscores (_).");
  }
  if (!std::isalnum(static_cast<unsigned char>(name.front())) ||
      !std::isalnum(static_cast<unsigned char>(name.back()))) {
    return Ct("InvalidTrailNameException", "Trail name must starts with a letter or number.");
  }
  static const std::regex kAdjacent(R"(.*[._\-][._\-].*)");
  if (std::regex_match(name.begin(), name.end(), kAdjacent)) {
    return Ct("InvalidTrailNameException",
              "Trail name cannot contain adjacent periods, hyphens or underscores.");
  }
  static const std::regex kIp(R"(\d+\.\d+\.\d+\.\d+)");
  if (std::regex_match(name.begin(), name.end(), kIp)) {
    return Ct("InvalidTrailNameException", "Trail name cannot be formatted as an IP address.");
  }
  return {};
}

Status ValidateBucketName(std::string_view b) {
  static const std::regex kBucket(R"([a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])");
  if (!std::regex_match(b.begin(), b.end(), kBucket) || b.find("..") != std::string_view::npos) {
    return Ct("InvalidS3BucketNameException", fmt::format("Bucket name is not valid: {}", b));
  }
  return {};
}

Status ValidatePrefix(std::string_view p) {
  if (p.size() > 200 || p.find("..") != std::string_view::npos ||
      (!p.empty() && p.front() == '/')) {
    return Ct("InvalidS3PrefixException", fmt::format("Prefix is not valid: {}", p));
  }
  return {};
}

// Name or ARN -> (name, region from the ARN or ""); errors for malformed input or another
// account's ARN.
struct TrailRef {
  std::string name;
  std::string arn_region;
};
Result<TrailRef> ParseTrailRef(const Call& call, std::string_view name_or_arn) {
  if (name_or_arn.empty()) {
    return Ct("TrailNotProvidedException", "Trail name or ARN must be specified.");
  }
  if (StartsWith(name_or_arn, "arn:")) {
    static const std::regex kArn(R"(arn:aws[a-z\-]*:cloudtrail:([a-z0-9\-]+):(\d{12}):trail/(.+))");
    std::cmatch m;
    if (!std::regex_match(name_or_arn.begin(), name_or_arn.end(), m, kArn)) {
      return Ct("InvalidTrailNameException",
                fmt::format("Trail ARN {} is not valid.", name_or_arn));
    }
    if (m[2].str() != call.principal.account_id) {
      return Ct("TrailNotFoundException", fmt::format("Unknown trail: {} for the user: {}",
                                                      name_or_arn, call.principal.account_id));
    }
    return TrailRef{m[3].str(), m[1].str()};
  }
  RAMPART_RETURN_IF_ERROR(ValidateTrailName(name_or_arn));
  return TrailRef{std::string(name_or_arn), ""};
}

Error NotFound(const Call& call, std::string_view name) {
  return Ct(
      "TrailNotFoundException",
      fmt::format("Unknown trail: {} for the user: {}",
                  StartsWith(name, "arn:") ? std::string(name)
                                           : TrailArn(call.region, call.principal.account_id, name),
                  call.principal.account_id));
}

// The trail document visible from the caller's region: its own region's trails, multi-region
// trails everywhere, and any trail addressed by its full ARN.
Result<json::object> LoadTrail(store::EntityTx& tx, const Call& call,
                               std::string_view name_or_arn) {
  RAMPART_ASSIGN_OR_RETURN(TrailRef ref, ParseTrailRef(call, name_or_arn));
  RAMPART_ASSIGN_OR_RETURN(auto doc, tx.Get(call.principal.account_id, kTrailKind, ref.name));
  if (!doc) return NotFound(call, name_or_arn);
  boost::system::error_code ec;
  json::value v = json::parse(*doc, ec);
  if (ec || !v.is_object()) return Error::Internal("corrupt trail document");
  json::object o = std::move(v.as_object());
  std::string_view home = Str(o, "HomeRegion");
  bool multi = o.contains("IsMultiRegionTrail") && o["IsMultiRegionTrail"].is_bool() &&
               o["IsMultiRegionTrail"].as_bool();
  if (ref.arn_region.empty() && home != call.region && !multi) return NotFound(call, name_or_arn);
  if (!ref.arn_region.empty() && ref.arn_region != home) return NotFound(call, name_or_arn);
  return o;
}

Status RequireHomeRegion(const Call& call, const json::object& trail) {
  if (Str(trail, "HomeRegion") != call.region) {
    return Ct("InvalidHomeRegionException",
              fmt::format("This operation must be called from the trail's home region, {}.",
                          Str(trail, "HomeRegion")));
  }
  return {};
}

// Bumped inside every transaction that writes or deletes a trail. Store transactions are
// serialized, so a reader that loads trails after reading the generation sees every write that
// bumped it before: its cached answer is never newer than the generation it carries.
std::atomic<uint64_t> g_trails_changed{0};

Status SaveTrail(store::EntityTx& tx, const Call& call, const json::object& trail) {
  ++g_trails_changed;
  return tx.Put(call.principal.account_id, kTrailKind, Str(trail, "Name"), json::serialize(trail));
}

// The model's Trail structure: the document without its internal members.
json::object PublicTrail(const json::object& doc) {
  json::object out;
  for (const auto& [k, v] : doc) {
    if (!k.empty() && k[0] != '_') out[k] = v;
  }
  return out;
}

json::object TrailResponse(const json::object& doc) {
  json::object out;
  for (std::string_view k :
       {"Name", "S3BucketName", "S3KeyPrefix", "SnsTopicName", "SnsTopicARN",
        "IncludeGlobalServiceEvents", "IsMultiRegionTrail", "TrailARN", "LogFileValidationEnabled",
        "CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn", "KmsKeyId", "IsOrganizationTrail"}) {
    if (const auto* v = doc.if_contains(k)) out[k] = *v;
  }
  return out;
}

Result<std::vector<json::object>> AllTrails(store::EntityTx& tx, std::string_view account) {
  RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(account, kTrailKind, "", "", 1000));
  std::vector<json::object> out;
  for (const auto& row : rows) {
    boost::system::error_code ec;
    json::value v = json::parse(row.doc, ec);
    if (!ec && v.is_object()) out.push_back(std::move(v.as_object()));
  }
  return out;
}

bool IsMulti(const json::object& t) {
  const json::value* v = t.if_contains("IsMultiRegionTrail");
  return v && v->is_bool() && v->as_bool();
}

// Applies the settable members of Create/UpdateTrail to `doc`.
Status ApplySettings(const Call& call, const json::object& in, json::object& doc) {
  if (const auto* b = Member(in, "S3BucketName")) {
    RAMPART_RETURN_IF_ERROR(ValidateBucketName(b->as_string()));
    doc["S3BucketName"] = *b;
  }
  if (const auto* p = Member(in, "S3KeyPrefix")) {
    RAMPART_RETURN_IF_ERROR(ValidatePrefix(p->as_string()));
    if (p->as_string().empty()) {
      doc.erase("S3KeyPrefix");
    } else {
      doc["S3KeyPrefix"] = *p;
    }
  }
  if (const auto* s = Member(in, "SnsTopicName")) {
    if (s->as_string().empty()) {
      doc.erase("SnsTopicName");
      doc.erase("SnsTopicARN");
    } else {
      std::string_view topic = s->as_string();
      doc["SnsTopicName"] = topic;
      doc["SnsTopicARN"] =
          StartsWith(topic, "arn:")
              ? std::string(topic)
              : fmt::format("arn:aws:sns:{}:{}:{}", call.region, call.principal.account_id, topic);
    }
  }
  if (const auto* v = Member(in, "IncludeGlobalServiceEvents"))
    doc["IncludeGlobalServiceEvents"] = *v;
  if (const auto* v = Member(in, "IsMultiRegionTrail")) doc["IsMultiRegionTrail"] = *v;
  if (const auto* v = Member(in, "EnableLogFileValidation")) doc["LogFileValidationEnabled"] = *v;
  if (const auto* v = Member(in, "KmsKeyId")) {
    if (v->as_string().empty()) {
      doc.erase("KmsKeyId");
    } else {
      std::string_view k = v->as_string();
      doc["KmsKeyId"] = StartsWith(k, "arn:") ? std::string(k)
                                              : fmt::format("arn:aws:kms:{}:{}:key/{}", call.region,
                                                            call.principal.account_id, k);
    }
  }
  const auto* lg = Member(in, "CloudWatchLogsLogGroupArn");
  const auto* lr = Member(in, "CloudWatchLogsRoleArn");
  if (lg || lr) {
    bool g = lg && !lg->as_string().empty(), r = lr && !lr->as_string().empty();
    if (g != r) {
      return Ct("InvalidCloudWatchLogsLogGroupArnException",
                "You must specify a log group and a role ARN together.");
    }
    if (g) {
      doc["CloudWatchLogsLogGroupArn"] = *lg;
      doc["CloudWatchLogsRoleArn"] = *lr;
    } else {
      doc.erase("CloudWatchLogsLogGroupArn");
      doc.erase("CloudWatchLogsRoleArn");
    }
  }
  if (const auto* v = Member(in, "IsOrganizationTrail"); v && v->as_bool()) {
    return Ct("OrganizationsNotInUseException",
              "This account is not part of an organization (organization trails need "
              "Organizations).");
  }
  if (doc["IncludeGlobalServiceEvents"].is_bool() && !doc["IncludeGlobalServiceEvents"].as_bool() &&
      IsMulti(doc)) {
    return Ct("InvalidParameterCombinationException",
              "Multi-Region trail must include global service events.");
  }
  return {};
}

Status CountLimit(store::EntityTx& tx, const Call& call, std::string_view except_name, bool multi) {
  RAMPART_ASSIGN_OR_RETURN(auto trails, AllTrails(tx, call.principal.account_id));
  // A multi-region trail counts in every region; count the fullest region it would join.
  std::map<std::string, int> per_region;
  int multi_count = 0;
  for (const auto& t : trails) {
    if (Str(t, "Name") == except_name) continue;
    if (IsMulti(t)) {
      ++multi_count;
    } else {
      ++per_region[std::string(Str(t, "HomeRegion"))];
    }
  }
  int worst = per_region[std::string(call.region)];
  if (multi) {
    for (const auto& [r, n] : per_region) worst = std::max(worst, n);
  }
  if (worst + multi_count + 1 > kMaxTrailsPerRegion) {
    return Ct("MaximumNumberOfTrailsExceededException",
              fmt::format("User: {} already has {} trails in {}.", call.principal.account_id,
                          worst + multi_count, call.region));
  }
  return {};
}

// The trail's bucket, when it is a Rampart S3 bucket, must let CloudTrail deliver (AWS's check
// at CreateTrail / UpdateTrail). A bucket Rampart does not hold keeps the data-directory sink.
Status CheckTrailBucket(TrailService& svc, const Call& call, const json::object& doc) {
  std::string_view bucket = Str(doc, "S3BucketName");
  Status st = svc.CheckBucket(bucket, Str(doc, "S3KeyPrefix"), Str(doc, "TrailARN"),
                              call.principal.account_id);
  if (st.ok() || st.error().code == "NoSuchBucket") return {};
  if (st.error().code == "AccessDenied") {
    return Ct("InsufficientS3BucketPolicyException",
              fmt::format("Incorrect S3 bucket policy is detected for bucket: {}", bucket));
  }
  return st;
}

// ---- Handlers ----

Result<json::value> CreateTrail(TrailService& svc, const Call& call, const json::object& in) {
  std::string name(Str(in, "Name"));
  RAMPART_RETURN_IF_ERROR(ValidateTrailName(name));
  json::object doc{{"Name", name},
                   {"IncludeGlobalServiceEvents", true},
                   {"IsMultiRegionTrail", false},
                   {"HomeRegion", call.region},
                   {"TrailARN", TrailArn(call.region, call.principal.account_id, name)},
                   {"LogFileValidationEnabled", false},
                   {"HasCustomEventSelectors", false},
                   {"HasInsightSelectors", false},
                   {"IsOrganizationTrail", false},
                   {"_Id", spine::RandomAlnum(16)},
                   {"_IsLogging", false}};
  RAMPART_RETURN_IF_ERROR(ApplySettings(call, in, doc));
  RAMPART_RETURN_IF_ERROR(CheckTrailBucket(svc, call, doc));
  if (const auto* tags = Member(in, "TagsList")) {
    if (tags->as_array().size() > kMaxTags) {
      return Ct("TagsLimitExceededException", "The number of tags exceeds the limit of 50.");
    }
    doc["_Tags"] = *tags;
  }
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto existing, tx.Get(call.principal.account_id, kTrailKind, name));
    if (existing) {
      return Ct("TrailAlreadyExistsException",
                fmt::format("Trail {} already exists for customer: {}", doc["Name"].as_string(),
                            call.principal.account_id));
    }
    RAMPART_RETURN_IF_ERROR(CountLimit(tx, call, name, IsMulti(doc)));
    // A new incarnation starts without the delivery state of an older trail of that name.
    auto old = tx.Delete(call.principal.account_id, kDeliveryKind, name);
    (void)old;
    ++g_trails_changed;
    return tx.Insert(call.principal.account_id, kTrailKind, name, json::serialize(doc));
  }));
  return json::value(TrailResponse(doc));
}

Result<json::value> UpdateTrail(TrailService& svc, const Call& call, const json::object& in) {
  json::object doc;
  if (in.contains("S3BucketName") || in.contains("S3KeyPrefix")) {
    // The new bucket settings are checked first, outside the update's transaction (the check
    // reads the bucket through the store too).
    json::object probe;
    RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
      RAMPART_ASSIGN_OR_RETURN(probe, LoadTrail(tx, call, Str(in, "Name")));
      return ApplySettings(call, in, probe);
    }));
    RAMPART_RETURN_IF_ERROR(CheckTrailBucket(svc, call, probe));
  }
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(doc, LoadTrail(tx, call, Str(in, "Name")));
    RAMPART_RETURN_IF_ERROR(RequireHomeRegion(call, doc));
    bool was_multi = IsMulti(doc);
    RAMPART_RETURN_IF_ERROR(ApplySettings(call, in, doc));
    if (!was_multi && IsMulti(doc)) {
      RAMPART_RETURN_IF_ERROR(CountLimit(tx, call, Str(doc, "Name"), true));
    }
    return SaveTrail(tx, call, doc);
  }));
  return json::value(TrailResponse(doc));
}

Result<json::value> DeleteTrail(TrailService& svc, const Call& call, const json::object& in) {
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object doc, LoadTrail(tx, call, Str(in, "Name")));
    RAMPART_RETURN_IF_ERROR(RequireHomeRegion(call, doc));
    std::string name(Str(doc, "Name"));
    ++g_trails_changed;
    RAMPART_RETURN_IF_ERROR(tx.Delete(call.principal.account_id, kTrailKind, name));
    auto st = tx.Delete(call.principal.account_id, kDeliveryKind, name);
    if (!st.ok() && !store::IsNotFound(st.error())) return st;
    return {};
  }));
  return json::value(json::object{});
}

Result<json::value> GetTrail(TrailService& svc, const Call& call, const json::object& in) {
  json::object doc;
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(doc, LoadTrail(tx, call, Str(in, "Name")));
    return {};
  }));
  return json::value(json::object{{"Trail", PublicTrail(doc)}});
}

Result<json::value> DescribeTrails(TrailService& svc, const Call& call, const json::object& in) {
  bool shadow = true;
  if (const auto* v = Member(in, "includeShadowTrails")) shadow = v->as_bool();
  json::array out;
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto trails, AllTrails(tx, call.principal.account_id));
    std::vector<std::pair<std::string, std::string>> wanted;  // (name, arn region or "")
    bool by_name = false;
    if (const auto* names = Member(in, "trailNameList"); names && !names->as_array().empty()) {
      by_name = true;
      for (const auto& n : names->as_array()) {
        RAMPART_ASSIGN_OR_RETURN(TrailRef ref, ParseTrailRef(call, n.as_string()));
        wanted.emplace_back(ref.name, ref.arn_region);
      }
    }
    for (const auto& t : trails) {
      bool home = Str(t, "HomeRegion") == call.region;
      bool visible = home || (shadow && IsMulti(t));
      if (by_name) {
        bool match = false;
        for (const auto& [n, r] : wanted) {
          if (n == Str(t, "Name") && (r.empty() ? visible : r == Str(t, "HomeRegion")))
            match = true;
        }
        if (!match) continue;
      } else if (!visible) {
        continue;
      }
      out.push_back(PublicTrail(t));
    }
    return {};
  }));
  return json::value(json::object{{"trailList", std::move(out)}});
}

Result<json::value> ListTrails(TrailService& svc, const Call& call, const json::object& in) {
  json::array out;
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto trails, AllTrails(tx, call.principal.account_id));
    for (const auto& t : trails) {
      out.push_back(json::object{{"TrailARN", Str(t, "TrailARN")},
                                 {"Name", Str(t, "Name")},
                                 {"HomeRegion", Str(t, "HomeRegion")}});
    }
    return {};
  }));
  return json::value(json::object{{"Trails", std::move(out)}});
}

Result<json::value> SetLogging(TrailService& svc, const Call& call, const json::object& in,
                               bool start) {
  int64_t seq = 0;
  if (svc.events()) {
    auto last = svc.events()->LastSeq();
    if (!last.ok()) return std::move(last).error();
    seq = *last;
  }
  int64_t now = NowMs();
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object doc, LoadTrail(tx, call, Str(in, "Name")));
    RAMPART_RETURN_IF_ERROR(RequireHomeRegion(call, doc));
    bool logging = doc["_IsLogging"].is_bool() && doc["_IsLogging"].as_bool();
    if (logging == start) return {};  // AWS: starting a logging trail is a no-op
    doc["_IsLogging"] = start;
    if (start) {
      doc["_StartLoggingMs"] = now;
      doc["_StartSeq"] = seq;
    } else {
      doc["_StopLoggingMs"] = now;
      doc["_StopSeq"] = seq;
    }
    return SaveTrail(tx, call, doc);
  }));
  return json::value(json::object{});
}

Result<json::value> StartLogging(TrailService& svc, const Call& call, const json::object& in) {
  return SetLogging(svc, call, in, true);
}
Result<json::value> StopLogging(TrailService& svc, const Call& call, const json::object& in) {
  return SetLogging(svc, call, in, false);
}

Result<json::value> GetTrailStatus(TrailService& svc, const Call& call, const json::object& in) {
  json::object doc;
  std::optional<std::string> delivery;
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(doc, LoadTrail(tx, call, Str(in, "Name")));
    RAMPART_ASSIGN_OR_RETURN(delivery,
                             tx.Get(call.principal.account_id, kDeliveryKind, Str(doc, "Name")));
    return {};
  }));
  spine::DeliveryStatus st;
  if (delivery) {
    st = spine::ParseDeliveryStatus(*delivery);
    if (st.trail_id != Str(doc, "_Id")) st = {};
  }
  auto secs = [](int64_t ms) { return static_cast<double>(ms) / 1000.0; };
  json::object out{{"IsLogging", doc["_IsLogging"].is_bool() && doc["_IsLogging"].as_bool()}};
  if (int64_t t = Int(doc, "_StartLoggingMs")) {
    out["StartLoggingTime"] = secs(t);
    out["TimeLoggingStarted"] = spine::FormatTrailTime(t);
  }
  if (int64_t t = Int(doc, "_StopLoggingMs")) {
    out["StopLoggingTime"] = secs(t);
    out["TimeLoggingStopped"] = spine::FormatTrailTime(t);
  }
  if (st.latest_delivery_ms) {
    out["LatestDeliveryTime"] = secs(st.latest_delivery_ms);
    out["LatestDeliveryAttemptSucceeded"] = spine::FormatTrailTime(st.latest_delivery_ms);
  }
  if (st.latest_delivery_attempt_ms) {
    out["LatestDeliveryAttemptTime"] = spine::FormatTrailTime(st.latest_delivery_attempt_ms);
  }
  if (!st.latest_delivery_error.empty()) out["LatestDeliveryError"] = st.latest_delivery_error;
  if (st.latest_digest_delivery_ms)
    out["LatestDigestDeliveryTime"] = secs(st.latest_digest_delivery_ms);
  if (!st.latest_digest_delivery_error.empty()) {
    out["LatestDigestDeliveryError"] = st.latest_digest_delivery_error;
  }
  out["LatestNotificationAttemptTime"] = "";
  out["LatestNotificationAttemptSucceeded"] = "";
  return json::value(std::move(out));
}

json::array DefaultEventSelectors() {
  return json::array{json::object{{"ReadWriteType", "All"},
                                  {"IncludeManagementEvents", true},
                                  {"DataResources", json::array{}},
                                  {"ExcludeManagementEventSources", json::array{}}}};
}

Status ValidateEventSelectors(const json::array& sels) {
  if (sels.size() > 5) {
    return Ct("InvalidEventSelectorsException", "A trail can have up to 5 event selectors.");
  }
  size_t resources = 0;
  for (const auto& s : sels) {
    for (const auto& dr : AsObject(s).contains("DataResources")
                              ? AsObject(s).at("DataResources").as_array()
                              : json::array{}) {
      std::string_view type = Str(AsObject(dr), "Type");
      if (type != "AWS::S3::Object" && type != "AWS::Lambda::Function" &&
          type != "AWS::DynamoDB::Table") {
        return Ct("InvalidEventSelectorsException",
                  fmt::format("Value {} for parameter DataResources.Type is invalid.", type));
      }
      const json::value* vals = AsObject(dr).if_contains("Values");
      if (vals && vals->is_array()) {
        for (const auto& v : vals->as_array()) {
          if (!v.is_string() || !StartsWith(v.as_string(), "arn:")) {
            return Ct("InvalidEventSelectorsException",
                      "Data resource values must be ARNs or ARN prefixes.");
          }
          ++resources;
        }
      }
    }
  }
  if (resources > 250) {
    return Ct("InvalidEventSelectorsException",
              "A trail can have up to 250 data resources across all event selectors.");
  }
  return {};
}

Status ValidateAdvancedSelectors(const json::array& sels) {
  static const std::set<std::string_view> kFields = {
      "eventCategory",    "eventSource",
      "eventName",        "eventType",
      "readOnly",         "resources.type",
      "resources.ARN",    "errorCode",
      "userIdentity.arn", "sessionCredentialFromConsole",
      "vpcEndpointId",    "eventTypeDetails"};
  if (sels.size() > 500) {
    return Ct("InvalidEventSelectorsException", "Too many advanced event selectors.");
  }
  for (const auto& s : sels) {
    bool has_category = false;
    const json::value* fs = AsObject(s).if_contains("FieldSelectors");
    if (!fs || !fs->is_array() || fs->as_array().empty()) {
      return Ct("InvalidEventSelectorsException",
                "Each advanced event selector needs field selectors.");
    }
    for (const auto& f : fs->as_array()) {
      std::string_view field = Str(AsObject(f), "Field");
      if (!kFields.count(field)) {
        return Ct("InvalidEventSelectorsException",
                  fmt::format("Invalid field {} in advanced event selector.", field));
      }
      if (field == "eventCategory") has_category = true;
    }
    if (!has_category) {
      return Ct("InvalidEventSelectorsException",
                "Each advanced event selector must have an eventCategory field selector.");
    }
  }
  return {};
}

Result<json::value> PutEventSelectors(TrailService& svc, const Call& call, const json::object& in) {
  const json::value* basic = Member(in, "EventSelectors");
  const json::value* advanced = Member(in, "AdvancedEventSelectors");
  if ((basic != nullptr) == (advanced != nullptr)) {
    return Ct("InvalidParameterCombinationException",
              "Specify either EventSelectors or AdvancedEventSelectors, but not both.");
  }
  if (basic) RAMPART_RETURN_IF_ERROR(ValidateEventSelectors(basic->as_array()));
  if (advanced) RAMPART_RETURN_IF_ERROR(ValidateAdvancedSelectors(advanced->as_array()));
  json::object doc;
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(doc, LoadTrail(tx, call, Str(in, "TrailName")));
    RAMPART_RETURN_IF_ERROR(RequireHomeRegion(call, doc));
    if (basic) {
      json::array sels;
      for (const auto& s : basic->as_array()) {
        json::object sel = AsObject(s);
        if (!sel.contains("ReadWriteType")) sel["ReadWriteType"] = "All";
        if (!sel.contains("IncludeManagementEvents")) sel["IncludeManagementEvents"] = true;
        if (!sel.contains("DataResources")) sel["DataResources"] = json::array{};
        if (!sel.contains("ExcludeManagementEventSources")) {
          sel["ExcludeManagementEventSources"] = json::array{};
        }
        sels.push_back(std::move(sel));
      }
      doc["_EventSelectors"] = std::move(sels);
      doc.erase("_AdvancedEventSelectors");
    } else {
      doc["_AdvancedEventSelectors"] = *advanced;
      doc.erase("_EventSelectors");
    }
    doc["HasCustomEventSelectors"] = true;
    return SaveTrail(tx, call, doc);
  }));
  json::object out{{"TrailARN", Str(doc, "TrailARN")}};
  if (basic) {
    out["EventSelectors"] = doc["_EventSelectors"];
  } else {
    out["AdvancedEventSelectors"] = doc["_AdvancedEventSelectors"];
  }
  return json::value(std::move(out));
}

Result<json::value> GetEventSelectors(TrailService& svc, const Call& call, const json::object& in) {
  json::object doc;
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(doc, LoadTrail(tx, call, Str(in, "TrailName")));
    return {};
  }));
  json::object out{{"TrailARN", Str(doc, "TrailARN")}};
  if (const auto* a = Member(doc, "_AdvancedEventSelectors")) {
    out["AdvancedEventSelectors"] = *a;
  } else if (const auto* b = Member(doc, "_EventSelectors")) {
    out["EventSelectors"] = *b;
  } else {
    out["EventSelectors"] = DefaultEventSelectors();
  }
  return json::value(std::move(out));
}

Result<json::value> PutInsightSelectors(TrailService& svc, const Call& call,
                                        const json::object& in) {
  json::array sels;
  std::set<std::string> seen;
  for (const auto& s :
       Member(in, "InsightSelectors") ? in.at("InsightSelectors").as_array() : json::array{}) {
    std::string type(Str(AsObject(s), "InsightType"));
    if (type != spine::kCallRateInsight && type != spine::kErrorRateInsight) {
      return Ct("InvalidInsightSelectorsException",
                "The InsightType must be ApiCallRateInsight or ApiErrorRateInsight.");
    }
    if (!seen.insert(type).second) {
      return Ct("InvalidInsightSelectorsException",
                fmt::format("Duplicate insight type {}.", type));
    }
    sels.push_back(json::object{{"InsightType", type}});
  }
  json::object doc;
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(doc, LoadTrail(tx, call, Str(in, "TrailName")));
    RAMPART_RETURN_IF_ERROR(RequireHomeRegion(call, doc));
    doc["_InsightSelectors"] = sels;
    doc["HasInsightSelectors"] = !sels.empty();
    return SaveTrail(tx, call, doc);
  }));
  return json::value(json::object{{"TrailARN", Str(doc, "TrailARN")}, {"InsightSelectors", sels}});
}

Result<json::value> GetInsightSelectors(TrailService& svc, const Call& call,
                                        const json::object& in) {
  json::object doc;
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(doc, LoadTrail(tx, call, Str(in, "TrailName")));
    return {};
  }));
  const json::value* sels = Member(doc, "_InsightSelectors");
  if (!sels || sels->as_array().empty()) {
    return Ct("InsightNotEnabledException",
              fmt::format("Trail {} does not have Insights enabled. Enable Insights on the trail, "
                          "and then try the operation again.",
                          Str(doc, "TrailARN")));
  }
  return json::value(json::object{{"TrailARN", Str(doc, "TrailARN")}, {"InsightSelectors", *sels}});
}

// Tags address trails by ARN.
Result<json::object> LoadTagged(store::EntityTx& tx, const Call& call, std::string_view arn) {
  static const std::regex kArn(R"(arn:aws[a-z\-]*:cloudtrail:[a-z0-9\-]+:\d{12}:trail/.+)");
  if (!std::regex_match(arn.begin(), arn.end(), kArn)) {
    return Ct("CloudTrailARNInvalidException",
              fmt::format("ResourceId {} is not a valid ARN. A trail ARN looks like "
                          "arn:aws:cloudtrail:us-east-2:123456789012:trail/MyTrail.",
                          arn));
  }
  auto doc = LoadTrail(tx, call, arn);
  if (!doc.ok()) {
    if (doc.error().code == "TrailNotFoundException") {
      return Ct("ResourceNotFoundException", fmt::format("Resource not found: {}", arn));
    }
    return std::move(doc).error();
  }
  return doc;
}

Result<json::value> AddTags(TrailService& svc, const Call& call, const json::object& in) {
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object doc, LoadTagged(tx, call, Str(in, "ResourceId")));
    json::array tags = Member(doc, "_Tags") ? doc["_Tags"].as_array() : json::array{};
    for (const auto& t : in.at("TagsList").as_array()) {
      std::string_view key = Str(AsObject(t), "Key");
      if (key.empty() || StartsWith(key, "aws:")) {
        return Ct("InvalidTagParameterException", fmt::format("Tag key {} is not valid.", key));
      }
      bool replaced = false;
      for (auto& existing : tags) {
        if (Str(AsObject(existing), "Key") == key) {
          existing = t;
          replaced = true;
        }
      }
      if (!replaced) tags.push_back(t);
    }
    if (tags.size() > kMaxTags) {
      return Ct("TagsLimitExceededException", "The number of tags exceeds the limit of 50.");
    }
    doc["_Tags"] = std::move(tags);
    return SaveTrail(tx, call, doc);
  }));
  return json::value(json::object{});
}

Result<json::value> RemoveTags(TrailService& svc, const Call& call, const json::object& in) {
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object doc, LoadTagged(tx, call, Str(in, "ResourceId")));
    json::array kept;
    for (const auto& existing : Member(doc, "_Tags") ? doc["_Tags"].as_array() : json::array{}) {
      bool drop = false;
      for (const auto& t : in.at("TagsList").as_array()) {
        if (Str(AsObject(t), "Key") == Str(AsObject(existing), "Key")) drop = true;
      }
      if (!drop) kept.push_back(existing);
    }
    doc["_Tags"] = std::move(kept);
    return SaveTrail(tx, call, doc);
  }));
  return json::value(json::object{});
}

Result<json::value> ListTags(TrailService& svc, const Call& call, const json::object& in) {
  json::array out;
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    const json::value* ids = Member(in, "ResourceIdList");
    if (!ids || ids->as_array().size() > 20) {
      return Ct("InvalidParameterException", "ResourceIdList must hold 1 to 20 trail ARNs.");
    }
    for (const auto& id : ids->as_array()) {
      RAMPART_ASSIGN_OR_RETURN(json::object doc, LoadTagged(tx, call, id.as_string()));
      out.push_back(json::object{
          {"ResourceId", Str(doc, "TrailARN")},
          {"TagsList", Member(doc, "_Tags") ? doc["_Tags"] : json::value(json::array{})}});
    }
    return {};
  }));
  return json::value(json::object{{"ResourceTagList", std::move(out)}});
}

Result<json::value> ListPublicKeys(TrailService& svc, const Call& call, const json::object& in) {
  int64_t now = NowMs();
  int64_t start = 0, end = now;
  if (const auto* s = Member(in, "StartTime"))
    start = static_cast<int64_t>(s->to_number<double>() * 1000);
  if (const auto* e = Member(in, "EndTime"))
    end = static_cast<int64_t>(e->to_number<double>() * 1000);
  if (start > end) {
    return Ct("InvalidTimeRangeException",
              "Occurs if the timestamp values are not valid. Either the start time occurs after "
              "the end time, or the time range is outside the range of possible values.");
  }
  // The region always has a current key (CloudTrail's keys exist before any digest).
  auto current = spine::CurrentSigningKey(svc.store(), call.principal.account_id, call.region, now);
  if (!current.ok()) return std::move(current).error();
  RAMPART_ASSIGN_OR_RETURN(auto keys, spine::ListPublicKeys(svc.store(), call.principal.account_id,
                                                            call.region, start, end));
  json::array out;
  for (const auto& k : keys) {
    RAMPART_ASSIGN_OR_RETURN(std::string pkcs1, spine::RsaPkcs1Der(k.der));
    out.push_back(
        json::object{{"Value", pkcs1},
                     {"ValidityStartTime", static_cast<double>(k.validity_start_ms) / 1000.0},
                     {"ValidityEndTime", static_cast<double>(k.validity_end_ms) / 1000.0},
                     {"Fingerprint", k.fingerprint}});
  }
  return json::value(json::object{{"PublicKeyList", std::move(out)}});
}

using Handler = Result<json::value> (*)(TrailService&, const Call&, const json::object&);

// True if the trail document has a selector that takes data events.
bool SelectsDataEvents(const json::object& doc) {
  auto arr = [](const json::object& o, std::string_view k) -> const json::array* {
    auto* v = o.if_contains(k);
    return v && v->is_array() ? &v->as_array() : nullptr;
  };
  if (const json::array* basic = arr(doc, "_EventSelectors")) {
    for (const auto& s : *basic) {
      const json::array* dr = s.is_object() ? arr(s.as_object(), "DataResources") : nullptr;
      if (dr && !dr->empty()) return true;
    }
  }
  if (const json::array* advanced = arr(doc, "_AdvancedEventSelectors")) {
    for (const auto& s : *advanced) {
      const json::array* fields = s.is_object() ? arr(s.as_object(), "FieldSelectors") : nullptr;
      for (const auto& f : fields ? *fields : json::array()) {
        if (!f.is_object() || Str(f.as_object(), "Field") != "eventCategory") continue;
        const json::array* eq = arr(f.as_object(), "Equals");
        for (const auto& v : eq ? *eq : json::array()) {
          if (v.is_string() && v.as_string() == "Data") return true;
        }
      }
    }
  }
  return false;
}

}  // namespace

bool TrailService::LogsDataEvents(const std::string& account) {
  uint64_t generation = g_trails_changed.load();
  {
    std::lock_guard lock(data_mu_);
    auto it = data_events_.find(account);
    if (it != data_events_.end() && it->second.first == generation) return it->second.second;
  }
  bool any = false;
  Status st = store_.entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(account, kTrailKind, "", "", 1000));
    for (const auto& row : rows) {
      boost::system::error_code ec;
      json::value v = json::parse(row.doc, ec);
      if (!ec && v.is_object() && SelectsDataEvents(v.as_object())) any = true;
    }
    return {};
  });
  if (!st.ok()) return false;
  std::lock_guard lock(data_mu_);
  if (data_events_.size() > 100000) data_events_.clear();  // bounded: one entry per account
  data_events_[account] = {generation, any};
  return any;
}

ServiceTable TrailOperations(TrailService& svc) {
  static constexpr std::pair<std::string_view, Handler> kOps[] = {
      {"AddTags", AddTags},
      {"CreateTrail", CreateTrail},
      {"DeleteTrail", DeleteTrail},
      {"DescribeTrails", DescribeTrails},
      {"GetEventSelectors", GetEventSelectors},
      {"GetInsightSelectors", GetInsightSelectors},
      {"GetTrail", GetTrail},
      {"GetTrailStatus", GetTrailStatus},
      {"ListPublicKeys", ListPublicKeys},
      {"ListTags", ListTags},
      {"ListTrails", ListTrails},
      {"PutEventSelectors", PutEventSelectors},
      {"PutInsightSelectors", PutInsightSelectors},
      {"RemoveTags", RemoveTags},
      {"StartLogging", StartLogging},
      {"StopLogging", StopLogging},
      {"UpdateTrail", UpdateTrail},
  };
  ServiceTable t{"cloudtrail", {}};
  AddOperations(t.operations, svc, kOps);
  return t;
}

}  // namespace rampart::services::cloudtrail
