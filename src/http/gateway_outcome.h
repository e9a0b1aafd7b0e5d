#pragma once
// What the gateway learns about one call as it handles it (private to src/http/: gateway.cc and
// s3_post.cc).

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "http/gateway.h"
#include "protocol/codec.h"
#include "protocol/model.h"
#include "services/call.h"

namespace rampart::http {

struct Gateway::Outcome {
  std::string request_id;
  uint8_t request_uuid[16];  // request_id's bytes
  const model::Service* service = nullptr;
  const model::Operation* operation = nullptr;
  std::string principal_arn;
  std::string error_code;
  // What the CloudTrail record needs.
  std::optional<services::Principal> principal;
  std::string presented_key;
  std::string region;
  std::string source_ip;
  boost::json::value input;                  // the decoded request; the lifecycle works on it in place
  std::optional<boost::json::value> output;  // moved in with its own storage (no copy)
  std::optional<Error> error;
  int64_t now = 0;
  std::string deferred;  // set when a step answered services::Deferred: what to wait for
  services::RecordNotes notes;  // what the handler adds to the record
};

// A codec's answer as the listener's Response.
Response FromWire(protocol::WireResponse&& w);

}  // namespace rampart::http
