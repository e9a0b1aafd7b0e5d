// libFuzzer target: raw HTTP-ish text -> HasAuth, ParseCredential, CanonicalRequest (both path
// modes), PayloadHash and Verify. Must never crash, hang or trip a sanitizer.
//
// Input format (the same as the aws-c-auth vectors' *-signed-request.txt files):
//   "METHOD <target> HTTP/1.1\nName:value\n...\n\nbody"
// Seed corpus: fuzz/corpus/sigv4_parse/.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/sigv4/sigv4.h"

namespace {

struct Parsed {
  std::string method, target, body;
  std::vector<rampart::sigv4::Header> headers;
};

Parsed ParseInput(std::string_view text) {
  Parsed r;
  size_t pos = 0;
  auto next_line = [&](std::string_view& line) {
    if (pos >= text.size()) return false;
    size_t nl = text.find('\n', pos);
    line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return true;
  };
  std::string_view line;
  if (!next_line(line)) return r;
  size_t sp = line.find(' ');
  r.method = std::string(line.substr(0, sp));
  if (sp != std::string_view::npos) {
    std::string_view rest = line.substr(sp + 1);
    size_t http = rest.rfind(" HTTP/");
    r.target = std::string(rest.substr(0, http));
  }
  while (next_line(line) && !line.empty()) {
    if ((line[0] == ' ' || line[0] == '\t') && !r.headers.empty()) {
      r.headers.back().value.append("\n").append(line);
      continue;
    }
    size_t colon = line.find(':');
    r.headers.push_back({std::string(line.substr(0, colon)),
                         colon == std::string_view::npos ? std::string() : std::string(line.substr(colon + 1))});
  }
  if (pos < text.size()) r.body = std::string(text.substr(pos));
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rampart::sigv4;
  Parsed p = ParseInput(std::string_view(reinterpret_cast<const char*>(data), size));
  RequestView req{p.method, p.target, &p.headers, p.body};
  (void)HasAuth(req);
  auto cred = ParseCredential(req);
  if (!cred.ok()) {
    (void)ToProtocolError(cred.error(), Protocol::kS3, true);
    return 0;
  }
  (void)cred->scope();
  for (bool s3 : {false, true}) {
    std::string payload = PayloadHash(req, *cred, s3);
    std::string canonical = CanonicalRequest(req, *cred, !s3, payload);
    (void)StringToSign(*cred, canonical);
    VerifyOptions opts;
    opts.now_epoch_seconds = 1440938160;  // 2015-08-30T12:36:00Z, the vectors' time
    opts.normalize_path = !s3;
    opts.s3 = s3;
    (void)Verify(req, *cred, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", opts, nullptr);
  }
  return 0;
}
