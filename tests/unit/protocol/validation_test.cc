// ValidateInput: AWS's message form for required, length, range, enum and pattern constraints,
// per protocol error code, counted and joined the way AWS joins them.
#include <gtest/gtest.h>

#include "protocol_test_util.h"

namespace rampart::protocol {
namespace {

using namespace testutil;  // NOLINT(google-build-using-namespace): test file

Error MustFail(const OwnedRequest& req, std::string_view scope, std::string_view step) {
  Pipeline p = RunPipeline(req, scope);
  EXPECT_TRUE(p.error) << "expected a failure in " << step;
  if (!p.error) return {};
  EXPECT_EQ(p.failed_step, step) << p.error->code << ": " << p.error->message;
  return *p.error;
}

TEST(Validation, MissingRequiredQueryMember) {
  Error e = MustFail(Query("Action=CreateUser&Version=2010-05-08"), "iam", "validate");
  EXPECT_EQ(e.code, "ValidationError");
  EXPECT_EQ(e.http_status, 400);
  EXPECT_TRUE(e.sender_fault);
  EXPECT_EQ(e.message,
            "1 validation error detected: Value null at 'userName' failed to satisfy constraint: "
            "Member must not be null");
}

TEST(Validation, TwoErrorsAreCountedAndJoinedInModelOrder) {
  std::string long_name(65, 'a');
  Error e = MustFail(Query("Action=CreateUser&Version=2010-05-08&Path=noslash&UserName=" +
                           long_name),
                     "iam", "validate");
  EXPECT_EQ(e.code, "ValidationError");
  // IAM leaves the value out (its responses recorded in 2026 by LocalStack's AWS-validated
  // snapshot tests); other services show it (below).
  EXPECT_EQ(e.message,
            "2 validation errors detected: Value at 'path' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: "
            "(\\u002F)|(\\u002F[\\u0021-\\u007F]+\\u002F); Value at 'userName' failed to "
            "satisfy constraint: Member must have length less than or equal to 64");
  Error kms = MustFail(Json("TrentService.GenerateRandom", R"({"NumberOfBytes":2000})"), "kms",
                       "validate");
  EXPECT_EQ(kms.message,
            "1 validation error detected: Value '2000' at 'numberOfBytes' failed to satisfy "
            "constraint: Member must have value less than or equal to 1024");
}

TEST(Validation, NestedListMemberPath) {
  Error e = MustFail(Query("Action=CreateUser&Version=2010-05-08&UserName=bob&"
                           "Tags.member.1.Key=a&Tags.member.1.Value=1&Tags.member.2.Key=b"),
                     "iam", "validate");
  EXPECT_EQ(e.message,
            "1 validation error detected: Value null at 'tags.2.member.value' failed to satisfy "
            "constraint: Member must not be null");
}

// A list of scalars is reported once, under the list's name, with all its members' constraints
// (IAM's recorded answer to UntagUser with a 129-character tag key, 2026).
TEST(Validation, ListOfScalarsIsReportedOnceWithEveryMemberConstraint) {
  Error e = MustFail(Query("Action=UntagUser&Version=2010-05-08&UserName=bob&TagKeys.member.1=ok&"
                           "TagKeys.member.2=" + std::string(129, 'k')),
                     "iam", "validate");
  EXPECT_EQ(e.message,
            "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: "
            "Member must satisfy constraint: [Member must have length less than or equal to 128, "
            "Member must have length greater than or equal to 1, Member must satisfy regular "
            "expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+, Member must not be null]");
}

TEST(Validation, JsonRequiredMembersUseValidationException) {
  Error e = MustFail(Json("TrentService.Encrypt", "{}"), "kms", "validate");
  EXPECT_EQ(e.code, "ValidationException");
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.message,
            "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: "
            "Member must not be null; Value null at 'plaintext' failed to satisfy constraint: "
            "Member must not be null");
}

TEST(Validation, EnumValueSet) {
  Error e = MustFail(Json("TrentService.Encrypt",
                          R"({"KeyId":"k","Plaintext":"eA==","EncryptionAlgorithm":"ROT13"})"),
                     "kms", "validate");
  EXPECT_EQ(e.code, "ValidationException");
  EXPECT_TRUE(e.message.starts_with(
      "1 validation error detected: Value 'ROT13' at 'encryptionAlgorithm' failed to satisfy "
      "constraint: Member must satisfy enum value set: [SYMMETRIC_DEFAULT"))
      << e.message;
  EXPECT_TRUE(e.message.ends_with("]")) << e.message;
}

TEST(Validation, NumericRange) {
  Error e = MustFail(Json("Logs_20140328.FilterLogEvents", R"({"logGroupName":"g","limit":0})"),
                     "logs", "validate");
  EXPECT_EQ(e.message,
            "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1");
}

TEST(Validation, QueryIntegerRange) {
  Error e = MustFail(Query("Action=ListUsers&Version=2010-05-08&MaxItems=1001"), "iam",
                     "validate");
  EXPECT_EQ(e.message,
            "1 validation error detected: Value at 'maxItems' failed to satisfy "
            "constraint: Member must have value less than or equal to 1000");
}

TEST(Validation, SensitiveValuesAreNotEchoed) {
  // KMS Plaintext is sensitive and at most 4096 bytes.
  std::string big(8000, 'A');  // 6000 bytes once decoded
  Error e = MustFail(Json("TrentService.Encrypt",
                          R"({"KeyId":"k","Plaintext":")" + big + R"("})"),
                     "kms", "validate");
  EXPECT_NE(e.message.find("at 'plaintext'"), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find("AAAA"), std::string::npos) << "sensitive value leaked";
}

TEST(Validation, S3HasNoValidationException) {
  // S3 (the one rest-xml service served) checks its own inputs with its own errors (a missing
  // Tagging payload is the handler's MalformedXML): the model's constraints are not applied.
  OwnedRequest req = Rest("PUT", "/my-bucket", "tagging");
  Pipeline p = RunPipeline(req, "s3");
  EXPECT_FALSE(p.error) << p.error->code << ": " << p.error->message;
}

TEST(Validation, CloudWatchOverJsonUsesQueryCodes) {
  OwnedRequest req = Json("GraniteServiceVersion20100801.PutMetricData", "{}", "1.0");
  Pipeline p = RunPipeline(req, "monitoring");
  ASSERT_TRUE(p.error);
  EXPECT_TRUE(p.exchange.query_compatible);
  EXPECT_EQ(p.error->code, "ValidationError");
  WireResponse r = EncodeError(p.exchange, *p.error, "rid");
  EXPECT_EQ(FindHeader(r.headers, "x-amzn-query-error"), "ValidationError;Sender");
}

TEST(Validation, ValidInputPasses) {
  Pipeline p = RunPipeline(Query("Action=CreateUser&Version=2010-05-08&UserName=bob&Path=/a/"),
                           "iam");
  EXPECT_FALSE(p.error) << p.error->message;
  EXPECT_EQ(p.input, json::parse(R"({"Path":"/a/","UserName":"bob"})"));
}

TEST(Validation, OperationWithoutInputIsAlwaysValid) {
  Pipeline p = RunPipeline(Query("Action=GetCallerIdentity&Version=2011-06-15"), "sts");
  EXPECT_FALSE(p.error);
  EXPECT_EQ(p.input, json::object());
}

}  // namespace
}  // namespace rampart::protocol
