#include "spine/trail_validate.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <ctime>
#include <regex>

#include "common/crypto.h"
#include "common/strings.h"
#include "spine/trail_keys.h"
#include "spine/trail_model.h"
#include "store/store.h"

namespace rampart::spine {

namespace json = boost::json;

namespace {

// "YYYYMMDDTHHMMSSZ" or "YYYYMMDDTHHMMZ" -> epoch ms; -1 if malformed.
int64_t ParseCompact(std::string_view s) {
  if (s.size() != 16 && s.size() != 14) return -1;
  std::tm tm{};
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = s.size() == 16 ? num(13, 2) : 0;
  if (s[8] != 'T' || tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mday < 0 || tm.tm_hour < 0 ||
      tm.tm_min < 0 || tm.tm_sec < 0) {
    return -1;
  }
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

int64_t DigestKeyTime(const std::string& key) {
  return key.size() < 24 ? -1 : ParseCompact(std::string_view(key).substr(key.size() - 24, 16));
}
int64_t LogKeyTime(const std::string& key) {
  return key.size() < 39 ? -1 : ParseCompact(std::string_view(key).substr(key.size() - 39, 14));
}
int64_t IsoMs(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  if (!v || !v->is_string()) return -1;
  auto t = ParseTimestamp(v->as_string());
  return t ? static_cast<int64_t>(*t * 1000) : -1;
}
std::string Str(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string RegexEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view(".^$|()[]{}*+?\\-").find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

struct Walker {
  TrailSink& sink;
  const ValidateTarget& t;
  ValidateReport& rep;
  std::set<std::string> referenced_logs;

  void Bad(std::string line, bool digest) {
    rep.lines.push_back(std::move(line));
    (digest ? rep.invalid_digests : rep.invalid_logs)++;
  }

  // Returns the parsed digest if valid (and checks its log files), else nullopt (reported).
  std::optional<json::object> CheckDigest(const std::string& bucket, const std::string& key) {
    std::string where = fmt::format("s3://{}/{}", bucket, key);
    auto obj = sink.Get(bucket, key);
    if (!obj.ok() || !*obj) {
      Bad("Digest file\t" + where + "\tINVALID: not found", true);
      return std::nullopt;
    }
    auto raw = Gunzip((*obj)->bytes);
    boost::system::error_code ec;
    json::value v = raw.ok() ? json::parse(*raw, ec) : json::value();
    if (!raw.ok() || ec || !v.is_object()) {
      Bad("Digest file\t" + where + "\tINVALID: invalid format", true);
      return std::nullopt;
    }
    json::object d = std::move(v.as_object());
    for (const char* req : {"digestS3Bucket", "digestS3Object", "previousDigestSignature",
                            "digestEndTime", "digestStartTime"}) {
      if (!d.contains(req)) {
        Bad("Digest file\t" + where + "\tINVALID: invalid format", true);
        return std::nullopt;
      }
    }
    const auto& meta = (*obj)->metadata;
    auto sig_it = meta.find("signature");
    if (sig_it == meta.end() || !meta.count("signature-algorithm")) {
      Bad("Digest file\t" + where + "\tINVALID: signature verification failed", true);
      return std::nullopt;
    }
    if (Str(d, "digestS3Bucket") != bucket || Str(d, "digestS3Object") != key) {
      Bad("Digest file\t" + where + "\tINVALID: has been moved from its original location", true);
      return std::nullopt;
    }
    std::string fp = Str(d, "digestPublicKeyFingerprint");
    auto key_it = t.public_keys.find(fp);
    if (key_it == t.public_keys.end()) {
      Bad(fmt::format("Digest file\t{}\tINVALID: public key not found in region {} for "
                      "fingerprint {}",
                      where, t.home_region, fp),
          true);
      return std::nullopt;
    }
    const json::value& prev_sig = d.at("previousDigestSignature");
    std::string to_sign =
        fmt::format("{}\n{}/{}\n{}\n{}", Str(d, "digestEndTime"), Str(d, "digestS3Bucket"),
                    Str(d, "digestS3Object"), crypto::Sha256Hex(*raw),
                    prev_sig.is_string() ? std::string(prev_sig.as_string()) : std::string("null"));
    std::string sig_bytes;
    bool hex_ok = sig_it->second.size() % 2 == 0;
    for (size_t i = 0; hex_ok && i < sig_it->second.size(); i += 2) {
      auto hexval = [](char c) {
        return c >= '0' && c <= '9'   ? c - '0'
               : c >= 'a' && c <= 'f' ? c - 'a' + 10
               : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                      : -1;
      };
      int hi = hexval(sig_it->second[i]), lo = hexval(sig_it->second[i + 1]);
      if (hi < 0 || lo < 0) hex_ok = false;
      sig_bytes.push_back(static_cast<char>(hi * 16 + lo));
    }
    if (!hex_ok || !VerifySha256Rsa(key_it->second, to_sign, sig_bytes)) {
      Bad("Digest file\t" + where + "\tINVALID: signature verification failed", true);
      return std::nullopt;
    }
    rep.valid_digests++;
    rep.lines.push_back("Digest file\t" + where + "\tvalid");
    if (const auto* logs = d.if_contains("logFiles"); logs && logs->is_array()) {
      for (const auto& lf_v : logs->as_array()) {
        if (!lf_v.is_object()) continue;
        const json::object& lf = lf_v.as_object();
        std::string lb = Str(lf, "s3Bucket"), lk = Str(lf, "s3Object");
        std::string lwhere = fmt::format("s3://{}/{}", lb, lk);
        referenced_logs.insert(lk);
        auto lo = sink.Get(lb, lk);
        if (!lo.ok() || !*lo) {
          Bad("Log file\t" + lwhere + "\tINVALID: not found", false);
          continue;
        }
        auto lraw = Gunzip((*lo)->bytes);
        if (!lraw.ok()) {
          Bad("Log file\t" + lwhere + "\tINVALID: invalid format", false);
        } else if (crypto::Sha256Hex(*lraw) != Str(lf, "hashValue")) {
          Bad("Log file\t" + lwhere + "\tINVALID: hash value doesn't match", false);
        } else {
          rep.valid_logs++;
          rep.lines.push_back("Log file\t" + lwhere + "\tvalid");
        }
      }
    }
    return d;
  }

  void Region(const std::string& region) {
    std::string folder = DigestFolder(t.key_prefix, t.account_id, region);
    auto listed = sink.List(t.bucket, folder);
    if (!listed.ok()) return;
    std::regex name_re(RegexEscape(folder) + R"(\d+/\d+/\d+/)" + RegexEscape(t.account_id) +
                       "_CloudTrail\\-Digest_" + RegexEscape(region) + "_" +
                       RegexEscape(t.trail_name) + "_" + RegexEscape(t.home_region) +
                       R"(_\d{8}T\d{6}Z\.json\.gz)");
    std::vector<std::string> digests;
    for (const auto& k : *listed) {
      int64_t when = DigestKeyTime(k);
      if (std::regex_match(k, name_re) && when >= 0 && when <= t.end_ms) digests.push_back(k);
    }
    std::vector<std::string> remaining = digests;  // the CLI pops from the end of this list
    std::set<std::string> visited;
    auto next_before = [&](const std::string& before) -> std::string {
      int64_t before_time = DigestKeyTime(before);
      while (!remaining.empty()) {
        std::string k = remaining.back();
        remaining.pop_back();
        if (DigestKeyTime(k) < before_time) return k;
      }
      return "";
    };
    std::string key;
    if (auto it = t.latest_digest_keys.find(region);
        it != t.latest_digest_keys.end() && DigestKeyTime(it->second) <= t.end_ms) {
      key = it->second;
      if (std::find(digests.begin(), digests.end(), key) == digests.end()) digests.push_back(key);
      // Digests newer than the one delivery wrote last are forgeries: flagged below.
      while (!remaining.empty() && remaining.back() >= key) remaining.pop_back();
    } else if (!remaining.empty()) {
      key = remaining.back();
      remaining.pop_back();
    }
    int64_t last_start = key.empty() ? -1 : DigestKeyTime(key);
    int64_t newest_end = -1, oldest_start = -1;
    std::string bucket = t.bucket;
    while (!key.empty() && t.start_ms <= last_start) {
      visited.insert(key);
      auto d = CheckDigest(bucket, key);
      if (!d) {
        key = next_before(key);
        continue;
      }
      last_start = IsoMs(*d, "digestStartTime");
      if (newest_end < 0) newest_end = IsoMs(*d, "digestEndTime");
      oldest_start = last_start;
      const json::value& prev_bucket = d->at("previousDigestS3Bucket");
      if (!prev_bucket.is_string()) {
        std::string next = next_before(key);
        if (!next.empty()) {
          rep.lines.push_back(
              fmt::format("No log files were delivered by CloudTrail between {} and {}",
                          FormatTrailTime(DigestKeyTime(next)), FormatTrailTime(last_start)));
        }
        key = next;
      } else {
        key = Str(*d, "previousDigestS3Object");
        bucket = std::string(prev_bucket.as_string());
        // Keep the listing in step: everything newer than the followed digest is behind us.
        while (!remaining.empty() && remaining.back() >= key) remaining.pop_back();
      }
    }
    // Rampart's additions: what the chain does not account for.
    for (const auto& k : digests) {
      int64_t when = DigestKeyTime(k);
      if (!visited.count(k) && when >= t.start_ms && (oldest_start < 0 || when >= oldest_start)) {
        Bad(fmt::format("Digest file\ts3://{}/{}\tINVALID: not in the digest chain", t.bucket, k),
            true);
      }
    }
    if (oldest_start < 0) return;
    std::string log_folder = LogFolder(t.key_prefix, t.account_id, region);
    auto logs = sink.List(t.bucket, log_folder);
    if (!logs.ok()) return;
    int64_t from_minute = oldest_start / 60000 * 60000;
    for (const auto& k : *logs) {
      int64_t when = LogKeyTime(k);
      if (referenced_logs.count(k) || t.pending_log_keys.count(k)) continue;
      if (when < 0 || (when >= from_minute && when <= newest_end)) {
        Bad(fmt::format("Log file\ts3://{}/{}\tINVALID: not listed in any digest", t.bucket, k),
            false);
      }
    }
  }
};

}  // namespace

std::string ValidateReport::Summary() const {
  std::string out;
  if (valid_digests + invalid_digests == 0) return "No digests found\n";
  int td = valid_digests + invalid_digests, tl = valid_logs + invalid_logs;
  out += fmt::format("{}/{} digest files valid", valid_digests, td);
  if (invalid_digests) out += fmt::format(", {}/{} digest files INVALID", invalid_digests, td);
  out += "\n";
  if (tl > 0) {
    out += fmt::format("{}/{} log files valid", valid_logs, tl);
    if (invalid_logs) out += fmt::format(", {}/{} log files INVALID", invalid_logs, tl);
    out += "\n";
  }
  return out;
}

void ApplyDeliveryState(std::string_view delivery_doc, ValidateTarget& t) {
  boost::system::error_code ec;
  json::value v = json::parse(delivery_doc, ec);
  if (ec || !v.is_object()) return;
  const auto* regions = v.as_object().if_contains("Regions");
  if (!regions || !regions->is_object()) return;
  for (const auto& [region, rs] : regions->as_object()) {
    if (!rs.is_object()) continue;
    if (const auto* p = rs.as_object().if_contains("Pending"); p && p->is_array()) {
      for (const auto& lf : p->as_array()) {
        if (lf.is_object()) t.pending_log_keys.insert(Str(lf.as_object(), "s3Object"));
      }
    }
    if (const auto* prev = rs.as_object().if_contains("Prev"); prev && prev->is_object()) {
      std::string key = Str(prev->as_object(), "Key");
      if (!key.empty()) t.latest_digest_keys[std::string(region)] = key;
    }
  }
}

ValidateReport ValidateTrailFiles(TrailSink& sink, const ValidateTarget& target) {
  ValidateReport rep;
  Walker w{sink, target, rep, {}};
  // Regions: every CloudTrail-Digest/<region>/ folder of the account in the bucket.
  std::string root = DigestFolder(target.key_prefix, target.account_id, "");
  std::set<std::string> regions{target.home_region};
  auto all = sink.List(target.bucket, root);
  if (all.ok()) {
    for (const auto& k : *all) {
      size_t slash = k.find('/', root.size());
      if (slash != std::string::npos) regions.insert(k.substr(root.size(), slash - root.size()));
    }
  }
  for (const auto& r : regions) w.Region(r);
  return rep;
}

Result<ValidateReport> ValidateFromDataDir(const std::string& data_dir,
                                           const std::string& trail_arn, int64_t start_ms,
                                           int64_t end_ms, const std::string& bucket_override) {
  // arn:aws:cloudtrail:<region>:<account>:trail/<name>
  static const std::regex kArn(R"(arn:[^:]+:cloudtrail:([^:]+):(\d{12}):trail/(.+))");
  std::smatch m;
  if (!std::regex_match(trail_arn, m, kArn)) {
    return Error::Validation("Invalid trail ARN provided: " + trail_arn);
  }
  ValidateTarget t;
  t.home_region = m[1];
  t.account_id = m[2];
  t.trail_name = m[3];
  t.start_ms = start_ms;
  t.end_ms = end_ms;
  RAMPART_ASSIGN_OR_RETURN(std::string root_key, store::LoadRootKey(store::RootKeyPath(data_dir)));
  RAMPART_ASSIGN_OR_RETURN(auto st, store::OpenSqliteStore({data_dir + "/rampart.db", root_key}));
  std::optional<std::string> trail_doc, delivery_doc;
  RAMPART_RETURN_IF_ERROR(st->entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(trail_doc, tx.Get(t.account_id, kTrailKind, t.trail_name));
    RAMPART_ASSIGN_OR_RETURN(delivery_doc, tx.Get(t.account_id, kDeliveryKind, t.trail_name));
    return {};
  }));
  if (trail_doc) {
    RAMPART_ASSIGN_OR_RETURN(TrailConfig cfg, ParseTrailDoc(t.account_id, *trail_doc));
    t.bucket = cfg.bucket;
    t.key_prefix = cfg.key_prefix;
    t.home_region = cfg.home_region;
  }
  if (!bucket_override.empty()) t.bucket = bucket_override;
  if (t.bucket.empty()) {
    return Error{"TrailNotFoundException", "Unknown trail: " + trail_arn + " (give --s3-bucket)",
                 400, true};
  }
  if (delivery_doc) ApplyDeliveryState(*delivery_doc, t);
  // Public keys of every region the account has keys in (ListPublicKeys, all of time).
  std::vector<std::string> regions;
  RAMPART_RETURN_IF_ERROR(st->entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(t.account_id, kSigningKeyKind, "", "", 10000));
    for (const auto& row : rows) regions.push_back(row.key.substr(0, row.key.find('/')));
    return {};
  }));
  std::sort(regions.begin(), regions.end());
  regions.erase(std::unique(regions.begin(), regions.end()), regions.end());
  for (const auto& region : regions) {
    RAMPART_ASSIGN_OR_RETURN(auto keys, ListPublicKeys(*st, t.account_id, region, 0, INT64_MAX));
    for (auto& k : keys) t.public_keys[k.fingerprint] = k.der;
  }
  DirectorySink sink(data_dir + "/trails");
  return ValidateTrailFiles(sink, t);
}

}  // namespace rampart::spine
