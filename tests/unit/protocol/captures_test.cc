// Requests serialized by real botocore (tools/capture/capture.py, botocore 1.29 and 1.43) must
// route to the right service, resolve to the right operation and wire form, decode to the
// document the client meant, and pass validation.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "protocol_test_util.h"

namespace rampart::protocol {
namespace {

using namespace testutil;  // NOLINT(google-build-using-namespace): test file

class CaptureTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { capture_ = ReadJson(DataDir() / "captures" / GetParam()).as_object(); }
  json::object capture_;
};

TEST_P(CaptureTest, RoutesResolvesDecodesAndValidates) {
  OwnedRequest req = FromCapture(capture_);
  Pipeline p = RunPipeline(req, Str(capture_.at("scope_service")));
  ASSERT_NE(p.service, nullptr) << "no service for the request";
  EXPECT_EQ(p.service->id, Str(capture_.at("service")));
  ASSERT_FALSE(p.error) << p.failed_step << ": " << p.error->code << ": " << p.error->message;
  ASSERT_NE(p.exchange.operation, nullptr);
  EXPECT_EQ(p.exchange.operation->name, Str(capture_.at("operation")));
  EXPECT_EQ(WireName(p.exchange.wire), Str(capture_.at("wire")));
  EXPECT_EQ(p.exchange.query_compatible, Str(capture_.at("service")) == "cloudwatch" &&
                                             Str(capture_.at("wire")) == "json1.0");
  EXPECT_EQ(p.input, capture_.at("expected"))
      << "decoded:  " << json::serialize(p.input)
      << "\nexpected: " << json::serialize(capture_.at("expected"));
}

// Query operations are also reachable unsigned (STS federation calls): Action and Version name
// the service without a credential scope.
TEST_P(CaptureTest, QueryRoutesWithoutScope) {
  if (Str(capture_.at("wire")) != "query") return;
  OwnedRequest req = FromCapture(capture_);
  const model::Service* svc = RouteService(req.View(), "");
  ASSERT_NE(svc, nullptr);
  EXPECT_EQ(svc->id, Str(capture_.at("service")));
}

// A scope that names another service wins over the body (the signature binds the scope).
TEST_P(CaptureTest, ScopeOfAnUnknownServiceRoutesNowhere) {
  if (!capture_.at("headers").as_object().contains("X-Amz-Target")) {
    OwnedRequest req = FromCapture(capture_);
    EXPECT_EQ(RouteService(req.View(), "no-such-service"), nullptr);
  }
}

// Every captured request, truncated at every 7th byte of its body, must fail cleanly or decode:
// never crash, never a 5xx.
TEST_P(CaptureTest, TruncatedBodiesNeverCrash) {
  OwnedRequest full = FromCapture(capture_);
  std::string scope = Str(capture_.at("scope_service"));
  for (size_t n = 0; n < full.body.size(); n += 7) {
    OwnedRequest req = full;
    req.body = full.body.substr(0, n);
    Pipeline p = RunPipeline(req, scope);
    if (p.error) {
      EXPECT_GE(p.error->http_status, 400) << n;
      EXPECT_LT(p.error->http_status, 500) << n << " " << p.error->code << " " << p.error->message;
      WireResponse r = EncodeError(p.exchange, *p.error, "rid");
      EXPECT_EQ(r.status, p.error->http_status);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Botocore, CaptureTest,
                         ::testing::ValuesIn(ListData("captures", ".json")),
                         [](const auto& info) { return TestName(info.param); });

TEST(Captures, CoverEveryWireFromBothBotocores) {
  std::map<std::string, std::set<std::string>> wires;  // botocore minor -> wires seen
  for (const std::string& f : ListData("captures", ".json")) {
    json::object c = ReadJson(DataDir() / "captures" / f).as_object();
    std::string v = Str(c.at("botocore"));
    wires[v.substr(0, v.rfind('.'))].insert(Str(c.at("wire")));
  }
  std::set<std::string> all{"query", "json1.0", "json1.1", "rest-json", "rest-xml"};
  ASSERT_TRUE(wires.count("1.29") && wires.count("1.43"));
  std::set<std::string> seen;
  for (auto& [v, w] : wires) seen.insert(w.begin(), w.end());
  EXPECT_EQ(seen, all);
  EXPECT_TRUE(wires["1.43"].count("json1.0")) << "CloudWatch over JSON 1.0 from the newer SDK";
  EXPECT_TRUE(wires["1.29"].count("query") && wires["1.29"].count("rest-xml"));
}

}  // namespace
}  // namespace rampart::protocol
