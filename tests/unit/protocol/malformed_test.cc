// Hostile and broken input: unknown operations, bad form encoding, bad JSON and XML, wrong
// types, oversized and deeply nested documents. Every case must end in a 4xx AWS error with the
// protocol's code, never a crash or a 5xx.
#include <gtest/gtest.h>

#include "protocol_test_util.h"

namespace rampart::protocol {
namespace {

using namespace testutil;  // NOLINT(google-build-using-namespace): test file

struct Expect {
  std::string step;  // route / resolve / decode / validate
  std::string code;
  int status = 400;
};

void ExpectFailure(const OwnedRequest& req, std::string_view scope, const Expect& want) {
  Pipeline p = RunPipeline(req, scope);
  ASSERT_TRUE(p.error) << "expected " << want.code << ", decoded " << json::serialize(p.input);
  EXPECT_EQ(p.failed_step, want.step) << p.error->code << ": " << p.error->message;
  EXPECT_EQ(p.error->code, want.code) << p.error->message;
  EXPECT_EQ(p.error->http_status, want.status) << p.error->message;
  EXPECT_FALSE(p.error->message.empty());
  // The error must encode in the request's protocol.
  WireResponse r = EncodeError(p.exchange, *p.error, "rid-1");
  EXPECT_EQ(r.status, want.status);
  EXPECT_NE(r.body.find(want.code), std::string::npos) << r.body;
}

// --- unknown operations -------------------------------------------------------------------------

TEST(Malformed, QueryUnknownActionIsInvalidAction) {
  ExpectFailure(Query("Action=StealEverything&Version=2010-05-08"), "iam",
                {"resolve", "InvalidAction"});
  Pipeline p = RunPipeline(Query("Action=StealEverything&Version=2010-05-08"), "iam");
  EXPECT_EQ(p.error->message, "Could not find operation StealEverything for version 2010-05-08");
}

TEST(Malformed, QueryMissingAction) {
  ExpectFailure(Query("Version=2010-05-08&UserName=bob"), "iam", {"resolve", "MissingAction"});
}

TEST(Malformed, JsonUnknownTargetIsUnknownOperationException) {
  ExpectFailure(Json("TrentService.StealKeys", "{}"), "kms",
                {"resolve", "UnknownOperationException"});
}

TEST(Malformed, JsonMissingTarget) {
  OwnedRequest r = Json("", "{}");
  r.headers.erase(r.headers.begin());
  ExpectFailure(r, "kms", {"resolve", "UnknownOperationException"});
}

TEST(Malformed, CloudWatchJsonUnknownOperation) {
  ExpectFailure(Json("GraniteServiceVersion20100801.Nope", "{}", "1.0"), "monitoring",
                {"resolve", "UnknownOperationException"});
}

TEST(Malformed, RestJsonUnknownRoute) {
  ExpectFailure(Rest("GET", "/no/such/route"), "guardduty",
                {"resolve", "UnknownOperationException", 404});
}

TEST(Malformed, RestXmlUnknownMethod) {
  ExpectFailure(Rest("PATCH", "/my-bucket"), "s3", {"resolve", "MethodNotAllowed", 405});
}

TEST(Malformed, UnknownScopeRoutesNowhere) {
  EXPECT_EQ(RouteService(Query("Action=ListUsers").View(), "ec2"), nullptr);
}

TEST(Malformed, UnsignedActionOfNoServiceRoutesNowhere) {
  EXPECT_EQ(RouteService(Query("Action=RunInstances&Version=2016-11-15").View(), ""), nullptr);
}

// --- form encoding ------------------------------------------------------------------------------

TEST(Malformed, BadPercentEscapeInBody) {
  ExpectFailure(Query("Action=CreateUser&Version=2010-05-08&UserName=%zz"), "iam",
                {"resolve", "MalformedQueryString"});
}

TEST(Malformed, BadPercentEscapeInUrl) {
  ExpectFailure(Query("", "Action=ListUsers&Version=2010-05-08&Marker=%4"), "iam",
                {"resolve", "MalformedQueryString"});
}

TEST(Malformed, QueryWrongScalarType) {
  ExpectFailure(Query("Action=ListUsers&Version=2010-05-08&MaxItems=ten"), "iam",
                {"decode", "ValidationError"});
  ExpectFailure(Query("Action=ListUsers&Version=2010-05-08&MaxItems=99999999999"), "iam",
                {"decode", "ValidationError"});
  ExpectFailure(Query("Action=GetMetricStatistics&Version=2010-08-01&Namespace=A&MetricName=m&"
                      "StartTime=yesterday&EndTime=2024-01-01T00:00:00Z&Period=60"),
                "monitoring", {"decode", "ValidationError"});
}

TEST(Malformed, QueryStructureWhereScalarExpected) {
  ExpectFailure(Query("Action=CreateUser&Version=2010-05-08&UserName.member.1=bob"), "iam",
                {"decode", "ValidationError"});
}

TEST(Malformed, QueryMapEntryWithoutKey) {
  ExpectFailure(Query("Action=CreateTopic&Version=2010-03-31&Name=t&Attributes.entry.1.value=1"),
                "sns", {"decode", "ValidationError"});
}

TEST(Malformed, QueryBadBase64Blob) {
  ExpectFailure(Query("Action=Publish&Version=2010-03-31&Message=m&TopicArn=t&"
                      "MessageAttributes.entry.1.Name=n&"
                      "MessageAttributes.entry.1.Value.DataType=Binary&"
                      "MessageAttributes.entry.1.Value.BinaryValue=%21%21%21"),
                "sns", {"decode", "ValidationError"});
}

TEST(Malformed, QueryEmptyListIsEmpty) {
  // botocore sends an empty list as "Name=" (validation then rejects it here: min length 1).
  OwnedRequest req = Query("Action=GetMetricStatistics&Version=2010-08-01&Namespace=A&"
                           "MetricName=m&StartTime=2024-01-01T00:00:00Z&"
                           "EndTime=2024-01-01T01:00:00Z&Period=60&Statistics=");
  const model::Service* svc = RouteService(req.View(), "monitoring");
  ASSERT_NE(svc, nullptr);
  Resolved r = ResolveOperation(*svc, req.View());
  ASSERT_TRUE(r.status.ok());
  auto doc = DecodeInput(r.exchange, req.View());
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_EQ(doc->at("Statistics"), json::array());
}

TEST(Malformed, QueryHugeListIsBounded) {
  std::string body = "Action=CreateUser&Version=2010-05-08&UserName=bob";
  for (int i = 1; i <= 12000; ++i) {
    body += "&Tags.member." + std::to_string(i) + ".Key=k&Tags.member." + std::to_string(i) +
            ".Value=v";
  }
  ExpectFailure(Query(body), "iam", {"validate", "ValidationError"});
}

// --- JSON ---------------------------------------------------------------------------------------

TEST(Malformed, JsonSyntaxErrors) {
  for (std::string body : {"{", "{\"KeyId\":}", "[1,2", "nul", "{\"a\":1}}", "\xff\xfe{}"}) {
    SCOPED_TRACE(body);
    ExpectFailure(Json("TrentService.ListKeys", body), "kms", {"decode", "SerializationException"});
  }
}

TEST(Malformed, JsonBodyNotAnObject) {
  for (std::string body : {"[]", "1", "\"s\"", "null", "true"}) {
    SCOPED_TRACE(body);
    ExpectFailure(Json("TrentService.ListKeys", body), "kms", {"decode", "SerializationException"});
  }
}

TEST(Malformed, JsonWrongTypes) {
  const char* cases[] = {
      R"({"Limit":"5"})",            // string for integer
      R"({"Limit":1.5})",            // fraction for integer
      R"({"Limit":3000000000})",     // beyond int32
      R"({"Limit":1e300})",          // beyond int64
      R"({"Limit":-1e300})",
      R"({"Marker":5})",             // number for string
      R"({"Marker":{"a":1}})",       // object for string
      R"({"Marker":["a"]})",         // array for string
  };
  for (const char* body : cases) {
    SCOPED_TRACE(body);
    ExpectFailure(Json("TrentService.ListKeys", body), "kms", {"decode", "SerializationException"});
  }
  ExpectFailure(Json("TrentService.Encrypt", R"({"KeyId":"k","Plaintext":"not base64!"})"), "kms",
                {"decode", "SerializationException"});
  ExpectFailure(Json("TrentService.Encrypt", R"({"KeyId":"k","Plaintext":"eA==","GrantTokens":"g"})"),
                "kms", {"decode", "SerializationException"});
  ExpectFailure(Json("TrentService.Encrypt",
                     R"({"KeyId":"k","Plaintext":"eA==","EncryptionContext":{"a":1}})"),
                "kms", {"decode", "SerializationException"});
  ExpectFailure(Json("TrentService.Encrypt", R"({"KeyId":"k","Plaintext":"eA==","EncryptionAlgorithm":5})"),
                "kms", {"decode", "SerializationException"});
}

TEST(Malformed, JsonUnknownMembersAndNullsAreIgnored) {
  Pipeline p = RunPipeline(Json("TrentService.ListKeys", R"({"Limit":null,"Bogus":[1,2,{}]})"),
                           "kms");
  ASSERT_FALSE(p.error) << p.error->message;
  EXPECT_EQ(p.input, json::object());
}

TEST(Malformed, JsonDeepNestingIsRefused) {
  std::string deep(100000, '[');
  ExpectFailure(Json("TrentService.ListKeys", "{\"Limit\":" + deep), "kms",
                {"decode", "SerializationException"});
  std::string objs;
  for (int i = 0; i < 5000; ++i) objs += "{\"a\":";
  ExpectFailure(Json("TrentService.ListKeys", objs), "kms", {"decode", "SerializationException"});
}

TEST(Malformed, RestJsonDeepNestingIsRefused) {
  std::string deep(100000, '[');
  ExpectFailure(Rest("POST", "/detector", "", "{\"Tags\":" + deep), "guardduty",
                {"decode", "SerializationException"});
}

TEST(Malformed, RestJsonBadBodies) {
  for (std::string body : {"{", "[]", R"({"enable":"yes"})", "null", R"({"enable":true,"tags":[]})"}) {
    SCOPED_TRACE(body);
    ExpectFailure(Rest("POST", "/detector", "", body), "guardduty",
                  {"decode", "SerializationException"});
  }
}

TEST(Malformed, RestJsonBadLabelAndQuery) {
  ExpectFailure(Rest("GET", "/jobs/%zz"), "macie2", {"decode", "SerializationException"});
  ExpectFailure(Rest("GET", "/resource-profiles", "resourceArn=%G0"), "macie2",
                {"decode", "SerializationException"});
  ExpectFailure(Rest("GET", "/findings/statistics"), "macie2",
                {"resolve", "UnknownOperationException", 404});
}

TEST(Malformed, RestJsonWrongQueryType) {
  // GuardDuty ListDetectors: maxResults is an integer in the query string.
  ExpectFailure(Rest("GET", "/detector", "maxResults=many"), "guardduty",
                {"decode", "ValidationException"});
}

// --- XML ----------------------------------------------------------------------------------------

const char* kTaggingPath = "/my-bucket";

TEST(Malformed, XmlSyntaxErrors) {
  for (std::string body : {"<Tagging>", "<Tagging><TagSet></Tagging>", "not xml", "<a></b>",
                           "<Tagging/><Tagging/>", "<?xml version=\"1.0\"?>",
                           "<Tagging xmlns:p=\"u\"><p:TagSet></q:TagSet></Tagging>"}) {
    SCOPED_TRACE(body);
    ExpectFailure(Rest("PUT", kTaggingPath, "tagging", body), "s3", {"decode", "MalformedXML"});
  }
}

TEST(Malformed, XmlEntityExpansionIsRefused) {
  std::string lol =
      "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
      "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
      "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
      "<Tagging><TagSet><Tag><Key>&lol3;</Key><Value>v</Value></Tag></TagSet></Tagging>";
  ExpectFailure(Rest("PUT", kTaggingPath, "tagging", lol), "s3", {"decode", "MalformedXML"});
  std::string xxe =
      "<?xml version=\"1.0\"?><!DOCTYPE t [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
      "<Tagging><TagSet><Tag><Key>&x;</Key><Value>v</Value></Tag></TagSet></Tagging>";
  ExpectFailure(Rest("PUT", kTaggingPath, "tagging", xxe), "s3", {"decode", "MalformedXML"});
}

TEST(Malformed, XmlDeepNestingIsRefused) {
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += "<a>";
  ExpectFailure(Rest("PUT", kTaggingPath, "tagging", "<Tagging>" + deep), "s3",
                {"decode", "MalformedXML"});
}

TEST(Malformed, XmlWrongScalarType) {
  ExpectFailure(Rest("POST", kTaggingPath, "delete",
                     "<Delete><Object><Key>a</Key></Object><Quiet>maybe</Quiet></Delete>"),
                "s3", {"decode", "ValidationException"});
}

TEST(Malformed, XmlUnknownElementsAreIgnored) {
  Pipeline p = RunPipeline(
      Rest("PUT", kTaggingPath, "tagging",
           "<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Junk>1</Junk><TagSet>"
           "<Tag><Key>k</Key><Value>v</Value><Extra/></Tag></TagSet></Tagging>"),
      "s3");
  ASSERT_FALSE(p.error) << p.error->message;
  EXPECT_EQ(p.input, json::parse(R"({"Bucket":"my-bucket","Tagging":{"TagSet":[{"Key":"k","Value":"v"}]}})"));
}

TEST(Malformed, RestXmlBadHeaderTypes) {
  ExpectFailure(Rest("PUT", "/b/k", "", "x", {{"Content-Length", "eleven"}}), "s3",
                {"decode", "ValidationException"});
  ExpectFailure(Rest("GET", "/b/k", "", "", {{"If-Modified-Since", "last tuesday"}}), "s3",
                {"decode", "ValidationException"});
  ExpectFailure(Rest("PUT", "/b/k", "", "x", {{"x-amz-object-lock-retain-until-date", "soon"}}),
                "s3", {"decode", "ValidationException"});
}

// --- no headers at all, empty everything -------------------------------------------------------

TEST(Malformed, NullHeadersNeverCrash) {
  for (auto [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/b/k"}, {"PUT", "/b/k"}, {"POST", "/detector"}, {"GET", "/"}}) {
    WireRequest req{method, path, "", nullptr, ""};
    for (const char* scope : {"s3", "guardduty", "iam", "kms", ""}) {
      const model::Service* svc = RouteService(req, scope);
      if (!svc) continue;
      Resolved r = ResolveOperation(*svc, req);
      if (!r.status.ok() || !r.exchange.operation) continue;
      auto doc = DecodeInput(r.exchange, req);
      if (doc.ok()) (void)ValidateInput(r.exchange, *doc);
    }
  }
}

TEST(Malformed, EncodeOutputWithoutOperationIsAnInternalError) {
  Exchange ex;
  ex.service = model::FindService("iam");
  WireResponse r = EncodeOutput(ex, json::object(), "rid");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("InternalFailure"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace rampart::protocol
