#pragma once
// Helpers shared by the protocol tests: loading golden files from tests/data/protocol/, turning a
// captured request into a WireRequest, running the whole decode pipeline.

#include <boost/json.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "protocol/codec.h"

namespace rampart::protocol::testutil {

namespace json = boost::json;

inline std::filesystem::path DataDir() {
  return std::filesystem::path(RAMPART_SOURCE_DIR) / "tests" / "data" / "protocol";
}

inline std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline json::value ReadJson(const std::filesystem::path& p) { return json::parse(ReadFile(p)); }

// Sorted list of files in tests/data/protocol/<sub> whose name ends with `suffix`.
inline std::vector<std::string> ListData(const std::string& sub, const std::string& suffix) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(DataDir() / sub)) {
    std::string name = e.path().filename().string();
    if (name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      out.push_back(name);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// gtest parameter names allow only [A-Za-z0-9_].
inline std::string TestName(std::string s) {
  for (char& c : s) {
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return s;
}

inline std::string Str(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : std::string();
}

// A request whose views point into this object: keep it alive while the WireRequest is used.
struct OwnedRequest {
  std::string method, path, query, body;
  std::vector<HttpHeader> headers;

  WireRequest View() const { return {method, path, query, &headers, body}; }
};

inline OwnedRequest FromCapture(const json::object& c) {
  OwnedRequest r;
  r.method = Str(c.at("method"));
  r.path = Str(c.at("path"));
  r.query = Str(c.at("query"));
  for (const auto& kv : c.at("headers").as_object()) {
    r.headers.push_back({std::string(kv.key()), Str(kv.value())});
  }
  if (c.contains("body")) {
    r.body = Str(c.at("body"));
  } else if (c.contains("body_base64")) {
    r.body = crypto::Base64Decode(Str(c.at("body_base64"))).value();
  }
  return r;
}

inline OwnedRequest Query(std::string body, std::string query = "") {
  OwnedRequest r;
  r.method = "POST";
  r.path = "/";
  r.query = std::move(query);
  r.body = std::move(body);
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  return r;
}

inline OwnedRequest Json(std::string target, std::string body, std::string version = "1.1") {
  OwnedRequest r;
  r.method = "POST";
  r.path = "/";
  r.body = std::move(body);
  r.headers = {{"X-Amz-Target", std::move(target)},
               {"Content-Type", "application/x-amz-json-" + version}};
  return r;
}

inline OwnedRequest Rest(std::string method, std::string path, std::string query = "",
                         std::string body = "", std::vector<HttpHeader> headers = {}) {
  OwnedRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.query = std::move(query);
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

// Every step a gateway runs before the handler. `error` is set by the first step that fails.
struct Pipeline {
  const model::Service* service = nullptr;
  Exchange exchange;
  json::value input;
  std::optional<Error> error;
  std::string failed_step;
};

inline Pipeline RunPipeline(const OwnedRequest& owned, std::string_view scope_service) {
  Pipeline p;
  WireRequest req = owned.View();
  p.service = RouteService(req, scope_service);
  if (!p.service) {
    p.failed_step = "route";
    return p;
  }
  Resolved r = ResolveOperation(*p.service, req);
  p.exchange = r.exchange;
  if (!r.status.ok()) {
    p.error = r.status.error();
    p.failed_step = "resolve";
    return p;
  }
  auto in = DecodeInput(p.exchange, req);
  if (!in.ok()) {
    p.error = in.error();
    p.failed_step = "decode";
    return p;
  }
  p.input = std::move(*in);
  Status v = ValidateInput(p.exchange, p.input);
  if (!v.ok()) {
    p.error = v.error();
    p.failed_step = "validate";
  }
  return p;
}

// Pretty JSON with sorted-as-given keys, one member per line: golden files that diff well.
inline void Pretty(const json::value& v, std::string& out, int indent = 0) {
  auto pad = [&](int n) { out.append(static_cast<size_t>(n), ' '); };
  switch (v.kind()) {
    case json::kind::object: {
      const auto& o = v.as_object();
      if (o.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      size_t i = 0;
      for (const auto& kv : o) {
        pad(indent + 1);
        out += json::serialize(json::string(kv.key()));
        out += ": ";
        Pretty(kv.value(), out, indent + 1);
        out += ++i < o.size() ? ",\n" : "\n";
      }
      pad(indent);
      out += "}";
      return;
    }
    case json::kind::array: {
      const auto& a = v.as_array();
      if (a.empty()) {
        out += "[]";
        return;
      }
      out += "[\n";
      for (size_t i = 0; i < a.size(); ++i) {
        pad(indent + 1);
        Pretty(a[i], out, indent + 1);
        out += i + 1 < a.size() ? ",\n" : "\n";
      }
      pad(indent);
      out += "]";
      return;
    }
    default:
      out += json::serialize(v);
  }
}

}  // namespace rampart::protocol::testutil
