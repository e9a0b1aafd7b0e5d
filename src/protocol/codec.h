#pragma once
// Generic codecs: turn wire bytes into a request document for any operation of any served
// service, and a response document (or an Error) back into wire bytes, all driven by the
// generated model tables. Handlers never see XML or JSON text.
//
// The document is a boost::json::value shaped like the operation's input/output structure, keyed
// by model member names (not wire names). Canonical scalar forms:
//   string -> string; integer/long -> int64; float/double -> double; boolean -> bool;
//   timestamp -> double (epoch seconds); blob -> string holding the raw bytes.
// All functions are pure and thread-safe.

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/http_types.h"
#include "common/result.h"
#include "protocol/model.h"

namespace rampart::protocol {

// The wire form one request arrived in. A service may accept several (CloudWatch: query, and
// awsJson 1.0 with query-compatible errors from newer SDKs; CBOR later).
enum class Wire : uint8_t { kQuery, kJson10, kJson11, kRestJson, kRestXml };

struct WireRequest {
  std::string_view method;
  std::string_view path;   // raw (percent-encoded) path, no query
  std::string_view query;  // raw query string without '?'
  const std::vector<HttpHeader>* headers = nullptr;
  std::string_view body;
  // Signed by query parameters (a presigned URL): a JSON operation's members may then come from
  // the query string with an empty body, where botocore's presigner puts them.
  bool presigned = false;
};

struct WireResponse {
  int status = 200;
  std::vector<HttpHeader> headers;
  std::string body;
};

// How to answer a given request: fixed once the operation is known.
struct Exchange {
  const model::Service* service = nullptr;
  const model::Operation* operation = nullptr;  // null if the operation could not be named
  Wire wire = Wire::kQuery;
  bool query_compatible = false;  // awsJson carrying a query service: add x-amzn-query-error
};

// Picks the service for a request. `scope_service` is the service of the SigV4 credential scope
// ("" when unsigned). Order: X-Amz-Target prefix, credential scope, Action= of an unsigned query
// operation, then the path. Null if nothing matches.
const model::Service* RouteService(const WireRequest& req, std::string_view scope_service);

// Names the operation and the wire form. On failure the Exchange is still usable for encoding
// the error (operation null). Errors: InvalidAction / UnknownOperationException / NotFound...
struct Resolved {
  Exchange exchange;
  Result<void> status;
};
Resolved ResolveOperation(const model::Service& service, const WireRequest& req);

// Whether the request names a query-protocol Action (in its query string or form body).
bool NamesQueryAction(const WireRequest& req);

// Decodes the input document of the resolved operation (no constraint checks beyond types).
Result<boost::json::value> DecodeInput(const Exchange& ex, const WireRequest& req);

// Checks the document against the input shape: required members, enums, lengths, ranges and
// patterns. The error is the protocol's validation error with AWS's message form
// ("1 validation error detected: Value null at 'userName' failed to satisfy constraint: ...").
Status ValidateInput(const Exchange& ex, const boost::json::value& input);

// Encodes an output document (may be null for operations without output).
WireResponse EncodeOutput(const Exchange& ex, const boost::json::value& output,
                          std::string_view request_id);
WireResponse EncodeError(const Exchange& ex, const Error& error, std::string_view request_id);

// The error an operation that exists in the model but has no handler answers with.
Error NotImplementedError(const Exchange& ex);

std::string_view WireName(Wire w);

}  // namespace rampart::protocol
