// Parsing errors, time window, payload modes, S3 semantics, key cache, protocol error mapping,
// robustness against garbage.
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "http/sigv4/sigv4.h"
#include "sigv4_test_util.h"

namespace rampart::sigv4 {
namespace {

using testutil::ParsedRequest;

constexpr std::string_view kAkid = "AKIDEXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kDate = "20150830T123600Z";
const int64_t kNow = *ParseAmzDate(kDate);

ParsedRequest StsPost() {
  ParsedRequest r;
  r.method = "POST";
  r.target = "/";
  r.headers = {{"Host", "sts.amazonaws.com"},
               {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  r.body = "Action=GetCallerIdentity&Version=2011-06-15";
  SignRequest(r.method, r.target, r.headers, r.body, kAkid, kSecret, "us-east-1", "sts", kDate);
  return r;
}

Status ParseAndVerify(const ParsedRequest& r, VerifyOptions opts = {kNow}) {
  auto cred = ParseCredential(r.View());
  if (!cred.ok()) return cred.error();
  return Verify(r.View(), *cred, kSecret, opts, nullptr);
}

Error ParseError(const ParsedRequest& r) {
  auto cred = ParseCredential(r.View());
  EXPECT_FALSE(cred.ok());
  if (cred.ok()) return Error{};
  return cred.error();
}

ParsedRequest WithAuth(std::string auth, bool with_date = true) {
  ParsedRequest r;
  r.method = "GET";
  r.target = "/";
  r.headers = {{"Host", "example.amazonaws.com"}};
  if (with_date) r.headers.push_back({"X-Amz-Date", std::string(kDate)});
  r.headers.push_back({"Authorization", std::move(auth)});
  return r;
}

// ---------------- happy paths ----------------

TEST(SigV4, SignedStsPostVerifies) {
  auto r = StsPost();
  EXPECT_TRUE(HasAuth(r.View()));
  auto cred = ParseCredential(r.View());
  ASSERT_TRUE(cred.ok());
  EXPECT_EQ(cred->service, "sts");
  EXPECT_EQ(cred->region, "us-east-1");
  EXPECT_EQ(cred->scope(), "20150830/us-east-1/sts/aws4_request");
  EXPECT_EQ(cred->signed_headers, (std::vector<std::string>{"content-type", "host", "x-amz-date"}));
  EXPECT_TRUE(ParseAndVerify(r).ok());
}

TEST(SigV4, SessionTokenHeaderIsSignedAndParsed) {
  ParsedRequest r;
  r.method = "GET";
  r.target = "/?Action=ListUsers&Version=2010-05-08";
  r.headers = {{"Host", "iam.amazonaws.com"}};
  SignRequest(r.method, r.target, r.headers, r.body, "ASIAEXAMPLE", kSecret, "us-east-1", "iam", kDate, "TOKEN/+=");
  auto cred = ParseCredential(r.View());
  ASSERT_TRUE(cred.ok());
  EXPECT_EQ(cred->security_token, "TOKEN/+=");
  EXPECT_TRUE(cred->token_signed);
  EXPECT_TRUE(ParseAndVerify(r).ok());
  for (auto& h : r.headers) {
    if (h.name == "X-Amz-Security-Token") h.value = "OTHER";
  }
  auto st = ParseAndVerify(r);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "SignatureDoesNotMatch");
}

TEST(SigV4, DateHeaderInsteadOfXAmzDate) {
  ParsedRequest r;
  r.method = "GET";
  r.target = "/";
  r.headers = {{"Host", "example.amazonaws.com"}, {"Date", "Sun, 30 Aug 2015 12:36:00 GMT"}};
  Credential cred;
  cred.access_key_id = kAkid;
  cred.date = "20150830";
  cred.region = "us-east-1";
  cred.service = "service";
  cred.amz_date = kDate;
  cred.signed_headers = {"date", "host"};
  std::string sig = Sign(kSecret, cred,
                         StringToSign(cred, CanonicalRequest(r.View(), cred, true, crypto::Sha256Hex(""))));
  r.headers.push_back({"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                                        "SignedHeaders=date;host, Signature=" + sig});
  auto parsed = ParseCredential(r.View());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->amz_date, kDate);
  EXPECT_TRUE(ParseAndVerify(r).ok());
}

TEST(SigV4, UnsignedPayloadAcceptsAnyBody) {
  ParsedRequest r;
  r.method = "PUT";
  r.target = "/bucket/key";
  r.headers = {{"Host", "s3.amazonaws.com"}, {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}};
  r.body = "hello";
  SignRequest(r.method, r.target, r.headers, r.body, kAkid, kSecret, "us-east-1", "s3", kDate, {}, false);
  VerifyOptions opts{kNow};
  opts.normalize_path = false;
  opts.s3 = true;
  EXPECT_TRUE(ParseAndVerify(r, opts).ok());
  r.body = "other body";
  EXPECT_TRUE(ParseAndVerify(r, opts).ok());
}

TEST(SigV4, StreamingPayloadHashIsLiteral) {
  ParsedRequest r;
  r.method = "PUT";
  r.target = "/bucket/key";
  r.headers = {{"Host", "s3.amazonaws.com"},
               {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
               {"Content-Encoding", "aws-chunked"},
               {"x-amz-decoded-content-length", "66560"}};
  r.body = "10000;chunk-signature=...";
  SignRequest(r.method, r.target, r.headers, r.body, kAkid, kSecret, "us-east-1", "s3", kDate, {}, false);
  auto cred = ParseCredential(r.View());
  ASSERT_TRUE(cred.ok());
  std::string payload = PayloadHash(r.View(), *cred, true);
  EXPECT_EQ(payload, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
  std::string canonical = CanonicalRequest(r.View(), *cred, false, payload);
  EXPECT_TRUE(canonical.ends_with("\nSTREAMING-AWS4-HMAC-SHA256-PAYLOAD"));
  VerifyOptions opts{kNow};
  opts.normalize_path = false;
  opts.s3 = true;
  EXPECT_TRUE(ParseAndVerify(r, opts).ok());
}

TEST(SigV4, S3PresignedUnsignedPayload) {
  std::vector<Header> headers = {{"Host", "bucket.s3.amazonaws.com"}};
  ParsedRequest r;
  r.method = "GET";
  r.headers = headers;
  r.target = PresignTarget("GET", "/a%20b/c~d%2Fe", headers, "", kAkid, kSecret, "us-east-1", "s3", kDate, 600, "TOK",
                           true, false);
  VerifyOptions opts{kNow + 600};
  opts.normalize_path = false;
  opts.s3 = true;
  auto st = ParseAndVerify(r, opts);
  EXPECT_TRUE(st.ok()) << st.error().message;
  opts.now_epoch_seconds = kNow + 601;
  st = ParseAndVerify(r, opts);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "RequestExpired");
  Error s3 = ToProtocolError(st.error(), Protocol::kS3, true);
  EXPECT_EQ(s3.code, "AccessDenied");
  EXPECT_EQ(s3.message, "Request has expired");
  EXPECT_EQ(s3.http_status, 403);
}

TEST(SigV4, S3ContentSha256MismatchAndNonS3Mismatch) {
  ParsedRequest r;
  r.method = "PUT";
  r.target = "/bucket/key";
  r.body = "hello";
  r.headers = {{"Host", "s3.amazonaws.com"}, {"x-amz-content-sha256", crypto::Sha256Hex("hello")}};
  SignRequest(r.method, r.target, r.headers, r.body, kAkid, kSecret, "us-east-1", "s3", kDate, {}, false);
  VerifyOptions opts{kNow};
  opts.normalize_path = false;
  opts.s3 = true;
  EXPECT_TRUE(ParseAndVerify(r, opts).ok());
  r.body = "HELLO";
  auto st = ParseAndVerify(r, opts);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "XAmzContentSHA256Mismatch");
  EXPECT_EQ(st.error().http_status, 400);
  opts.s3 = false;
  st = ParseAndVerify(r, opts);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "SignatureDoesNotMatch");
}

// ---------------- time window ----------------

TEST(SigV4Time, SkewWindowIsInclusive) {
  auto r = StsPost();
  EXPECT_TRUE(ParseAndVerify(r, {kNow + 900}).ok());
  EXPECT_TRUE(ParseAndVerify(r, {kNow - 900}).ok());
}

TEST(SigV4Time, ExpiredSignatureMessage) {
  auto st = ParseAndVerify(StsPost(), {kNow + 901});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "RequestTimeTooSkewed");
  EXPECT_EQ(st.error().http_status, 403);
  EXPECT_EQ(st.error().message,
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T125101Z - 15 min.)");
  Error q = ToProtocolError(st.error(), Protocol::kQuery);
  EXPECT_EQ(q.code, "SignatureDoesNotMatch");
  EXPECT_EQ(q.http_status, 403);
  EXPECT_EQ(q.message, st.error().message);
  Error j = ToProtocolError(st.error(), Protocol::kJson);
  EXPECT_EQ(j.code, "InvalidSignatureException");
  EXPECT_EQ(j.http_status, 400);
  Error s = ToProtocolError(st.error(), Protocol::kS3);
  EXPECT_EQ(s.code, "RequestTimeTooSkewed");
  EXPECT_EQ(s.message, "The difference between the request time and the current time is too large.");
}

TEST(SigV4Time, NotYetCurrentMessage) {
  auto st = ParseAndVerify(StsPost(), {kNow - 901});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "RequestTimeTooSkewed");
  EXPECT_EQ(st.error().message,
            "Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z (20150830T122059Z + 15 min.)");
}

TEST(SigV4Time, CustomSkew) {
  VerifyOptions opts{kNow + 301};
  opts.max_skew_seconds = 300;
  auto st = ParseAndVerify(StsPost(), opts);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("- 5 min.)"), std::string::npos);
}

TEST(SigV4Time, PresignedFutureAndExpiry) {
  std::vector<Header> headers = {{"Host", "sts.amazonaws.com"}};
  ParsedRequest r;
  r.method = "GET";
  r.headers = headers;
  r.target = PresignTarget("GET", "/?Action=GetCallerIdentity&Version=2011-06-15", headers, "", kAkid, kSecret,
                           "us-east-1", "sts", kDate, 60);
  EXPECT_TRUE(ParseAndVerify(r, {kNow}).ok());
  EXPECT_TRUE(ParseAndVerify(r, {kNow + 60}).ok());
  auto st = ParseAndVerify(r, {kNow + 61});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "RequestExpired");
  st = ParseAndVerify(r, {kNow - 901});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "RequestTimeTooSkewed");
  // Expires far beyond the skew window is honoured (S3-style long-lived URL).
  r.target = PresignTarget("GET", "/", headers, "", kAkid, kSecret, "us-east-1", "sts", kDate, 604800);
  EXPECT_TRUE(ParseAndVerify(r, {kNow + 604800}).ok());
}

TEST(SigV4Time, ScopeDateMustMatchAmzDate) {
  ParsedRequest r;
  r.method = "GET";
  r.target = "/";
  r.headers = {{"Host", "example.amazonaws.com"}};
  SignRequest(r.method, r.target, r.headers, r.body, kAkid, kSecret, "us-east-1", "service", kDate);
  for (auto& h : r.headers) {
    if (h.name == "X-Amz-Date") h.value = "20150831T000100Z";
  }
  auto st = ParseAndVerify(r, {*ParseAmzDate("20150831T000100Z")});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "SignatureDoesNotMatch");
  EXPECT_EQ(st.error().message,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150830' != "
            "'20150831', from '20150831T000100Z'.");
}

// ---------------- parse errors ----------------

TEST(SigV4Parse, NoAuthIsMissingAuthenticationToken) {
  ParsedRequest r;
  r.method = "GET";
  r.target = "/?Action=GetCallerIdentity";
  r.headers = {{"Host", "sts.amazonaws.com"}};
  EXPECT_FALSE(HasAuth(r.View()));
  Error e = ParseError(r);
  EXPECT_EQ(e.code, "MissingAuthenticationToken");
  EXPECT_EQ(e.message, "Request is missing Authentication Token");
  EXPECT_EQ(e.http_status, 403);
  Error j = ToProtocolError(e, Protocol::kJson);
  EXPECT_EQ(j.code, "MissingAuthenticationTokenException");
  EXPECT_EQ(j.http_status, 400);
  EXPECT_EQ(ToProtocolError(e, Protocol::kS3).code, "AccessDenied");
  // Null header vector is fine too.
  RequestView bare{"GET", "/", nullptr, ""};
  EXPECT_FALSE(HasAuth(bare));
  EXPECT_FALSE(ParseCredential(bare).ok());
}

TEST(SigV4Parse, NonSigV4AuthorizationListsEverythingMissing) {
  Error e = ParseError(WithAuth("Bearer abc", false));
  EXPECT_EQ(e.code, "IncompleteSignature");
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.message,
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. "
            "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of "
            "either a 'X-Amz-Date' or a 'Date' header. Authorization=Bearer abc");
  EXPECT_EQ(ToProtocolError(e, Protocol::kJson).code, "IncompleteSignatureException");
  EXPECT_EQ(ToProtocolError(e, Protocol::kS3).code, "AuthorizationHeaderMalformed");
}

TEST(SigV4Parse, MissingSignatureAndSignedHeaders) {
  Error e = ParseError(WithAuth("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"));
  EXPECT_EQ(e.code, "IncompleteSignature");
  EXPECT_EQ(e.message,
            "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' "
            "parameter. Authorization=AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request");
}

TEST(SigV4Parse, MissingEqualSign) {
  std::string auth =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE /20150830/us-east-1/service/aws4_request, SignedHeaders=host, Signature=00";
  Error e = ParseError(WithAuth(auth));
  EXPECT_EQ(e.code, "IncompleteSignature");
  // As AWS: whitespace separates components, so the stray space surfaces as a missing '='.
  EXPECT_EQ(e.message, "'/20150830/us-east-1/service/aws4_request' not a valid key=value pair (missing equal-sign) in "
                       "Authorization header: '" + auth + "'.");
  auto r = WithAuth("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders, "
                    "Signature=00");
  Error e2 = ParseError(r);
  EXPECT_EQ(e2.code, "IncompleteSignature");
  EXPECT_EQ(e2.message,
            "'SignedHeaders' not a valid key=value pair (missing equal-sign) in Authorization header: "
            "'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders, "
            "Signature=00'.");
}

TEST(SigV4Parse, CredentialShape) {
  Error e = ParseError(WithAuth("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1, SignedHeaders=host, Signature=00"));
  EXPECT_EQ(e.code, "IncompleteSignature");
  EXPECT_EQ(e.message,
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got "
            "'AKIDEXAMPLE/20150830/us-east-1'");
  Error t = ParseError(WithAuth("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws5_request, "
                                "SignedHeaders=host, Signature=00"));
  EXPECT_EQ(t.code, "SignatureDoesNotMatch");
  EXPECT_EQ(t.message, "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. ");
  Error d = ParseError(WithAuth("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/2015083/us-east-1/service/aws4_request, "
                                "SignedHeaders=host, Signature=00"));
  EXPECT_EQ(d.code, "IncompleteSignature");
}

TEST(SigV4Parse, HostMustBeSigned) {
  Error e = ParseError(WithAuth("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                                "SignedHeaders=x-amz-date, Signature=00"));
  EXPECT_EQ(e.code, "IncompleteSignature");
  EXPECT_EQ(e.message, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
}

TEST(SigV4Parse, UnsupportedAlgorithm) {
  Error e = ParseError(WithAuth("AWS4-HMAC-SHA512 Credential=a/b/c/d/aws4_request, SignedHeaders=host, Signature=00"));
  EXPECT_EQ(e.code, "IncompleteSignature");
  EXPECT_EQ(e.message, "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'");
}

TEST(SigV4Parse, BadXAmzDate) {
  ParsedRequest r = WithAuth("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                             "SignedHeaders=host;x-amz-date, Signature=00",
                             false);
  r.headers.push_back({"X-Amz-Date", "2015-08-30T12:36:00Z"});
  Error e = ParseError(r);
  EXPECT_EQ(e.code, "IncompleteSignature");
  EXPECT_EQ(e.message,
            "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. See http://en.wikipedia.org/wiki/ISO_8601");
}

TEST(SigV4Parse, PresignedMissingParameters) {
  ParsedRequest r;
  r.method = "GET";
  r.target = "/?X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20150830T123600Z";
  r.headers = {{"Host", "sts.amazonaws.com"}};
  EXPECT_TRUE(HasAuth(r.View()));
  Error e = ParseError(r);
  EXPECT_EQ(e.code, "IncompleteSignature");
  EXPECT_EQ(e.message,
            "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include "
            "'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the "
            "query-string parameters.");
  EXPECT_EQ(ToProtocolError(e, Protocol::kS3, true).code, "AuthorizationQueryParametersError");
}

TEST(SigV4Parse, PresignedExpiresBounds) {
  std::string base =
      "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fs3%2Faws4_request"
      "&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00&X-Amz-Expires=";
  ParsedRequest r;
  r.method = "GET";
  r.headers = {{"Host", "s3.amazonaws.com"}};
  r.target = base + "604801";
  Error e = ParseError(r);
  EXPECT_EQ(e.code, "IncompleteSignature");
  EXPECT_EQ(e.message, "X-Amz-Expires must be less than a week (in seconds) that is 604800");
  r.target = base + "abc";
  EXPECT_EQ(ParseError(r).message, "X-Amz-Expires should be a number");
  r.target = base + "604800";
  auto ok = ParseCredential(r.View());
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->expires_seconds, 604800);
  r.target = base.substr(0, base.size() - std::string("&X-Amz-Expires=").size());
  r.target += "&X-Amz-Algorithm=x";  // duplicate: first one wins
  EXPECT_TRUE(ParseCredential(r.View()).ok());
}

TEST(SigV4Parse, WrongPresignAlgorithm) {
  ParsedRequest r;
  r.method = "GET";
  r.headers = {{"Host", "s3.amazonaws.com"}};
  r.target =
      "/?X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fs3%2Faws4_request"
      "&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00";
  Error e = ParseError(r);
  EXPECT_EQ(e.code, "IncompleteSignature");
  EXPECT_EQ(e.message, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
}

TEST(SigV4Errors, ProtocolMappingOfMismatchAndTokens) {
  Error mismatch{"SignatureDoesNotMatch",
                 "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
                 "Access Key and signing method. Consult the service documentation for details.",
                 403, true};
  EXPECT_EQ(ToProtocolError(mismatch, Protocol::kQuery).code, "SignatureDoesNotMatch");
  Error j = ToProtocolError(mismatch, Protocol::kJson);
  EXPECT_EQ(j.code, "InvalidSignatureException");
  EXPECT_EQ(j.http_status, 400);
  Error s = ToProtocolError(mismatch, Protocol::kS3);
  EXPECT_EQ(s.code, "SignatureDoesNotMatch");
  EXPECT_EQ(s.message,
            "The request signature we calculated does not match the signature you provided. Check your key and signing "
            "method.");
  Error bad_key{"InvalidClientTokenId", "The security token included in the request is invalid.", 403, true};
  EXPECT_EQ(ToProtocolError(bad_key, Protocol::kJson).code, "UnrecognizedClientException");
  EXPECT_EQ(ToProtocolError(bad_key, Protocol::kS3).code, "InvalidAccessKeyId");
  EXPECT_EQ(ScopeRegionError("eu-west-9").message, "Credential should be scoped to a valid region, not 'eu-west-9'. ");
  EXPECT_EQ(ScopeServiceError("sts").message, "Credential should be scoped to correct service: 'sts'. ");
  EXPECT_EQ(ScopeServiceError("sts").http_status, 403);
}

// ---------------- canonical pieces ----------------

TEST(SigV4Canonical, Uri) {
  EXPECT_EQ(CanonicalUri("", true), "/");
  EXPECT_EQ(CanonicalUri("/a%20b", true), "/a%2520b");  // double-encoded for non-S3
  EXPECT_EQ(CanonicalUri("/a%20b", false), "/a%20b");
  EXPECT_EQ(CanonicalUri("/a%2fb%7e", false), "/a%2Fb~");
  EXPECT_EQ(CanonicalUri("/a/./b/../../..//c/", true), "/c/");
  EXPECT_EQ(CanonicalUri("/%", false), "/%25");
  EXPECT_EQ(CanonicalUri("/%zz", true), "/%25zz");
}

TEST(SigV4Canonical, Query) {
  EXPECT_EQ(CanonicalQuery("b=2&a=1&a=0", false, false), "a=0&a=1&b=2");
  EXPECT_EQ(CanonicalQuery("x&&y=", false, false), "x=&y=");
  EXPECT_EQ(CanonicalQuery("k=a+b%20c%2a", false, false), "k=a%2Bb%20c%2A");
  EXPECT_EQ(CanonicalQuery("X-Amz-Signature=1&a=2", true, false), "a=2");
  EXPECT_EQ(CanonicalQuery("X-Amz-Security-Token=1&a=2", false, true), "a=2");
}

TEST(SigV4Dates, ParseAndFormat) {
  EXPECT_EQ(kNow, 1440938160);
  EXPECT_EQ(FormatAmzDate(kNow), kDate);
  EXPECT_EQ(FormatAmzDate(0), "19700101T000000Z");
  EXPECT_FALSE(ParseAmzDate("20150230T000000Z"));
  EXPECT_FALSE(ParseAmzDate("20151301T000000Z"));
  EXPECT_FALSE(ParseAmzDate("20150830T123600"));
  EXPECT_TRUE(ParseAmzDate("20160229T235959Z"));
  EXPECT_EQ(ParseHttpDate("Sun, 30 Aug 2015 12:36:00 GMT"), kNow);
  EXPECT_EQ(ParseHttpDate("30 Aug 2015 12:36:00 GMT"), kNow);
  EXPECT_FALSE(ParseHttpDate("Sun, 30 Foo 2015 12:36:00 GMT"));
  EXPECT_FALSE(ParseHttpDate("Sun, 30 Aug 2015 12:36:00 PST"));
}

// ---------------- key cache ----------------

TEST(SigV4Cache, HitsMissesAndBound) {
  SigningKeyCache cache(2);
  auto k1 = cache.Get(kSecret, "20150830", "us-east-1", "sts");
  EXPECT_EQ(k1, DeriveSigningKey(kSecret, "20150830", "us-east-1", "sts"));
  cache.Get(kSecret, "20150830", "us-east-1", "sts");
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 1u);
  cache.Get(kSecret, "20150830", "us-east-1", "iam");
  cache.Get(kSecret, "20150830", "us-west-2", "iam");
  EXPECT_EQ(cache.size(), 2u);
  // Different secrets never share an entry.
  EXPECT_NE(cache.Get("other", "20150830", "us-east-1", "sts"), k1);
  cache.Clear();
  EXPECT_EQ(cache.size(), 0u);
}

TEST(SigV4Cache, ConcurrentVerify) {
  SigningKeyCache cache(8);
  auto r = StsPost();
  auto cred = ParseCredential(r.View());
  ASSERT_TRUE(cred.ok());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (!Verify(r.View(), *cred, kSecret, {kNow}, &cache).ok()) ++failures;
        cache.Get(kSecret, "20150830", "r" + std::to_string((t * 200 + i) % 20), "sts");
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(cache.size(), 8u);
}

// ---------------- robustness ----------------

TEST(SigV4Robustness, GarbageNeverCrashes) {
  std::mt19937 rng(12345);
  const std::string alphabet = "AWS4-HMAC-SHA256 Credential=/,;=%&?XxAmzDate0123456789abcdefT Z\r\n\t\x00\xff";
  auto rand_str = [&](size_t max) {
    std::string s;
    size_t n = rng() % max;
    for (size_t i = 0; i < n; ++i) s.push_back(alphabet[rng() % alphabet.size()]);
    return s;
  };
  auto base = StsPost();
  for (int i = 0; i < 3000; ++i) {
    ParsedRequest r = base;
    switch (i % 4) {
      case 0:
        for (auto& h : r.headers) {
          if (h.name == "Authorization") h.value = rand_str(200);
        }
        break;
      case 1: {
        for (auto& h : r.headers) {
          if (h.name == "Authorization" && !h.value.empty()) h.value[rng() % h.value.size()] = alphabet[rng() % alphabet.size()];
        }
        break;
      }
      case 2:
        r.headers.clear();
        r.target = "/" + rand_str(100) + "?X-Amz-Credential=" + rand_str(60) + "&X-Amz-Algorithm=AWS4-HMAC-SHA256" +
                   "&X-Amz-Date=" + rand_str(20) + "&X-Amz-SignedHeaders=host&X-Amz-Signature=" + rand_str(10) +
                   "&X-Amz-Expires=" + rand_str(8);
        break;
      case 3:
        r.target = rand_str(80);
        r.method = rand_str(5);
        r.headers.push_back({rand_str(10), rand_str(30)});
        break;
    }
    RequestView view = r.View();
    (void)HasAuth(view);
    auto cred = ParseCredential(view);
    if (!cred.ok()) continue;
    (void)CanonicalRequest(view, *cred, i % 2 == 0, PayloadHash(view, *cred, i % 3 == 0));
    (void)Verify(view, *cred, kSecret, {kNow}, nullptr);
  }
}


// Only S3 may leave the body out of a header signature: elsewhere a request signed with
// x-amz-content-sha256: UNSIGNED-PAYLOAD (or any value but the body's hash) does not verify, so
// a body cannot be swapped under a valid signature.
TEST(SigV4, UnsignedPayloadIsS3Only) {
  ParsedRequest r;
  r.method = "POST";
  r.target = "/";
  r.headers = {{"Host", "sts.amazonaws.com"},
               {"Content-Type", "application/x-www-form-urlencoded"},
               {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}};
  r.body = "Action=GetCallerIdentity&Version=2011-06-15";
  SignRequest(r.method, r.target, r.headers, r.body, kAkid, kSecret, "us-east-1", "sts", kDate);
  auto st = ParseAndVerify(r);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "SignatureDoesNotMatch");
  // The same request signed over its body verifies, with or without the header.
  r.headers = {{"Host", "sts.amazonaws.com"}, {"Content-Type", "application/x-www-form-urlencoded"}};
  SignRequest(r.method, r.target, r.headers, r.body, kAkid, kSecret, "us-east-1", "sts", kDate);
  EXPECT_TRUE(ParseAndVerify(r).ok());
}

// botocore presigns every non-S3 operation with UNSIGNED-PAYLOAD; other SDKs sign the empty
// body's hash. Both verify, and only with an empty body: a body is never unsigned.
TEST(SigV4, PresignedNonS3AcceptsBothPayloadFormsWithAnEmptyBody) {
  std::vector<Header> headers = {{"Host", "sts.amazonaws.com"}};
  std::string base = "/?Action=GetCallerIdentity&Version=2011-06-15";
  for (bool unsigned_payload : {true, false}) {
    ParsedRequest r;
    r.method = "GET";
    r.target = PresignTarget("GET", base, headers, "", kAkid, kSecret, "us-east-1", "sts", kDate,
                             60, {}, unsigned_payload);
    r.headers = headers;
    EXPECT_TRUE(ParseAndVerify(r).ok()) << unsigned_payload;
    r.method = "POST";
    auto st = ParseAndVerify(r);
    ASSERT_FALSE(st.ok());  // the method is signed
    r.method = "GET";
    r.body = "Action=AssumeRole&RoleArn=arn:aws:iam::111122223333:role/admin";
    st = ParseAndVerify(r);
    ASSERT_FALSE(st.ok()) << "a body added to a presigned URL must not verify";
    EXPECT_EQ(st.error().code, "SignatureDoesNotMatch");
  }
}

}  // namespace
}  // namespace rampart::sigv4
