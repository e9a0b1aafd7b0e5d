// libFuzzer target: the query protocol (IAM, STS, SNS, CloudWatch): form-encoded query string and
// body -> RouteService (signed and unsigned), ResolveOperation, DecodeInput, ValidateInput,
// EncodeOutput/EncodeError. Format: see protocol_fuzz_util.h (line 2 = URL query string).
// Seed corpus: fuzz/corpus/protocol_query/.
#include <cstddef>
#include <cstdint>

#include "protocol_fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rampart;
  using namespace rampart::protocol;
  fuzz::Input in = fuzz::Split(std::string_view(reinterpret_cast<const char*>(data), size));
  if (in.headers.empty()) {
    in.headers.push_back({"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"});
  }
  WireRequest req{"POST", "/", in.line2, &in.headers, in.body};
  fuzz::RunPipeline(req, in.scope);
  // The same request unsigned (Action= routing) and as a GET with everything in the URL.
  fuzz::RunPipeline(req, "");
  std::string url = in.line2.empty() ? in.body : in.line2 + "&" + in.body;
  WireRequest get{"GET", "/", url, &in.headers, ""};
  fuzz::RunPipeline(get, in.scope);
  return 0;
}
