// Block Public Access's "is this policy public": the S3 User Guide's examples
// (access-control-block-public-access) and the edges of each rule.
#include "services/s3/public_policy.h"

#include <gtest/gtest.h>

#include <string>

namespace rampart::services::s3 {
namespace {

// An Allow of s3:GetObject on a bucket's objects with the given Principal and Condition JSON
// (Condition omitted when empty).
std::string Allow(std::string_view principal, std::string_view condition = {}) {
  std::string s = R"({"Effect":"Allow","Principal":)" + std::string(principal) +
                  R"(,"Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*")";
  if (!condition.empty()) s += R"(,"Condition":)" + std::string(condition);
  return s + "}";
}

std::string Doc(std::initializer_list<std::string> statements) {
  std::string s = R"({"Version":"2012-10-17","Statement":[)";
  bool first = true;
  for (const auto& st : statements) {
    if (!first) s += ",";
    s += st;
    first = false;
  }
  return s + "]}";
}

bool Public(const std::string& json, PolicyHolder holder = PolicyHolder::kBucket) {
  auto r = PolicyTextIsPublic(json, holder);
  EXPECT_TRUE(r.ok()) << json << "\n" << (r.ok() ? "" : r.error().message);
  return r.ok() && *r;
}

// A Principal "*" statement restricted only by `condition`.
bool PublicWith(std::string_view condition) { return Public(Doc({Allow(R"("*")", condition)})); }

// ---------------- the User Guide's examples ----------------

TEST(PublicPolicy, DocExamples) {
  EXPECT_TRUE(Public(Doc({Allow(R"({"Federated":"graph.facebook.com"})")})));
  EXPECT_TRUE(Public(Doc({Allow(R"("*")")})));
  EXPECT_TRUE(PublicWith(R"({"StringLike":{"aws:SourceVpc":"vpc-*"}})"));
  EXPECT_FALSE(PublicWith(R"({"StringEquals":{"aws:SourceVpc":"vpc-91237329"}})"));
}

// CloudTrail service principal + another account + Principal "*": public because of the third.
TEST(PublicPolicy, OnePublicStatementMakesThePolicyPublic) {
  std::string service = Allow(
      R"({"Service":"cloudtrail.amazonaws.com"})",
      R"({"StringEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111122223333:trail/t"}})");
  std::string account = Allow(R"({"AWS":"arn:aws:iam::444455556666:root"})");
  EXPECT_FALSE(Public(Doc({service, account})));
  EXPECT_TRUE(Public(Doc({service, account, Allow(R"("*")")})));
}

// ---------------- principals ----------------

TEST(PublicPolicy, Principals) {
  EXPECT_FALSE(Public(Doc({Allow(R"({"AWS":"arn:aws:iam::111122223333:root"})")})));
  EXPECT_FALSE(Public(Doc({Allow(R"({"AWS":"111122223333"})")})));
  EXPECT_FALSE(Public(Doc({Allow(R"({"AWS":"arn:aws:iam::111122223333:role/reader"})")})));
  EXPECT_FALSE(Public(Doc({Allow(R"({"AWS":"arn:aws:iam::111122223333:user/alice"})")})));
  EXPECT_FALSE(Public(Doc({Allow(R"({"Service":"logging.s3.amazonaws.com"})")})));
  EXPECT_FALSE(Public(Doc({Allow(
      R"({"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"})")})));
  EXPECT_TRUE(Public(Doc({Allow(R"({"AWS":"*"})")})));
  // One "*" among specific principals.
  EXPECT_TRUE(Public(Doc({Allow(R"({"AWS":["111122223333","*"]})")})));
  EXPECT_TRUE(Public(Doc({Allow(R"({"Federated":"cognito-identity.amazonaws.com"})")})));
}

// Allow + NotPrincipal would grant everyone but a few; the policy parser refuses it outright (as
// AWS does), so it never reaches the check. Deny + NotPrincipal grants nothing.
TEST(PublicPolicy, NotPrincipal) {
  std::string allow =
      R"({"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},)"
      R"("Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"})";
  EXPECT_FALSE(PolicyTextIsPublic(Doc({allow})).ok());
  std::string deny = R"({"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},)"
                     R"("Action":"s3:*","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"})";
  EXPECT_FALSE(Public(Doc({deny, Allow(R"({"AWS":"111122223333"})")})));
}

TEST(PublicPolicy, DenyNeverPublic) {
  std::string deny = R"({"Effect":"Deny","Principal":"*","Action":"s3:*",)"
                     R"("Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*",)"
                     R"("Condition":{"Bool":{"aws:SecureTransport":"false"}}})";
  EXPECT_FALSE(Public(Doc({deny})));
  EXPECT_FALSE(Public(Doc({deny, Allow(R"({"AWS":"111122223333"})")})));
}

// ---------------- aws:SourceIp ----------------

TEST(PublicPolicy, SourceIp) {
  EXPECT_FALSE(PublicWith(R"({"IpAddress":{"aws:SourceIp":"10.0.0.0/24"}})"));
  EXPECT_FALSE(PublicWith(R"({"IpAddress":{"aws:SourceIp":"203.0.113.7"}})"));
  EXPECT_FALSE(PublicWith(R"({"IpAddress":{"aws:SourceIp":"12.0.0.0/8"}})"));
  EXPECT_TRUE(PublicWith(R"({"IpAddress":{"aws:SourceIp":"12.0.0.0/7"}})"));
  EXPECT_TRUE(PublicWith(R"({"IpAddress":{"aws:SourceIp":"0.0.0.0/1"}})"));
  EXPECT_TRUE(PublicWith(R"({"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}})"));
  // Every value must be narrow.
  EXPECT_TRUE(PublicWith(R"({"IpAddress":{"aws:SourceIp":["10.0.0.0/24","0.0.0.0/0"]}})"));
  // RFC 1918 blocks themselves.
  EXPECT_FALSE(PublicWith(
      R"({"IpAddress":{"aws:SourceIp":["10.0.0.0/8","172.16.0.0/12","192.168.0.0/16"]}})"));
  // IPv6: /32 or narrower.
  EXPECT_FALSE(PublicWith(R"({"IpAddress":{"aws:SourceIp":"2001:db8::/32"}})"));
  EXPECT_TRUE(PublicWith(R"({"IpAddress":{"aws:SourceIp":"2001:db8::/31"}})"));
  EXPECT_TRUE(PublicWith(R"({"IpAddress":{"aws:SourceIp":"::/0"}})"));
  // All of IPv4, written as IPv4-mapped IPv6.
  EXPECT_TRUE(PublicWith(R"({"IpAddress":{"aws:SourceIp":"::ffff:0.0.0.0/96"}})"));
  EXPECT_FALSE(PublicWith(R"({"IpAddress":{"aws:SourceIp":"::ffff:203.0.113.0/120"}})"));
  // Operators that let other addresses, or requests without the key, through.
  EXPECT_TRUE(PublicWith(R"({"NotIpAddress":{"aws:SourceIp":"10.0.0.0/24"}})"));
  EXPECT_TRUE(PublicWith(R"({"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/24"}})"));
}

// ---------------- other condition keys ----------------

TEST(PublicPolicy, ListedKeysWithFixedValues) {
  EXPECT_FALSE(PublicWith(R"({"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}})"));
  EXPECT_FALSE(PublicWith(
      R"({"ArnEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111122223333:trail/t"}})"));
  EXPECT_FALSE(PublicWith(R"({"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}})"));
  EXPECT_FALSE(PublicWith(R"({"StringEquals":{"aws:SourceOwner":"111122223333"}})"));
  EXPECT_FALSE(PublicWith(R"({"StringEquals":{"aws:SourceAccount":"111122223333"}})"));
  EXPECT_FALSE(PublicWith(
      R"({"StringEquals":{"s3:x-amz-server-side-encryption-aws-kms-key-id":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}})"));
  EXPECT_FALSE(PublicWith(R"({"StringEquals":{"aws:userid":"AIDAJQABLZS4A3QDU576Q"}})"));
  EXPECT_FALSE(PublicWith(R"({"StringEquals":{"s3:DataAccessPointAccount":"111122223333"}})"));
  // Keys are case-insensitive; StringLike without a wildcard is an equality.
  EXPECT_FALSE(PublicWith(R"({"StringLike":{"AWS:SOURCEVPC":"vpc-91237329"}})"));
  EXPECT_FALSE(PublicWith(R"({"StringEqualsIgnoreCase":{"aws:SourceVpc":"VPC-91237329"}})"));
  EXPECT_FALSE(PublicWith(R"({"ForAnyValue:StringEquals":{"aws:SourceVpc":"vpc-91237329"}})"));
  // One pinning clause is enough: clauses are ANDed.
  EXPECT_FALSE(PublicWith(
      R"({"StringLike":{"s3:prefix":"home/*"},"StringEquals":{"aws:SourceVpc":"vpc-1"}})"));
}

TEST(PublicPolicy, WildcardsAndVariablesArePublic) {
  EXPECT_TRUE(PublicWith(R"({"StringLike":{"aws:SourceArn":"*"}})"));
  EXPECT_TRUE(PublicWith(
      R"({"ArnLike":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111122223333:trail/*"}})"));
  EXPECT_TRUE(PublicWith(R"({"StringLike":{"aws:SourceAccount":"1111222233?3"}})"));
  EXPECT_TRUE(PublicWith(R"({"StringLike":{"aws:userid":"AROAEXAMPLEID:*"}})"));
  EXPECT_TRUE(PublicWith(R"({"StringEquals":{"aws:userid":"${aws:userid}"}})"));
  // One loose value among fixed ones.
  EXPECT_TRUE(PublicWith(R"({"StringLike":{"aws:SourceVpc":["vpc-1","vpc-*"]}})"));
}

TEST(PublicPolicy, OperatorsThatDoNotPin) {
  EXPECT_TRUE(PublicWith(R"({"StringNotEquals":{"aws:SourceVpc":"vpc-91237329"}})"));
  EXPECT_TRUE(PublicWith(R"({"StringEqualsIfExists":{"aws:SourceVpc":"vpc-91237329"}})"));
  EXPECT_TRUE(PublicWith(R"({"ForAllValues:StringEquals":{"aws:SourceVpc":"vpc-91237329"}})"));
  EXPECT_TRUE(PublicWith(R"({"Null":{"aws:SourceVpc":"false"}})"));
  EXPECT_TRUE(
      PublicWith(R"({"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:t"}})"));
}

TEST(PublicPolicy, UnlistedKeysDoNotRestrict) {
  EXPECT_TRUE(PublicWith(R"({"StringEquals":{"s3:prefix":"home/"}})"));
  EXPECT_TRUE(PublicWith(R"({"Bool":{"aws:SecureTransport":"true"}})"));
  EXPECT_TRUE(PublicWith(R"({"StringEquals":{"aws:Referer":"https://example.com/"}})"));
}

TEST(PublicPolicy, DataAccessPointArn) {
  const std::string any_ap_of_account =
      R"({"ArnLike":{"s3:DataAccessPointArn":"arn:aws:s3:us-west-2:123456789012:accesspoint/*"}})";
  // Bucket policy: a wildcard access-point name is fine while the account is fixed.
  EXPECT_FALSE(PublicWith(any_ap_of_account));
  EXPECT_FALSE(PublicWith(
      R"({"StringLike":{"s3:DataAccessPointArn":"arn:aws:s3:*:123456789012:accesspoint/*"}})"));
  EXPECT_TRUE(PublicWith(
      R"({"StringLike":{"s3:DataAccessPointArn":"arn:aws:s3:us-west-2:*:accesspoint/*"}})"));
  EXPECT_TRUE(PublicWith(R"({"StringLike":{"s3:DataAccessPointArn":"*"}})"));
  // Access-point policy: granting through s3:DataAccessPointArn is public.
  EXPECT_TRUE(Public(Doc({Allow(R"("*")", any_ap_of_account)}), PolicyHolder::kAccessPoint));
  EXPECT_TRUE(Public(
      Doc({Allow(
          R"("*")",
          R"({"StringEquals":{"s3:DataAccessPointArn":"arn:aws:s3:us-west-2:123456789012:accesspoint/ap"}})")}),
      PolicyHolder::kAccessPoint));
  // Other keys still count in access-point policies.
  EXPECT_FALSE(Public(Doc({Allow(R"("*")", R"({"StringEquals":{"aws:SourceVpc":"vpc-1"}})")}),
                      PolicyHolder::kAccessPoint));
}

TEST(PublicPolicy, UnparsableText) {
  auto r = PolicyTextIsPublic("{not json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "MalformedPolicyDocument");
}

}  // namespace
}  // namespace rampart::services::s3
