// Response golden files: tests/data/protocol/responses/<case>.json names an operation, a wire
// form and either an output document or an Error. This test encodes it with EncodeOutput /
// EncodeError and compares the bytes with responses/encoded/<case>.json; with
// RAMPART_UPDATE_GOLDEN=1 in the environment it rewrites those files instead.
//
// The encoded files are what tools/capture/parse_responses.py feeds to real botocore (1.29 and
// 1.43) through a full client call; BotocoreParsesEncodedResponses runs that script, so one
// `protocol_tests` run proves both "the bytes are what we meant" and "botocore reads them as the
// expected dicts".
#include <gtest/gtest.h>

#include <cstdlib>

#include "protocol_test_util.h"

namespace rampart::protocol {
namespace {

using namespace testutil;  // NOLINT(google-build-using-namespace): test file

std::optional<Wire> WireFromName(std::string_view name) {
  for (Wire w : {Wire::kQuery, Wire::kJson10, Wire::kJson11, Wire::kRestJson, Wire::kRestXml}) {
    if (WireName(w) == name) return w;
  }
  return std::nullopt;
}

json::value EncodedAsJson(const WireResponse& r) {
  json::object o;
  o["status"] = r.status;
  json::array headers;
  for (const auto& h : r.headers) headers.push_back(json::array{json::string(h.name),
                                                                 json::string(h.value)});
  o["headers"] = std::move(headers);
  o["body"] = r.body;
  return o;
}

class ResponseTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ResponseTest, EncodesToTheGoldenBytes) {
  json::object c = ReadJson(DataDir() / "responses" / GetParam()).as_object();
  Exchange ex;
  ex.service = model::FindService(Str(c.at("service")));
  ASSERT_NE(ex.service, nullptr);
  ex.operation = ex.service->FindOperation(Str(c.at("operation")));
  ASSERT_NE(ex.operation, nullptr);
  auto wire = WireFromName(Str(c.at("wire")));
  ASSERT_TRUE(wire);
  ex.wire = *wire;
  ex.query_compatible = ex.service->protocol == model::Protocol::kQuery && ex.wire == Wire::kJson10;

  std::string rid = "req-" + GetParam().substr(0, GetParam().size() - 5);
  WireResponse r;
  if (c.contains("error")) {
    const json::object& e = c.at("error").as_object();
    Error err{Str(e.at("code")), Str(e.at("message")), static_cast<int>(e.at("status").as_int64()),
              e.at("sender_fault").as_bool()};
    r = EncodeError(ex, err, rid);
    EXPECT_EQ(r.status, err.http_status);
  } else {
    r = EncodeOutput(ex, c.at("output"), rid);
    EXPECT_LT(r.status, 300);
  }
  std::string text;
  Pretty(EncodedAsJson(r), text);
  text += "\n";
  auto golden = DataDir() / "responses" / "encoded" / GetParam();
  if (std::getenv("RAMPART_UPDATE_GOLDEN")) {
    std::filesystem::create_directories(golden.parent_path());
    std::ofstream(golden, std::ios::binary) << text;
    return;
  }
  EXPECT_EQ(ReadFile(golden), text)
      << "encoded bytes changed; rerun with RAMPART_UPDATE_GOLDEN=1, review the diff, and run "
         "tools/capture/parse_responses.py with both botocores";
}

INSTANTIATE_TEST_SUITE_P(Golden, ResponseTest, ::testing::ValuesIn(ListData("responses", ".json")),
                         [](const auto& info) { return TestName(info.param); });

// Runs the botocore side over the committed encoded files with each interpreter that has
// botocore: Debian's /usr/bin/python3 (1.29) and the first python3 on PATH (1.43 here).
TEST(Responses, BotocoreParsesEncodedResponses) {
  if (std::getenv("RAMPART_UPDATE_GOLDEN")) GTEST_SKIP() << "updating golden files";
  std::string script = std::string(RAMPART_SOURCE_DIR) + "/tools/capture/parse_responses.py";
  int ran = 0;
  for (const char* py : {"/usr/bin/python3", "python3"}) {
    std::string probe = std::string(py) + " -c 'import botocore' >/dev/null 2>&1";
    if (std::system(probe.c_str()) != 0) continue;
    std::string cmd = std::string(py) + " " + script + " --quiet";
    int rc = std::system(cmd.c_str());
    EXPECT_EQ(rc, 0) << cmd << " reported mismatches (run it for details)";
    ++ran;
  }
  if (ran == 0) GTEST_SKIP() << "no python3 with botocore";
}

}  // namespace
}  // namespace rampart::protocol
