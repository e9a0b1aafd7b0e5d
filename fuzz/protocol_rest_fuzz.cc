// libFuzzer target: rest-json and rest-xml (S3, GuardDuty, Macie, X-Ray, Inspector): request
// line, headers and body -> URI template matching, labels, query string, header bindings, JSON
// and XML bodies (expat DOM), then validation and encoding. The body also goes straight to
// xml::Parse. Format: see protocol_fuzz_util.h (line 2 = "METHOD /path?query").
// Seed corpus: fuzz/corpus/protocol_rest/.
#include <cstddef>
#include <cstdint>

#include "protocol/xml.h"
#include "protocol_fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rampart;
  using namespace rampart::protocol;
  fuzz::Input in = fuzz::Split(std::string_view(reinterpret_cast<const char*>(data), size));
  std::string_view line = in.line2;
  size_t sp = line.find(' ');
  std::string_view method = line.substr(0, sp);
  std::string_view target = sp == std::string_view::npos ? "/" : line.substr(sp + 1);
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
  WireRequest req{method, path, query, &in.headers, in.body};
  fuzz::RunPipeline(req, in.scope);
  fuzz::RunPipeline(req, "");  // unsigned: path-based routing over the rest-json services
  auto doc = xml::Parse(in.body);
  if (!doc.ok() && doc.error().http_status != 400) abort();
  return 0;
}
