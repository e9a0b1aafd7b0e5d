#pragma once
// S3: buckets and objects, with bucket policies, Block Public Access and SSE-S3 at rest.
// docs/S3.md describes the behaviour and what is not served yet.
//
// Authorization happens before the handlers run: ResolveResource (registered with the
// Authorizer for "s3") maps the operation to S3's IAM action (ListObjectsV2 -> s3:ListBucket),
// names the bucket or object ARN, the bucket owner's account and the bucket policy, and adds the
// s3:* condition keys. Block Public Access is applied there too.
//
// Storage (entity store; bucket names are global, so buckets and objects live under the
// pseudo-account kGlobal):
//   s3-bucket [name]                 {"Owner", "Region", "Created", "Key" (sealed SSE-S3 key),
//                                     "Policy", "PublicAccessBlock", "Tags", "Encryption", ...}
//   s3-owned  [name] (owner account) {} : ListBuckets
//   s3-obj    [bucket/key]           the current version {"Blobs" | "Inline", "Size", "ETag",
//                                     "LastModified", "VersionId", ...} or {"DeleteMarker": true}
//   s3-ver    [bucket/key\x01order]   older versions, newest first (versions.cc)
//   s3-mpu    [bucket/upload id]     {"Key", "Initiated", "Owner", object headers}
//   s3-part   [upload id/00001]      {"Blob", "Size", "ETag", "LastModified"}
// Object bytes are in the BlobStore (blob_store.h), encrypted under the bucket's key.
//
// Thread-safe: state is in the store; S3Service caches compiled bucket policies.

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <optional>
#include <string>
#include <unordered_map>

#include "policy/policy.h"
#include "services/call.h"
#include "services/identity/authorizer.h"
#include "services/s3/blob_store.h"
#include "store/store.h"

namespace rampart::services::s3 {

namespace json = boost::json;

inline constexpr std::string_view kGlobal = "s3";  // the pseudo-account of the bucket namespace
// Call::authorized_refs name: the current version's document the authorizer judged (GetObject,
// HeadObject without a version id).
inline constexpr std::string_view kObjectRef = "s3-object";

// One bucket as stored.
struct Bucket {
  std::string name;
  json::object doc;
  std::string owner() const;
  std::string region() const;
};

class S3Service {
 public:
  S3Service(store::Store& store, BlobStore blobs) : store_(store), blobs_(std::move(blobs)) {}
  store::Store& store() { return store_; }
  const BlobStore& blobs() const { return blobs_; }

  // The bucket, or NoSuchBucket.
  Result<Bucket> GetBucket(std::string_view name);
  // Loads the bucket in a transaction, lets `fn` change its document, saves it.
  Status UpdateBucket(std::string_view name, const std::function<Status(json::object&)>& fn);
  // The bucket's SSE-S3 key (32 bytes), unsealed.
  Result<std::string> BucketKey(const Bucket& b);
  // The bucket policy compiled (null if none); cached by policy text.
  std::shared_ptr<const policy::Policy> CompiledPolicy(const Bucket& b);
  // A resource policy of bucket `b` made here (the bucket policy with ACL grants as
  // statements), compiled; cached by text. One that does not parse denies all.
  std::shared_ptr<const policy::Policy> CompiledText(const Bucket& b, std::string_view text);
  // The account-level Block Public Access configuration (s3control), or an empty object.
  Result<json::object> AccountPublicAccessBlock(std::string_view account);
  // Drops the cached bucket (after CreateBucket / DeleteBucket change it outside UpdateBucket).
  void Forget(std::string_view name);
  // Drops every cache (--dev reset).
  void ClearCaches();

  // SSE-KMS, wired by server/ once KMS and the authorizer exist (unset: aws:kms answers
  // NotImplemented). `kms` runs the KMS operation `op` with input `in` for the caller of `call`,
  // through S3 (kms:ViaService), authorized as KMS authorizes its own callers; `managed_key` is
  // the id of the caller's AWS managed key alias/aws/s3 (made on first use).
  using KmsInvoker =
      std::function<Result<json::value>(const Call&, std::string_view op, const json::object& in)>;
  void SetKms(KmsInvoker kms, std::function<Result<std::string>(const Call&)> managed_key) {
    kms_ = std::move(kms);
    managed_key_ = std::move(managed_key);
  }
  const KmsInvoker& kms() const { return kms_; }
  Result<std::string> ManagedKey(const Call& call) const { return managed_key_(call); }

 private:
  store::Store& store_;
  BlobStore blobs_;
  KmsInvoker kms_;                                          // set before serving
  std::function<Result<std::string>(const Call&)> managed_key_;  // set before serving
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const policy::Policy>> policies_;  // by text
  // Buckets as last read or written, and their unsealed keys (by sealed text): a call reads its
  // bucket several times (resolver, handler) and must not pay a store read and an AES-GCM
  // unseal each time. Only this process writes the data directory (its lock), so a bucket
  // changed through UpdateBucket / Forget is never stale here.
  std::unordered_map<std::string, json::object> buckets_;     // GUARDED_BY(mu_)
  uint64_t generation_ = 0;  // GUARDED_BY(mu_); bumped by Forget: a read that raced a change
                             // is not cached
  std::unordered_map<std::string, std::string> bucket_keys_;  // GUARDED_BY(mu_)
};

// ---- errors as S3 writes them ----
Error NoSuchBucket(std::string_view bucket);
Error NoSuchKey();
Error InvalidArgument(std::string message);
Error MalformedXml();

// ---- helpers shared by the handler files ----
std::string_view Str(const json::object& in, std::string_view member);  // "" if absent
std::optional<int64_t> Int(const json::object& in, std::string_view member);
bool Flag(const json::object& in, std::string_view member);      // a boolean member; false if absent
double Number(const json::object& in, std::string_view member);  // int or double; 0 if absent
// The four Block Public Access settings of a PublicAccessBlockConfiguration (absent = false).
json::object PublicAccessBlockFrom(const json::object& config);
std::string CanonicalUserId(std::string_view account);  // 64 hex, stable per account
json::object OwnerOf(std::string_view account);          // {"ID": canonical id}
std::string ObjectKey(std::string_view bucket, std::string_view key);  // "bucket/key"
std::string QuotedEtag(std::string_view hex);
// x-amz-copy-source ("bucket/key[?versionId=id]", URL-encoded, an optional leading "/").
struct CopySource {
  std::string bucket, key, version;
};
Result<CopySource> ParseCopySource(std::string_view header);
json::object BucketOwnerAcl(std::string_view account);
// An object's bytes are sealed in its metadata row when small ("Inline": [id, base64 of
// AES-256-GCM under the bucket key, associated data InlineAad(bucket, id)]), else one blob
// (PutObject, CopyObject) or its parts' blobs in order (CompleteMultipartUpload: no copy):
// "Blobs": [[id, size], ...].
inline constexpr size_t kInlineMax = 64 * 1024;
std::string InlineAad(std::string_view bucket, std::string_view id);
std::vector<std::string> BlobIds(const json::object& obj);
// [offset, offset + length) of the object's bytes (length clipped to the size).
// `data_key`: the key the object is encrypted under (encryption.h, ExistingDataKey).
Result<std::string> ReadData(S3Service& s3, const Bucket& b, std::string_view data_key,
                             const json::object& obj,
                             uint64_t offset, uint64_t length);
// Verifies Content-MD5 and x-amz-checksum-* of `data` (PutObject, UploadPart); returns the
// checksums to keep (algorithm -> base64), computing the one x-amz-sdk-checksum-algorithm names.
// AWS's limits on a new object: a key of at most 1,024 bytes (KeyTooLongError), user metadata of
// at most 2 KiB (MetadataTooLarge).
Status CheckNewObject(const json::object& in);
// Writes an object's metadata as the key's current version (versions.cc's rules; sets
// meta["VersionId"] in a versioned bucket); a replaced version's blobs are freed.
Status PutMetadata(S3Service& s3, std::string_view bucket, std::string_view key,
                   json::object& meta);

// ---- versioning (versions.cc); the tx functions run inside a store transaction and append
// the blobs that must be removed after the commit to `freed` ----
std::string HistoryPrefix(std::string_view bucket, std::string_view key);  // s3-ver rows of a key
std::string NewVersionId();
std::string_view VersioningOf(const json::object& bucket_doc);  // "", "Enabled", "Suspended"
std::string VersionOf(const json::object& obj);                  // "null" if it has none
bool IsDeleteMarker(const json::object& obj);
Status PutCurrent(store::EntityTx& tx, std::string_view bucket, std::string_view versioning,
                  std::string_view key, json::object& meta, std::vector<std::string>& freed);
// DeleteObject without a version id: removes the object (never versioned) or adds a delete
// marker; returns the output members (DeleteMarker, VersionId).
Result<json::object> DeleteCurrent(store::EntityTx& tx, std::string_view bucket,
                                   std::string_view versioning, std::string_view key, int64_t now,
                                   std::string_view owner, std::vector<std::string>& freed);
// DeleteObject with a version id: removes that version for good (the newest older one becomes
// current if it was current). A version Object Lock protects at `now` is AccessDenied (GOVERNANCE
// yields to `bypass_governance`).
Result<json::object> DeleteVersion(store::EntityTx& tx, std::string_view bucket,
                                   std::string_view key, std::string_view version,
                                   std::vector<std::string>& freed, int64_t now,
                                   bool bypass_governance = false);
// Loads version `version` ("" = current) of bucket/key in a transaction, lets `fn` change it and
// saves it where it is (the current row or its history row). NoSuchKey for a delete marker or a
// missing key, NoSuchVersion for a missing version.
Status UpdateVersion(S3Service& s3, std::string_view bucket, std::string_view key,
                     std::string_view version, const std::function<Status(json::object&)>& fn);
// The current version ("" version) or the one named.
Result<std::optional<json::object>> FindVersion(store::EntityTx& tx, std::string_view bucket,
                                                std::string_view key, std::string_view version);
Result<json::object> VerifyIntegrity(const json::object& in, std::string_view data);
// The object's current version, or the version named ("" = current), reusing the document the
// authorizer judged (Call::authorized_refs) when `call` is given. A delete marker is NoSuchKey
// when current, MethodNotAllowed when named, as S3 answers.
Result<json::object> LoadObject(S3Service& s3, std::string_view bucket, std::string_view key,
                                std::string_view version = {}, const Call* call = nullptr);

// ---- Object Lock (lock.cc) ----
bool ObjectLockEnabled(const Bucket& b);
// Whether a version is protected at `now`: a legal hold, or retention until later (GOVERNANCE
// retention does not count when the caller may and asks to bypass it).
bool IsLocked(const json::object& version, int64_t now, bool bypass_governance);
// A new version's retention and legal hold: from the x-amz-object-lock-* headers, else the
// bucket's default retention; S3's errors (a bucket without Object Lock, a past date, a mode
// without a date).
Status ApplyLockOnWrite(const Bucket& b, const json::object& in, int64_t now, json::object& meta);
// ObjectLockMode, ObjectLockRetainUntilDate, ObjectLockLegalHoldStatus of a version.
void AddLockHeaders(const json::object& version, json::object& out);
void AddLockOperations(std::vector<OperationEntry>& out, S3Service& s3);

// ---- S3 Control (control.cc): the account-level Block Public Access API ----
ServiceTable ControlOperations(S3Service& s3);
// The Authorizer's view of an s3control call (register for "s3control").
Result<ResourceContext> ResolveControlResource(const Call& call, const model::Operation& op,
                                               const json::object& in);
// Block Public Access as it applies to a bucket: the bucket's settings OR the account's.
struct PublicAccess {
  bool block_public_acls = false, ignore_public_acls = false;
  bool block_public_policy = false, restrict_public_buckets = false;
};
PublicAccess EffectivePublicAccess(S3Service& s3, const Bucket& b);

// ---- writes AWS services make into customers' buckets (service_writes.cc) ----
struct ServiceCaller {
  std::string_view service;         // "cloudtrail.amazonaws.com"
  std::string_view source_arn;      // aws:SourceArn: the trail the write is for
  std::string_view source_account;  // aws:SourceAccount
};
struct ServiceObject {
  std::string_view bucket, key, bytes;
  std::map<std::string, std::string> metadata;  // x-amz-meta-*
  std::string_view content_type, content_encoding;
  int64_t now_epoch_seconds = 0;
};
// Whether the bucket policy lets `caller` check the bucket's ACL and put `key` with the
// bucket-owner-full-control ACL (what CloudTrail checks when a trail names the bucket).
// NoSuchBucket, or AccessDenied.
Status ServiceMayDeliver(S3Service& s3, const ServiceCaller& caller, std::string_view bucket,
                         std::string_view key);
// Stores an object as `caller`, if the bucket policy allows it s3:PutObject.
Status WriteAsService(S3Service& s3, const ServiceCaller& caller, const ServiceObject& o);
// An object's bytes and user metadata (no authorization: for the server's own readers); nullopt
// if there is no such key.
Result<std::optional<std::string>> ReadObjectBytes(S3Service& s3, std::string_view bucket,
                                                   std::string_view key,
                                                   std::map<std::string, std::string>* metadata);
Result<std::vector<std::string>> ListKeys(S3Service& s3, std::string_view bucket,
                                          std::string_view prefix);

// Dispatch tables of the handler files (buckets.cc, objects.cc, listing.cc, multipart.cc).
void AddBucketOperations(std::vector<OperationEntry>& out, S3Service& s3);
void AddObjectOperations(std::vector<OperationEntry>& out, S3Service& s3);
void AddListingOperations(std::vector<OperationEntry>& out, S3Service& s3);
void AddMultipartOperations(std::vector<OperationEntry>& out, S3Service& s3);
void AddCorsOperations(std::vector<OperationEntry>& out, S3Service& s3);
void AddLifecycleOperations(std::vector<OperationEntry>& out, S3Service& s3);

// ---- lifecycle (lifecycle.cc) ----
// Seconds in a lifecycle "day": 86400 unless RAMPART_S3_DAY_SECONDS shortens it for tests.
double LifecycleDaySeconds();
// One sweep over every bucket with lifecycle rules, at `now` (epoch seconds).
Status ApplyLifecycle(S3Service& s3, double now);
// Runs ApplyLifecycle every eighth of a lifecycle day (at least 0.2 s, at most 10 min).
class LifecycleWorker {
 public:
  explicit LifecycleWorker(S3Service& s3) : s3_(s3) {}
  ~LifecycleWorker();
  void Start();
  void Stop();

 private:
  S3Service& s3_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};
ServiceTable Operations(S3Service& s3);

// CORS (cors.cc): the answer to a browser's preflight OPTIONS request for `bucket` (the headers
// to send with 200, or S3's 403 AccessForbidden), and the headers an actual request carrying an
// Origin gets (none when no rule matches).
Result<std::vector<HttpHeader>> CorsPreflight(S3Service& s3, std::string_view bucket,
                                              std::string_view origin, std::string_view method,
                                              std::string_view request_headers);
std::vector<HttpHeader> CorsHeaders(S3Service& s3, std::string_view bucket,
                                    std::string_view origin, std::string_view method);

// The Authorizer's resolver for "s3" (authz.cc).
Result<ResourceContext> ResolveResource(S3Service& s3, const Call& call,
                                        const model::Operation& op, const json::object& in);

}  // namespace rampart::services::s3
