// S3Service state access and the helpers every handler file shares.
#include <boost/json.hpp>

#include "common/crypto.h"
#include "common/strings.h"
#include "services/s3/s3.h"

namespace rampart::services::s3 {

std::string Bucket::owner() const {
  auto* v = doc.if_contains("Owner");
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string Bucket::region() const {
  auto* v = doc.if_contains("Region");
  return v && v->is_string() ? std::string(v->as_string()) : std::string("us-east-1");
}

Error NoSuchBucket(std::string_view) {
  return {"NoSuchBucket", "The specified bucket does not exist", 404, true};
}

Error NoSuchKey() { return {"NoSuchKey", "The specified key does not exist.", 404, true}; }

Error InvalidArgument(std::string message) {
  return {"InvalidArgument", std::move(message), 400, true};
}

Error MalformedXml() {
  return {"MalformedXML",
          "The XML you provided was not well-formed or did not validate against our published "
          "schema",
          400, true};
}

std::string_view Str(const json::object& in, std::string_view member) {
  auto* v = in.if_contains(member);
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}

std::optional<int64_t> Int(const json::object& in, std::string_view member) {
  auto* v = in.if_contains(member);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<int64_t>(v->as_double());
  return std::nullopt;
}

bool Flag(const json::object& in, std::string_view member) {
  auto* v = in.if_contains(member);
  return v && v->is_bool() && v->as_bool();
}

double Number(const json::object& in, std::string_view member) {
  auto* v = in.if_contains(member);
  if (!v) return 0;
  return v->is_double() ? v->as_double() : v->is_int64() ? static_cast<double>(v->as_int64()) : 0;
}

json::object PublicAccessBlockFrom(const json::object& config) {
  json::object out;
  for (const char* k : {"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                        "RestrictPublicBuckets"}) {
    out[k] = Flag(config, k);
  }
  return out;
}

std::string CanonicalUserId(std::string_view account) {
  return crypto::Sha256Hex("rampart/s3/canonical-user/" + std::string(account));
}

json::object OwnerOf(std::string_view account) {
  return json::object{{"ID", CanonicalUserId(account)}};
}

std::string ObjectKey(std::string_view bucket, std::string_view key) {
  std::string k(bucket);
  k.push_back('/');
  k.append(key);
  return k;
}

Result<CopySource> ParseCopySource(std::string_view header) {
  std::string_view s = header;
  size_t q = s.find("?versionId=");
  std::string_view version = q == std::string_view::npos ? "" : s.substr(q + 11);
  s = s.substr(0, q);
  auto decoded = UrlDecode(s, false);
  if (!decoded) return InvalidArgument("Invalid copy source encoding");
  std::string_view d = *decoded;
  if (!d.empty() && d.front() == '/') d.remove_prefix(1);
  size_t slash = d.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == d.size()) {
    return InvalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
  }
  return CopySource{std::string(d.substr(0, slash)), std::string(d.substr(slash + 1)),
                    std::string(version)};
}

std::string QuotedEtag(std::string_view hex) { return "\"" + std::string(hex) + "\""; }

std::vector<std::string> BlobIds(const json::object& obj) {
  std::vector<std::string> ids;
  auto* blobs = obj.if_contains("Blobs");
  if (!blobs || !blobs->is_array()) return ids;
  for (const auto& b : blobs->as_array()) {
    if (b.is_array() && !b.as_array().empty() && b.as_array()[0].is_string()) {
      ids.emplace_back(b.as_array()[0].as_string());
    }
  }
  return ids;
}

std::string InlineAad(std::string_view bucket, std::string_view id) {
  return "rampart/s3/inline/" + std::string(bucket) + "/" + std::string(id);
}

Result<std::string> ReadData(S3Service& s3, const Bucket& b, std::string_view key,
                             const json::object& obj, uint64_t offset, uint64_t length) {
  std::string out;
  if (auto* in = obj.if_contains("Inline")) {
    const json::array* a = in->is_array() ? &in->as_array() : nullptr;
    if (!a || a->size() != 2 || !(*a)[0].is_string() || !(*a)[1].is_string()) {
      return Error::Internal("the stored object metadata is damaged");
    }
    auto sealed = crypto::Base64Decode((*a)[1].as_string());
    if (!sealed.ok()) return Error::Internal("the stored object data is damaged");
    auto plain = crypto::AeadOpen(key, *sealed, InlineAad(b.name, (*a)[0].as_string()));
    if (!plain.ok()) return Error::Internal("the stored object data is damaged or was altered");
    if (offset >= plain->size()) return out;
    return plain->substr(offset, std::min<uint64_t>(length, plain->size() - offset));
  }
  auto* blobs = obj.if_contains("Blobs");
  if (!blobs || !blobs->is_array()) return out;
  uint64_t at = 0;  // where the current blob starts in the object
  for (const auto& entry : blobs->as_array()) {
    if (length == 0) break;
    if (!entry.is_array() || entry.as_array().size() != 2 || !entry.as_array()[0].is_string() ||
        !entry.as_array()[1].is_int64()) {
      return Error::Internal("the stored object metadata is damaged");
    }
    uint64_t size = static_cast<uint64_t>(entry.as_array()[1].as_int64());
    if (offset < at + size) {
      uint64_t from = offset - at;
      uint64_t n = std::min(length, size - from);
      RAMPART_ASSIGN_OR_RETURN(std::string part,
                               s3.blobs().Read(key, entry.as_array()[0].as_string(), from, n));
      out += part;
      offset += n;
      length -= n;
    }
    at += size;
  }
  return out;
}

void S3Service::Forget(std::string_view name) {
  std::lock_guard lock(mu_);
  buckets_.erase(std::string(name));
  ++generation_;
}

void S3Service::ClearCaches() {
  std::lock_guard lock(mu_);
  buckets_.clear();
  bucket_keys_.clear();
  policies_.clear();
}

Result<Bucket> S3Service::GetBucket(std::string_view name) {
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    if (auto it = buckets_.find(std::string(name)); it != buckets_.end()) {
      return Bucket{std::string(name), it->second};
    }
    generation = generation_;
  }
  std::optional<std::string> doc;
  RAMPART_RETURN_IF_ERROR(store_.entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(doc, tx.Get(kGlobal, "s3-bucket", name));
    return {};
  }));
  if (!doc) return NoSuchBucket(name);
  boost::system::error_code ec;
  json::value v = json::parse(*doc, ec);
  if (ec || !v.is_object()) return Error::Internal("the stored bucket " + std::string(name) + " is damaged");
  std::lock_guard lock(mu_);
  if (buckets_.size() > 100000) buckets_.clear();
  if (generation == generation_) buckets_[std::string(name)] = v.as_object();
  return Bucket{std::string(name), std::move(v.as_object())};
}

Status S3Service::UpdateBucket(std::string_view name,
                               const std::function<Status(json::object&)>& fn) {
  Forget(name);
  Status st = store_.entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(std::optional<std::string> doc, tx.Get(kGlobal, "s3-bucket", name));
    if (!doc) return NoSuchBucket(name);
    boost::system::error_code ec;
    json::value v = json::parse(*doc, ec);
    if (ec || !v.is_object()) return Error::Internal("the stored bucket is damaged");
    RAMPART_RETURN_IF_ERROR(fn(v.as_object()));
    return tx.Put(kGlobal, "s3-bucket", name, json::serialize(v));
  });
  Forget(name);  // a reader may have cached the old document meanwhile
  return st;
}

Result<std::string> S3Service::BucketKey(const Bucket& b) {
  std::string sealed(Str(b.doc, "Key"));
  {
    std::lock_guard lock(mu_);
    if (auto it = bucket_keys_.find(sealed); it != bucket_keys_.end()) return it->second;
  }
  RAMPART_ASSIGN_OR_RETURN(std::string key, store_.Open("s3/bucket-key/" + b.name, sealed,
                                                        "SSE-S3 key of bucket " + b.name));
  std::lock_guard lock(mu_);
  if (bucket_keys_.size() > 100000) bucket_keys_.clear();
  bucket_keys_[sealed] = key;
  return key;
}

std::shared_ptr<const policy::Policy> S3Service::CompiledPolicy(const Bucket& b) {
  std::string_view text = Str(b.doc, "Policy");
  if (text.empty()) return nullptr;
  return CompiledText(b, text);
}

std::shared_ptr<const policy::Policy> S3Service::CompiledText(const Bucket& b,
                                                              std::string_view text) {
  std::lock_guard lock(mu_);
  std::string key = b.name + "\n" + std::string(text);
  if (auto it = policies_.find(key); it != policies_.end()) return it->second;
  auto parsed = policy::ParsePolicy(text, policy::PolicyType::kResource, "bucket policy");
  std::shared_ptr<const policy::Policy> p;
  if (parsed.ok()) {
    p = std::make_shared<const policy::Policy>(std::move(*parsed));
  } else {
    // Stored policies were validated when written; one that no longer parses denies all.
    auto deny = policy::ParsePolicy(
        R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]})",
        policy::PolicyType::kResource, "bucket policy");
    if (deny.ok()) p = std::make_shared<const policy::Policy>(std::move(*deny));
  }
  if (policies_.size() > 10000) policies_.clear();
  policies_[key] = p;
  return p;
}

Result<json::object> S3Service::AccountPublicAccessBlock(std::string_view account) {
  std::optional<std::string> doc;
  RAMPART_RETURN_IF_ERROR(store_.entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(doc, tx.Get(account, "s3-account-pab", "config"));
    return {};
  }));
  if (!doc) return json::object();
  boost::system::error_code ec;
  json::value v = json::parse(*doc, ec);
  if (ec || !v.is_object()) return json::object();
  return std::move(v.as_object());
}

PublicAccess EffectivePublicAccess(S3Service& s3, const Bucket& b) {
  PublicAccess pa;
  auto apply = [&pa](const json::object& c) {
    pa.block_public_acls |= Flag(c, "BlockPublicAcls");
    pa.ignore_public_acls |= Flag(c, "IgnorePublicAcls");
    pa.block_public_policy |= Flag(c, "BlockPublicPolicy");
    pa.restrict_public_buckets |= Flag(c, "RestrictPublicBuckets");
  };
  if (auto* c = b.doc.if_contains("PublicAccessBlock"); c && c->is_object()) apply(c->as_object());
  auto account = s3.AccountPublicAccessBlock(b.owner());
  if (account.ok()) apply(*account);
  return pa;
}

ServiceTable Operations(S3Service& s3) {
  ServiceTable t{"s3", {}};
  AddBucketOperations(t.operations, s3);
  AddObjectOperations(t.operations, s3);
  AddListingOperations(t.operations, s3);
  AddMultipartOperations(t.operations, s3);
  AddCorsOperations(t.operations, s3);
  AddLifecycleOperations(t.operations, s3);
  AddLockOperations(t.operations, s3);
  return t;
}

}  // namespace rampart::services::s3
