#pragma once
// S3 POST Object (browser-based uploads): the multipart/form-data body and its signed policy.
// Parsing and checking only; the gateway verifies the signature over the policy and stores the
// object as the signer (http/gateway.cc, HandlePostObject).
//
// Both parsers take untrusted bytes: fuzz/services_s3_post_fuzz.cc.

#include <boost/json.hpp>
#include <map>
#include <string>
#include <string_view>

#include "common/result.h"

namespace rampart::services::s3 {

struct PostForm {
  std::map<std::string, std::string> fields;  // by lower-case name (the first of a name wins)
  std::string file;                           // the "file" part's bytes
  std::string file_name;                      // its filename (for ${filename})
  bool has_file = false;
};

// Parses a multipart/form-data body (`content_type` carries the boundary). S3 reads the fields
// before the file and ignores anything after it. Errors: MalformedPOSTRequest as S3 words it;
// at most 100 fields, 20 KiB a field (the file excepted).
Result<PostForm> ParsePostForm(std::string_view content_type, std::string_view body);

// Checks a POST policy (the JSON the base64 "policy" field carries) against the form, as S3
// does: not expired (`now`), every condition met (exact matches, ["eq", "$f", v],
// ["starts-with", "$f", prefix], ["content-length-range", min, max]), every form field covered by
// a condition (except policy, x-amz-signature, file and x-ignore-*), and the bucket.
// AccessDenied with S3's "Invalid according to Policy: ..." messages, EntityTooLarge /
// EntityTooSmall for the length range, InvalidPolicyDocument for a malformed policy.
Status CheckPostPolicy(std::string_view policy_json, const PostForm& form, std::string_view bucket,
                       int64_t now_epoch_seconds);

}  // namespace rampart::services::s3
