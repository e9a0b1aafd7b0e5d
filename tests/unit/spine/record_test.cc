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
