// libFuzzer target: a stored record's facts blob (store/event_json.h) read back from disk.
// A corrupt blob (a damaged disk) must never crash or read out of bounds (ASan/UBSan); a blob
// that is well-formed renders JSON whose structure holds (strings are escaped).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "store/event_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rampart::store::EventRecord r;
  r.event_id = "e";
  r.account_id = "111111111111";
  r.event_name = "GetUser";
  r.facts.assign(reinterpret_cast<const char*>(data), size);
  if (size > 0 && data[0] == 1 && size > 2) {
    r.resources.push_back({"AWS::IAM::User", std::string(r.facts, 2, 8)});
  }
  std::string text = rampart::store::EventJson(r);
  if (!text.empty() && (text.front() != '{' || text.back() != '}')) std::abort();
  return 0;
}
