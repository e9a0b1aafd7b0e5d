#pragma once
// The transport-neutral request and response the listener hands to the lifecycle.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/http_types.h"

namespace rampart::http {

struct Request {
  std::string method;
  std::string target;  // raw request-target (path?query)
  std::vector<HttpHeader> headers;
  std::string body;
  std::string remote_ip;
  bool tls = false;
  int64_t received_ns = 0;  // steady clock, for latency
};

struct Response {
  int status = 200;
  std::vector<HttpHeader> headers;
  std::string body;
};

// Called on an io thread for each complete request. Must not block for long; must not throw.
using Handler = std::function<Response(Request&)>;

}  // namespace rampart::http
