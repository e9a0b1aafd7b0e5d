#pragma once
// Whether a bucket (or access-point) policy is "public" in the sense of S3 Block Public Access:
// what BlockPublicPolicy refuses on PutBucketPolicy, what RestrictPublicBuckets reacts to, and
// GetBucketPolicyStatus's IsPublic (S3 User Guide, access-control-block-public-access, "The
// meaning of public").
//
// Pure: no I/O, no globals; thread-safe.
//
// The rule as S3 states it: a policy starts as public; it is non-public only if every Allow
// statement grants access only to fixed values (no wildcard, no policy variable) of at least one
// of:
//   - a principal: account, user, role, role session, service principal or canonical user
//     (Principal, not NotPrincipal; "*" and Federated principals are public, the page's example
//     being {"Federated": "graph.facebook.com"});
//   - one of these condition keys, through an operator that requires the key to be present and
//     equal to one of the fixed values (StringEquals/StringEqualsIgnoreCase/StringLike/ArnEquals/
//     ArnLike with no wildcard in any value, optionally ForAnyValue:; never a negated operator,
//     ...IfExists, ForAllValues: or Null, which all let a request without the key through):
//       aws:PrincipalOrgID, aws:SourceArn, aws:SourceVpc, aws:SourceVpce, aws:SourceOwner,
//       aws:SourceAccount, s3:x-amz-server-side-encryption-aws-kms-key-id, aws:userid (a
//       "AROLEID:*" value has a wildcard, hence public), s3:DataAccessPointArn,
//       s3:DataAccessPointAccount;
//     aws:SourceIp through IpAddress (or ForAnyValue:IpAddress) with every CIDR no broader than
//     /8 (IPv4) or /32 (IPv6); a range inside an RFC 1918 private block is never public.
//   In a bucket policy, s3:DataAccessPointArn may have a wildcard in the access-point name when
//   the account is fixed ("arn:aws:s3:us-west-2:123456789012:accesspoint/*"); in an access-point
//   policy s3:DataAccessPointArn restricts nothing.
// Deny statements never make a policy public; one public Allow makes the whole policy public.

#include <string_view>

#include "common/result.h"
#include "policy/policy.h"

namespace rampart::services::s3 {

enum class PolicyHolder {
  kBucket,       // a bucket policy
  kAccessPoint,  // an access-point policy (s3:DataAccessPointArn grants count as public)
};

bool PolicyIsPublic(const policy::Policy& policy, PolicyHolder holder = PolicyHolder::kBucket);

// Parses `json` as a resource policy (policy::ParsePolicy, PolicyType::kResource) first; the
// parser's error (MalformedPolicyDocument ...) when it does not parse.
Result<bool> PolicyTextIsPublic(std::string_view json, PolicyHolder holder = PolicyHolder::kBucket);

}  // namespace rampart::services::s3
