#pragma once
// `rampart trail validate`: checks a trail's log files and digest chain the way
// `aws cloudtrail validate-logs` does (awscli customizations/cloudtrail/validation.py), and a
// little more.
//
// Per region of the trail, newest digest first: the digest must gunzip and parse, sit where its
// digestS3Bucket/digestS3Object say, name a known public key fingerprint, and carry a valid
// SHA256withRSA signature (object metadata "signature") over
//   digestEndTime \n bucket/key \n sha256hex(gunzipped digest) \n previousDigestSignature|null
// then every log file it lists must exist and hash (SHA-256 of the gunzipped bytes) to its
// hashValue. The walk follows previousDigestS3Object; a missing or invalid digest is reported and
// the walk resumes at the next older digest found in the listing, as the CLI does.
//
// Beyond the CLI (which cannot see an *added* file): digests in the listing that the chain never
// reaches, and log files inside the validated period that no digest lists and that delivery has
// not yet queued for the next digest, are reported INVALID too.
//
// Output lines use the CLI's wording ("Digest file\ts3://b/k\tvalid", "... INVALID: not found").

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "spine/trail_sink.h"

namespace rampart::spine {

struct ValidateTarget {
  std::string account_id, trail_name, home_region, bucket, key_prefix;
  int64_t start_ms = 0;
  int64_t end_ms = INT64_MAX;
  std::map<std::string, std::string> public_keys;  // fingerprint -> DER
  std::set<std::string> pending_log_keys;          // delivered, waiting for the next digest
  // The newest digest of each region as delivery recorded it (trusted: from the store). The walk
  // starts there, so deleting the newest digest file is caught too.
  std::map<std::string, std::string> latest_digest_keys;  // region -> key
};

// Fills pending_log_keys and latest_digest_keys from a "cloudtrail-delivery" document.
void ApplyDeliveryState(std::string_view delivery_doc, ValidateTarget& target);

struct ValidateReport {
  int valid_digests = 0, invalid_digests = 0, valid_logs = 0, invalid_logs = 0;
  std::vector<std::string> lines;  // one per file, in walk order
  bool ok() const { return invalid_digests == 0 && invalid_logs == 0; }
  std::string Summary() const;
};

ValidateReport ValidateTrailFiles(TrailSink& sink, const ValidateTarget& target);

// The CLI entry: reads the trail, its pending files and the public keys from the store in
// `data_dir` (opened with its root key), and the files from `<data_dir>/trails`.
// `bucket_override` replaces the trail's bucket (for a trail deleted since).
Result<ValidateReport> ValidateFromDataDir(const std::string& data_dir,
                                           const std::string& trail_arn, int64_t start_ms,
                                           int64_t end_ms, const std::string& bucket_override = "");

}  // namespace rampart::spine
