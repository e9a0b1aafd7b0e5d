#pragma once
// Access control lists, for buckets whose Object Ownership is not BucketOwnerEnforced
// (BucketOwnerPreferred or ObjectWriter): canned ACLs, x-amz-grant-* headers and
// AccessControlPolicy bodies, stored with the bucket ("Acl") and each object ("Acl"), answered by
// Get{Bucket,Object}Acl, and enforced by turning each grant into a statement the authorizer
// evaluates with the bucket policy (acl grants are resource-based permissions, as AWS treats
// them: an account's grant still needs its users' IAM permission, AllUsers includes anonymous
// callers, AuthenticatedUsers every signed one). Block Public Access applies: BlockPublicAcls
// refuses a request that sets a public ACL, IgnorePublicAcls drops public grants from the
// evaluation.
//
// Stored form: {"Grants": [{"Grantee": {"Type": "CanonicalUser", "Account": id} |
//                                       {"Type": "Group", "URI": uri}, "Permission": p}]}

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "services/call.h"
#include "services/s3/s3.h"

namespace rampart::services::s3 {

inline constexpr std::string_view kAllUsers = "http://acs.amazonaws.com/groups/global/AllUsers";
inline constexpr std::string_view kAuthenticatedUsers =
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
inline constexpr std::string_view kLogDelivery = "http://acs.amazonaws.com/groups/s3/LogDelivery";

// "BucketOwnerEnforced" (the default), "BucketOwnerPreferred" or "ObjectWriter".
std::string_view OwnershipOf(const Bucket& b);
inline bool AclsEnabled(const Bucket& b) { return OwnershipOf(b) != "BucketOwnerEnforced"; }

// The ACL a request sets (ACL, Grant* members, or AccessControlPolicy), for a resource owned by
// `owner` in bucket `b` (`object`: an object's ACL, whose bucket-owner-* canned ACLs name the
// bucket owner); nullopt if it sets none. S3's errors: AccessControlListNotSupported when ACLs
// are disabled (anything but private / bucket-owner-full-control), both a canned ACL and grants,
// an unknown canned ACL or permission, a grantee no account here has, and AccessDenied when
// BlockPublicAcls refuses a public ACL.
Result<std::optional<json::object>> AclFromRequest(S3Service& s3, const Bucket& b,
                                                   const json::object& in, std::string_view owner,
                                                   bool object);
// Who owns a new object (Object Ownership): the bucket owner when ACLs are disabled, the writer
// with ObjectWriter, and with BucketOwnerPreferred the bucket owner if the writer gives it the
// object (bucket-owner-full-control), else the writer.
std::string NewObjectOwner(const Bucket& b, const Call& call, const json::object& in);
// The owner-only ACL (what "private" sets).
json::object PrivateAcl(std::string_view owner);
// Get{Bucket,Object}Acl's answer for a stored ACL (the owner's FULL_CONTROL when none is stored).
json::object AclOutput(const json::object* stored, std::string_view owner);
// Policy statements that grant what the ACL grants on `resource` (a bucket ARN, or an object
// ARN when `object`), leaving out public grants when `ignore_public`.
json::array AclStatements(const json::object& stored, std::string_view resource, bool object,
                          bool ignore_public);

}  // namespace rampart::services::s3
