// The aws-c-auth SigV4 test suite (/work/shared/testdata/sigv4): every canonical request, string to
// sign and signature byte for byte, acceptance of each signed request, and rejection once any
// signed part is changed.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "http/sigv4/sigv4.h"
#include "sigv4_test_util.h"

namespace rampart::sigv4 {
namespace {

namespace fs = std::filesystem;
using testutil::ParsedRequest;
using testutil::ParseRequestText;
using testutil::ReadFile;

const fs::path kDir = fs::path(RAMPART_SHARED_DIR) / "testdata" / "sigv4";

std::vector<std::string> ListCases() {
  std::vector<std::string> out;
  if (!fs::exists(kDir)) return out;
  for (const auto& e : fs::directory_iterator(kDir)) {
    if (e.is_directory()) out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Context {
  std::string akid, secret, token, region, service, amz_date;
  bool normalize = true, sign_body = false, omit_token = false;
  int64_t expires = 0, now = 0;
};

Context LoadContext(const std::string& name) {
  auto v = boost::json::parse(ReadFile(kDir / name / "context.json")).as_object();
  Context c;
  const auto& creds = v.at("credentials").as_object();
  c.akid = std::string(creds.at("access_key_id").as_string());
  c.secret = std::string(creds.at("secret_access_key").as_string());
  if (creds.contains("token")) c.token = std::string(creds.at("token").as_string());
  c.region = std::string(v.at("region").as_string());
  c.service = std::string(v.at("service").as_string());
  c.normalize = v.at("normalize").as_bool();
  c.sign_body = v.at("sign_body").as_bool();
  if (v.contains("omit_session_token")) c.omit_token = v.at("omit_session_token").as_bool();
  c.expires = v.at("expiration_in_seconds").to_number<int64_t>();
  std::string ts(v.at("timestamp").as_string());  // 2015-08-30T12:36:00Z
  for (char ch : ts) {
    if (ch != '-' && ch != ':') c.amz_date.push_back(ch);
  }
  c.now = *ParseAmzDate(c.amz_date);
  return c;
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string StripParam(std::string target, std::string_view name) {
  size_t p = target.find("&" + std::string(name) + "=");
  if (p == std::string::npos) return target;
  size_t e = target.find('&', p + 1);
  target.erase(p, e == std::string::npos ? std::string::npos : e - p);
  return target;
}

class VectorTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    name_ = GetParam();
    ctx_ = LoadContext(name_);
    opts_.now_epoch_seconds = ctx_.now;
    opts_.normalize_path = ctx_.normalize;
  }
  std::string File(const std::string& f) { return ReadFile(kDir / name_ / f); }

  Status VerifyReq(const ParsedRequest& r) {
    RequestView view = r.View();
    auto cred = ParseCredential(view);
    if (!cred.ok()) return cred.error();
    return Verify(view, *cred, ctx_.secret, opts_, &cache_);
  }

  void ExpectMismatch(const ParsedRequest& r, const std::string& what) {
    auto st = VerifyReq(r);
    ASSERT_FALSE(st.ok()) << name_ << ": tampered " << what << " was accepted";
    EXPECT_EQ(st.error().code, "SignatureDoesNotMatch") << name_ << ": " << what << ": " << st.error().message;
    EXPECT_EQ(st.error().http_status, 403);
  }

  // Tampers every signed part of `signed_req` and expects SignatureDoesNotMatch.
  void TamperAll(const ParsedRequest& signed_req, bool presigned) {
    RequestView view = signed_req.View();
    auto cred = ParseCredential(view);
    ASSERT_TRUE(cred.ok());
    {
      auto r = signed_req;
      r.method = r.method == "GET" ? "POST" : "GET";
      ExpectMismatch(r, "method");
    }
    {
      auto r = signed_req;
      size_t q = r.target.find('?');
      r.target.insert(q == std::string::npos ? r.target.size() : q, "/tampered");
      ExpectMismatch(r, "path");
    }
    {
      auto r = signed_req;
      size_t q = r.target.find('?');
      r.target += (q == std::string::npos ? "?" : "&");
      r.target += "Tampered=1";
      ExpectMismatch(r, "query (added param)");
    }
    if (signed_req.target.find("Param1=value1") != std::string::npos) {
      auto r = signed_req;
      r.target.replace(r.target.find("Param1=value1"), 13, "Param1=value2");
      ExpectMismatch(r, "query (changed value)");
    }
    for (const auto& name : cred->signed_headers) {
      auto r = signed_req;
      bool found = false;
      for (auto& h : r.headers) {
        std::string lower = h.name;
        for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (lower != name) continue;
        if (name == "x-amz-date") h.value = "20150830T123601Z";
        else h.value += "x";
        found = true;
        break;
      }
      ASSERT_TRUE(found) << name;
      ExpectMismatch(r, "header " + name);
    }
    {
      auto r = signed_req;
      r.body += "x";
      ExpectMismatch(r, "body");
    }
    if (presigned) {
      auto r = signed_req;
      size_t p = r.target.find("X-Amz-Date=20150830T123600Z");
      ASSERT_NE(p, std::string::npos);
      r.target.replace(p, 27, "X-Amz-Date=20150830T123601Z");
      ExpectMismatch(r, "X-Amz-Date");
      auto r2 = signed_req;
      p = r2.target.find("%2Fus-east-1%2F");
      ASSERT_NE(p, std::string::npos);
      r2.target.replace(p, 15, "%2Fus-east-2%2F");
      ExpectMismatch(r2, "credential region");
      auto r3 = signed_req;
      p = r3.target.find("X-Amz-Signature=");
      ASSERT_NE(p, std::string::npos);
      char& c = r3.target[p + 16 + 10];
      c = c == '0' ? '1' : '0';
      ExpectMismatch(r3, "signature");
    } else {
      for (auto& h : signed_req.headers) {
        if (h.name != "Authorization") continue;
      }
      auto tamper_auth = [&](const std::string& from, const std::string& to, const std::string& what) {
        auto r = signed_req;
        for (auto& h : r.headers) {
          if (h.name != "Authorization") continue;
          size_t p = h.value.find(from);
          ASSERT_NE(p, std::string::npos) << what;
          h.value.replace(p, from.size(), to);
        }
        ExpectMismatch(r, what);
      };
      tamper_auth("/us-east-1/", "/us-east-2/", "credential region");
      tamper_auth("/service/", "/servicf/", "credential service");
      std::string sig = Trimmed(File("header-signature.txt"));
      std::string bad = sig;
      bad[10] = bad[10] == '0' ? '1' : '0';
      tamper_auth(sig, bad, "signature");
      // Dropping a signed header from SignedHeaders (host must stay).
      if (cred->signed_headers.size() > 2) {
        std::string last = cred->signed_headers.back();
        tamper_auth(";" + last + ",", ",", "SignedHeaders list");
      }
    }
  }

  std::string name_;
  Context ctx_;
  VerifyOptions opts_;
  SigningKeyCache cache_{16};
};

TEST(SigV4Vectors, SuiteIsPresent) { EXPECT_EQ(ListCases().size(), 38u) << kDir; }

TEST_P(VectorTest, HeaderCanonicalRequestStringToSignSignature) {
  ParsedRequest signed_req = ParseRequestText(File("header-signed-request.txt"));
  RequestView view = signed_req.View();
  auto cred = ParseCredential(view);
  ASSERT_TRUE(cred.ok()) << cred.error().message;
  EXPECT_FALSE(cred->presigned);
  EXPECT_EQ(cred->access_key_id, ctx_.akid);
  EXPECT_EQ(cred->scope(), ctx_.amz_date.substr(0, 8) + "/" + ctx_.region + "/" + ctx_.service + "/aws4_request");
  EXPECT_EQ(cred->amz_date, ctx_.amz_date);
  std::string payload = PayloadHash(view, *cred, false);
  std::string canonical = CanonicalRequest(view, *cred, ctx_.normalize, payload);
  EXPECT_EQ(canonical, File("header-canonical-request.txt"));
  std::string sts = StringToSign(*cred, canonical);
  EXPECT_EQ(sts, File("header-string-to-sign.txt"));
  EXPECT_EQ(Sign(ctx_.secret, *cred, sts), Trimmed(File("header-signature.txt")));
  EXPECT_EQ(cred->signature, Trimmed(File("header-signature.txt")));
}

TEST_P(VectorTest, HeaderSignRequestReproducesAuthorization) {
  ParsedRequest req = ParseRequestText(File("request.txt"));
  if (ctx_.sign_body) req.headers.push_back({"x-amz-content-sha256", crypto::Sha256Hex(req.body)});
  std::string token = ctx_.omit_token ? std::string() : ctx_.token;
  SignRequest(req.method, req.target, req.headers, req.body, ctx_.akid, ctx_.secret, ctx_.region, ctx_.service,
              ctx_.amz_date, token, ctx_.normalize);
  ParsedRequest expected = ParseRequestText(File("header-signed-request.txt"));
  std::string want, got;
  for (const auto& h : expected.headers) {
    if (h.name == "Authorization") want = h.value;
  }
  for (const auto& h : req.headers) {
    if (h.name == "Authorization") got = h.value;
  }
  EXPECT_EQ(got, want);
  if (ctx_.omit_token) req.headers.push_back({"X-Amz-Security-Token", ctx_.token});
  EXPECT_TRUE(VerifyReq(req).ok());
}

TEST_P(VectorTest, HeaderSignedRequestVerifies) {
  ParsedRequest signed_req = ParseRequestText(File("header-signed-request.txt"));
  auto st = VerifyReq(signed_req);
  EXPECT_TRUE(st.ok()) << st.error().code << ": " << st.error().message;
  // Without a cache too.
  RequestView view = signed_req.View();
  auto cred = ParseCredential(view);
  ASSERT_TRUE(cred.ok());
  EXPECT_TRUE(Verify(view, *cred, ctx_.secret, opts_, nullptr).ok());
  // A wrong secret fails.
  auto bad = Verify(view, *cred, "not-the-secret", opts_, nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "SignatureDoesNotMatch");
  // Unsigned extra headers do not matter.
  auto extra = signed_req;
  extra.headers.push_back({"User-Agent", "test/1.0"});
  EXPECT_TRUE(VerifyReq(extra).ok());
}

TEST_P(VectorTest, HeaderSignedRequestRejectsTampering) {
  TamperAll(ParseRequestText(File("header-signed-request.txt")), false);
}

TEST_P(VectorTest, QueryCanonicalRequestStringToSignSignature) {
  ParsedRequest signed_req = ParseRequestText(File("query-signed-request.txt"));
  RequestView view = signed_req.View();
  auto cred = ParseCredential(view);
  ASSERT_TRUE(cred.ok()) << cred.error().message;
  EXPECT_TRUE(cred->presigned);
  EXPECT_EQ(cred->expires_seconds, ctx_.expires);
  EXPECT_EQ(cred->amz_date, ctx_.amz_date);
  if (!ctx_.token.empty()) {
    EXPECT_EQ(cred->security_token, ctx_.token);
  }
  // A token appended after signing is not part of the canonical request.
  ParsedRequest for_canonical = signed_req;
  if (ctx_.omit_token) for_canonical.target = StripParam(for_canonical.target, "X-Amz-Security-Token");
  RequestView cview = for_canonical.View();
  std::string payload = PayloadHash(cview, *cred, false);
  std::string canonical = CanonicalRequest(cview, *cred, ctx_.normalize, payload);
  EXPECT_EQ(canonical, File("query-canonical-request.txt"));
  std::string sts = StringToSign(*cred, canonical);
  EXPECT_EQ(sts, File("query-string-to-sign.txt"));
  EXPECT_EQ(Sign(ctx_.secret, *cred, sts), Trimmed(File("query-signature.txt")));
  EXPECT_EQ(cred->signature, Trimmed(File("query-signature.txt")));
}

TEST_P(VectorTest, QueryPresignTargetReproducesSignature) {
  ParsedRequest req = ParseRequestText(File("request.txt"));
  std::string token = ctx_.omit_token ? std::string() : ctx_.token;
  std::string target = PresignTarget(req.method, req.target, req.headers, req.body, ctx_.akid, ctx_.secret, ctx_.region,
                                     ctx_.service, ctx_.amz_date, ctx_.expires, token, false, ctx_.normalize);
  std::string sig = target.substr(target.find("X-Amz-Signature=") + 16);
  EXPECT_EQ(sig, Trimmed(File("query-signature.txt")));
  req.target = target;
  if (ctx_.omit_token && !ctx_.token.empty()) {
    req.target += "&X-Amz-Security-Token=" + UriEncode(ctx_.token, false);
  }
  auto st = VerifyReq(req);
  EXPECT_TRUE(st.ok()) << st.error().message;
}

TEST_P(VectorTest, QuerySignedRequestVerifies) {
  ParsedRequest signed_req = ParseRequestText(File("query-signed-request.txt"));
  auto st = VerifyReq(signed_req);
  EXPECT_TRUE(st.ok()) << st.error().code << ": " << st.error().message;
  // Still valid at the last second of X-Amz-Expires, expired one second later.
  opts_.now_epoch_seconds = ctx_.now + ctx_.expires;
  EXPECT_TRUE(VerifyReq(signed_req).ok());
  opts_.now_epoch_seconds = ctx_.now + ctx_.expires + 1;
  auto expired = VerifyReq(signed_req);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code, "RequestExpired");
}

TEST_P(VectorTest, QuerySignedRequestRejectsTampering) {
  TamperAll(ParseRequestText(File("query-signed-request.txt")), true);
}

std::string CaseName(const ::testing::TestParamInfo<std::string>& info) {
  std::string s = info.param;
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return s;
}

INSTANTIATE_TEST_SUITE_P(AwsCAuth, VectorTest, ::testing::ValuesIn(ListCases()), CaseName);

}  // namespace
}  // namespace rampart::sigv4
