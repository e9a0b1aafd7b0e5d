// libFuzzer target: awsJson 1.0/1.1 (KMS, Logs, CloudWatch over JSON 1.0 with query-compatible
// errors, ...): X-Amz-Target + body -> the whole codec pipeline. Format: see
// protocol_fuzz_util.h (line 2 = X-Amz-Target). Seed corpus: fuzz/corpus/protocol_json/.
#include <cstddef>
#include <cstdint>

#include "protocol_fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rampart;
  using namespace rampart::protocol;
  fuzz::Input in = fuzz::Split(std::string_view(reinterpret_cast<const char*>(data), size));
  in.headers.push_back({"X-Amz-Target", in.line2});
  WireRequest req{"POST", "/", "", &in.headers, in.body};
  fuzz::RunPipeline(req, in.scope);
  return 0;
}
