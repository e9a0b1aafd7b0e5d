// libFuzzer target: awsJson 1.0/1.1 (KMS, Logs, CloudWatch over JSON 1.0 with query-compatible
// errors, ...): X-Amz-Target + body -> the whole codec pipeline. Format: see
// protocol_fuzz_util.h (line 2 = X-Amz-Target). Seed corpus: fuzz/corpus/protocol_json/.
//
// Also a round trip: a decoded input document, encoded with the input shape standing in for the
// output (DocumentToJson) and decoded again (JsonToDocument), must come back unchanged.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "protocol_fuzz_util.h"

namespace {

// Documents with NaN (never equal to itself) or fractional timestamps written as ISO 8601
// (millisecond precision) cannot compare equal after a round trip.
bool Comparable(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::double_: return std::isfinite(v.as_double());
    case boost::json::kind::array:
      for (const auto& x : v.as_array()) {
        if (!Comparable(x)) return false;
      }
      return true;
    case boost::json::kind::object:
      for (const auto& kv : v.as_object()) {
        if (!Comparable(kv.value())) return false;
      }
      return true;
    default: return true;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rampart;
  using namespace rampart::protocol;
  fuzz::Input in = fuzz::Split(std::string_view(reinterpret_cast<const char*>(data), size));
  in.headers.push_back({"X-Amz-Target", in.line2});
  WireRequest req{"POST", "/", "", &in.headers, in.body};
  fuzz::RunPipeline(req, in.scope);

  const model::Service* svc = RouteService(req, in.scope);
  if (!svc) return 0;
  Resolved r = ResolveOperation(*svc, req);
  if (!r.status.ok() || r.exchange.wire == Wire::kQuery) return 0;
  auto doc = DecodeInput(r.exchange, req);
  if (!doc.ok() || !Comparable(*doc) || r.exchange.operation->input == model::kNoShape) return 0;
  model::Operation mirror = *r.exchange.operation;
  mirror.output = mirror.input;
  Exchange ex = r.exchange;
  ex.operation = &mirror;
  WireResponse encoded = EncodeOutput(ex, *doc, "rid");
  WireRequest again{"POST", "/", "", &in.headers, encoded.body};
  auto doc2 = DecodeInput(ex, again);
  if (!doc2.ok() || *doc2 != *doc) abort();
  return 0;
}
