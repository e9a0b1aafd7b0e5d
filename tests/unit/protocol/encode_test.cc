// Encoders take documents from handlers: wrong types, out-of-range numbers and user data with
// control characters must still produce a well-formed response, never UB or a split header.
#include <gtest/gtest.h>

#include <limits>
#include <tuple>

#include "protocol/xml.h"
#include "protocol_test_util.h"

namespace rampart::protocol {
namespace {

using namespace testutil;  // NOLINT(google-build-using-namespace): test file

Exchange For(std::string_view service, std::string_view op, Wire wire) {
  Exchange ex;
  ex.service = model::FindService(service);
  ex.operation = ex.service->FindOperation(op);
  ex.wire = wire;
  ex.query_compatible = ex.service->protocol == model::Protocol::kQuery && wire == Wire::kJson10;
  return ex;
}

TEST(Encode, QueryWrongTypesStillWellFormedXml) {
  Exchange ex = For("iam", "ListUsers", Wire::kQuery);
  json::value doc = json::parse(
      R"({"Users":{"a":1},"IsTruncated":1e300,"Marker":5,"Bogus":[1]})");
  WireResponse r = EncodeOutput(ex, doc, "rid");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(xml::Parse(r.body).ok()) << r.body;
}

TEST(Encode, IntegersFromUnrepresentableDoubles) {
  Exchange ex = For("iam", "ListPolicies", Wire::kQuery);
  json::value doc = json::parse(
      R"({"Policies":[{"PolicyName":"p","AttachmentCount":1e300,"PermissionsBoundaryUsageCount":-1e300}]})");
  WireResponse r = EncodeOutput(ex, doc, "rid");
  EXPECT_TRUE(xml::Parse(r.body).ok()) << r.body;
  EXPECT_NE(r.body.find("<AttachmentCount>0</AttachmentCount>"), std::string::npos) << r.body;
}

TEST(Encode, XmlEscapesUserText) {
  Exchange ex = For("iam", "GetUser", Wire::kQuery);
  json::value doc = json::parse(
      R"({"User":{"UserName":"</UserName><Injected/>","Path":"/\u0001/","Arn":"a&b","UserId":"i","CreateDate":0}})");
  WireResponse r = EncodeOutput(ex, doc, "rid<&>");
  auto parsed = xml::Parse(r.body);
  ASSERT_TRUE(parsed.ok()) << r.body;
  EXPECT_EQ(r.body.find("<Injected/>"), std::string::npos);
}

TEST(Encode, RestHeadersCannotBeSplit) {
  Exchange ex = For("s3", "GetObject", Wire::kRestXml);
  json::value doc = json::parse(
      R"({"Body":"x","ContentType":"text/plain\r\nSet-Cookie: a=b","ContentLength":1e300,
          "Metadata":{"k\r\nX-Evil: 1":"v\nw"}})");
  WireResponse r = EncodeOutput(ex, doc, "rid");
  for (const auto& h : r.headers) {
    EXPECT_EQ(h.name.find_first_of("\r\n"), std::string::npos) << h.name;
    EXPECT_EQ(h.value.find_first_of("\r\n"), std::string::npos) << h.value;
  }
  EXPECT_EQ(FindHeader(r.headers, "Content-Length"), "0");
}

// S3's Grantee carries its type as an xsi:type attribute (an xmlAttribute member): written with
// the namespace declared and escaped, so SDKs read Type back.
TEST(Encode, XmlAttributeMembersAreAttributes) {
  Exchange ex = For("s3", "GetBucketAcl", Wire::kRestXml);
  json::value doc = json::parse(
      R"({"Owner":{"ID":"o"},"Grants":[{"Grantee":{"Type":"Group\"<","URI":"u"},"Permission":"READ"}]})");
  WireResponse r = EncodeOutput(ex, doc, "rid");
  ASSERT_TRUE(xml::Parse(r.body).ok()) << r.body;
  EXPECT_NE(r.body.find("<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                        "xsi:type=\"Group&quot;&lt;\"><URI>u</URI></Grantee>"),
            std::string::npos)
      << r.body;
}

TEST(Encode, JsonWrongTypesAndSpecialFloats) {
  Exchange ex = For("cloudwatch", "GetMetricStatistics", Wire::kJson10);
  json::object dp;
  dp["Timestamp"] = 1700000000.5;
  dp["Average"] = std::numeric_limits<double>::quiet_NaN();
  dp["Maximum"] = std::numeric_limits<double>::infinity();
  dp["Minimum"] = -std::numeric_limits<double>::infinity();
  json::object out;
  out["Datapoints"] = json::array{dp, json::value("not an object")};
  out["Label"] = 7;
  WireResponse r = EncodeOutput(ex, out, "rid");
  json::value body = json::parse(r.body);
  const auto& first = body.at("Datapoints").at(0);
  EXPECT_EQ(first.at("Average"), "NaN");
  EXPECT_EQ(first.at("Maximum"), "Infinity");
  EXPECT_EQ(first.at("Minimum"), "-Infinity");
  EXPECT_EQ(first.at("Timestamp"), 1700000000.5);
}

TEST(Encode, ErrorsForEveryWire) {
  for (auto [svc, op, wire] : std::vector<std::tuple<std::string, std::string, Wire>>{
           {"iam", "GetUser", Wire::kQuery},
           {"kms", "Encrypt", Wire::kJson11},
           {"cloudwatch", "ListMetrics", Wire::kJson10},
           {"guardduty", "GetDetector", Wire::kRestJson},
           {"s3", "GetObject", Wire::kRestXml}}) {
    SCOPED_TRACE(svc);
    Exchange ex = For(svc, op, wire);
    Error e{"Some<Code>", "message with \"quotes\" & <tags>\n", 409, true};
    WireResponse r = EncodeError(ex, e, "rid");
    EXPECT_EQ(r.status, 409);
    if (wire == Wire::kQuery || wire == Wire::kRestXml) {
      EXPECT_TRUE(xml::Parse(r.body).ok()) << r.body;
    } else {
      json::value body = json::parse(r.body);
      EXPECT_EQ(Str(body.at("message")), e.message);
    }
    Error ni = NotImplementedError(ex);
    EXPECT_GE(ni.http_status, 400);
  }
}

TEST(Encode, NoOutputOperations) {
  EXPECT_EQ(EncodeOutput(For("iam", "PutUserPolicy", Wire::kQuery), nullptr, "r").body,
            "<PutUserPolicyResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
            "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
            "</PutUserPolicyResponse>");
  EXPECT_EQ(EncodeOutput(For("cloudwatch", "PutMetricData", Wire::kJson10), nullptr, "r").body,
            "{}");
}

}  // namespace
}  // namespace rampart::protocol
