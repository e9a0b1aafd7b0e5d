// libFuzzer target: an HTTP/1.1 request as the listener reads it (src/http/listener.cc):
// Beast's request parser with the listener's limits (header section 16 KiB, body 1 MiB here,
// chunk extensions bounded), fed in two writes split where the input says, then the RFC
// 9110/9112 checks of src/http/request_rules.h on the head. Whatever the bytes: no crash, no
// read out of bounds, no hang, and the checks' verdicts are consistent (a refusal has a 4xx/5xx
// status, a code and a message; 405 only for TRACE and CONNECT).
//
// Input: first byte = split point (as a fraction of the rest), then the bytes of the request.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/request_rules.h"

namespace beast = boost::beast;
namespace bhttp = beast::http;
using namespace rampart::http;

namespace {

void CheckRefusal(const std::optional<Refusal>& r) {
  if (!r) return;
  if (r->status < 400 || r->status > 599 || r->code.empty() || r->message.empty()) abort();
  if (r->allow_header != (r->status == 405)) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view all(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t split = all.size() * data[0] / 255;

  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(1024 * 1024);
  auto limit = [](std::uint64_t, beast::string_view ext, beast::error_code& ec) {
    if (ext.size() > kMaxChunkExtensionBytes) ec = bhttp::error::bad_chunk_extension;
  };
  parser.on_chunk_header(limit);

  if (size_t end = all.find("\r\n\r\n"); end != std::string_view::npos) {
    (void)HasObsFold(all.substr(0, end + 2));
  }
  beast::flat_buffer buf;
  beast::error_code ec;
  for (std::string_view part : {all.substr(0, split), all.substr(split)}) {
    auto dst = buf.prepare(part.size());
    std::memcpy(dst.data(), part.data(), part.size());
    buf.commit(part.size());
    while (buf.size() > 0 && !parser.is_done()) {
      size_t used = parser.put(buf.data(), ec);
      buf.consume(used);
      if (ec || used == 0) break;
    }
    if (ec && ec != bhttp::error::need_more) return 0;
    ec = {};
  }
  if (!parser.is_header_done()) return 0;
  const auto& h = parser.get();
  auto method = CheckMethod(h.method_string());
  CheckRefusal(method);
  if (method && method->status == 405 && h.method_string() != "TRACE" &&
      h.method_string() != "CONNECT") {
    abort();
  }
  Fields fields;
  for (const auto& f : h) fields.emplace_back(f.name_string(), f.value());
  CheckRefusal(CheckFields(h.version(), fields));
  (void)ValidHostValue(h[bhttp::field::host]);
  return 0;
}
