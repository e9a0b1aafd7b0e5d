// Object operations: Put/Get/Head/Delete/DeleteObjects/Copy, ranges, conditional requests,
// metadata, checksums, tags, ACLs (disabled: BucketOwnerEnforced).
#include <zlib.h>

#include <boost/json.hpp>
#include <cmath>

#include "common/crc32c.h"
#include "common/crypto.h"
#include "common/strings.h"
#include "services/s3/acl.h"
#include "services/s3/encryption.h"
#include "services/s3/s3.h"

namespace rampart::services::s3 {

namespace {

constexpr uint64_t kMaxObject = 5ULL * 1024 * 1024 * 1024;  // PutObject's 5 GiB
constexpr std::string_view kHeaderMembers[] = {"ContentType",  "ContentEncoding",
                                               "ContentDisposition", "ContentLanguage",
                                               "CacheControl", "Expires",
                                               "WebsiteRedirectLocation"};

std::string Be32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
  return s;
}

// The checksum S3 computes for `algo` (base64 of the digest), "" for an unknown algorithm.
std::string ChecksumOf(std::string_view algo, std::string_view data) {
  if (algo == "CRC32") {
    uLong c = crc32(0L, Z_NULL, 0);
    size_t at = 0;
    while (at < data.size()) {  // zlib takes a uInt length
      size_t n = std::min<size_t>(data.size() - at, 1u << 30);
      c = crc32(c, reinterpret_cast<const Bytef*>(data.data() + at), static_cast<uInt>(n));
      at += n;
    }
    return crypto::Base64Encode(Be32(static_cast<uint32_t>(c)));
  }
  if (algo == "CRC32C") return crypto::Base64Encode(Be32(Crc32c(data)));
  if (algo == "SHA1") return crypto::Base64Encode(crypto::Sha1(data));
  if (algo == "SHA256") {
    auto d = crypto::Sha256(data);
    return crypto::Base64Encode(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
  }
  return {};
}

constexpr std::string_view kAlgorithms[] = {"CRC32", "CRC32C", "SHA1", "SHA256"};

}  // namespace

Status CheckNewObject(const json::object& in) {
  if (Str(in, "Key").size() > 1024) {
    return Error{"KeyTooLongError", "Your key is too long", 400, true};
  }
  size_t meta = 0;
  if (auto* m = in.if_contains("Metadata"); m && m->is_object()) {
    for (const auto& kv : m->as_object()) {
      meta += kv.key().size() + (kv.value().is_string() ? kv.value().as_string().size() : 0);
    }
  }
  if (meta > 2048) {
    return Error{"MetadataTooLarge",
                 "Your metadata headers exceed the maximum allowed metadata size", 400, true};
  }
  return {};
}

// Verifies Content-MD5 and x-amz-checksum-* of `data`; returns the checksums to keep
// (algorithm -> base64), computing the one x-amz-sdk-checksum-algorithm names.
Result<json::object> VerifyIntegrity(const json::object& in, std::string_view data) {
  std::string_view md5 = Str(in, "ContentMD5");
  if (!md5.empty()) {
    auto raw = crypto::Base64Decode(md5);
    if (!raw.ok() || raw->size() != 16) {
      return Error{"InvalidDigest", "The Content-MD5 you specified was invalid.", 400, true};
    }
    if (*raw != crypto::Md5(data)) {
      return Error{"BadDigest", "The Content-MD5 you specified did not match what we received.",
                   400, true};
    }
  }
  json::object kept;
  std::string_view wanted = Str(in, "ChecksumAlgorithm");
  for (std::string_view algo : kAlgorithms) {
    std::string member = "Checksum" + std::string(algo);
    std::string_view given = Str(in, member);
    if (given.empty() && algo != wanted) continue;
    std::string actual = ChecksumOf(algo, data);
    if (!given.empty() && given != actual) {
      auto raw = crypto::Base64Decode(given);
      if (!raw.ok()) {
        return InvalidArgument("Value for x-amz-checksum-" + ToLower(algo) +
                               " header is invalid.");
      }
      return Error{"BadDigest",
                   "The " + std::string(algo) + " you specified did not match the calculated checksum.",
                   400, true};
    }
    kept[algo] = actual;
  }
  if (!wanted.empty() && !kept.contains(wanted)) {
    return InvalidArgument("Checksum algorithm " + std::string(wanted) + " is not supported");
  }
  return kept;
}

// The object's current version, or the version named ("" = current). A delete marker is
// NoSuchKey when current, MethodNotAllowed when named, as S3 answers.
Result<json::object> LoadObject(S3Service& s3, std::string_view bucket, std::string_view key,
                                std::string_view version, const Call* call) {
  std::optional<json::object> found;
  bool bucket_exists = true;
  // The document the authorizer judged, when it kept it (no store read then).
  if (call && version.empty()) {
    for (const auto& [name, doc] : call->authorized_refs) {
      if (name != kObjectRef) continue;
      boost::system::error_code ec;
      json::value v = json::parse(doc, ec);
      if (!ec && v.is_object()) found = std::move(v.as_object());
    }
  }
  if (!found) {
    RAMPART_RETURN_IF_ERROR(s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
      RAMPART_ASSIGN_OR_RETURN(found, FindVersion(tx, bucket, key, version));
      if (!found) {
        RAMPART_ASSIGN_OR_RETURN(auto b, tx.Get(kGlobal, "s3-bucket", bucket));
        bucket_exists = b.has_value();
      }
      return {};
    }));
  }
  if (!bucket_exists) return NoSuchBucket(bucket);
  if (!found && !version.empty()) {
    return Error{"NoSuchVersion",
                 "The specified version does not exist.", 404, true};
  }
  if (!found) return NoSuchKey();
  if (IsDeleteMarker(*found)) {
    if (version.empty()) return NoSuchKey();
    return Error{"MethodNotAllowed", "The specified method is not allowed against this resource.",
                 405, true};
  }
  return std::move(*found);
}



Status PutMetadata(S3Service& s3, std::string_view bucket, std::string_view key,
                   json::object& meta) {
  std::vector<std::string> freed;
  RAMPART_RETURN_IF_ERROR(s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto bucket_doc, tx.Get(kGlobal, "s3-bucket", bucket));
    if (!bucket_doc) return NoSuchBucket(bucket);
    json::value bv = json::parse(*bucket_doc);
    std::string versioning(bv.is_object() ? VersioningOf(bv.as_object()) : "");
    return PutCurrent(tx, bucket, versioning, key, meta, freed);
  }));
  for (const auto& id : freed) s3.blobs().Remove(id);
  return {};
}

namespace {

// Stores `data` as the object `key` of bucket `b` with metadata `meta`; replaces (and frees)
// any object of that key. Returns the metadata stored.
Result<json::object> StoreObject(S3Service& s3, const Bucket& b, std::string_view key,
                                 std::string_view data, json::object meta, const DataKey& dk) {
  const std::string& bucket_key = dk.key;
  if (!AclsEnabled(b)) meta["Owner"] = b.owner();  // BucketOwnerEnforced: it owns every object
  meta["Size"] = static_cast<int64_t>(data.size());
  meta["ETag"] = EtagOf(dk, data);
  meta.erase("Blobs");
  meta.erase("Inline");
  meta.erase("SSEC");
  meta.erase("SSEKMS");
  for (const auto& [k, v] : dk.stored) meta[k] = v;
  if (data.size() <= kInlineMax) {
    // Small objects live sealed in their metadata row: one durable commit, no files to sync.
    std::string id = crypto::HexEncode(crypto::RandomBytes(12));
    RAMPART_ASSIGN_OR_RETURN(std::string sealed,
                             crypto::AeadSeal(bucket_key, data, InlineAad(b.name, id)));
    meta["Inline"] = json::array{id, crypto::Base64Encode(sealed)};
    RAMPART_RETURN_IF_ERROR(PutMetadata(s3, b.name, key, meta));
    return meta;
  }
  RAMPART_ASSIGN_OR_RETURN(std::string blob, s3.blobs().Write(bucket_key, data));
  meta["Blobs"] = json::array{json::array{blob, static_cast<int64_t>(data.size())}};
  Status st = PutMetadata(s3, b.name, key, meta);
  if (!st.ok()) {
    s3.blobs().Remove(blob);
    return st.error();
  }
  return meta;
}

// Sets a new object's owner and ACL (from the request's ACL headers) in `meta`.
Status SetOwnerAndAcl(S3Service& s3, const Bucket& b, const Call& call, const json::object& in,
                      json::object& meta) {
  std::string owner = NewObjectOwner(b, call, in);
  RAMPART_ASSIGN_OR_RETURN(std::optional<json::object> acl, AclFromRequest(s3, b, in, owner, true));
  meta["Owner"] = owner;
  meta.erase("Acl");
  if (acl) meta["Acl"] = std::move(*acl);
  return {};
}

// Object tags from the x-amz-tagging header (URL query form).
Result<json::array> TagsFromHeader(std::string_view header) {
  json::array tags;
  if (header.empty()) return tags;
  auto form = ParseForm(header);
  if (!form) return InvalidArgument("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.");
  for (const auto& [k, v] : *form) {
    for (const auto& t : tags) {
      if (Str(t.as_object(), "Key") == k) {
        return InvalidArgument("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.");
      }
    }
    tags.push_back(json::object{{"Key", k}, {"Value", v}});
  }
  if (tags.size() > 10) {
    return Error{"BadRequest", "Object tags cannot be greater than 10", 400, true};
  }
  return tags;
}

json::object MetaFromInput(const json::object& in, const Call& call) {
  json::object meta;
  for (std::string_view m : kHeaderMembers) {
    auto* v = in.if_contains(m);
    if (v && !(v->is_string() && v->as_string().empty())) meta[m] = *v;
  }
  if (!meta.contains("ContentType")) meta["ContentType"] = "binary/octet-stream";
  if (auto* v = in.if_contains("Metadata"); v && v->is_object()) meta["Metadata"] = *v;
  meta["LastModified"] = static_cast<double>(call.now_epoch_seconds);
  meta["Owner"] = call.principal.account_id;
  return meta;
}

Result<json::value> PutObject(S3Service& s3, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  RAMPART_RETURN_IF_ERROR(CheckNewObject(in));
  RAMPART_ASSIGN_OR_RETURN(DataKey dk, NewDataKey(s3, call, b, in, Str(in, "Key")));
  std::string_view data = Str(in, "Body");
  if (data.size() > kMaxObject) {
    return Error{"EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400, true};
  }
  RAMPART_ASSIGN_OR_RETURN(json::object checksums, VerifyIntegrity(in, data));
  RAMPART_ASSIGN_OR_RETURN(json::array tags, TagsFromHeader(Str(in, "Tagging")));
  json::object meta = MetaFromInput(in, call);
  if (!checksums.empty()) meta["Checksums"] = checksums;
  if (!tags.empty()) meta["Tags"] = tags;
  RAMPART_RETURN_IF_ERROR(SetOwnerAndAcl(s3, b, call, in, meta));
  RAMPART_RETURN_IF_ERROR(ApplyLockOnWrite(b, in, call.now_epoch_seconds, meta));
  RAMPART_ASSIGN_OR_RETURN(json::object stored,
                           StoreObject(s3, b, Str(in, "Key"), data, meta, dk));
  json::object out{{"ETag", QuotedEtag(Str(stored, "ETag"))}};
  AddEncryptionHeaders(stored, out);
  if (stored.contains("VersionId")) out["VersionId"] = stored.at("VersionId");
  for (const auto& [algo, value] : checksums) out["Checksum" + std::string(algo)] = value;
  return json::value(std::move(out));
}

// ---- reads ----

bool EtagMatches(std::string_view condition, std::string_view etag) {
  for (std::string_view part : Split(condition, ',')) {
    part = Trim(part);
    if (part == "*") return true;
    if (part.size() >= 2 && part.front() == '"' && part.back() == '"') {
      part = part.substr(1, part.size() - 2);
    }
    if (part == etag) return true;
  }
  return false;
}

// If-Match / If-None-Match / If-(Un)Modified-Since, in the precedence RFC 9110 and S3 give them.
Status CheckConditions(const json::object& in, const json::object& obj) {
  std::string_view etag = Str(obj, "ETag");
  double modified = std::floor(Number(obj, "LastModified"));
  Error failed{"PreconditionFailed", "At least one of the pre-conditions you specified did not hold",
               412, true};
  Error not_modified{"NotModified", "Not Modified", 304, true};
  bool has_match = in.contains("IfMatch");
  if (has_match && !EtagMatches(Str(in, "IfMatch"), etag)) return failed;
  if (!has_match && in.contains("IfUnmodifiedSince") && modified > Number(in, "IfUnmodifiedSince")) {
    return failed;
  }
  bool has_none = in.contains("IfNoneMatch");
  if (has_none && EtagMatches(Str(in, "IfNoneMatch"), etag)) return not_modified;
  if (!has_none && in.contains("IfModifiedSince") && modified <= Number(in, "IfModifiedSince")) {
    return not_modified;
  }
  return {};
}

struct Range {
  uint64_t first = 0, length = 0;
  bool partial = false;
};

// "bytes=a-b", "bytes=a-", "bytes=-n"; anything else is ignored (the whole object), as S3 does.
Result<Range> ParseRange(std::string_view header, uint64_t size) {
  Range r{0, size, false};
  if (header.empty() || !StartsWith(header, "bytes=")) return r;
  std::string_view spec = header.substr(6);
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos || spec.find(',') != std::string_view::npos) return r;
  auto num = [](std::string_view s) -> std::optional<uint64_t> {
    if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string_view::npos) {
      return std::nullopt;
    }
    return std::stoull(std::string(s));
  };
  auto a = num(spec.substr(0, dash));
  auto b = num(spec.substr(dash + 1));
  Error unsatisfiable{"InvalidRange", "The requested range is not satisfiable", 416, true};
  if (!a && b) {  // suffix: the last n bytes
    if (*b == 0) return unsatisfiable;
    uint64_t n = std::min(*b, size);
    return Range{size - n, n, true};
  }
  if (!a) return r;
  if (b && *b < *a) return r;
  if (*a >= size) return unsatisfiable;
  uint64_t last = b ? std::min(*b, size - 1) : size - 1;
  return Range{*a, last - *a + 1, true};
}

// The headers GET and HEAD answer with; the object's checksums only for the whole object (a
// range's bytes would not match them, and S3 leaves them out).
json::object ObjectHeaders(const json::object& in, const json::object& obj, bool whole) {
  json::object out;
  for (std::string_view m : kHeaderMembers) {
    if (auto* v = obj.if_contains(m)) out[m] = *v;
  }
  if (auto* v = obj.if_contains("Metadata")) out["Metadata"] = *v;
  out["ETag"] = QuotedEtag(Str(obj, "ETag"));
  out["LastModified"] = Number(obj, "LastModified");
  out["AcceptRanges"] = "bytes";
  if (obj.contains("VersionId")) out["VersionId"] = obj.at("VersionId");
  AddEncryptionHeaders(obj, out);
  AddLockHeaders(obj, out);
  if (auto* t = obj.if_contains("Tags"); t && t->is_array() && !t->as_array().empty()) {
    out["TagCount"] = static_cast<int64_t>(t->as_array().size());
  }
  if (auto* p = obj.if_contains("PartsCount")) out["PartsCount"] = *p;
  if (whole && Str(in, "ChecksumMode") == "ENABLED") {
    if (auto* c = obj.if_contains("Checksums"); c && c->is_object()) {
      for (const auto& [algo, value] : c->as_object()) out["Checksum" + std::string(algo)] = value;
    }
  }
  // response-* query parameters override the stored headers on GET.
  static constexpr std::pair<std::string_view, std::string_view> kOverrides[] = {
      {"ResponseCacheControl", "CacheControl"},
      {"ResponseContentDisposition", "ContentDisposition"},
      {"ResponseContentEncoding", "ContentEncoding"},
      {"ResponseContentLanguage", "ContentLanguage"},
      {"ResponseContentType", "ContentType"},
      {"ResponseExpires", "Expires"}};
  for (const auto& [from, to] : kOverrides) {
    if (auto* v = in.if_contains(from)) out[to] = *v;
  }
  return out;
}

// partNumber=N: the bytes of part N of a multipart object (a non-multipart object has one part),
// answered as a range.
Result<Range> PartRange(const json::object& in, const json::object& obj, uint64_t size) {
  auto n = Int(in, "PartNumber");
  if (!n || *n < 1 || *n > 10000) {
    return InvalidArgument("Part number must be an integer between 1 and 10000, inclusive");
  }
  if (!Str(in, "Range").empty()) {
    return Error{"InvalidRequest", "Cannot specify both Range header and partNumber query parameter",
                 400, true};
  }
  Error unsatisfiable{"InvalidPartNumber", "The requested partnumber is not satisfiable", 416, true};
  auto* blobs = obj.if_contains("Blobs");
  if (!obj.contains("PartsCount") || !blobs || !blobs->is_array()) {
    if (*n != 1) return unsatisfiable;
    return Range{0, size, true};
  }
  const json::array& parts = blobs->as_array();
  if (static_cast<size_t>(*n) > parts.size()) return unsatisfiable;
  uint64_t first = 0;
  for (size_t i = 0; i + 1 < static_cast<size_t>(*n); ++i) {
    if (!parts[i].is_array() || parts[i].as_array().size() != 2 || !parts[i].as_array()[1].is_int64()) {
      return Error::Internal("the stored object metadata is damaged");
    }
    first += static_cast<uint64_t>(parts[i].as_array()[1].as_int64());
  }
  const json::value& part = parts[static_cast<size_t>(*n - 1)];
  if (!part.is_array() || part.as_array().size() != 2 || !part.as_array()[1].is_int64()) {
    return Error::Internal("the stored object metadata is damaged");
  }
  return Range{first, static_cast<uint64_t>(part.as_array()[1].as_int64()), true};
}

// An object's bytes read and decrypted 1 MiB at a time while the listener writes them.
class ObjectSource : public BodySource {
 public:
  ObjectSource(S3Service& s3, Bucket b, std::string key, json::object obj, uint64_t first,
               uint64_t length)
      : s3_(s3), b_(std::move(b)), key_(std::move(key)), obj_(std::move(obj)), at_(first),
        end_(first + length), size_(length) {}
  uint64_t size() const override { return size_; }
  Result<std::string> Next() override {
    if (at_ >= end_) return std::string();
    uint64_t n = std::min<uint64_t>(kPiece, end_ - at_);
    RAMPART_ASSIGN_OR_RETURN(std::string piece, ReadData(s3_, b_, key_, obj_, at_, n));
    if (piece.size() != n) return Error::Internal("the object's data is shorter than its size");
    at_ += n;
    return piece;
  }

 private:
  static constexpr uint64_t kPiece = 1 << 20;  // 16 segments
  S3Service& s3_;
  Bucket b_;
  std::string key_;
  json::object obj_;
  uint64_t at_, end_, size_;
};

constexpr uint64_t kStreamAbove = 1 << 20;  // larger bodies are written as they are read

// What GetObject and HeadObject share: the object (or the version named), its conditions, the
// range asked for, and the headers of the answer.
struct ObjectRead {
  Bucket bucket;
  std::string key;  // the data key
  json::object obj;
  Range range;
  json::object out;
};

Result<ObjectRead> PrepareRead(S3Service& s3, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  RAMPART_ASSIGN_OR_RETURN(json::object obj,
                           LoadObject(s3, b.name, Str(in, "Key"), Str(in, "VersionId"), &call));
  RAMPART_ASSIGN_OR_RETURN(std::string key, ExistingDataKey(s3, call, b, obj, in));
  RAMPART_RETURN_IF_ERROR(CheckConditions(in, obj));
  uint64_t size = static_cast<uint64_t>(Int(obj, "Size").value_or(0));
  Range range;
  if (in.contains("PartNumber")) {
    RAMPART_ASSIGN_OR_RETURN(range, PartRange(in, obj, size));
  } else {
    RAMPART_ASSIGN_OR_RETURN(range, ParseRange(Str(in, "Range"), size));
  }
  json::object out = ObjectHeaders(in, obj, !range.partial);
  out["ContentLength"] = static_cast<int64_t>(range.length);
  if (range.partial && range.length > 0) {
    out["ContentRange"] = "bytes " + std::to_string(range.first) + "-" +
                          std::to_string(range.first + range.length - 1) + "/" + std::to_string(size);
  }
  return ObjectRead{std::move(b), std::move(key), std::move(obj), range, std::move(out)};
}

Result<json::value> GetObject(S3Service& s3, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(ObjectRead r, PrepareRead(s3, call, in));
  std::string data;
  if (r.range.length > kStreamAbove && call.body_out) {
    *call.body_out =
        std::make_shared<ObjectSource>(s3, r.bucket, r.key, r.obj, r.range.first, r.range.length);
  } else {
    RAMPART_ASSIGN_OR_RETURN(data,
                             ReadData(s3, r.bucket, r.key, r.obj, r.range.first, r.range.length));
  }
  r.out["Body"] = std::move(data);
  return json::value(std::move(r.out));
}

Result<json::value> HeadObject(S3Service& s3, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(ObjectRead r, PrepareRead(s3, call, in));
  return json::value(std::move(r.out));
}

// ---- deletes ----


// Deletes one object (or version); absent keys are not an error (S3 answers 204 either way).
Result<json::object> DeleteOne(S3Service& s3, const Bucket& b, std::string_view key,
                               std::string_view version, int64_t now, bool bypass_governance) {
  std::vector<std::string> freed;
  json::object out;
  RAMPART_RETURN_IF_ERROR(s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto bucket_doc, tx.Get(kGlobal, "s3-bucket", b.name));
    if (!bucket_doc) return NoSuchBucket(b.name);
    json::value bv = json::parse(*bucket_doc);
    std::string versioning(bv.is_object() ? VersioningOf(bv.as_object()) : "");
    if (!version.empty()) {
      RAMPART_ASSIGN_OR_RETURN(out, DeleteVersion(tx, b.name, key, version, freed, now,
                                                  bypass_governance));
    } else {
      RAMPART_ASSIGN_OR_RETURN(out, DeleteCurrent(tx, b.name, versioning, key, now, b.owner(), freed));
    }
    return {};
  }));
  for (const auto& id : freed) s3.blobs().Remove(id);
  return out;
}

Result<json::value> DeleteObject(S3Service& s3, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  RAMPART_ASSIGN_OR_RETURN(json::object out, DeleteOne(s3, b, Str(in, "Key"), Str(in, "VersionId"),
                                                       call.now_epoch_seconds, Flag(in, "BypassGovernanceRetention")));
  return json::value(std::move(out));
}

Result<json::value> DeleteObjects(S3Service& s3, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  auto* d = in.if_contains("Delete");
  if (!d || !d->is_object()) return MalformedXml();
  auto* objects = d->as_object().if_contains("Objects");
  if (!objects || !objects->is_array() || objects->as_array().empty() ||
      objects->as_array().size() > 1000) {
    return MalformedXml();
  }
  auto* q = d->as_object().if_contains("Quiet");
  bool quiet = q && q->is_bool() && q->as_bool();
  json::array deleted, errors;
  for (const auto& o : objects->as_array()) {
    if (!o.is_object()) return MalformedXml();
    std::string key(Str(o.as_object(), "Key"));
    std::string_view version = Str(o.as_object(), "VersionId");
    auto done = DeleteOne(s3, b, key, version, call.now_epoch_seconds, Flag(in, "BypassGovernanceRetention"));
    if (!done.ok() && done.error().http_status < 500) {
      json::object e{{"Key", key}, {"Code", done.error().code}, {"Message", done.error().message}};
      if (!version.empty()) e["VersionId"] = version;
      errors.push_back(std::move(e));
    } else if (!done.ok()) {
      errors.push_back(json::object{{"Key", key}, {"Code", "InternalError"},
                                    {"Message", "We encountered an internal error. Please try again."}});
    } else if (!quiet) {
      json::object d{{"Key", key}};
      if (!version.empty()) d["VersionId"] = version;
      if (done->contains("DeleteMarker")) {
        d["DeleteMarker"] = true;
        if (version.empty()) d["DeleteMarkerVersionId"] = done->at("VersionId");
      }
      deleted.push_back(std::move(d));
    }
  }
  json::object out;
  if (!deleted.empty()) out["Deleted"] = std::move(deleted);
  if (!errors.empty()) out["Errors"] = std::move(errors);
  return json::value(std::move(out));
}

// ---- copy ----



Status CheckCopyConditions(const json::object& in, const json::object& src) {
  json::object conds;
  static constexpr std::pair<std::string_view, std::string_view> kMap[] = {
      {"CopySourceIfMatch", "IfMatch"},
      {"CopySourceIfNoneMatch", "IfNoneMatch"},
      {"CopySourceIfModifiedSince", "IfModifiedSince"},
      {"CopySourceIfUnmodifiedSince", "IfUnmodifiedSince"}};
  for (const auto& [from, to] : kMap) {
    if (auto* v = in.if_contains(from)) conds[to] = *v;
  }
  Status st = CheckConditions(conds, src);
  if (!st.ok() && st.error().http_status == 304) {
    return Error{"PreconditionFailed",
                 "At least one of the pre-conditions you specified did not hold", 412, true};
  }
  return st;
}

Result<json::value> CopyObject(S3Service& s3, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket dest, s3.GetBucket(Str(in, "Bucket")));
  RAMPART_RETURN_IF_ERROR(CheckNewObject(in));
  RAMPART_ASSIGN_OR_RETURN(DataKey dk, NewDataKey(s3, call, dest, in, Str(in, "Key")));
  RAMPART_ASSIGN_OR_RETURN(CopySource src, ParseCopySource(Str(in, "CopySource")));
  RAMPART_ASSIGN_OR_RETURN(Bucket sb, s3.GetBucket(src.bucket));
  RAMPART_ASSIGN_OR_RETURN(json::object sobj, LoadObject(s3, sb.name, src.key, src.version));
  RAMPART_ASSIGN_OR_RETURN(std::string source_key, ExistingDataKey(s3, call, sb, sobj, in, true));
  RAMPART_RETURN_IF_ERROR(CheckCopyConditions(in, sobj));
  std::string_view directive = Str(in, "MetadataDirective");
  std::string_view tagging = Str(in, "TaggingDirective");
  bool replace = directive == "REPLACE";
  if (src.bucket == dest.name && src.key == Str(in, "Key") && !replace &&
      Str(in, "ServerSideEncryption").empty() && Str(in, "SSECustomerAlgorithm").empty()) {
    return Error{"InvalidRequest",
                 "This copy request is illegal because it is trying to copy an object to itself "
                 "without changing the object's metadata, storage class, website redirect "
                 "location or encryption attributes.",
                 400, true};
  }
  RAMPART_ASSIGN_OR_RETURN(std::string data, ReadData(s3, sb, source_key, sobj, 0, UINT64_MAX));
  json::object meta = replace ? MetaFromInput(in, call) : sobj;
  meta.erase("Blobs");
  meta["LastModified"] = static_cast<double>(call.now_epoch_seconds);
  RAMPART_RETURN_IF_ERROR(SetOwnerAndAcl(s3, dest, call, in, meta));
  RAMPART_RETURN_IF_ERROR(ApplyLockOnWrite(dest, in, call.now_epoch_seconds, meta));
  meta.erase("PartsCount");
  if (tagging == "REPLACE") {
    RAMPART_ASSIGN_OR_RETURN(json::array tags, TagsFromHeader(Str(in, "Tagging")));
    meta.erase("Tags");
    if (!tags.empty()) meta["Tags"] = tags;
  }
  std::string_view algo = Str(in, "ChecksumAlgorithm");
  if (!algo.empty()) meta["Checksums"] = json::object{{algo, ChecksumOf(algo, data)}};
  meta.erase("VersionId");
  RAMPART_ASSIGN_OR_RETURN(json::object stored,
                           StoreObject(s3, dest, Str(in, "Key"), data, meta, dk));
  json::object result{{"ETag", QuotedEtag(Str(stored, "ETag"))},
                      {"LastModified", Number(stored, "LastModified")}};
  json::object out{{"CopyObjectResult", result}};
  AddEncryptionHeaders(stored, out);
  if (stored.contains("VersionId")) out["VersionId"] = stored.at("VersionId");
  if (sobj.contains("VersionId")) out["CopySourceVersionId"] = sobj.at("VersionId");
  return json::value(std::move(out));
}

// ---- tags and ACLs ----

Result<json::value> PutObjectTagging(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  auto* t = in.if_contains("Tagging");
  if (!t || !t->is_object()) return MalformedXml();
  auto* ts = t->as_object().if_contains("TagSet");
  json::array tags = ts && ts->is_array() ? ts->as_array() : json::array();
  if (tags.size() > 10) return Error{"BadRequest", "Object tags cannot be greater than 10", 400, true};
  for (size_t i = 0; i < tags.size(); ++i) {
    if (!tags[i].is_object()) return MalformedXml();
    std::string_view k = Str(tags[i].as_object(), "Key");
    if (k.empty() || k.size() > 128 || Str(tags[i].as_object(), "Value").size() > 256) {
      return Error{"InvalidTag", "The TagKey you have provided is invalid", 400, true};
    }
    for (size_t j = 0; j < i; ++j) {
      if (Str(tags[j].as_object(), "Key") == k) {
        return Error{"InvalidTag", "Cannot provide multiple Tags with the same key", 400, true};
      }
    }
  }
  std::string k = ObjectKey(b.name, Str(in, "Key"));
  RAMPART_RETURN_IF_ERROR(s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto doc, tx.Get(kGlobal, "s3-obj", k));
    if (!doc) return NoSuchKey();
    json::value v = json::parse(*doc);
    if (!v.is_object()) return Error::Internal("the stored object metadata is damaged");
    v.as_object().erase("Tags");
    if (!tags.empty()) v.as_object()["Tags"] = tags;
    return tx.Put(kGlobal, "s3-obj", k, json::serialize(v));
  }));
  return json::value(json::object());
}

Result<json::value> GetObjectTagging(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(json::object obj, LoadObject(s3, Str(in, "Bucket"), Str(in, "Key")));
  auto* t = obj.if_contains("Tags");
  return json::value(json::object{{"TagSet", t && t->is_array() ? *t : json::array()}});
}

Result<json::value> DeleteObjectTagging(S3Service& s3, const Call&, const json::object& in) {
  std::string k = ObjectKey(Str(in, "Bucket"), Str(in, "Key"));
  RAMPART_RETURN_IF_ERROR(s3.GetBucket(Str(in, "Bucket")));
  RAMPART_RETURN_IF_ERROR(s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto doc, tx.Get(kGlobal, "s3-obj", k));
    if (!doc) return NoSuchKey();
    json::value v = json::parse(*doc);
    if (!v.is_object()) return Error::Internal("the stored object metadata is damaged");
    v.as_object().erase("Tags");
    return tx.Put(kGlobal, "s3-obj", k, json::serialize(v));
  }));
  return json::value(json::object());
}

Result<json::value> GetObjectAcl(S3Service& s3, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  RAMPART_ASSIGN_OR_RETURN(json::object obj,
                           LoadObject(s3, b.name, Str(in, "Key"), Str(in, "VersionId"), &call));
  auto* acl = obj.if_contains("Acl");
  std::string owner(Str(obj, "Owner"));
  if (owner.empty() || !AclsEnabled(b)) owner = b.owner();
  return json::value(AclOutput(acl && acl->is_object() ? &acl->as_object() : nullptr, owner));
}

Result<json::value> PutObjectAcl(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  RAMPART_ASSIGN_OR_RETURN(json::object obj, LoadObject(s3, b.name, Str(in, "Key")));
  std::string owner(Str(obj, "Owner"));
  if (owner.empty()) owner = b.owner();
  RAMPART_ASSIGN_OR_RETURN(std::optional<json::object> acl, AclFromRequest(s3, b, in, owner, true));
  if (!acl) return json::value(json::object());
  RAMPART_RETURN_IF_ERROR(UpdateVersion(s3, b.name, Str(in, "Key"), "", [&](json::object& v) {
    v["Acl"] = *acl;
    return Status();
  }));
  return json::value(json::object());
}

}  // namespace

void AddObjectOperations(std::vector<OperationEntry>& out, S3Service& s3) {
  static constexpr std::pair<std::string_view, ObjectHandler<S3Service>> kOps[] = {
      {"PutObject", PutObject},
      {"GetObject", GetObject},
      {"HeadObject", HeadObject},
      {"DeleteObject", DeleteObject},
      {"DeleteObjects", DeleteObjects},
      {"CopyObject", CopyObject},
      {"PutObjectTagging", PutObjectTagging},
      {"GetObjectTagging", GetObjectTagging},
      {"DeleteObjectTagging", DeleteObjectTagging},
      {"GetObjectAcl", GetObjectAcl},
      {"PutObjectAcl", PutObjectAcl},
  };
  AddOperations(out, s3, kOps);
}

}  // namespace rampart::services::s3
