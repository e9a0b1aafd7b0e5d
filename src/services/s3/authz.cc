// How S3 calls are authorized: each operation's IAM action (S3's own names), the bucket or
// object ARN, the bucket owner's account and the bucket policy, the s3:* condition keys, and
// Block Public Access's RestrictPublicBuckets. Decided by the Authorizer with AWS's logic.
#include <boost/json.hpp>

#include "common/strings.h"
#include "services/s3/acl.h"
#include "services/s3/public_policy.h"
#include "services/s3/s3.h"

namespace rampart::services::s3 {

namespace {

struct ActionRule {
  std::string_view operation;
  std::string_view action;  // s3:<action>
  bool object = false;      // the resource is an object (bucket/key), else the bucket
};

// S3's IAM actions where they differ from the operation name (Service Authorization Reference).
constexpr ActionRule kRules[] = {
    {"AbortMultipartUpload", "AbortMultipartUpload", true},
    {"CompleteMultipartUpload", "PutObject", true},
    {"CopyObject", "PutObject", true},
    {"CreateMultipartUpload", "PutObject", true},
    {"DeleteBucketCors", "PutBucketCORS", false},
    {"DeleteBucketEncryption", "PutEncryptionConfiguration", false},
    {"DeleteBucketLifecycle", "PutLifecycleConfiguration", false},
    {"DeleteBucketOwnershipControls", "PutBucketOwnershipControls", false},
    {"DeleteBucketTagging", "PutBucketTagging", false},
    {"DeleteObject", "DeleteObject", true},
    {"DeleteObjectTagging", "DeleteObjectTagging", true},
    {"DeleteObjects", "DeleteObject", true},
    {"DeletePublicAccessBlock", "PutBucketPublicAccessBlock", false},
    {"GetBucketCors", "GetBucketCORS", false},
    {"GetBucketEncryption", "GetEncryptionConfiguration", false},
    {"GetBucketLifecycleConfiguration", "GetLifecycleConfiguration", false},
    {"GetObject", "GetObject", true},
    {"GetObjectAcl", "GetObjectAcl", true},
    {"GetObjectLegalHold", "GetObjectLegalHold", true},
    {"GetObjectLockConfiguration", "GetBucketObjectLockConfiguration", false},
    {"GetObjectRetention", "GetObjectRetention", true},
    {"GetObjectTagging", "GetObjectTagging", true},
    {"GetPublicAccessBlock", "GetBucketPublicAccessBlock", false},
    {"HeadBucket", "ListBucket", false},
    {"HeadObject", "GetObject", true},
    {"ListBuckets", "ListAllMyBuckets", false},
    {"ListMultipartUploads", "ListBucketMultipartUploads", false},
    {"ListObjects", "ListBucket", false},
    {"ListObjectsV2", "ListBucket", false},
    {"ListObjectVersions", "ListBucketVersions", false},
    {"ListParts", "ListMultipartUploadParts", true},
    {"PutBucketCors", "PutBucketCORS", false},
    {"PutBucketEncryption", "PutEncryptionConfiguration", false},
    {"PutBucketLifecycleConfiguration", "PutLifecycleConfiguration", false},
    {"PutObject", "PutObject", true},
    {"PutObjectAcl", "PutObjectAcl", true},
    {"PutObjectLegalHold", "PutObjectLegalHold", true},
    {"PutObjectLockConfiguration", "PutBucketObjectLockConfiguration", false},
    {"PutObjectRetention", "PutObjectRetention", true},
    {"PutObjectTagging", "PutObjectTagging", true},
    {"PutPublicAccessBlock", "PutBucketPublicAccessBlock", false},
    {"UploadPart", "PutObject", true},
    {"UploadPartCopy", "PutObject", true},
};

const ActionRule* RuleFor(std::string_view op) {
  for (const ActionRule& r : kRules) {
    if (r.operation == op) return &r;
  }
  return nullptr;
}

std::string BucketArn(std::string_view bucket) { return "arn:aws:s3:::" + std::string(bucket); }

void Add(ResourceContext& rc, std::string key, std::string_view value) {
  rc.context.push_back({std::move(key), {std::string(value)}});
}

// Object tags as s3:ExistingObjectTag/<key> (reads the object's metadata).
// With `keep`, the object's document is handed to the handler (ResourceContext::resolved_refs,
// kObjectRef): it serves the object whose tags were judged, and reads it once.
void AddExistingTags(S3Service& s3, ResourceContext& rc, std::string_view bucket, std::string_view key,
                     bool keep = false) {
  std::optional<std::string> doc;
  Status st = s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(doc, tx.Get(kGlobal, "s3-obj", ObjectKey(bucket, key)));
    return {};
  });
  if (!st.ok() || !doc) return;
  if (keep) rc.resolved_refs.emplace_back(kObjectRef, *doc);
  boost::system::error_code ec;
  json::value v = json::parse(*doc, ec);
  if (ec || !v.is_object()) return;
  auto* tags = v.as_object().if_contains("Tags");
  if (!tags || !tags->is_array()) return;
  for (const auto& t : tags->as_array()) {
    if (!t.is_object()) continue;
    Add(rc, "s3:ExistingObjectTag/" + std::string(Str(t.as_object(), "Key")),
        Str(t.as_object(), "Value"));
  }
}

// The condition keys the request itself carries.
void AddRequestKeys(ResourceContext& rc, std::string_view op, const json::object& in) {
  if (op == "ListObjects" || op == "ListObjectsV2" || op == "ListObjectVersions") {
    Add(rc, "s3:prefix", Str(in, "Prefix"));
    if (in.contains("Delimiter")) Add(rc, "s3:delimiter", Str(in, "Delimiter"));
    if (auto m = Int(in, "MaxKeys")) Add(rc, "s3:max-keys", std::to_string(*m));
  }
  if (!Str(in, "ACL").empty()) Add(rc, "s3:x-amz-acl", Str(in, "ACL"));
  if (!Str(in, "ServerSideEncryption").empty()) {
    Add(rc, "s3:x-amz-server-side-encryption", Str(in, "ServerSideEncryption"));
  }
  if (!Str(in, "SSEKMSKeyId").empty()) {
    Add(rc, "s3:x-amz-server-side-encryption-aws-kms-key-id", Str(in, "SSEKMSKeyId"));
  }
  if (!Str(in, "StorageClass").empty()) Add(rc, "s3:x-amz-storage-class", Str(in, "StorageClass"));
  if (op == "CopyObject" || op == "UploadPartCopy") {
    Add(rc, "s3:x-amz-copy-source", Str(in, "CopySource"));
    if (!Str(in, "MetadataDirective").empty()) {
      Add(rc, "s3:x-amz-metadata-directive", Str(in, "MetadataDirective"));
    }
  }
  if (op == "PutObject" || op == "CopyObject" || op == "CreateMultipartUpload") {
    if (auto form = ParseForm(Str(in, "Tagging"))) {
      std::vector<std::string> keys;
      for (const auto& [k, v] : *form) {
        Add(rc, "s3:RequestObjectTag/" + k, v);
        keys.push_back(k);
      }
      if (!keys.empty()) rc.context.push_back({"s3:RequestObjectTagKeys", keys});
    }
  }
  if (auto* v = in.if_contains("VersionId"); v && v->is_string()) {
    Add(rc, "s3:VersionId", v->as_string());
  }
}

// How the request was signed (s3:authType, s3:signatureversion, s3:signatureAge,
// s3:x-amz-content-sha256): bucket policies use them to refuse presigned URLs older than a
// limit or unsigned payloads.
void AddSignatureKeys(ResourceContext& rc, const Call& call) {
  if (call.auth_type.empty()) return;  // an unsigned request has none of them
  Add(rc, "s3:authType", call.auth_type);
  Add(rc, "s3:signatureversion", "AWS4-HMAC-SHA256");
  if (call.auth_type == "REST-QUERY-STRING") {
    Add(rc, "s3:signatureAge", std::to_string(call.signature_age_ms));
  }
  Add(rc, "s3:x-amz-content-sha256",
      call.content_sha256.empty() && call.auth_type == "REST-QUERY-STRING" ? "UNSIGNED-PAYLOAD"
                                                                           : call.content_sha256);
}

// Block Public Access's RestrictPublicBuckets: a public bucket policy grants only to the
// owner's account (and AWS services); everyone else is judged without it.
void ApplyRestrictPublic(S3Service& s3, const Bucket& b, const Call& call, ResourceContext& rc) {
  if (!rc.policy || call.principal.account_id == b.owner()) return;
  if (!EffectivePublicAccess(s3, b).restrict_public_buckets) return;
  if (PolicyIsPublic(*rc.policy)) rc.policy = nullptr;
}

// ACLs (when the bucket has them enabled): the bucket's grants, and for the actions an object
// ACL governs the object's, join the bucket policy as statements of one resource policy.
void ApplyAcls(S3Service& s3, const Bucket& b, ResourceContext& rc, const std::string* key,
               std::string_view action) {
  bool ignore_public = EffectivePublicAccess(s3, b).ignore_public_acls;
  json::array acl_statements;
  if (auto* acl = b.doc.if_contains("Acl"); acl && acl->is_object()) {
    acl_statements = AclStatements(acl->as_object(), BucketArn(b.name), false, ignore_public);
  }
  bool object_acl = action == "GetObject" || action == "GetObjectVersion" ||
                    action == "GetObjectAcl" || action == "GetObjectVersionAcl" ||
                    action == "PutObjectAcl" || action == "PutObjectVersionAcl";
  if (key && object_acl) {
    std::optional<std::string> doc;
    Status st = s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
      RAMPART_ASSIGN_OR_RETURN(doc, tx.Get(kGlobal, "s3-obj", ObjectKey(b.name, *key)));
      return {};
    });
    boost::system::error_code ec;
    json::value v = st.ok() && doc ? json::parse(*doc, ec) : json::value();
    if (!ec && v.is_object()) {
      if (auto* acl = v.as_object().if_contains("Acl"); acl && acl->is_object()) {
        for (auto& s : AclStatements(acl->as_object(), BucketArn(b.name) + "/" + *key, true,
                                     ignore_public)) {
          acl_statements.push_back(std::move(s));
        }
      }
    }
  }
  if (acl_statements.empty()) return;
  json::array all;
  if (rc.policy) {  // the bucket policy's own statements (unless RestrictPublicBuckets cut it)
    boost::system::error_code ec;
    json::value p = json::parse(Str(b.doc, "Policy"), ec);
    const json::value* st = !ec && p.is_object() ? p.as_object().if_contains("Statement") : nullptr;
    if (st && st->is_array()) all = st->as_array();
    if (st && st->is_object()) all.push_back(*st);
  }
  for (auto& s : acl_statements) all.push_back(std::move(s));
  rc.policy = s3.CompiledText(
      b, json::serialize(json::object{{"Version", "2012-10-17"}, {"Statement", std::move(all)}}));
}

// The resource context of `bucket` (and `key`, for object actions) for `action`.
Result<ResourceContext> Target(S3Service& s3, const Call& call, std::string_view action,
                               std::string_view bucket, const std::string* key) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(bucket));
  ResourceContext rc;
  rc.action = "s3:" + std::string(action);
  rc.resource = key ? BucketArn(bucket) + "/" + *key : BucketArn(bucket);
  rc.resource_account = b.owner();
  rc.policy = s3.CompiledPolicy(b);
  Add(rc, "s3:ResourceAccount", b.owner());
  AddSignatureKeys(rc, call);
  ApplyRestrictPublic(s3, b, call, rc);
  if (AclsEnabled(b)) ApplyAcls(s3, b, rc, key, action);
  return rc;
}

// CopyObject / UploadPartCopy also need s3:GetObject on the source (s3:GetObjectVersion when
// the source names a version).
Result<ResourceContext> CopySourceTarget(S3Service& s3, const Call& call, std::string_view header) {
  RAMPART_ASSIGN_OR_RETURN(CopySource c, ParseCopySource(header));
  RAMPART_ASSIGN_OR_RETURN(ResourceContext src,
                           Target(s3, call, c.version.empty() ? "GetObject" : "GetObjectVersion",
                                  c.bucket, &c.key));
  if (!c.version.empty()) Add(src, "s3:VersionId", c.version);
  AddExistingTags(s3, src, c.bucket, c.key);
  return src;
}

// Object Lock's extra permissions: s3:BypassGovernanceRetention when a call asks to bypass
// GOVERNANCE retention; s3:PutObjectRetention / s3:PutObjectLegalHold when a write sets them.
Status AddLockPermissions(S3Service& s3, const Call& call, std::string_view op,
                          const json::object& in, const std::string& bucket,
                          const std::string& key, ResourceContext& rc) {
  std::vector<std::string_view> extra;
  if (Flag(in, "BypassGovernanceRetention") &&
      (op == "DeleteObject" || op == "DeleteObjects" || op == "PutObjectRetention")) {
    extra.push_back("BypassGovernanceRetention");
  }
  bool writes = op == "PutObject" || op == "CopyObject" || op == "CreateMultipartUpload";
  if (writes && !Str(in, "ObjectLockMode").empty()) extra.push_back("PutObjectRetention");
  if (writes && !Str(in, "ObjectLockLegalHoldStatus").empty()) extra.push_back("PutObjectLegalHold");
  for (std::string_view action : extra) {
    RAMPART_ASSIGN_OR_RETURN(ResourceContext x, Target(s3, call, action, bucket, &key));
    rc.also.push_back(std::move(x));
  }
  return {};
}

}  // namespace

Result<ResourceContext> ResolveResource(S3Service& s3, const Call& call, const model::Operation& op,
                                        const json::object& in) {
  const ActionRule* rule = RuleFor(op.name);
  std::string_view action = rule ? rule->action : std::string_view(op.name);
  bool object = rule ? rule->object : false;
  if (op.name == "ListBuckets") {
    ResourceContext rc;
    rc.action = "s3:ListAllMyBuckets";
    return rc;
  }
  std::string bucket(Str(in, "Bucket"));
  if (op.name == "CreateBucket") {
    ResourceContext rc;
    rc.action = "s3:CreateBucket";
    rc.resource = BucketArn(bucket);
    Add(rc, "s3:ResourceAccount", call.principal.account_id);  // the bucket's owner to be
    AddRequestKeys(rc, op.name, in);
    if (auto* c = in.if_contains("CreateBucketConfiguration"); c && c->is_object()) {
      Add(rc, "s3:LocationConstraint", Str(c->as_object(), "LocationConstraint"));
    }
    return rc;
  }
  std::string key(Str(in, "Key"));
  if (op.name == "DeleteObjects") {
    // s3:DeleteObject on every key the request names.
    auto* d = in.if_contains("Delete");
    auto* objs = d && d->is_object() ? d->as_object().if_contains("Objects") : nullptr;
    if (!objs || !objs->is_array() || objs->as_array().empty()) return MalformedXml();
    std::vector<ResourceContext> each;
    for (const auto& o : objs->as_array()) {
      if (!o.is_object()) return MalformedXml();
      std::string k(Str(o.as_object(), "Key"));
      bool versioned = !Str(o.as_object(), "VersionId").empty();
      RAMPART_ASSIGN_OR_RETURN(ResourceContext rc,
                               Target(s3, call, versioned ? "DeleteObjectVersion" : "DeleteObject",
                                      bucket, &k));
      each.push_back(std::move(rc));
      ResourceContext lock;  // s3:BypassGovernanceRetention on each key, when asked
      RAMPART_RETURN_IF_ERROR(AddLockPermissions(s3, call, op.name, in, bucket, k, lock));
      for (auto& x : lock.also) each.push_back(std::move(x));
    }
    ResourceContext first = each.front();
    first.also.assign(each.begin() + 1, each.end());
    return first;
  }
  // Naming a version makes it the version's own action (Service Authorization Reference).
  bool versioned = !Str(in, "VersionId").empty();
  if (versioned && (op.name == "GetObject" || op.name == "HeadObject")) action = "GetObjectVersion";
  if (versioned && op.name == "DeleteObject") action = "DeleteObjectVersion";
  if (versioned && op.name == "GetObjectTagging") action = "GetObjectVersionTagging";
  if (versioned && op.name == "PutObjectTagging") action = "PutObjectVersionTagging";
  if (versioned && op.name == "DeleteObjectTagging") action = "DeleteObjectVersionTagging";
  if (versioned && op.name == "GetObjectAcl") action = "GetObjectVersionAcl";
  if (versioned && op.name == "PutObjectAcl") action = "PutObjectVersionAcl";
  RAMPART_ASSIGN_OR_RETURN(ResourceContext rc,
                           Target(s3, call, action, bucket, object ? &key : nullptr));
  AddRequestKeys(rc, op.name, in);
  if (object && (op.name == "GetObject" || op.name == "HeadObject" || op.name == "GetObjectTagging" ||
                 op.name == "PutObjectTagging" || op.name == "DeleteObjectTagging" ||
                 op.name == "GetObjectAcl" || op.name == "PutObjectAcl")) {
    bool reuse = (op.name == "GetObject" || op.name == "HeadObject") && Str(in, "VersionId").empty();
    AddExistingTags(s3, rc, bucket, key, reuse);
  }
  if (op.name == "CopyObject" || op.name == "UploadPartCopy") {
    RAMPART_ASSIGN_OR_RETURN(ResourceContext src, CopySourceTarget(s3, call, Str(in, "CopySource")));
    rc.also.push_back(std::move(src));
  }
  RAMPART_RETURN_IF_ERROR(AddLockPermissions(s3, call, op.name, in, bucket, key, rc));
  return rc;
}

}  // namespace rampart::services::s3
