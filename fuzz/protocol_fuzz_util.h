#pragma once
// Shared by the protocol_*_fuzz.cc targets: splits fuzz input into a request and drives the
// whole codec pipeline over it. Input format (seed files in fuzz/corpus/protocol_*/ are written
// by tools/capture/make_fuzz_corpus.py from the botocore captures):
//
//   line 1: SigV4 scope service ("" = unsigned)
//   line 2: target-specific (query: the URL query string; json: X-Amz-Target;
//           rest: "METHOD /path?query")
//   then "Name: value" header lines up to an empty line, then the body.
//
// Invariants checked (abort = finding): errors are 4xx with a code, encoders accept any
// document (including a decoded input posing as an output), validation never throws.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/codec.h"

namespace rampart::protocol::fuzz {

struct Input {
  std::string scope, line2, body;
  std::vector<HttpHeader> headers;
};

inline Input Split(std::string_view text) {
  Input in;
  size_t pos = 0;
  auto next_line = [&](std::string& out) {
    if (pos >= text.size()) return false;
    size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.assign(line);
    return true;
  };
  next_line(in.scope);
  next_line(in.line2);
  std::string line;
  while (next_line(line) && !line.empty()) {
    size_t colon = line.find(':');
    std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
    size_t start = value.find_first_not_of(' ');
    in.headers.push_back({line.substr(0, colon),
                          start == std::string::npos ? "" : value.substr(start)});
  }
  if (pos < text.size()) in.body.assign(text.substr(pos));
  return in;
}

inline void CheckError(const Error& e) {
  if (e.code.empty() || e.http_status < 400 || e.http_status >= 500) abort();
}

// Route, resolve, decode, validate, encode (output and error). Never crashes on any input.
inline void RunPipeline(const WireRequest& req, std::string_view scope) {
  const model::Service* svc = RouteService(req, scope);
  if (!svc) return;
  Resolved r = ResolveOperation(*svc, req);
  if (!r.status.ok()) {
    CheckError(r.status.error());
    WireResponse resp = EncodeError(r.exchange, r.status.error(), "rid");
    if (resp.status != r.status.error().http_status) abort();
    return;
  }
  if (!r.exchange.operation) abort();
  auto doc = DecodeInput(r.exchange, req);
  if (!doc.ok()) {
    CheckError(doc.error());
    (void)EncodeError(r.exchange, doc.error(), "rid");
    return;
  }
  Status st = ValidateInput(r.exchange, *doc);
  if (!st.ok()) {
    CheckError(st.error());
    (void)EncodeError(r.exchange, st.error(), "rid");
  }
  // The decoded input is a document of the wrong shape for the output: encoders must cope.
  (void)EncodeOutput(r.exchange, *doc, "rid");
  (void)EncodeError(r.exchange, NotImplementedError(r.exchange), "rid");
}

}  // namespace rampart::protocol::fuzz
