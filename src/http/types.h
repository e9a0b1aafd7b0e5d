#pragma once
// The transport-neutral request and response the listener hands to the lifecycle.

#include <cstdint>
#include <functional>
#include <memory>
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
  std::string tls_version, tls_cipher;  // set when tls
  int64_t received_ns = 0;  // steady clock, for latency
  int deferrals = 0;        // times the gateway deferred this request (services::Deferred)
};

struct Response {
  int status = 200;
  std::vector<HttpHeader> headers;
  std::string body;
  std::shared_ptr<BodySource> stream;  // set instead of `body` for a body written piece by piece
};

// Delivers the response of one request; call exactly once, from any thread.
using Responder = std::function<void(Response)>;
// Called on an io thread for each complete request. Must not block for long; must not throw.
// The request is valid only during the call; the response may come later through `respond`.
using Handler = std::function<void(Request&, Responder respond)>;

}  // namespace rampart::http
