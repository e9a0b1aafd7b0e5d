// Writes an AWS service makes into a bucket on a customer's behalf (CloudTrail delivering log
// and digest files): allowed only when the bucket policy grants the service principal, with the
// aws:SourceArn / aws:SourceAccount of the resource it writes for, as AWS requires.
#include <boost/json.hpp>

#include "common/crypto.h"
#include "policy/evaluate.h"
#include "services/s3/s3.h"

namespace rampart::services::s3 {

namespace {

Status Decide(S3Service& s3, const Bucket& b, const ServiceCaller& caller, std::string_view action,
              const std::string& resource, std::string_view acl) {
  auto policy = s3.CompiledPolicy(b);
  Error denied{"AccessDenied", "Access Denied", 403, true};
  if (!policy) return denied;
  auto req = policy::Request::Create("service:" + std::string(caller.service), action, resource,
                                     b.owner());
  if (!req.ok()) return Error::Internal("cannot build the authorization request: " + req.error().message);
  if (!caller.source_arn.empty()) req->SetContext("aws:SourceArn", caller.source_arn);
  if (!caller.source_account.empty()) req->SetContext("aws:SourceAccount", caller.source_account);
  req->SetContext("aws:SecureTransport", "true");
  if (!acl.empty()) req->SetContext("s3:x-amz-acl", acl);
  policy::PolicySet set;
  set.resource = policy.get();
  policy::EvaluationResult r = policy::Evaluate(*req, set, {});
  if (r.decision != policy::Decision::kAllow) return denied;
  return {};
}

}  // namespace

Status ServiceMayDeliver(S3Service& s3, const ServiceCaller& caller, std::string_view bucket,
                         std::string_view key) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(bucket));
  RAMPART_RETURN_IF_ERROR(Decide(s3, b, caller, "s3:GetBucketAcl",
                                 "arn:aws:s3:::" + std::string(bucket), ""));
  return Decide(s3, b, caller, "s3:PutObject",
                "arn:aws:s3:::" + std::string(bucket) + "/" + std::string(key),
                "bucket-owner-full-control");
}

Status WriteAsService(S3Service& s3, const ServiceCaller& caller, const ServiceObject& o) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(o.bucket));
  RAMPART_RETURN_IF_ERROR(Decide(s3, b, caller, "s3:PutObject",
                                 "arn:aws:s3:::" + b.name + "/" + std::string(o.key),
                                 "bucket-owner-full-control"));
  RAMPART_ASSIGN_OR_RETURN(std::string bucket_key, s3.BucketKey(b));
  RAMPART_ASSIGN_OR_RETURN(std::string blob, s3.blobs().Write(bucket_key, o.bytes));
  json::object meta{{"Blobs", json::array{json::array{blob, static_cast<int64_t>(o.bytes.size())}}},
                    {"Size", static_cast<int64_t>(o.bytes.size())},
                    {"ETag", crypto::HexEncode(crypto::Md5(o.bytes))},
                    {"LastModified", static_cast<double>(o.now_epoch_seconds)},
                    {"Owner", b.owner()}};
  if (!o.content_type.empty()) meta["ContentType"] = o.content_type;
  if (!o.content_encoding.empty()) meta["ContentEncoding"] = o.content_encoding;
  json::object user;
  for (const auto& [k, v] : o.metadata) user[k] = v;
  if (!user.empty()) meta["Metadata"] = std::move(user);
  Status st = PutMetadata(s3, b.name, o.key, meta);
  if (!st.ok()) s3.blobs().Remove(blob);
  return st;
}

Result<std::optional<std::string>> ReadObjectBytes(S3Service& s3, std::string_view bucket,
                                                   std::string_view key,
                                                   std::map<std::string, std::string>* metadata) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(bucket));
  std::optional<std::string> doc;
  RAMPART_RETURN_IF_ERROR(s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(doc, tx.Get(kGlobal, "s3-obj", ObjectKey(bucket, key)));
    return {};
  }));
  if (!doc) return std::optional<std::string>();
  json::value v = json::parse(*doc);
  if (!v.is_object()) return Error::Internal("the stored object metadata is damaged");
  if (metadata) {
    if (auto* m = v.as_object().if_contains("Metadata"); m && m->is_object()) {
      for (const auto& kv : m->as_object()) {
        if (kv.value().is_string()) (*metadata)[std::string(kv.key())] = kv.value().as_string();
      }
    }
  }
  if (v.as_object().contains("SSEC")) {
    return Error{"AccessDenied", "The object is encrypted with a customer-provided key", 403, true};
  }
  RAMPART_ASSIGN_OR_RETURN(std::string bucket_key, s3.BucketKey(b));
  RAMPART_ASSIGN_OR_RETURN(std::string data,
                           ReadData(s3, b, bucket_key, v.as_object(), 0, UINT64_MAX));
  return std::optional<std::string>(std::move(data));
}

Result<std::vector<std::string>> ListKeys(S3Service& s3, std::string_view bucket,
                                          std::string_view prefix) {
  std::vector<std::string> keys;
  std::string base = std::string(bucket) + "/";
  RAMPART_RETURN_IF_ERROR(s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    std::string after;
    while (true) {
      RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(kGlobal, "s3-obj", base + std::string(prefix),
                                                  after, 1000));
      if (rows.empty()) return {};
      for (auto& r : rows) {
        after = r.key;
        keys.push_back(r.key.substr(base.size()));
      }
    }
  }));
  return keys;
}

}  // namespace rampart::services::s3
