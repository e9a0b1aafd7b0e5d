// Bucket operations: create/delete/head/location, policy and its public status, Block Public
// Access, tags, default encryption, ownership controls, ACLs (disabled: BucketOwnerEnforced).
#include <boost/json.hpp>

#include "common/crypto.h"
#include "common/strings.h"
#include "policy/aws_validate.h"
#include "services/s3/public_policy.h"
#include "services/s3/acl.h"
#include "services/s3/s3.h"

namespace rampart::services::s3 {

namespace {

constexpr int64_t kMaxBuckets = 10000;  // general purpose buckets per account (AWS's quota)

bool IpShaped(std::string_view name) {
  auto parts = Split(name, '.');
  if (parts.size() != 4) return false;
  for (std::string_view p : parts) {
    if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// AWS's general purpose bucket naming rules.
Status CheckBucketName(std::string_view name) {
  Error bad{"InvalidBucketName", "The specified bucket is not valid.", 400, true};
  if (name.size() < 3 || name.size() > 63) return bad;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!ok) return bad;
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return bad;
  if (name.find("..") != std::string_view::npos || IpShaped(name)) return bad;
  for (std::string_view p : {"xn--", "sthree-", "amzn-s3-demo-"}) {
    if (StartsWith(name, p)) return bad;
  }
  for (std::string_view s : {"-s3alias", "--ol-s3", ".mrap", "--x-s3"}) {
    if (name.size() >= s.size() && name.substr(name.size() - s.size()) == s) return bad;
  }
  return {};
}

json::object AllBlocked() {
  return json::object{{"BlockPublicAcls", true},
                      {"IgnorePublicAcls", true},
                      {"BlockPublicPolicy", true},
                      {"RestrictPublicBuckets", true}};
}

json::object DefaultEncryption() {
  return json::object{
      {"Rules", json::array{json::object{
                    {"ApplyServerSideEncryptionByDefault", json::object{{"SSEAlgorithm", "AES256"}}},
                    {"BucketKeyEnabled", false}}}}};
}

bool ValidOwnership(std::string_view o) {
  return o == "BucketOwnerEnforced" || o == "BucketOwnerPreferred" || o == "ObjectWriter";
}

// The region a CreateBucket names, checked against the endpoint's region as S3 does.
Result<std::string> CreateRegion(const Call& call, const json::object& in) {
  std::string_view constraint;
  if (auto* c = in.if_contains("CreateBucketConfiguration"); c && c->is_object()) {
    constraint = Str(c->as_object(), "LocationConstraint");
  }
  std::string region(call.region.empty() ? "us-east-1" : call.region);
  if (constraint == "us-east-1") {
    return Error{"InvalidLocationConstraint", "The specified location-constraint is not valid",
                 400, true};
  }
  if (constraint.empty()) {
    if (region == "us-east-1") return region;
    return Error{"IllegalLocationConstraintException",
                 "The unspecified location constraint is incompatible for the region specific "
                 "endpoint this request was sent to.",
                 400, true};
  }
  if (constraint == "EU") constraint = "eu-west-1";
  if (constraint != region && region != "us-east-1") {
    return Error{"IllegalLocationConstraintException",
                 "The " + std::string(constraint) +
                     " location constraint is incompatible for the region specific endpoint this "
                     "request was sent to.",
                 400, true};
  }
  if (!model::IsKnownRegion(constraint)) {
    return Error{"InvalidLocationConstraint", "The specified location-constraint is not valid",
                 400, true};
  }
  return std::string(constraint);
}

Result<json::value> CreateBucket(S3Service& s3, const Call& call, const json::object& in) {
  std::string name(Str(in, "Bucket"));
  RAMPART_RETURN_IF_ERROR(CheckBucketName(name));
  RAMPART_ASSIGN_OR_RETURN(std::string region, CreateRegion(call, in));
  std::string_view acl = Str(in, "ACL");
  std::string ownership(Str(in, "ObjectOwnership"));
  if (ownership.empty()) ownership = "BucketOwnerEnforced";
  if (!ValidOwnership(ownership)) return InvalidArgument("Invalid x-amz-object-ownership header");
  bool grants = false;
  for (const char* g : {"GrantFullControl", "GrantRead", "GrantReadACP", "GrantWrite", "GrantWriteACP"}) {
    grants = grants || !Str(in, g).empty();
  }
  if (ownership == "BucketOwnerEnforced" && (grants || (!acl.empty() && acl != "private"))) {
    return Error{"InvalidBucketAclWithObjectOwnership",
                 "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
                 400, true};
  }
  bool object_lock = Flag(in, "ObjectLockEnabledForBucket");
  const std::string& owner = call.principal.account_id;
  RAMPART_ASSIGN_OR_RETURN(std::string sealed,
                           s3.store().Seal("s3/bucket-key/" + name, crypto::RandomBytes(32)));
  json::object doc{{"Owner", owner},
                   {"Region", region},
                   {"Created", static_cast<double>(call.now_epoch_seconds)},
                   {"Key", sealed},
                   {"PublicAccessBlock", AllBlocked()},
                   {"Ownership", ownership}};
  if (object_lock) {  // Object Lock turns versioning on for good
    doc["Versioning"] = "Enabled";
    doc["ObjectLock"] = json::object{{"ObjectLockEnabled", "Enabled"}};
  }
  if (ownership != "BucketOwnerEnforced") {
    RAMPART_ASSIGN_OR_RETURN(std::optional<json::object> set,
                             AclFromRequest(s3, Bucket{name, doc}, in, owner, false));
    doc["Acl"] = set ? *set : PrivateAcl(owner);
  }
  bool existed_here = false;
  RAMPART_RETURN_IF_ERROR(s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(std::optional<std::string> old, tx.Get(kGlobal, "s3-bucket", name));
    if (old) {
      boost::system::error_code ec;
      json::value v = json::parse(*old, ec);
      bool mine = !ec && v.is_object() && Str(v.as_object(), "Owner") == owner;
      if (!mine) {
        return Error{"BucketAlreadyExists",
                     "The requested bucket name is not available. The bucket namespace is shared "
                     "by all users of the system. Please select a different name and try again.",
                     409, true};
      }
      if (region != "us-east-1") {
        return Error{"BucketAlreadyOwnedByYou",
                     "Your previous request to create the named bucket succeeded and you already "
                     "own it.",
                     409, true};
      }
      existed_here = true;  // us-east-1 answers 200 and changes nothing
      return {};
    }
    RAMPART_ASSIGN_OR_RETURN(int64_t n, tx.Count(owner, "s3-owned", ""));
    if (n >= kMaxBuckets) {
      return Error{"TooManyBuckets", "You have attempted to create more buckets than allowed",
                   400, true};
    }
    RAMPART_RETURN_IF_ERROR(tx.Insert(kGlobal, "s3-bucket", name, json::serialize(doc)));
    return tx.Insert(owner, "s3-owned", name, "{}");
  }));
  (void)existed_here;
  s3.Forget(name);
  return json::value(json::object{{"Location", "/" + name}});
}

Result<json::value> DeleteBucket(S3Service& s3, const Call&, const json::object& in) {
  std::string name(Str(in, "Bucket"));
  std::vector<std::string> blobs;
  RAMPART_RETURN_IF_ERROR(s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(std::optional<std::string> doc, tx.Get(kGlobal, "s3-bucket", name));
    if (!doc) return NoSuchBucket(name);
    RAMPART_ASSIGN_OR_RETURN(auto objs, tx.List(kGlobal, "s3-obj", name + "/", "", 1));
    if (!objs.empty()) {
      return Error{"BucketNotEmpty", "The bucket you tried to delete is not empty", 409, true};
    }
    // In-progress multipart uploads go with the bucket.
    RAMPART_ASSIGN_OR_RETURN(auto uploads, tx.List(kGlobal, "s3-mpu", name + "/", "", 100000));
    for (const auto& u : uploads) {
      std::string id = u.key.substr(name.size() + 1);
      RAMPART_ASSIGN_OR_RETURN(auto parts, tx.List(kGlobal, "s3-part", id + "/", "", 100000));
      for (const auto& p : parts) {
        json::value pv = json::parse(p.doc);
        if (pv.is_object()) blobs.emplace_back(Str(pv.as_object(), "Blob"));
        RAMPART_RETURN_IF_ERROR(tx.Delete(kGlobal, "s3-part", p.key));
      }
      RAMPART_RETURN_IF_ERROR(tx.Delete(kGlobal, "s3-mpu", u.key));
    }
    boost::system::error_code ec;
    json::value v = json::parse(*doc, ec);
    std::string owner = !ec && v.is_object() ? std::string(Str(v.as_object(), "Owner")) : "";
    RAMPART_RETURN_IF_ERROR(tx.Delete(kGlobal, "s3-bucket", name));
    Status st = tx.Delete(owner, "s3-owned", name);
    if (!st.ok() && st.error().code != "NoSuchEntity") return st;
    return {};
  }));
  s3.Forget(name);
  for (const auto& b : blobs) s3.blobs().Remove(b);
  return json::value(json::object());
}

Result<json::value> HeadBucket(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  (void)b;
  return json::value(json::object());
}

Result<json::value> GetBucketLocation(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  json::object out;
  // us-east-1 is the empty constraint (null in the SDKs).
  if (b.region() != "us-east-1") out["LocationConstraint"] = b.region();
  return json::value(std::move(out));
}

// ---- bucket policy ----

// Every Resource of a bucket policy must be the bucket or inside it.
Status CheckPolicyResources(std::string_view bucket, std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  auto* st = v.as_object().if_contains("Statement");
  if (!st) return {};
  json::array statements = st->is_array() ? st->as_array() : json::array{*st};
  std::string arn = "arn:aws:s3:::" + std::string(bucket);
  Error bad{"MalformedPolicy", "Policy has invalid resource", 400, true};
  for (const auto& s : statements) {
    if (!s.is_object()) continue;
    for (const char* k : {"Resource", "NotResource"}) {
      auto* r = s.as_object().if_contains(k);
      if (!r) continue;
      json::array rs = r->is_array() ? r->as_array() : json::array{*r};
      for (const auto& x : rs) {
        if (!x.is_string()) continue;
        std::string_view res = x.as_string();
        bool inside = res == arn || StartsWith(res, arn + "/") || res == "*" ||
                      (StartsWith(res, "arn:aws:s3:::") && res.find_first_of("*?") != std::string_view::npos &&
                       StartsWith(arn, res.substr(0, res.find_first_of("*?"))));
        if (!inside) return bad;
      }
    }
  }
  return {};
}

Result<json::value> PutBucketPolicy(S3Service& s3, const Call& call, const json::object& in) {
  std::string name(Str(in, "Bucket"));
  std::string text(Str(in, "Policy"));
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(name));
  if (auto issue = policy::ValidateAsAws(text, policy::PolicyType::kResource)) {
    return Error{"MalformedPolicy", issue->error.message, 400, true};
  }
  RAMPART_RETURN_IF_ERROR(CheckPolicyResources(name, text));
  auto parsed = policy::ParsePolicy(text, policy::PolicyType::kResource, "bucket policy");
  if (!parsed.ok()) return Error{"MalformedPolicy", parsed.error().message, 400, true};
  if (EffectivePublicAccess(s3, b).block_public_policy && PolicyIsPublic(*parsed)) {
    return Error{"AccessDenied",
                 "User: " + call.principal.arn +
                     " is not authorized to perform: s3:PutBucketPolicy on resource: \"arn:aws:s3:::" +
                     name +
                     "\" because public policies are blocked by the BlockPublicPolicy block public "
                     "access setting.",
                 403, true};
  }
  RAMPART_RETURN_IF_ERROR(s3.UpdateBucket(name, [&](json::object& doc) -> Status {
    doc["Policy"] = text;
    return {};
  }));
  return json::value(json::object());
}

Result<json::value> GetBucketPolicy(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  std::string_view text = Str(b.doc, "Policy");
  if (text.empty()) {
    return Error{"NoSuchBucketPolicy", "The bucket policy does not exist", 404, true};
  }
  return json::value(json::object{{"Policy", text}});
}

Result<json::value> DeleteBucketPolicy(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_RETURN_IF_ERROR(s3.UpdateBucket(Str(in, "Bucket"), [](json::object& doc) -> Status {
    doc.erase("Policy");
    return {};
  }));
  return json::value(json::object());
}

Result<json::value> GetBucketPolicyStatus(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  auto p = s3.CompiledPolicy(b);
  if (!p) return Error{"NoSuchBucketPolicy", "The bucket policy does not exist", 404, true};
  return json::value(json::object{{"PolicyStatus", json::object{{"IsPublic", PolicyIsPublic(*p)}}}});
}

// ---- Block Public Access ----

Result<json::value> PutPublicAccessBlock(S3Service& s3, const Call&, const json::object& in) {
  json::object config;
  if (auto* c = in.if_contains("PublicAccessBlockConfiguration"); c && c->is_object()) {
    config = PublicAccessBlockFrom(c->as_object());
  }
  RAMPART_RETURN_IF_ERROR(s3.UpdateBucket(Str(in, "Bucket"), [&](json::object& doc) -> Status {
    doc["PublicAccessBlock"] = config;
    return {};
  }));
  return json::value(json::object());
}

Result<json::value> GetPublicAccessBlock(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  auto* c = b.doc.if_contains("PublicAccessBlock");
  if (!c || !c->is_object()) {
    return Error{"NoSuchPublicAccessBlockConfiguration",
                 "The public access block configuration was not found", 404, true};
  }
  return json::value(json::object{{"PublicAccessBlockConfiguration", *c}});
}

Result<json::value> DeletePublicAccessBlock(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_RETURN_IF_ERROR(s3.UpdateBucket(Str(in, "Bucket"), [](json::object& doc) -> Status {
    doc.erase("PublicAccessBlock");
    return {};
  }));
  return json::value(json::object());
}

// ---- tags ----

Result<json::array> CheckTagSet(const json::object& tagging) {
  auto* ts = tagging.if_contains("TagSet");
  json::array tags = ts && ts->is_array() ? ts->as_array() : json::array();
  if (tags.size() > 50) {
    return Error{"InvalidTag", "Bucket tag count cannot be greater than 50", 400, true};
  }
  std::vector<std::string> seen;
  for (const auto& t : tags) {
    if (!t.is_object()) return MalformedXml();
    std::string key(Str(t.as_object(), "Key"));
    std::string value(Str(t.as_object(), "Value"));
    if (key.empty() || key.size() > 128 || value.size() > 256) {
      return Error{"InvalidTag", "The TagKey you have provided is invalid", 400, true};
    }
    if (StartsWith(key, "aws:")) {
      return Error{"InvalidTag", "Your TagKey cannot be prefixed with aws:", 400, true};
    }
    for (const auto& s : seen) {
      if (s == key) {
        return Error{"InvalidTag", "Cannot provide multiple Tags with the same key", 400, true};
      }
    }
    seen.push_back(key);
  }
  return tags;
}

Result<json::value> PutBucketTagging(S3Service& s3, const Call&, const json::object& in) {
  auto* t = in.if_contains("Tagging");
  if (!t || !t->is_object()) return MalformedXml();
  RAMPART_ASSIGN_OR_RETURN(json::array tags, CheckTagSet(t->as_object()));
  RAMPART_RETURN_IF_ERROR(s3.UpdateBucket(Str(in, "Bucket"), [&](json::object& doc) -> Status {
    doc["Tags"] = tags;
    return {};
  }));
  return json::value(json::object());
}

Result<json::value> GetBucketTagging(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  auto* t = b.doc.if_contains("Tags");
  if (!t || !t->is_array() || t->as_array().empty()) {
    return Error{"NoSuchTagSet", "The TagSet does not exist", 404, true};
  }
  return json::value(json::object{{"TagSet", *t}});
}

Result<json::value> DeleteBucketTagging(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_RETURN_IF_ERROR(s3.UpdateBucket(Str(in, "Bucket"), [](json::object& doc) -> Status {
    doc.erase("Tags");
    return {};
  }));
  return json::value(json::object());
}

// ---- default encryption (SSE-S3 or SSE-KMS: encryption.h applies it) ----

Result<json::value> PutBucketEncryption(S3Service& s3, const Call&, const json::object& in) {
  auto* c = in.if_contains("ServerSideEncryptionConfiguration");
  if (!c || !c->is_object()) return MalformedXml();
  auto* rules = c->as_object().if_contains("Rules");
  if (!rules || !rules->is_array() || rules->as_array().size() != 1) return MalformedXml();
  const json::value& rule = rules->as_array()[0];
  if (!rule.is_object()) return MalformedXml();
  std::string_view algo, kms_key;
  if (auto* d = rule.as_object().if_contains("ApplyServerSideEncryptionByDefault"); d && d->is_object()) {
    algo = Str(d->as_object(), "SSEAlgorithm");
    kms_key = Str(d->as_object(), "KMSMasterKeyID");
  }
  if (algo == "aws:kms:dsse") {
    return Error{"NotImplemented",
                 "Default encryption with aws:kms:dsse is not implemented in Rampart yet", 501, true};
  }
  if (algo != "AES256" && algo != "aws:kms") return MalformedXml();
  if (algo == "AES256" && !kms_key.empty()) {
    return InvalidArgument("a KMSMasterKeyID is not applicable if the default sse algorithm is not "
                           "aws:kms or aws:kms:dsse");
  }
  json::object config{{"Rules", json::array{rule}}};
  RAMPART_RETURN_IF_ERROR(s3.UpdateBucket(Str(in, "Bucket"), [&](json::object& doc) -> Status {
    doc["Encryption"] = config;
    return {};
  }));
  return json::value(json::object());
}

Result<json::value> GetBucketEncryption(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  auto* c = b.doc.if_contains("Encryption");
  json::object config = c && c->is_object() ? c->as_object() : DefaultEncryption();
  return json::value(json::object{{"ServerSideEncryptionConfiguration", config}});
}

Result<json::value> DeleteBucketEncryption(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_RETURN_IF_ERROR(s3.UpdateBucket(Str(in, "Bucket"), [](json::object& doc) -> Status {
    doc.erase("Encryption");
    return {};
  }));
  return json::value(json::object());
}

// ---- ownership and ACLs (acl.h) ----

Result<json::value> GetBucketOwnershipControls(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  if (b.doc.contains("OwnershipUnset")) {
    return Error{"OwnershipControlsNotFoundError", "The bucket ownership controls were not found",
                 404, true};
  }
  return json::value(json::object{
      {"OwnershipControls",
       json::object{{"Rules", json::array{json::object{{"ObjectOwnership", OwnershipOf(b)}}}}}}});
}

Result<json::value> PutBucketOwnershipControls(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  auto* c = in.if_contains("OwnershipControls");
  if (!c || !c->is_object()) return MalformedXml();
  auto* rules = c->as_object().if_contains("Rules");
  if (!rules || !rules->is_array() || rules->as_array().size() != 1 ||
      !rules->as_array()[0].is_object()) {
    return MalformedXml();
  }
  std::string o(Str(rules->as_array()[0].as_object(), "ObjectOwnership"));
  if (!ValidOwnership(o)) return MalformedXml();
  RAMPART_RETURN_IF_ERROR(s3.UpdateBucket(b.name, [&](json::object& doc) -> Status {
    if (o == "BucketOwnerEnforced") {
      // S3 refuses to disable ACLs while the bucket's ACL grants anyone but its owner.
      if (auto* acl = doc.if_contains("Acl"); acl && acl->is_object() &&
                                              *acl != json::value(PrivateAcl(Str(doc, "Owner")))) {
        return Error{"InvalidBucketAclWithObjectOwnership",
                     "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced "
                     "setting",
                     400, true};
      }
      doc.erase("Acl");
    } else if (!doc.contains("Acl")) {
      doc["Acl"] = PrivateAcl(Str(doc, "Owner"));
    }
    doc["Ownership"] = o;
    doc.erase("OwnershipUnset");
    return {};
  }));
  return json::value(json::object());
}

// Without ownership controls a bucket behaves as ObjectWriter (ACLs enabled), as in S3.
Result<json::value> DeleteBucketOwnershipControls(S3Service& s3, const Call&,
                                                  const json::object& in) {
  RAMPART_RETURN_IF_ERROR(s3.UpdateBucket(Str(in, "Bucket"), [&](json::object& doc) -> Status {
    doc["Ownership"] = "ObjectWriter";
    doc["OwnershipUnset"] = true;
    if (!doc.contains("Acl")) doc["Acl"] = PrivateAcl(Str(doc, "Owner"));
    return {};
  }));
  return json::value(json::object());
}

json::object OwnerOnlyAcl(std::string_view account) {
  json::object grantee{{"ID", CanonicalUserId(account)}, {"Type", "CanonicalUser"}};
  return json::object{
      {"Owner", OwnerOf(account)},
      {"Grants", json::array{json::object{{"Grantee", grantee}, {"Permission", "FULL_CONTROL"}}}}};
}

Result<json::value> GetBucketAcl(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  auto* acl = b.doc.if_contains("Acl");
  return json::value(AclOutput(acl && acl->is_object() ? &acl->as_object() : nullptr, b.owner()));
}

Result<json::value> PutBucketAcl(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  RAMPART_ASSIGN_OR_RETURN(std::optional<json::object> acl,
                           AclFromRequest(s3, b, in, b.owner(), false));
  if (acl) {
    RAMPART_RETURN_IF_ERROR(s3.UpdateBucket(b.name, [&](json::object& doc) -> Status {
      doc["Acl"] = *acl;
      return {};
    }));
  }
  return json::value(json::object());
}

Result<json::value> GetBucketVersioning(S3Service& s3, const Call&, const json::object& in) {
  // A bucket never versioned answers an empty configuration, as AWS does.
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  json::object out;
  if (!VersioningOf(b.doc).empty()) out["Status"] = VersioningOf(b.doc);
  return json::value(std::move(out));
}

Result<json::value> PutBucketVersioning(S3Service& s3, const Call&, const json::object& in) {
  auto* c = in.if_contains("VersioningConfiguration");
  if (!c || !c->is_object()) return MalformedXml();
  std::string_view status = Str(c->as_object(), "Status");
  std::string_view mfa = Str(c->as_object(), "MFADelete");
  if (status != "Enabled" && status != "Suspended") {
    return Error{"IllegalVersioningConfigurationException",
                 "The Versioning element must be specified", 400, true};
  }
  if (mfa == "Enabled") {
    return Error{"NotImplemented", "MFA Delete is not implemented in Rampart", 501, true};
  }
  std::string st(status);
  RAMPART_RETURN_IF_ERROR(s3.UpdateBucket(Str(in, "Bucket"), [&](json::object& doc) -> Status {
    if (doc.contains("ObjectLock") && st != "Enabled") {
      return Error{"InvalidBucketState",
                   "An Object Lock configuration is present on this bucket, so the versioning "
                   "state cannot be changed.",
                   409, true};
    }
    doc["Versioning"] = st;
    return {};
  }));
  return json::value(json::object());
}

}  // namespace

void AddBucketOperations(std::vector<OperationEntry>& out, S3Service& s3) {
  static constexpr std::pair<std::string_view, ObjectHandler<S3Service>> kOps[] = {
      {"CreateBucket", CreateBucket},
      {"DeleteBucket", DeleteBucket},
      {"HeadBucket", HeadBucket},
      {"GetBucketLocation", GetBucketLocation},
      {"PutBucketPolicy", PutBucketPolicy},
      {"GetBucketPolicy", GetBucketPolicy},
      {"DeleteBucketPolicy", DeleteBucketPolicy},
      {"GetBucketPolicyStatus", GetBucketPolicyStatus},
      {"PutPublicAccessBlock", PutPublicAccessBlock},
      {"GetPublicAccessBlock", GetPublicAccessBlock},
      {"DeletePublicAccessBlock", DeletePublicAccessBlock},
      {"PutBucketTagging", PutBucketTagging},
      {"GetBucketTagging", GetBucketTagging},
      {"DeleteBucketTagging", DeleteBucketTagging},
      {"PutBucketEncryption", PutBucketEncryption},
      {"GetBucketEncryption", GetBucketEncryption},
      {"DeleteBucketEncryption", DeleteBucketEncryption},
      {"GetBucketOwnershipControls", GetBucketOwnershipControls},
      {"PutBucketOwnershipControls", PutBucketOwnershipControls},
      {"DeleteBucketOwnershipControls", DeleteBucketOwnershipControls},
      {"GetBucketAcl", GetBucketAcl},
      {"PutBucketAcl", PutBucketAcl},
      {"GetBucketVersioning", GetBucketVersioning},
      {"PutBucketVersioning", PutBucketVersioning},
  };
  AddOperations(out, s3, kOps);
}

json::object BucketOwnerAcl(std::string_view account) { return OwnerOnlyAcl(account); }

}  // namespace rampart::services::s3
