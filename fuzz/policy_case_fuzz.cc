// libFuzzer target: the `rampart policy eval` input path (case documents) on arbitrary bytes.
// Seed corpus: fuzz/corpus/policy_case/ (copies of golden vectors).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/case_runner.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto out = rampart::policy::EvaluateCaseJson(
      std::string_view(reinterpret_cast<const char*>(data), size));
  (void)out;
  return 0;
}
