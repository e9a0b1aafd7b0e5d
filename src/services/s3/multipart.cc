// Multipart uploads: create, upload part (and part copy), list parts and uploads, complete
// (the object is its parts' blobs in order: nothing is copied), abort.
#include <boost/json.hpp>
#include <cstdio>

#include "common/crypto.h"
#include "common/strings.h"
#include "services/s3/acl.h"
#include "services/s3/encryption.h"
#include "services/s3/s3.h"

namespace rampart::services::s3 {

namespace {

constexpr int64_t kMinPart = 5LL * 1024 * 1024;  // every part but the last
constexpr int64_t kMaxPartNumber = 10000;

Error NoSuchUpload() {
  return {"NoSuchUpload",
          "The specified upload does not exist. The upload ID may be invalid, or the upload may "
          "have been aborted or completed.",
          404, true};
}

std::string PartKey(std::string_view upload, int64_t number) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%05lld", static_cast<long long>(number));
  return std::string(upload) + "/" + buf;
}

// The upload (its document), checked to belong to bucket/key.
Result<json::object> LoadUpload(store::EntityTx& tx, std::string_view bucket, std::string_view key,
                                std::string_view upload) {
  RAMPART_ASSIGN_OR_RETURN(auto doc, tx.Get(kGlobal, "s3-mpu", ObjectKey(bucket, upload)));
  if (!doc) return NoSuchUpload();
  json::value v = json::parse(*doc);
  if (!v.is_object() || Str(v.as_object(), "Key") != key) return NoSuchUpload();
  return std::move(v.as_object());
}

Result<json::value> CreateMultipartUpload(S3Service& s3, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  RAMPART_RETURN_IF_ERROR(CheckNewObject(in));
  std::string owner = NewObjectOwner(b, call, in);
  RAMPART_ASSIGN_OR_RETURN(std::optional<json::object> acl, AclFromRequest(s3, b, in, owner, true));
  RAMPART_ASSIGN_OR_RETURN(DataKey dk, NewDataKey(s3, call, b, in, Str(in, "Key")));
  std::string upload = crypto::HexEncode(crypto::RandomBytes(24));
  json::object doc{{"Key", Str(in, "Key")},
                   {"Initiated", static_cast<double>(call.now_epoch_seconds)},
                   {"Owner", call.principal.account_id},
                   {"Initiator", call.principal.arn}};
  for (const char* m : {"ContentType", "ContentEncoding", "ContentDisposition", "ContentLanguage",
                        "CacheControl", "Expires", "WebsiteRedirectLocation", "Metadata",
                        "ChecksumAlgorithm", "Tagging"}) {
    if (auto* v = in.if_contains(m)) doc[m] = *v;
  }
  for (const auto& [k, v] : dk.stored) doc[k] = v;  // the parts are encrypted as the object is
  doc["ObjectOwner"] = owner;
  RAMPART_RETURN_IF_ERROR(ApplyLockOnWrite(b, in, call.now_epoch_seconds, doc));
  if (acl) doc["Acl"] = std::move(*acl);
  RAMPART_RETURN_IF_ERROR(s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    return tx.Insert(kGlobal, "s3-mpu", ObjectKey(b.name, upload), json::serialize(doc));
  }));
  json::object out{{"Bucket", b.name}, {"Key", Str(in, "Key")}, {"UploadId", upload}};
  AddEncryptionHeaders(doc, out);
  if (auto* a = in.if_contains("ChecksumAlgorithm")) out["ChecksumAlgorithm"] = *a;
  return json::value(std::move(out));
}

Result<int64_t> PartNumber(const json::object& in) {
  auto n = Int(in, "PartNumber");
  if (!n || *n < 1 || *n > kMaxPartNumber) {
    return InvalidArgument("Part number must be an integer between 1 and 10000, inclusive");
  }
  return *n;
}

// The upload a part is for and the key its parts are encrypted under: an SSE-C upload's parts
// each need the customer key it was created with.
struct PartTarget {
  json::object upload;
  DataKey dk;
};

Result<PartTarget> TargetOf(S3Service& s3, const Call& call, const Bucket& b,
                            const json::object& in) {
  json::object up;
  RAMPART_RETURN_IF_ERROR(s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(up, LoadUpload(tx, b.name, Str(in, "Key"), Str(in, "UploadId")));
    return {};
  }));
  bool ssec = up.contains("SSEC");
  RAMPART_ASSIGN_OR_RETURN(std::optional<std::string> presented, PresentedCustomerKey(call, in));
  if (ssec && !presented) {
    return Error{"InvalidRequest",
                 "The multipart upload initiate requested encryption. Subsequent part requests "
                 "must include the appropriate encryption parameters.",
                 400, true};
  }
  if (!ssec && presented) {
    return Error{"InvalidRequest",
                 "The multipart upload initiate did not request encryption. Subsequent part "
                 "requests must not include encryption parameters.",
                 400, true};
  }
  auto key = ExistingDataKey(s3, call, b, up, in);
  if (!key.ok() && ssec && key.error().http_status == 403) {
    return InvalidArgument("The provided encryption parameters did not match the ones used "
                           "originally.");
  }
  if (!key.ok()) return key.error();
  json::object stored;
  for (const char* mode : {"SSEC", "SSEKMS"}) {
    if (auto* m = up.if_contains(mode)) stored[mode] = *m;
  }
  return PartTarget{std::move(up), DataKey{std::move(*key), std::move(stored)}};
}

// Stores `data` as part `number` of the upload (replacing an earlier one of that number).
Result<json::object> StorePart(S3Service& s3, const Bucket& b, const json::object& in,
                               const DataKey& dk, int64_t number, std::string_view data,
                               json::object checksums, int64_t now) {
  std::string upload(Str(in, "UploadId"));
  RAMPART_ASSIGN_OR_RETURN(std::string blob, s3.blobs().Write(dk.key, data));
  json::object part{{"Blob", blob},
                    {"Size", static_cast<int64_t>(data.size())},
                    {"ETag", EtagOf(dk, data)},
                    {"LastModified", static_cast<double>(now)}};
  if (!checksums.empty()) part["Checksums"] = std::move(checksums);
  std::string old_blob;
  Status st = s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(LoadUpload(tx, b.name, Str(in, "Key"), upload));
    std::string pk = PartKey(upload, number);
    RAMPART_ASSIGN_OR_RETURN(auto old, tx.Get(kGlobal, "s3-part", pk));
    if (old) {
      json::value ov = json::parse(*old);
      if (ov.is_object()) old_blob = Str(ov.as_object(), "Blob");
    }
    return tx.Put(kGlobal, "s3-part", pk, json::serialize(part));
  });
  if (!st.ok()) {
    s3.blobs().Remove(blob);
    return st.error();
  }
  if (!old_blob.empty()) s3.blobs().Remove(old_blob);
  return part;
}

Result<json::value> UploadPart(S3Service& s3, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  RAMPART_ASSIGN_OR_RETURN(int64_t number, PartNumber(in));
  RAMPART_ASSIGN_OR_RETURN(PartTarget t, TargetOf(s3, call, b, in));
  std::string_view data = Str(in, "Body");
  RAMPART_ASSIGN_OR_RETURN(json::object checksums, VerifyIntegrity(in, data));
  RAMPART_ASSIGN_OR_RETURN(
      json::object part, StorePart(s3, b, in, t.dk, number, data, checksums, call.now_epoch_seconds));
  json::object out{{"ETag", QuotedEtag(Str(part, "ETag"))}};
  AddEncryptionHeaders(t.upload, out);
  for (const auto& [algo, value] : checksums) out["Checksum" + std::string(algo)] = value;
  return json::value(std::move(out));
}

Result<json::value> UploadPartCopy(S3Service& s3, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  RAMPART_ASSIGN_OR_RETURN(int64_t number, PartNumber(in));
  RAMPART_ASSIGN_OR_RETURN(PartTarget t, TargetOf(s3, call, b, in));
  RAMPART_ASSIGN_OR_RETURN(CopySource src, ParseCopySource(Str(in, "CopySource")));
  RAMPART_ASSIGN_OR_RETURN(Bucket sb, s3.GetBucket(src.bucket));
  // The version the source names (the current one without versionId), as authorized.
  std::optional<json::object> sobj;
  RAMPART_RETURN_IF_ERROR(s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(sobj, FindVersion(tx, sb.name, src.key, src.version));
    return {};
  }));
  if (!sobj && !src.version.empty()) {
    return Error{"NoSuchVersion", "The specified version does not exist.", 404, true};
  }
  if (!sobj || IsDeleteMarker(*sobj)) return NoSuchKey();
  json::value sv(std::move(*sobj));
  RAMPART_ASSIGN_OR_RETURN(std::string source_key,
                           ExistingDataKey(s3, call, sb, sv.as_object(), in, true));
  uint64_t size = static_cast<uint64_t>(Int(sv.as_object(), "Size").value_or(0));
  uint64_t first = 0, length = size;
  if (std::string_view range = Str(in, "CopySourceRange"); !range.empty()) {
    unsigned long long a = 0, z = 0;
    char tail = 0;
    if (std::sscanf(std::string(range).c_str(), "bytes=%llu-%llu%c", &a, &z, &tail) != 2 || z < a ||
        z >= size) {
      return InvalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last "
                             "where first and last are the zero-based offsets of the first and last "
                             "bytes to copy");
    }
    first = a;
    length = z - a + 1;
  }
  RAMPART_ASSIGN_OR_RETURN(std::string data,
                           ReadData(s3, sb, source_key, sv.as_object(), first, length));
  RAMPART_ASSIGN_OR_RETURN(json::object part,
                           StorePart(s3, b, in, t.dk, number, data, {}, call.now_epoch_seconds));
  json::object out{
      {"CopyPartResult", json::object{{"ETag", QuotedEtag(Str(part, "ETag"))},
                                      {"LastModified", static_cast<double>(call.now_epoch_seconds)}}}};
  AddEncryptionHeaders(t.upload, out);
  return json::value(std::move(out));
}

std::string Unquote(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

// The parts a CompleteMultipartUpload lists, checked against the stored ones (AWS's checks and
// errors, in its order): returns the object's blob list, size and multipart ETag.
struct Assembled {
  json::array blobs;
  int64_t size = 0;
  std::string etag;
  std::vector<std::string> part_keys;
};

Result<Assembled> Assemble(store::EntityTx& tx, std::string_view upload, const json::array& listed) {
  Error invalid{"InvalidPart",
                "One or more of the specified parts could not be found.  The part may not have "
                "been uploaded, or the specified entity tag may not have matched the part's entity "
                "tag.",
                400, true};
  Assembled a;
  std::string md5s;
  int64_t previous = 0;
  for (size_t i = 0; i < listed.size(); ++i) {
    if (!listed[i].is_object()) return MalformedXml();
    const json::object& p = listed[i].as_object();
    auto n = Int(p, "PartNumber");
    if (!n) return MalformedXml();
    if (*n <= previous) {
      return Error{"InvalidPartOrder",
                   "The list of parts was not in ascending order. Parts must be ordered by part "
                   "number.",
                   400, true};
    }
    previous = *n;
    std::string pk = PartKey(upload, *n);
    RAMPART_ASSIGN_OR_RETURN(auto doc, tx.Get(kGlobal, "s3-part", pk));
    if (!doc) return invalid;
    json::value v = json::parse(*doc);
    if (!v.is_object()) return invalid;
    const json::object& stored = v.as_object();
    if (Unquote(Str(p, "ETag")) != Str(stored, "ETag")) return invalid;
    int64_t size = Int(stored, "Size").value_or(0);
    if (i + 1 < listed.size() && size < kMinPart) {
      return Error{"EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size",
                   400, true};
    }
    a.blobs.push_back(json::array{Str(stored, "Blob"), size});
    a.size += size;
    md5s += crypto::HexDecode(Str(stored, "ETag")).value_or("");
    a.part_keys.push_back(pk);
  }
  a.etag = crypto::HexEncode(crypto::Md5(md5s)) + "-" + std::to_string(listed.size());
  return a;
}

Result<json::value> CompleteMultipartUpload(S3Service& s3, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  std::string key(Str(in, "Key"));
  std::string upload(Str(in, "UploadId"));
  json::array listed;
  if (auto* m = in.if_contains("MultipartUpload"); m && m->is_object()) {
    if (auto* parts = m->as_object().if_contains("Parts"); parts && parts->is_array()) {
      listed = parts->as_array();
    }
  }
  if (listed.empty()) {
    return Error{"MalformedXML",
                 "The XML you provided was not well-formed or did not validate against our "
                 "published schema",
                 400, true};
  }
  json::object meta;
  std::vector<std::string> unused_blobs, old_blobs;
  RAMPART_RETURN_IF_ERROR(s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object up, LoadUpload(tx, b.name, key, upload));
    RAMPART_ASSIGN_OR_RETURN(Assembled a, Assemble(tx, upload, listed));
    for (const char* m : {"ContentType", "ContentEncoding", "ContentDisposition", "ContentLanguage",
                          "CacheControl", "Expires", "WebsiteRedirectLocation", "Metadata"}) {
      if (auto* v = up.if_contains(m)) meta[m] = *v;
    }
    if (!meta.contains("ContentType")) meta["ContentType"] = "binary/octet-stream";
    if (auto* t = up.if_contains("Tagging"); t && t->is_string()) {
      auto form = ParseForm(t->as_string());
      json::array tags;
      if (form) {
        for (const auto& [k, v] : *form) tags.push_back(json::object{{"Key", k}, {"Value", v}});
      }
      if (!tags.empty()) meta["Tags"] = std::move(tags);
    }
    meta["Blobs"] = a.blobs;
    meta["Size"] = a.size;
    meta["ETag"] = a.etag;
    meta["PartsCount"] = static_cast<int64_t>(listed.size());
    meta["LastModified"] = static_cast<double>(call.now_epoch_seconds);
    meta["Owner"] = Str(up, "ObjectOwner").empty() ? b.owner() : std::string(Str(up, "ObjectOwner"));
    if (auto* acl = up.if_contains("Acl")) meta["Acl"] = *acl;
    for (const char* lock : {"Retention", "LegalHold"}) {
      if (auto* v = up.if_contains(lock)) meta[lock] = *v;
    }
    for (const char* mode : {"SSEC", "SSEKMS"}) {
      if (auto* m = up.if_contains(mode)) meta[mode] = *m;
    }
    // Every part goes with the upload; parts not listed are freed.
    RAMPART_ASSIGN_OR_RETURN(auto parts, tx.List(kGlobal, "s3-part", upload + "/", "", 20000));
    for (const auto& p : parts) {
      if (std::find(a.part_keys.begin(), a.part_keys.end(), p.key) == a.part_keys.end()) {
        json::value pv = json::parse(p.doc);
        if (pv.is_object()) unused_blobs.emplace_back(Str(pv.as_object(), "Blob"));
      }
      RAMPART_RETURN_IF_ERROR(tx.Delete(kGlobal, "s3-part", p.key));
    }
    RAMPART_RETURN_IF_ERROR(tx.Delete(kGlobal, "s3-mpu", ObjectKey(b.name, upload)));
    RAMPART_ASSIGN_OR_RETURN(auto bucket_doc, tx.Get(kGlobal, "s3-bucket", b.name));
    if (!bucket_doc) return NoSuchBucket(b.name);
    json::value bv = json::parse(*bucket_doc);
    std::string versioning(bv.is_object() ? VersioningOf(bv.as_object()) : "");
    return PutCurrent(tx, b.name, versioning, key, meta, old_blobs);
  }));
  for (const auto& id : unused_blobs) s3.blobs().Remove(id);
  for (const auto& id : old_blobs) s3.blobs().Remove(id);
  json::object out{{"Location", "/" + b.name + "/" + key},
                   {"Bucket", b.name},
                   {"Key", key},
                   {"ETag", QuotedEtag(Str(meta, "ETag"))}};
  AddEncryptionHeaders(meta, out);
  if (meta.contains("VersionId")) out["VersionId"] = meta.at("VersionId");
  return json::value(std::move(out));
}

Result<json::value> AbortMultipartUpload(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  std::string upload(Str(in, "UploadId"));
  std::vector<std::string> blobs;
  RAMPART_RETURN_IF_ERROR(s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(LoadUpload(tx, b.name, Str(in, "Key"), upload));
    RAMPART_ASSIGN_OR_RETURN(auto parts, tx.List(kGlobal, "s3-part", upload + "/", "", 20000));
    for (const auto& p : parts) {
      json::value pv = json::parse(p.doc);
      if (pv.is_object()) blobs.emplace_back(Str(pv.as_object(), "Blob"));
      RAMPART_RETURN_IF_ERROR(tx.Delete(kGlobal, "s3-part", p.key));
    }
    return tx.Delete(kGlobal, "s3-mpu", ObjectKey(b.name, upload));
  }));
  for (const auto& id : blobs) s3.blobs().Remove(id);
  return json::value(json::object());
}

Result<json::value> ListParts(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  std::string upload(Str(in, "UploadId"));
  int64_t max_parts = std::min<int64_t>(Int(in, "MaxParts").value_or(1000), 1000);
  int64_t marker = Int(in, "PartNumberMarker").value_or(0);
  json::array parts;
  bool truncated = false;
  int64_t last = 0;
  json::object up;
  RAMPART_RETURN_IF_ERROR(s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(up, LoadUpload(tx, b.name, Str(in, "Key"), upload));
    std::string after = marker > 0 ? PartKey(upload, marker) : "";
    RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(kGlobal, "s3-part", upload + "/", after,
                                                static_cast<size_t>(max_parts) + 1));
    for (const auto& row : rows) {
      if (static_cast<int64_t>(parts.size()) == max_parts) {
        truncated = true;
        break;
      }
      json::value v = json::parse(row.doc);
      if (!v.is_object()) continue;
      const json::object& p = v.as_object();
      last = std::stoll(row.key.substr(upload.size() + 1));
      json::object entry{{"PartNumber", last},
                         {"LastModified", p.at("LastModified")},
                         {"ETag", QuotedEtag(Str(p, "ETag"))},
                         {"Size", Int(p, "Size").value_or(0)}};
      if (auto* c = p.if_contains("Checksums"); c && c->is_object()) {
        for (const auto& [algo, value] : c->as_object()) entry["Checksum" + std::string(algo)] = value;
      }
      parts.push_back(std::move(entry));
    }
    return {};
  }));
  json::object out{{"Bucket", b.name},   {"Key", Str(in, "Key")}, {"UploadId", upload},
                   {"PartNumberMarker", marker}, {"MaxParts", max_parts},
                   {"IsTruncated", truncated},   {"StorageClass", "STANDARD"},
                   {"Owner", OwnerOf(Str(up, "Owner"))},
                   {"Initiator", json::object{{"ID", Str(up, "Initiator")}}}};
  if (truncated) out["NextPartNumberMarker"] = last;
  if (!parts.empty()) out["Parts"] = std::move(parts);
  if (auto* a = up.if_contains("ChecksumAlgorithm")) out["ChecksumAlgorithm"] = *a;
  return json::value(std::move(out));
}

Result<json::value> ListMultipartUploads(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  std::string_view prefix = Str(in, "Prefix");
  int64_t max_uploads = std::min<int64_t>(Int(in, "MaxUploads").value_or(1000), 1000);
  std::vector<std::pair<std::string, json::object>> all;  // (key \n upload id, doc)
  RAMPART_RETURN_IF_ERROR(s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(kGlobal, "s3-mpu", b.name + "/", "", 100000));
    for (const auto& row : rows) {
      json::value v = json::parse(row.doc);
      if (!v.is_object()) continue;
      std::string key(Str(v.as_object(), "Key"));
      if (!StartsWith(key, prefix)) continue;
      json::object o = v.as_object();
      o["UploadId"] = row.key.substr(b.name.size() + 1);
      all.emplace_back(key + '\n' + std::string(o["UploadId"].as_string()), std::move(o));
    }
    return {};
  }));
  std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::string key_marker(Str(in, "KeyMarker")), id_marker(Str(in, "UploadIdMarker"));
  json::array uploads;
  bool truncated = false;
  std::string next_key, next_id;
  for (auto& [sort_key, o] : all) {
    std::string k(Str(o, "Key"));
    std::string id(Str(o, "UploadId"));
    if (!key_marker.empty() && (k < key_marker || (k == key_marker && (id_marker.empty() || id <= id_marker)))) {
      continue;
    }
    if (static_cast<int64_t>(uploads.size()) == max_uploads) {
      truncated = true;
      break;
    }
    next_key = k;
    next_id = id;
    uploads.push_back(json::object{{"Key", k},
                                   {"UploadId", id},
                                   {"Initiated", o.at("Initiated")},
                                   {"StorageClass", "STANDARD"},
                                   {"Owner", OwnerOf(Str(o, "Owner"))},
                                   {"Initiator", json::object{{"ID", Str(o, "Initiator")}}}});
  }
  json::object out{{"Bucket", b.name},
                   {"KeyMarker", key_marker},
                   {"UploadIdMarker", id_marker},
                   {"MaxUploads", max_uploads},
                   {"IsTruncated", truncated}};
  if (!prefix.empty()) out["Prefix"] = prefix;
  if (truncated) {
    out["NextKeyMarker"] = next_key;
    out["NextUploadIdMarker"] = next_id;
  }
  if (!uploads.empty()) out["Uploads"] = std::move(uploads);
  return json::value(std::move(out));
}

}  // namespace

void AddMultipartOperations(std::vector<OperationEntry>& out, S3Service& s3) {
  static constexpr std::pair<std::string_view, ObjectHandler<S3Service>> kOps[] = {
      {"CreateMultipartUpload", CreateMultipartUpload},
      {"UploadPart", UploadPart},
      {"UploadPartCopy", UploadPartCopy},
      {"CompleteMultipartUpload", CompleteMultipartUpload},
      {"AbortMultipartUpload", AbortMultipartUpload},
      {"ListParts", ListParts},
      {"ListMultipartUploads", ListMultipartUploads},
  };
  AddOperations(out, s3, kOps);
}

}  // namespace rampart::services::s3
