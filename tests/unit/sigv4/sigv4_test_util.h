#pragma once
// Test helpers: read files, parse the raw HTTP text of the aws-c-auth vectors.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "http/sigv4/sigv4.h"

namespace rampart::sigv4::testutil {

inline std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct ParsedRequest {
  std::string method, target;
  std::vector<Header> headers;
  std::string body;
  RequestView View() const { return RequestView{method, target, &headers, body}; }
};

// "METHOD <target possibly with spaces> HTTP/1.1\nName:value\n  folded\n\nbody"
inline ParsedRequest ParseRequestText(const std::string& text) {
  ParsedRequest r;
  size_t pos = 0;
  auto next_line = [&](std::string& line) {
    if (pos >= text.size()) return false;
    size_t nl = text.find('\n', pos);
    line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  };
  std::string line;
  if (!next_line(line)) return r;
  size_t sp = line.find(' ');
  size_t http = line.rfind(" HTTP/");
  r.method = line.substr(0, sp);
  if (sp != std::string::npos && http != std::string::npos && http > sp) r.target = line.substr(sp + 1, http - sp - 1);
  while (next_line(line)) {
    if (line.empty()) break;
    if ((line[0] == ' ' || line[0] == '\t') && !r.headers.empty()) {
      r.headers.back().value += "\n" + line;  // obs-fold, kept raw
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    r.headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
  }
  if (pos < text.size()) r.body = text.substr(pos);
  return r;
}

}  // namespace rampart::sigv4::testutil
