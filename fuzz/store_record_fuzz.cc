// libFuzzer target: a record frame of the event log (store/log/record_codec.h) read back from
// disk, with the context it names. A corrupt payload or context (a damaged disk) must never
// crash or read out of bounds (ASan/UBSan); one that decodes must encode back to the same
// bytes when its ids and context were written the way the encoder writes them.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "store/event_json.h"
#include "store/log/record_codec.h"

using namespace rampart::store;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Input: [u8 context length][context][payload]; the payload refers to context number 0.
  if (size < 1) return 0;
  size_t n = std::min<size_t>(data[0], size - 1);
  std::string context(reinterpret_cast<const char*>(data) + 1, n);
  std::string_view payload(reinterpret_cast<const char*>(data) + 1 + n, size - 1 - n);
  EventRecord r;
  auto contexts = [&](uint32_t k) { return k == 0 ? &context : nullptr; };
  if (!logfmt::DecodeRecord(payload, contexts, &r)) return 0;
  // What decoded renders (a record's own JSON is returned as stored), and survives a second
  // trip through the format.
  std::string text = EventJson(r);
  if (r.json.empty() && !text.empty() && (text.front() != '{' || text.back() != '}')) {
    std::abort();
  }
  EventView v = ViewOf(r);
  std::string again_context;
  logfmt::EncodeContext(v, again_context);
  std::string again;
  logfmt::EncodeRecord(again, v, logfmt::kInlineContext, again_context);
  EventRecord back;
  if (!logfmt::DecodeRecordWith(again, {}, &back)) std::abort();
  if (back.event_id != r.event_id || back.facts != r.facts || back.json != r.json ||
      back.user_agent != r.user_agent || back.resources.size() != r.resources.size()) {
    std::abort();
  }
  return 0;
}
