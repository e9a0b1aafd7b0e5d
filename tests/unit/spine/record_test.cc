// BuildEvent keeps a call's facts; store::EventJson renders AWS's JSON from them. Every string must
// come back unchanged through a real JSON parser, whatever bytes a client put in it.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <limits>
#include <string>

#include "spine/record.h"
#include "store/event_json.h"

namespace rampart::spine {
namespace {

// The record the gateway appends, as the store reads it back.
store::EventRecord BuildRecord(const CallFacts& f) {
  RecordBuffers buffers;
  return store::ToRecord(BuildEvent(f, buffers));
}

boost::json::value Render(const CallFacts& f) {
  store::EventRecord r = BuildRecord(f);
  EXPECT_TRUE(r.json.empty());
  EXPECT_FALSE(r.facts.empty());
  std::string text = store::EventJson(r);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  EXPECT_FALSE(ec) << text;
  return ec ? boost::json::value() : v;
}

CallFacts Basic() {
  CallFacts f;
  f.request_id = "req-1";
  f.event_id = "ev-1";
  f.event_time_ms = 1700000000123;
  f.region = "us-east-1";
  f.source_ip = "127.0.0.1";
  f.account_id = "000000000000";
  return f;
}

std::string UserAgentRoundTrip(const std::string& ua) {
  CallFacts f = Basic();
  f.user_agent = ua;
  boost::json::value v = Render(f);
  if (!v.is_object()) return "<unparsable>";
  return std::string(v.at("userAgent").as_string());
}

TEST(RecordTest, QuotedStringsRoundTripEveryByteClass) {
  const std::string cases[] = {
      "",
      "aws-cli/2.9.19 Python/3.11.2 Linux/6.1.0 botocore/2.4.5",  // long plain runs
      "a\"b\\c",
      std::string("ctl\x01\x1f\t\n\r end", 14),
      "12345678\"",          // the escape right after an 8-byte block
      "\\1234567",           // at the start of a block
      "1234567\\",           // at its end
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92 with more text after it",
      std::string(1000, 'x') + "\"" + std::string(7, '\x7f') + "\\",
  };
  for (const std::string& ua : cases) EXPECT_EQ(UserAgentRoundTrip(ua), ua);
  // Every single byte below 0x80 at every offset in a 17-byte string.
  for (int c = 0; c < 0x80; ++c) {
    for (int at = 0; at < 17; ++at) {
      std::string ua(17, 'q');
      ua[at] = static_cast<char>(c);
      ASSERT_EQ(UserAgentRoundTrip(ua), ua) << "byte " << c << " at " << at;
    }
  }
}

TEST(RecordTest, LongUserAgentIsCutAtACharacterBoundary) {
  std::string ua = std::string(1023, 'a') + "\xc3\xa9" + "tail";
  std::string got = UserAgentRoundTrip(ua);
  EXPECT_EQ(got, std::string(1023, 'a'));
}

TEST(RecordTest, AssumedRoleSessionAndErrorRender) {
  CallFacts f = Basic();
  services::Principal p;
  p.type = services::Principal::Type::kAssumedRole;
  p.account_id = "111122223333";
  p.arn = "arn:aws:sts::111122223333:assumed-role/Ops/s1";
  p.user_id = "AROAEXAMPLE:s1";
  p.access_key_id = "ASIAEXAMPLE";
  auto s = std::make_shared<services::SessionInfo>();
  s->role_id = "AROAEXAMPLE";
  s->role_arn = "arn:aws:iam::111122223333:role/Ops";
  s->role_name = "Ops";
  s->session_name = "s1";
  s->issued_epoch = 1700000000;
  s->mfa_auth_epoch = 1700000000;
  s->source_identity = "alice";
  p.session = s;
  f.principal = &p;
  Error err{"AccessDenied", "not \"allowed\"", 403, true};
  f.error = &err;
  f.tls = true;
  f.tls_version = "TLSv1.3";
  f.tls_cipher = "TLS_AES_128_GCM_SHA256";
  f.host_header = "localhost:4566";
  store::EventRecord r = BuildRecord(f);
  EXPECT_EQ(r.username, "s1");
  EXPECT_EQ(r.error_code, "AccessDenied");
  boost::json::value v = Render(f);
  const auto& ui = v.at("userIdentity").as_object();
  EXPECT_EQ(ui.at("type").as_string(), "AssumedRole");
  EXPECT_EQ(ui.at("arn").as_string(), p.arn);
  const auto& ctx = ui.at("sessionContext").as_object();
  EXPECT_EQ(ctx.at("sessionIssuer").at("arn").as_string(), s->role_arn);
  EXPECT_EQ(ctx.at("sessionIssuer").at("userName").as_string(), "Ops");
  EXPECT_EQ(ctx.at("attributes").at("mfaAuthenticated").as_string(), "true");
  EXPECT_EQ(ctx.at("attributes").at("creationDate").as_string(), "2023-11-14T22:13:20Z");
  EXPECT_EQ(ctx.at("sourceIdentity").as_string(), "alice");
  EXPECT_EQ(v.at("errorCode").as_string(), "AccessDenied");
  EXPECT_EQ(v.at("errorMessage").as_string(), "not \"allowed\"");
  EXPECT_EQ(v.at("eventTime").as_string(), "2023-11-14T22:13:20Z");
  EXPECT_EQ(v.at("requestID").as_string(), "req-1");
  EXPECT_EQ(v.at("eventID").as_string(), "ev-1");
  EXPECT_TRUE(v.at("requestParameters").is_null());
  EXPECT_EQ(v.at("tlsDetails").at("clientProvidedHostHeader").as_string(), "localhost:4566");
}

TEST(RecordTest, CorruptFactsRenderNothingRatherThanGarbage) {
  store::EventRecord r = BuildRecord(Basic());
  for (size_t cut = 0; cut < r.facts.size(); ++cut) {
    store::EventRecord t = r;
    t.facts.resize(cut);
    std::string text = store::EventJson(t);
    if (cut == 0) continue;  // no facts and no json: ""
    EXPECT_EQ(text, "") << cut;
  }
}

}  // namespace
}  // namespace rampart::spine

namespace rampart::spine {
namespace {

// A metric value of NaN or an infinity (the JSON and query protocols accept them) must leave a
// record that is still JSON.
TEST(RecordTest, NonFiniteDoublesRenderAsStrings) {
  const model::Service* svc = model::FindService("cloudwatch");
  ASSERT_NE(svc, nullptr);
  const model::Operation* op = svc->FindOperation("PutMetricData");
  ASSERT_NE(op, nullptr);
  boost::json::value doc = boost::json::parse(
      R"({"Namespace":"ns","MetricData":[{"MetricName":"m","Value":0.5},{"MetricName":"n"}]})");
  auto& data = doc.at("MetricData").as_array();
  data[0].as_object()["Value"] = std::numeric_limits<double>::quiet_NaN();
  data[1].as_object()["Value"] = -std::numeric_limits<double>::infinity();
  std::string text = boost::json::serialize(TrailView(*svc, op->input, doc));
  boost::system::error_code ec;
  boost::json::value back = boost::json::parse(text, ec);
  ASSERT_FALSE(ec) << text;
  EXPECT_EQ(back.at("metricData").at(0).at("value"), "NaN");
  EXPECT_EQ(back.at("metricData").at(1).at("value"), "-Infinity");
}

}  // namespace
}  // namespace rampart::spine

namespace rampart::spine {
namespace {

const model::Service& Svc(std::string_view id) {
  const model::Service* svc = model::FindService(id);
  EXPECT_NE(svc, nullptr);
  return *svc;
}

// The record of a successful call of `op` with `input` and `output`, as JSON.
boost::json::value RecordOf(std::string_view service, std::string_view op, const char* input,
                            const char* output, const services::RecordNotes* notes = nullptr) {
  const model::Service& svc = Svc(service);
  const model::Operation* o = svc.FindOperation(op);
  EXPECT_NE(o, nullptr);
  boost::json::value in = boost::json::parse(input), out = boost::json::parse(output);
  services::Principal p;
  p.type = services::Principal::Type::kRoot;
  p.account_id = p.user_id = "111122223333";
  p.arn = "arn:aws:iam::111122223333:root";
  CallFacts f = Basic();
  f.principal = &p;
  f.service = &svc;
  f.operation = o;
  f.input = &in;
  f.output = &out;
  f.notes = notes;
  return Render(f);
}

TEST(RecordRulesTest, KmsEncryptLogsTheDefaultAlgorithmAndNoBytes) {
  services::RecordNotes notes;
  notes.AddResource("AWS::KMS::Key", "arn:aws:kms:us-east-1:444455556666:key/k1");
  notes.additional["keyMaterialId"] = std::string(64, 'a');
  auto v = RecordOf("kms", "Encrypt", R"({"KeyId":"alias/a","Plaintext":"c2VjcmV0","GrantTokens":["t"]})",
                    R"({"CiphertextBlob":"YmxvYg==","KeyId":"arn:aws:kms:us-east-1:444455556666:key/k1"})",
                    &notes);
  EXPECT_EQ(v.at("eventVersion"), "1.11");
  EXPECT_EQ(boost::json::serialize(v.at("requestParameters")),
            R"({"keyId":"alias/a","encryptionAlgorithm":"SYMMETRIC_DEFAULT"})");
  EXPECT_TRUE(v.at("responseElements").is_null());  // read-only
  EXPECT_EQ(v.at("additionalEventData").at("keyMaterialId").as_string().size(), 64u);
  const auto& res = v.at("resources").as_array();
  ASSERT_EQ(res.size(), 1u);
  EXPECT_EQ(res[0].at("accountId"), "444455556666");  // the key's account, from its ARN
  EXPECT_EQ(res[0].at("type"), "AWS::KMS::Key");
}

TEST(RecordRulesTest, KmsManagementEchoesTheKeyArnAndKeepsNoGrantToken) {
  services::RecordNotes notes;
  notes.AddResource("AWS::KMS::Key", "arn:aws:kms:us-east-1:111122223333:key/k1");
  auto v = RecordOf("kms", "CreateGrant",
                    R"({"KeyId":"k1","GranteePrincipal":"arn:aws:iam::111122223333:user/u","Operations":["Encrypt"]})",
                    R"({"GrantToken":"tok","GrantId":"g1"})", &notes);
  EXPECT_EQ(boost::json::serialize(v.at("responseElements")),
            R"({"grantId":"g1","keyId":"arn:aws:kms:us-east-1:111122223333:key/k1"})");
  auto keyless = RecordOf("kms", "GenerateRandom", R"({"NumberOfBytes":8})", R"({"Plaintext":"AAAA"})");
  EXPECT_TRUE(keyless.at("resources").as_array().empty());  // KMS records always list
}

TEST(RecordRulesTest, NamesDatesAndSecretsAsAwsWritesThem) {
  auto v = RecordOf("iam", "CreateAccessKey", R"({"UserName":"bob"})",
                    R"({"AccessKey":{"UserName":"bob","AccessKeyId":"AKIAEXAMPLE","Status":"Active",
                        "SecretAccessKey":"s3cr3t","CreateDate":1689801909}})");
  std::string text = boost::json::serialize(v);
  EXPECT_EQ(text.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(v.at("responseElements").at("accessKey").at("createDate"), "Jul 19, 2023 9:25:09 PM");
  EXPECT_FALSE(v.as_object().contains("resources"));  // IAM records list none
  auto lp = RecordOf("iam", "CreateLoginProfile", R"({"UserName":"bob","Password":"pw"})",
                     R"({"LoginProfile":{"UserName":"bob","CreateDate":1689801909}})");
  EXPECT_EQ(lp.at("requestParameters").at("password"), "HIDDEN_DUE_TO_SECURITY_REASONS");
  auto key = RecordOf("kms", "CreateKey", R"({})",
                      R"({"KeyMetadata":{"AWSAccountId":"111122223333","KeyId":"k","CreationDate":1660171107}})");
  EXPECT_EQ(key.at("responseElements").at("keyMetadata").at("aWSAccountId"), "111122223333");
  EXPECT_EQ(key.at("responseElements").at("keyMetadata").at("creationDate"),
            "Aug 10, 2022, 10:38:27 PM");
}

TEST(RecordRulesTest, RoleAssumptionsLogTheirResponseWithoutTheSecret) {
  auto v = RecordOf("sts", "AssumeRole",
                    R"({"RoleArn":"arn:aws:iam::111122223333:role/r","RoleSessionName":"s"})",
                    R"({"Credentials":{"AccessKeyId":"ASIA","SecretAccessKey":"s3cr3t",
                        "SessionToken":"tok","Expiration":1739402208},
                        "AssumedRoleUser":{"AssumedRoleId":"AROA:s","Arn":"arn:aws:sts::111122223333:assumed-role/r/s"}})");
  EXPECT_EQ(v.at("readOnly"), true);
  EXPECT_EQ(boost::json::serialize(v.at("responseElements").at("credentials")),
            R"({"accessKeyId":"ASIA","sessionToken":"tok","expiration":"Feb 12, 2025, 11:16:48 PM"})");
  EXPECT_EQ(v.at("additionalEventData").at("RequestDetails").at("endpointType"), "regional");
  EXPECT_EQ(v.at("resources").at(0).at("ARN"), "arn:aws:iam::111122223333:role/r");
  EXPECT_EQ(v.at("resources").at(0).at("type"), "AWS::IAM::Role");
}

TEST(RecordRulesTest, HandlerIdentityAndAdditionalDataSurviveTheFactsBlob) {
  services::RecordNotes notes;
  notes.identity = {{"type", "SAMLUser"}, {"principalId", "q:sub"}, {"userName", "sub"},
                    {"identityProvider", "q"}};
  notes.request["sAMLAssertionID"] = "_a1";
  auto v = RecordOf("sts", "AssumeRoleWithSAML",
                    R"({"RoleArn":"arn:aws:iam::111122223333:role/r",
                        "PrincipalArn":"arn:aws:iam::111122223333:saml-provider/p","SAMLAssertion":"PHNhbWw+"})",
                    R"({})", &notes);
  EXPECT_EQ(v.at("userIdentity").at("type"), "SAMLUser");
  EXPECT_EQ(v.at("requestParameters").at("sAMLAssertionID"), "_a1");
  EXPECT_FALSE(v.at("requestParameters").as_object().contains("sAMLAssertion"));
  ASSERT_EQ(v.at("resources").as_array().size(), 2u);
  EXPECT_EQ(v.at("resources").at(1).at("type"), "AWS::IAM::SAMLProvider");
}

}  // namespace
}  // namespace rampart::spine
