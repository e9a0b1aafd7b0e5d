// The event log's record format (store/log/record_codec.h): records split into a context and
// the per-call rest, read back exactly; malformed payloads refused.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/event_json.h"
#include "store/log/record_codec.h"
#include "event_test_util.h"

namespace rampart::store::logfmt {
namespace {

struct Built {
  EventFacts call;
  std::vector<EventResource> resources;
  EventView view;
};

// A call record of an assumed role with MFA, over TLS, with a resource and an error.
void MakeCall(Built& b) {
  b.call.kind = IdentityKind::kAssumedRole;
  b.call.principal_id = "AROAEXAMPLE:sess";
  b.call.arn = "arn:aws:sts::111111111111:assumed-role/r/sess";
  b.call.principal_account = "111111111111";
  b.call.access_key_id = "ASIAEXAMPLE";
  b.call.session = true;
  b.call.issuer_id = "AROAEXAMPLE";
  b.call.issuer_arn = "arn:aws:iam::111111111111:role/r";
  b.call.issuer_name = "r";
  b.call.session_created = 1700000000;
  b.call.mfa = true;
  b.call.source_identity = "alice";
  b.call.error_message = "User is not authorized";
  b.call.request_id = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
  b.call.source_ip = "127.0.0.1";
  b.call.request_params = "{\"userName\":\"bob\"}";
  b.call.tls = true;
  b.call.tls_version = "TLSv1.3";
  b.call.tls_cipher = "TLS_AES_128_GCM_SHA256";
  b.call.host = "localhost";
  b.resources = {{"AWS::IAM::User", "bob"}};
  EventView& v = b.view;
  v.event_time_ms = 1764300000123;
  v.read_only = false;
  v.event_id = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
  v.account_id = "111111111111";
  v.event_name = "DeleteUser";
  v.event_source = "iam.amazonaws.com";
  v.username = "sess";
  v.access_key_id = "ASIAEXAMPLE";
  v.region = "us-east-1";
  v.error_code = "AccessDenied";
  v.principal_arn = b.call.arn;
  v.user_agent = "aws-cli/2.9 Python/3.11";
  v.resources = &b.resources;
  v.call = &b.call;
}

std::string Payload(const EventView& v, uint32_t number, std::string_view context) {
  std::string p;
  EXPECT_EQ(EncodeRecord(p, v, number, context), RecordSize(v, number, context));
  EXPECT_EQ(p.size(), RecordSize(v, number, context));
  return p;
}

void ExpectSame(const EventRecord& got, const EventView& v) {
  testing::ExpectSameRecord(got, ToRecord(v));
}

TEST(RecordCodecTest, CallRecordRoundTripsByContextNumberAndInline) {
  Built b;
  MakeCall(b);
  std::string context;
  EncodeContext(b.view, context);
  auto contexts = [&](uint32_t n) { return n == 7 ? &context : nullptr; };
  EventRecord r;
  ASSERT_TRUE(DecodeRecord(Payload(b.view, 7, ""), contexts, &r));
  ExpectSame(r, b.view);
  EventRecord in;
  ASSERT_TRUE(DecodeRecord(Payload(b.view, kInlineContext, context), contexts, &in));
  ExpectSame(in, b.view);
  // The rendered JSON carries what the context holds.
  std::string json = EventJson(r);
  EXPECT_NE(json.find("\"mfaAuthenticated\":\"true\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"requestID\":\"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9\""),
            std::string::npos);
  EXPECT_NE(json.find("\"tlsVersion\":\"TLSv1.3\""), std::string::npos);
}

TEST(RecordCodecTest, AdditionalDataAndHandlerIdentityRoundTrip) {
  Built b;
  MakeCall(b);
  b.call.additional_json = R"({"keyMaterialId":"ab"})";
  b.call.identity_json = R"({"type":"SAMLUser","userName":"u"})";
  std::string context;
  EncodeContext(b.view, context);
  auto contexts = [&](uint32_t n) { return n == 3 ? &context : nullptr; };
  EventRecord r;
  ASSERT_TRUE(DecodeRecord(Payload(b.view, 3, ""), contexts, &r));
  ExpectSame(r, b.view);
  std::string json = EventJson(r);
  EXPECT_NE(json.find(R"("additionalEventData":{"keyMaterialId":"ab"})"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("userIdentity":{"type":"SAMLUser","userName":"u"})"), std::string::npos);
  // A record without them is as long as before they existed, and reads back without them.
  Built plain;
  MakeCall(plain);
  EXPECT_EQ(Payload(b.view, 3, "").size(),
            Payload(plain.view, 3, "").size() + 2 + b.call.additional_json.size() +
                b.call.identity_json.size());
  // Two empty strings there are not what the encoder writes: refused, so every record that
  // decodes encodes back to its own bytes.
  std::string padded = Payload(plain.view, 3, "") + std::string(2, '\0');
  EventRecord p;
  EXPECT_FALSE(DecodeRecord(padded, contexts, &p));
}

TEST(RecordCodecTest, RecordsOfOneCallerShareTheirContext) {
  Built a, b;
  MakeCall(a);
  MakeCall(b);
  b.view.event_id = "00000000-0000-4000-8000-000000000001";
  b.view.event_time_ms += 5;
  b.call.request_id = "00000000-0000-4000-8000-000000000002";
  b.call.request_params = "{\"userName\":\"carol\"}";
  std::string ca, cb;
  EncodeContext(a.view, ca);
  EncodeContext(b.view, cb);
  EXPECT_EQ(ca, cb);
  b.call.source_ip = "10.0.0.1";
  EncodeContext(b.view, cb);
  EXPECT_NE(ca, cb);
}

// A GetCallerIdentity's record by context number: ~430 bytes in the first format.
TEST(RecordCodecTest, SmallCallRecordIsSmall) {
  EventFacts call;
  call.kind = IdentityKind::kIamUser;
  call.principal_id = "AIDAEXAMPLEEXAMPLE01";
  call.arn = "arn:aws:iam::111111111111:user/alice";
  call.principal_account = "111111111111";
  call.access_key_id = "AKIAEXAMPLEEXAMPLE01";
  call.user_name = "alice";
  call.request_id = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
  call.source_ip = "127.0.0.1";
  EventView v;
  v.event_time_ms = 1764300000123;
  v.read_only = true;
  v.event_id = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
  v.account_id = "111111111111";
  v.event_name = "GetCallerIdentity";
  v.event_source = "sts.amazonaws.com";
  v.call = &call;
  EXPECT_LE(RecordSize(v, 3, ""), 50u);
}

// Ids handed as bytes (the gateway's way) read back as their canonical text.
TEST(RecordCodecTest, IdsHandedAsBytesReadBackAsText) {
  Built b;
  MakeCall(b);
  const uint8_t event[16] = {0x9a, 0x8b, 0x7c, 0x6d, 0x5e, 0x4f, 0x4a, 0x3b,
                             0x9c, 0x2d, 0x1e, 0x0f, 0x9a, 0x8b, 0x7c, 0x6e};
  const uint8_t request[16] = {1, 2, 3, 4, 5, 6, 0x47, 8, 0x89, 10, 11, 12, 13, 14, 15, 16};
  b.view.event_id = {};
  b.view.event_uuid = event;
  b.call.request_uuid = request;  // with its text, as the gateway has it
  b.call.request_id = "01020304-0506-4708-890a-0b0c0d0e0f10";
  std::string context;
  EncodeContext(b.view, context);
  EventRecord r;
  ASSERT_TRUE(DecodeRecordWith(Payload(b.view, 0, ""), context, &r));
  EXPECT_EQ(r.event_id, "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6e");
  EXPECT_EQ(r.event_id, ToRecord(b.view).event_id);
  EXPECT_NE(EventJson(r).find("\"requestID\":\"01020304-0506-4708-890a-0b0c0d0e0f10\""),
            std::string::npos);
}

// Ids that are not canonical lowercase UUIDs are kept as text, so they read back exactly.
TEST(RecordCodecTest, OtherIdsReadBackExactly) {
  for (std::string id : std::vector<std::string>{"id-1", "9A8B7C6D-5E4F-4A3B-9C2D-1E0F9A8B7C6D",
                         "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6g", "", std::string(36, '-')}) {
    Built b;
    MakeCall(b);
    b.view.event_id = id;
    b.call.request_id = id;
    std::string context;
    EncodeContext(b.view, context);
    EventRecord r;
    ASSERT_TRUE(DecodeRecordWith(Payload(b.view, 0, ""), context, &r)) << id;
    ExpectSame(r, b.view);
  }
}

// Records appended with a JSON document or an opaque facts blob (Insights events, batches).
TEST(RecordCodecTest, JsonAndFactsBlobRecordsRoundTrip) {
  EventRecord src;
  src.event_id = "insight-1";
  src.account_id = "111111111111";
  src.event_time_ms = -5;  // times before 1970 survive too
  src.category = "Insight";
  src.json = "{\"eventType\":\"AwsCloudTrailInsight\"}";
  src.facts = std::string("\x00\x01\xff", 3);
  EventView v = ViewOf(src);
  std::string context;
  EncodeContext(v, context);
  EventRecord r;
  ASSERT_TRUE(DecodeRecordWith(Payload(v, 0, ""), context, &r));
  ExpectSame(r, v);
}

// Every truncation, an unknown context number, and a context of the wrong kind are refused.
TEST(RecordCodecTest, MalformedPayloadsAreRefused) {
  Built b;
  MakeCall(b);
  std::string context;
  EncodeContext(b.view, context);
  auto contexts = [&](uint32_t n) { return n == 0 ? &context : nullptr; };
  std::string p = Payload(b.view, 0, "");
  EventRecord r;
  for (size_t n = 0; n < p.size(); ++n) {
    EXPECT_FALSE(DecodeRecord(std::string_view(p).substr(0, n), contexts, &r)) << n;
  }
  EXPECT_FALSE(DecodeRecord(p + "x", contexts, &r));
  EXPECT_FALSE(DecodeRecord(Payload(b.view, 1, ""), contexts, &r));
  for (size_t n = 0; n < context.size(); ++n) {
    EXPECT_FALSE(DecodeRecordWith(p, std::string_view(context).substr(0, n), &r)) << n;
  }
  EventRecord plain;
  plain.event_id = "x";
  EventView pv = ViewOf(plain);
  std::string plain_context;
  EncodeContext(pv, plain_context);
  EXPECT_FALSE(DecodeRecordWith(p, plain_context, &r));  // a call record needs a call context
  EXPECT_FALSE(DecodeRecordWith(Payload(pv, 0, ""), context, &r));
}

TEST(RecordCodecTest, Varints) {
  for (uint64_t v : {0ull, 1ull, 127ull, 128ull, 16383ull, 16384ull, ~0ull}) {
    char buf[10];
    char* end = PutVarint(buf, v);
    EXPECT_EQ(static_cast<size_t>(end - buf), VarintSize(v));
    std::string_view in(buf, static_cast<size_t>(end - buf));
    uint64_t got = 0;
    ASSERT_TRUE(GetVarint(in, &got));
    EXPECT_EQ(got, v);
    EXPECT_TRUE(in.empty());
  }
  std::string_view endless("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11);
  uint64_t v;
  EXPECT_FALSE(GetVarint(endless, &v));
}

}  // namespace
}  // namespace rampart::store::logfmt
