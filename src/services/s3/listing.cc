// ListBuckets, ListObjects (v1) and ListObjectsV2: keys in UTF-8 binary order, prefixes,
// delimiters rolled up into CommonPrefixes, paging by marker, start-after or continuation token.
#include <boost/json.hpp>

#include "common/crypto.h"
#include "common/strings.h"
#include "services/s3/s3.h"

namespace rampart::services::s3 {

namespace {

constexpr int64_t kMaxKeys = 1000;

struct ListRequest {
  std::string bucket, prefix, delimiter;
  std::string after;  // list keys strictly after this one
  int64_t max_keys = kMaxKeys;
  bool owner = false;
  bool url = false;  // encoding-type=url
};

struct ListPage {
  json::array contents, prefixes;
  bool truncated = false;
  std::string last;  // the last key or common prefix returned (the next page starts after it)
  bool last_is_prefix = false;
};

// encoding-type=url: form encoding as S3 writes it (a space is "+"; SDKs decode with
// unquote_plus).
std::string Encode(const ListRequest& r, std::string_view s) {
  if (!r.url) return std::string(s);
  std::string e = UrlEncode(s, true);
  std::string out;
  for (size_t i = 0; i < e.size(); ++i) {
    if (e.compare(i, 3, "%20") == 0) {
      out.push_back('+');
      i += 2;
    } else {
      out.push_back(e[i]);
    }
  }
  return out;
}

// Reads one page of the listing `r` describes.
Result<ListPage> ListPageOf(S3Service& s3, const ListRequest& r) {
  ListPage page;
  std::string base = r.bucket + "/";
  std::string after = r.after.empty() ? "" : base + r.after;
  // A marker that is itself a common prefix ("photos/" with delimiter "/") starts past it.
  if (!r.delimiter.empty() && !r.after.empty() && StartsWith(r.after, r.prefix)) {
    size_t d = r.after.find(r.delimiter, r.prefix.size());
    if (d != std::string::npos && d + r.delimiter.size() == r.after.size()) after += "\xff";
  }
  if (!after.empty() && after < base + r.prefix) after.clear();
  int64_t count = 0;
  std::string last_prefix;
  if (r.max_keys == 0) return page;
  while (true) {
    std::vector<store::EntityRow> rows;
    RAMPART_RETURN_IF_ERROR(s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
      RAMPART_ASSIGN_OR_RETURN(rows, tx.List(kGlobal, "s3-obj", base + r.prefix, after, 1000));
      return {};
    }));
    if (rows.empty()) return page;
    for (const auto& row : rows) {
      std::string_view key = std::string_view(row.key).substr(base.size());
      after = row.key;
      if (!r.delimiter.empty()) {
        size_t d = key.find(r.delimiter, r.prefix.size());
        if (d != std::string_view::npos) {
          std::string cp(key.substr(0, d + r.delimiter.size()));
          if (cp == last_prefix) continue;
          if (count == r.max_keys) {
            page.truncated = true;
            return page;
          }
          last_prefix = cp;
          page.prefixes.push_back(json::object{{"Prefix", Encode(r, cp)}});
          page.last = cp;
          page.last_is_prefix = true;
          ++count;
          after = base + cp + "\xff";  // past every key under this prefix (UTF-8 has no 0xff)
          break;                       // re-read from there
        }
      }
      if (count == r.max_keys) {
        page.truncated = true;
        return page;
      }
      json::value v = json::parse(row.doc);
      if (!v.is_object() || IsDeleteMarker(v.as_object())) continue;
      const json::object& o = v.as_object();
      json::object entry{{"Key", Encode(r, key)},
                         {"LastModified", o.contains("LastModified") ? o.at("LastModified") : json::value(0.0)},
                         {"ETag", QuotedEtag(Str(o, "ETag"))},
                         {"Size", Int(o, "Size").value_or(0)},
                         {"StorageClass", "STANDARD"}};
      if (auto* c = o.if_contains("Checksums"); c && c->is_object() && !c->as_object().empty()) {
        json::array algos;
        for (const auto& kv : c->as_object()) algos.push_back(json::string(kv.key()));
        entry["ChecksumAlgorithm"] = std::move(algos);
      }
      if (r.owner) entry["Owner"] = OwnerOf(Str(o, "Owner"));
      page.contents.push_back(std::move(entry));
      page.last = std::string(key);
      page.last_is_prefix = false;
      ++count;
    }
  }
}

Result<ListRequest> CommonRequest(S3Service& s3, const json::object& in) {
  ListRequest r;
  r.bucket = Str(in, "Bucket");
  RAMPART_RETURN_IF_ERROR(s3.GetBucket(r.bucket));
  r.prefix = Str(in, "Prefix");
  r.delimiter = Str(in, "Delimiter");
  if (auto m = Int(in, "MaxKeys")) {
    if (*m < 0) return InvalidArgument("Argument maxKeys must be an integer between 0 and 2147483647");
    r.max_keys = std::min(*m, kMaxKeys);
  }
  std::string_view enc = Str(in, "EncodingType");
  if (!enc.empty() && enc != "url") return InvalidArgument("Invalid Encoding Method specified in Request");
  r.url = enc == "url";
  return r;
}

void Common(const ListRequest& r, const json::object& in, json::object& out) {
  out["Name"] = r.bucket;
  out["Prefix"] = Encode(r, r.prefix);
  out["MaxKeys"] = Int(in, "MaxKeys").value_or(kMaxKeys);
  if (!r.delimiter.empty()) out["Delimiter"] = Encode(r, r.delimiter);
  if (r.url) out["EncodingType"] = "url";
}

Result<json::value> ListObjectsV2(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(ListRequest r, CommonRequest(s3, in));
  std::string_view token = Str(in, "ContinuationToken");
  std::string_view start_after = Str(in, "StartAfter");
  r.after = std::string(start_after);
  if (in.contains("ContinuationToken")) {
    auto decoded = crypto::Base64Decode(token);
    if (token.empty() || !decoded.ok() || !StartsWith(*decoded, "1\n")) {
      return InvalidArgument("The continuation token provided is incorrect");
    }
    r.after = decoded->substr(2);
  }
  auto* fo = in.if_contains("FetchOwner");
  r.owner = fo && fo->is_bool() && fo->as_bool();
  RAMPART_ASSIGN_OR_RETURN(ListPage page, ListPageOf(s3, r));
  json::object out;
  Common(r, in, out);
  out["KeyCount"] = static_cast<int64_t>(page.contents.size() + page.prefixes.size());
  out["IsTruncated"] = page.truncated;
  if (!page.contents.empty()) out["Contents"] = std::move(page.contents);
  if (!page.prefixes.empty()) out["CommonPrefixes"] = std::move(page.prefixes);
  if (in.contains("ContinuationToken")) out["ContinuationToken"] = token;
  if (!start_after.empty()) out["StartAfter"] = Encode(r, start_after);
  if (page.truncated) {
    std::string next = page.last;
    if (page.last_is_prefix) next += "\xff";  // past every key under the common prefix
    out["NextContinuationToken"] = crypto::Base64Encode("1\n" + next);
  }
  return json::value(std::move(out));
}

Result<json::value> ListObjects(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(ListRequest r, CommonRequest(s3, in));
  std::string_view marker = Str(in, "Marker");
  r.after = std::string(marker);
  r.owner = true;
  RAMPART_ASSIGN_OR_RETURN(ListPage page, ListPageOf(s3, r));
  json::object out;
  Common(r, in, out);
  out["Marker"] = Encode(r, marker);
  out["IsTruncated"] = page.truncated;
  if (!page.contents.empty()) out["Contents"] = std::move(page.contents);
  if (!page.prefixes.empty()) out["CommonPrefixes"] = std::move(page.prefixes);
  // NextMarker only with a delimiter; without one the client continues from the last key.
  if (page.truncated && !r.delimiter.empty()) out["NextMarker"] = Encode(r, page.last);
  // A v1 marker that is a common prefix also skips the keys under it, as S3 does.
  return json::value(std::move(out));
}

// Every version and delete marker of the bucket's keys (under Prefix), keys in order, each
// key's versions newest first, from KeyMarker / VersionIdMarker on.
Result<json::value> ListObjectVersions(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(ListRequest r, CommonRequest(s3, in));
  std::string key_marker(Str(in, "KeyMarker")), version_marker(Str(in, "VersionIdMarker"));
  std::string base = r.bucket + "/";
  json::array versions, markers, prefixes;
  int64_t count = 0;
  bool truncated = false;
  std::string next_key, next_version;
  RAMPART_RETURN_IF_ERROR(s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    // KeyMarker alone: the keys after it. With VersionIdMarker: first the rest of KeyMarker's
    // versions (those after the marker's), then the keys after it.
    std::string after = key_marker.empty() ? "" : base + key_marker;
    // A key marker that is itself a common prefix ("photos/" with delimiter "/") starts past it.
    if (!r.delimiter.empty() && !key_marker.empty() && StartsWith(key_marker, r.prefix)) {
      size_t d = key_marker.find(r.delimiter, r.prefix.size());
      if (d != std::string::npos && d + r.delimiter.size() == key_marker.size()) after += "\xff";
    }
    bool skipping = !key_marker.empty() && !version_marker.empty();
    std::string from = base + key_marker;
    bool include_from = skipping;
    while (!truncated) {
      std::vector<store::EntityRow> rows;
      if (include_from) {
        RAMPART_ASSIGN_OR_RETURN(auto cur, tx.Get(kGlobal, "s3-obj", from));
        if (cur) rows.push_back({from, *cur});
        include_from = false;
        after = from;
      }
      if (rows.empty()) {
        RAMPART_ASSIGN_OR_RETURN(rows, tx.List(kGlobal, "s3-obj", base + r.prefix, after, 100));
        if (rows.empty()) break;
      }
      for (const auto& row : rows) {
        after = row.key;
        std::string key = row.key.substr(base.size());
        // With a delimiter, the keys under a common prefix are one CommonPrefixes entry, counted
        // once toward MaxKeys.
        size_t d = r.delimiter.empty() ? std::string::npos : key.find(r.delimiter, r.prefix.size());
        if (d != std::string::npos) {
          std::string cp = key.substr(0, d + r.delimiter.size());
          if (count == r.max_keys) {
            truncated = true;
            break;
          }
          prefixes.push_back(json::object{{"Prefix", Encode(r, cp)}});
          next_key = cp;
          next_version.clear();
          ++count;
          after = base + cp + "\xff";  // past every key under this prefix (UTF-8 has no 0xff)
          break;                       // re-read from there
        }
        std::vector<std::string> docs{row.doc};
        RAMPART_ASSIGN_OR_RETURN(auto history,
                                 tx.List(kGlobal, "s3-ver", HistoryPrefix(r.bucket, key), "", 100000));
        for (auto& h : history) docs.push_back(std::move(h.doc));
        bool seen_marker = !(skipping && key == key_marker);
        for (size_t i = 0; i < docs.size(); ++i) {
          json::value v = json::parse(docs[i]);
          if (!v.is_object()) continue;
          const json::object& o = v.as_object();
          std::string version = VersionOf(o);
          if (!seen_marker) {
            seen_marker = version == version_marker;
            continue;
          }
          if (count == r.max_keys) {
            truncated = true;
            break;
          }
          json::object e{{"Key", Encode(r, key)},
                         {"VersionId", version},
                         {"IsLatest", i == 0},
                         {"LastModified", o.contains("LastModified") ? o.at("LastModified") : json::value(0.0)},
                         {"Owner", OwnerOf(Str(o, "Owner"))}};
          if (IsDeleteMarker(o)) {
            markers.push_back(std::move(e));
          } else {
            e["ETag"] = QuotedEtag(Str(o, "ETag"));
            e["Size"] = Int(o, "Size").value_or(0);
            e["StorageClass"] = "STANDARD";
            versions.push_back(std::move(e));
          }
          next_key = key;
          next_version = version;
          ++count;
        }
        skipping = false;
        if (truncated) break;
      }
    }
    return {};
  }));
  json::object out;
  Common(r, in, out);
  out["KeyMarker"] = key_marker;
  out["VersionIdMarker"] = version_marker;
  out["IsTruncated"] = truncated;
  if (truncated) {
    out["NextKeyMarker"] = Encode(r, next_key);
    if (!next_version.empty()) out["NextVersionIdMarker"] = next_version;
  }
  if (!versions.empty()) out["Versions"] = std::move(versions);
  if (!markers.empty()) out["DeleteMarkers"] = std::move(markers);
  if (!prefixes.empty()) out["CommonPrefixes"] = std::move(prefixes);
  return json::value(std::move(out));
}

Result<json::value> ListBuckets(S3Service& s3, const Call& call, const json::object&) {
  const std::string& account = call.principal.account_id;
  json::array buckets;
  RAMPART_RETURN_IF_ERROR(s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    std::string after;
    while (true) {
      RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(account, "s3-owned", "", after, 1000));
      if (rows.empty()) return {};
      for (const auto& row : rows) {
        after = row.key;
        RAMPART_ASSIGN_OR_RETURN(auto doc, tx.Get(kGlobal, "s3-bucket", row.key));
        if (!doc) continue;
        json::value v = json::parse(*doc);
        if (!v.is_object()) continue;
        auto* created = v.as_object().if_contains("Created");
        buckets.push_back(json::object{{"Name", row.key},
                                       {"CreationDate", created ? *created : json::value(0.0)}});
      }
    }
  }));
  return json::value(json::object{{"Buckets", std::move(buckets)}, {"Owner", OwnerOf(account)}});
}

}  // namespace

void AddListingOperations(std::vector<OperationEntry>& out, S3Service& s3) {
  static constexpr std::pair<std::string_view, ObjectHandler<S3Service>> kOps[] = {
      {"ListBuckets", ListBuckets},
      {"ListObjects", ListObjects},
      {"ListObjectsV2", ListObjectsV2},
      {"ListObjectVersions", ListObjectVersions},
  };
  AddOperations(out, s3, kOps);
}

}  // namespace rampart::services::s3
