#include "http/gateway.h"
#include "http/gateway_outcome.h"

#include <cstring>
#include <fmt/format.h>

#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>

#include "common/crypto.h"
#include "common/strings.h"
#include "protocol/codec.h"
#include "spine/record.h"
#include "spine/record_rules.h"
#include "store/store.h"
#include "http/sigv4/chunked.h"

namespace rampart::http {

namespace json = boost::json;
using protocol::Exchange;
using protocol::WireRequest;
using protocol::WireResponse;


namespace {

int64_t SteadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// AWS request and event ids are UUIDs (version 4).
// They must be unique, not secret: a per-thread generator seeded once from the CSPRNG
// (RAND_bytes per id cost a lock and a getpid() syscall, ~7% of a small call).
void NewUuid(uint8_t b[16]) {
  thread_local std::mt19937_64 rng = [] {
    std::string seed = crypto::RandomBytes(32);
    std::seed_seq seq(seed.begin(), seed.end());
    return std::mt19937_64(seq);
  }();
  uint64_t hi = rng(), lo = rng();
  hi = (hi & ~0xf000ULL) | 0x4000ULL;                          // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  hi = __builtin_bswap64(hi);  // big-endian: the version nibble lands in byte 6
  lo = __builtin_bswap64(lo);
  std::memcpy(b, &hi, 8);
  std::memcpy(b + 8, &lo, 8);
}

// A new request id: its bytes in `b`, its text returned.
std::string NewRequestId(uint8_t b[16]) {
  NewUuid(b);
  std::string id(36, '-');
  crypto::FormatUuid(b, id.data());
  return id;
}

std::string_view BodyMember(const json::value& in, std::string_view member) {
  if (!in.is_object()) return {};
  auto* v = in.as_object().if_contains(member);
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}

// A double as Python's str(float) writes it: "inf", "3.0", "2.5".
std::string PythonFloat(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == std::floor(v) && std::fabs(v) < 1e16) return fmt::format("{:.1f}", v);
  return fmt::format("{}", v);
}

// A 503 the client should retry, in the XML every SDK reads an error from.
Response Unavailable(std::string_view message) {
  Response r;
  r.status = 503;
  r.headers.push_back({"Content-Type", "text/xml"});
  r.body = "<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>" +
           std::string(message) + "</Message></Error></ErrorResponse>";
  return r;
}

// The answer to a call whose CloudTrail record could not be written: it must not be acknowledged.
Response NotRecorded() { return Unavailable("The call could not be recorded in CloudTrail; retry"); }

// The answer to a call whose change could not be synced to disk (group commit failed).
Response NotDurable() {
  return Unavailable("The change could not be written to disk; check the server's storage and retry");
}

Response PlainJson(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.push_back({"Content-Type", "application/json"});
  r.body = std::move(body);
  return r;
}

sigv4::Protocol SigProtocol(const Exchange& ex) {
  switch (ex.wire) {
    case protocol::Wire::kQuery: return sigv4::Protocol::kQuery;
    case protocol::Wire::kRestXml: return sigv4::Protocol::kS3;
    default: return ex.query_compatible ? sigv4::Protocol::kQuery : sigv4::Protocol::kJson;
  }
}

// Message AWS gives for an access key id it does not know (query and JSON services).
Error UnknownKey(const Exchange& ex) {
  if (ex.wire == protocol::Wire::kRestXml) {
    return {"InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.", 403, true};
  }
  if (ex.wire == protocol::Wire::kQuery || ex.query_compatible) {
    return {"InvalidClientTokenId", "The security token included in the request is invalid.",
            403, true};
  }
  return {"UnrecognizedClientException", "The security token included in the request is invalid.",
          400, true};
}

Error ExpiredToken(const Exchange& ex) {
  if (ex.wire == protocol::Wire::kQuery || ex.query_compatible) {
    return {"ExpiredToken", "The security token included in the request is expired", 403, true};
  }
  if (ex.wire == protocol::Wire::kRestXml) {
    return {"ExpiredToken", "The provided token has expired.", 400, true};
  }
  return {"ExpiredTokenException", "The security token included in the request is expired", 400,
          true};
}

// AccessDenied as each protocol spells it.
Error AccessDeniedFor(const Exchange& ex, Error e) {
  if (e.code != "AccessDenied") return e;
  switch (ex.wire) {
    case protocol::Wire::kQuery:
    case protocol::Wire::kRestXml: return e;
    case protocol::Wire::kRestJson: return {"AccessDeniedException", e.message, 403, true};
    default:
      if (ex.query_compatible) return e;
      return {"AccessDeniedException", e.message, 400, true};
  }
}

// Headers a request may carry once: with two, the signature check, the router and the codecs
// could each read a different copy.
constexpr std::string_view kSingletonHeaders[] = {"authorization", "x-amz-target", "x-amz-date",
                                                  "x-amz-security-token",
                                                  "x-amz-content-sha256", "content-type"};

// One signature per request: one Authorization header, and not also presigned query
// parameters. Returns the name of the duplicated header, or "" if none.
std::string_view DuplicatedHeader(const std::vector<HttpHeader>& headers) {
  for (std::string_view name : kSingletonHeaders) {
    int seen = 0;
    for (const HttpHeader& h : headers) {
      if (h.name.size() == name.size() && IEquals(h.name, name) && ++seen > 1) return name;
    }
  }
  return {};
}

bool HasQuerySignature(std::string_view query) {
  for (std::string_view p : Split(query, '&')) {
    std::string_view name = p.substr(0, p.find('='));
    if (name == "X-Amz-Signature" || name == "X-Amz-Credential" || name == "X-Amz-Algorithm") {
      return true;
    }
  }
  return false;
}

// An S3 body sent aws-chunked (x-amz-content-sha256: STREAMING-...): decoded into `out`, its
// chunk signatures checked with `signer` (null before enforcement in --dev: only unsigned
// streams decode then), its trailers (x-amz-checksum-*) added to the request's headers, and
// "aws-chunked" taken out of Content-Encoding (S3 does not store it).
Status Dechunk(Request& req, const sigv4::ChunkSigner* signer, std::string& out) {
  auto mode = sigv4::StreamingMode(FindHeader(req.headers, "x-amz-content-sha256"));
  if (!mode) return {};
  std::string_view decoded = FindHeader(req.headers, "x-amz-decoded-content-length");
  uint64_t length = 0;
  if (decoded.empty() || decoded.size() > 19 ||
      decoded.find_first_not_of("0123456789") != std::string_view::npos) {
    return Error{"MissingContentLength", "You must provide the Content-Length HTTP header.", 411,
                 true};
  }
  length = std::stoull(std::string(decoded));
  if (*mode != sigv4::ChunkedMode::kUnsignedTrailer && !signer) {
    return Error{"NotImplemented",
                 "Signed aws-chunked uploads need an enforced signature (not --dev before "
                 "enforcement)",
                 501, true};
  }
  RAMPART_ASSIGN_OR_RETURN(sigv4::DecodedChunks chunks,
                           sigv4::DecodeChunked(req.body, *mode, signer, length));
  std::string_view announced = FindHeader(req.headers, "x-amz-trailer");
  for (auto& [name, value] : chunks.trailers) {
    if (!IEquals(Trim(announced), name)) {
      return Error{"MalformedTrailerError",
                   "The request contained trailing data that was not well-formed or did not "
                   "conform to our published schema.",
                   400, true};
    }
    if (!HasHeader(req.headers, name)) req.headers.push_back({name, value});
  }
  for (HttpHeader& h : req.headers) {
    if (!IEquals(h.name, "content-encoding")) continue;
    std::string kept;
    for (std::string_view part : Split(h.value, ',')) {
      part = Trim(part);
      if (part.empty() || IEquals(part, "aws-chunked")) continue;
      if (!kept.empty()) kept += ",";
      kept += part;
    }
    h.value = kept;
  }
  out = std::move(chunks.data);
  return {};
}

// The bucket of a virtual-hosted-style S3 Host header ("bucket.s3.amazonaws.com",
// "bucket.s3.eu-west-1.amazonaws.com", "bucket.s3-eu-west-1.amazonaws.com",
// "bucket.localhost:4566"), or "" for a path-style one.
std::string_view VirtualHostBucket(std::string_view host) {
  if (!host.empty() && host.front() == '[') return {};  // IPv6 literal
  host = host.substr(0, host.rfind(':') == std::string_view::npos ? host.size() : host.rfind(':'));
  size_t at = host.find(".s3.");
  if (at == std::string_view::npos) at = host.find(".s3-");
  if (at == std::string_view::npos && host.size() > 10 &&
      host.substr(host.size() - 10) == ".localhost") {
    at = host.size() - 10;
  }
  if (at == std::string_view::npos || at == 0) return {};
  return host.substr(0, at);
}

// A presigned URL of the retired Signature Version 2 (AWSAccessKeyId, Signature, Expires).
bool SignatureV2Query(std::string_view query) {
  bool key = false, signature = false;
  for (std::string_view p : Split(query, '&')) {
    std::string_view name = p.substr(0, p.find('='));
    key = key || name == "AWSAccessKeyId";
    signature = signature || name == "Signature";
  }
  return key && signature;
}

Error MissingAuth(const Exchange& ex) {
  if (ex.wire == protocol::Wire::kRestXml) {
    return {"AccessDenied", "Access Denied", 403, true};
  }
  if (ex.wire == protocol::Wire::kQuery || ex.query_compatible) {
    return {"MissingAuthenticationToken", "Request is missing Authentication Token", 403, true};
  }
  return {"MissingAuthenticationTokenException", "Request is missing Authentication Token", 400,
          true};
}

}  // namespace

Response FromWire(WireResponse&& w) {
  Response r;
  r.status = w.status;
  r.headers = std::move(w.headers);
  r.body = std::move(w.body);
  return r;
}

Gateway::Gateway(GatewayOptions opts, const services::Dispatch& dispatch,
                 services::CredentialResolver& credentials, services::Authorizer* authorizer)
    : opts_(std::move(opts)),
      dispatch_(dispatch),
      credentials_(credentials),
      authorizer_(authorizer),
      auth_countdown_(opts_.dev_mode ? -1 : 0) {
  for (const std::string& spec : opts_.trusted_proxies) {
    std::string ip = spec;
    int prefix = -1;
    if (size_t slash = spec.find('/'); slash != std::string::npos) {
      ip = spec.substr(0, slash);
      prefix = std::atoi(spec.c_str() + slash + 1);
    }
    boost::system::error_code ec;
    auto addr = boost::asio::ip::make_address(ip, ec);
    if (ec) continue;  // validated at start-up by server/
    Cidr c;
    if (addr.is_v4()) {
      c.addr = boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, addr.to_v4()).to_bytes();
      c.prefix = prefix < 0 ? 128 : 96 + prefix;
    } else {
      c.addr = addr.to_v6().to_bytes();
      c.prefix = prefix < 0 ? 128 : prefix;
    }
    trusted_.push_back(c);
  }
}

Status Gateway::CheckTrustedProxies(const std::vector<std::string>& cidrs) {
  for (const std::string& spec : cidrs) {
    size_t slash = spec.find('/');
    boost::system::error_code ec;
    auto addr = boost::asio::ip::make_address(spec.substr(0, slash), ec);
    int max = !ec && addr.is_v4() ? 32 : 128;
    int prefix = slash == std::string::npos ? max : std::atoi(spec.c_str() + slash + 1);
    bool digits = slash == std::string::npos ||
                  (slash + 1 < spec.size() &&
                   spec.find_first_not_of("0123456789", slash + 1) == std::string::npos);
    if (ec || !digits || prefix < 0 || prefix > max) {
      return Error::Validation("--trusted-proxy '" + spec + "' is not an IP address or CIDR");
    }
  }
  return {};
}

bool Gateway::Trusted(std::string_view ip) const {
  if (trusted_.empty()) return false;
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(std::string(Trim(ip)), ec);
  if (ec) return false;
  std::array<uint8_t, 16> b =
      addr.is_v4() ? boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, addr.to_v4()).to_bytes()
                   : addr.to_v6().to_bytes();
  for (const Cidr& c : trusted_) {
    int bits = c.prefix;
    bool match = true;
    for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
      uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
      if ((b[i] & mask) != (c.addr[i] & mask)) {
        match = false;
        break;
      }
    }
    if (match) return true;
  }
  return false;
}

std::string Gateway::SourceIp(const Request& req) const {
  if (!Trusted(req.remote_ip)) return req.remote_ip;
  std::string_view xff = FindHeader(req.headers, "x-forwarded-for");
  if (xff.empty()) return req.remote_ip;
  auto hops = Split(xff, ',');
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    std::string_view hop = Trim(*it);
    if (!Trusted(hop)) return std::string(hop);
  }
  return std::string(Trim(hops.front()));
}

void Gateway::EnforceAuthAfter(int64_t n) { auth_countdown_.store(n < 0 ? -1 : n); }

bool Gateway::AuthEnforced() const { return auth_countdown_.load() == 0; }

void Gateway::Handle(Request& req, Responder respond) {
  int64_t start = req.received_ns ? req.received_ns : SteadyNs();
  std::string_view target = req.target;
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);

  bool handled = false;
  Response control = HandleControl(req, path, &handled);
  if (handled) return respond(std::move(control));

  Outcome outcome;
  outcome.request_id = NewRequestId(outcome.request_uuid);
  Response res;
  uint64_t commit = 0;
  if (opts_.after_commit_sync) {
    // Group commit: the call's writes reach the disk with others' in one sync, and the reply
    // (below) waits for it off this thread.
    store::DeferCommitSync defer;
    res = HandleApi(req, path, query, outcome);
    commit = store::TakePendingCommit();
  } else {
    res = HandleApi(req, path, query, outcome);
  }
  if (commit != 0) {
    respond = [this, commit, respond = std::move(respond)](Response r) mutable {
      opts_.after_commit_sync(commit, [respond = std::move(respond),
                                       r = std::move(r)](bool ok) mutable {
        respond(ok ? std::move(r) : NotDurable());
      });
    };
  }
  if (!outcome.deferred.empty()) {
    // A step would have waited on the network: run the call again once that is ready, from the
    // thread that makes it so; this I/O thread goes on serving meanwhile.
    auto again = std::make_shared<Request>(req);
    ++again->deferrals;
    opts_.when_ready(outcome.deferred, [this, again, respond = std::move(respond)]() mutable {
      Handle(*again, std::move(respond));
    });
    return;
  }
  double seconds = static_cast<double>(SteadyNs() - start) / 1e9;
  metrics_.Observe(outcome.service ? outcome.service->id : "unknown",
                   outcome.operation ? outcome.operation->name : "unknown", res.status, seconds);
  LogAccess(req, outcome, res.status, seconds);
  if (!opts_.audit || !outcome.service || !outcome.operation) return respond(std::move(res));
  std::string_view account =
      outcome.principal ? std::string_view(outcome.principal->account_id) : opts_.default_account_id;
  // Data events (S3 object calls) are recorded only for an account with a trail that selects
  // them, and never listed by LookupEvents (their category is Data).
  bool data = spine::IsDataEvent(outcome.service->id, outcome.operation->name);
  if (data && !(opts_.records_data_events && opts_.records_data_events(std::string(account)))) {
    return respond(std::move(res));
  }

  // 8. Audit: the reply leaves only once its CloudTrail record is in the event log (on disk
  //    first with --audit-sync always; see Handle in gateway.h).
  spine::CallFacts facts;
  facts.principal = outcome.principal ? &*outcome.principal : nullptr;
  facts.access_key_id = outcome.presented_key;
  facts.service = outcome.service;
  facts.operation = outcome.operation;
  facts.input = outcome.input.is_null() ? nullptr : &outcome.input;
  facts.output = outcome.error || !outcome.output ? nullptr : &*outcome.output;
  facts.error = outcome.error ? &*outcome.error : nullptr;
  facts.request_id = outcome.request_id;
  facts.request_uuid = outcome.request_uuid;
  uint8_t event_id[16];  // the record keeps it as bytes: no text to make here
  NewUuid(event_id);
  facts.event_uuid = event_id;
  facts.event_time_ms = outcome.now * 1000;
  facts.region = outcome.region;
  facts.source_ip = outcome.source_ip.empty() ? req.remote_ip : outcome.source_ip;
  facts.user_agent = FindHeader(req.headers, "user-agent");
  facts.account_id = account;
  if (data) {
    facts.category = "Data";
    facts.bytes_in = static_cast<int64_t>(BodyMember(outcome.input, "Body").size());
    facts.bytes_out = static_cast<int64_t>(res.stream ? res.stream->size() : res.body.size());
  }
  facts.tls = req.tls;
  facts.tls_version = req.tls_version;
  facts.tls_cipher = req.tls_cipher;
  facts.host_header = FindHeader(req.headers, "host");
  facts.notes = &outcome.notes;
  thread_local spine::RecordBuffers buffers;  // reused: a record allocates nothing
  if (!opts_.audit->Append(spine::BuildEvent(facts, buffers))) return respond(NotRecorded());
  if (!opts_.audit->SyncsEachCall()) return respond(std::move(res));
  // --audit-sync always: the reply leaves once the record is on disk, from the sync thread.
  opts_.audit->AfterSync([respond = std::move(respond), res = std::move(res)](bool ok) mutable {
    respond(ok ? std::move(res) : NotRecorded());
  });
}

Response Gateway::MetricsResponse() const {
  Response r;
  r.headers.push_back({"Content-Type", "text/plain; version=0.0.4"});
  r.body = metrics_.Render(opts_.open_connections ? opts_.open_connections() : 0);
  if (opts_.extra_metrics) r.body += opts_.extra_metrics();
  return r;
}

Response Gateway::HandleControl(Request& req, std::string_view path, bool* handled) {
  *handled = true;
  if (path == "/_rampart/health") {
    std::string_view target = req.target;
    std::string_view query = target.substr(std::min(target.size(), path.size() + 1));
    bool deep = query == "deep=1" || query == "deep=true";
    Status st = opts_.health ? opts_.health(deep) : Status();
    if (st.ok()) return PlainJson(200, "{\"status\":\"ok\"}");
    return PlainJson(503, json::serialize(json::object{{"status", "failing"},
                                                       {"reason", st.error().message}}));
  }
  if (path == "/_rampart/ready") {
    if (!opts_.ready || opts_.ready->load()) return PlainJson(200, "{\"status\":\"ready\"}");
    return PlainJson(503, "{\"status\":\"draining\"}");
  }
  if (path == "/metrics" && req.method == "GET") {
    if (!opts_.metrics_on_api_port) {
      return PlainJson(404, "{\"message\":\"metrics are not served on this port\"}");
    }
    return MetricsResponse();
  }
  if (path == "/_rampart/trails/deliver" && req.method == "POST") {
    if (!opts_.dev_mode) {
      return PlainJson(404, "{\"message\":\"control endpoints exist only in --dev mode\"}");
    }
    Status st = opts_.deliver_trails ? opts_.deliver_trails() : Status();
    if (!st.ok()) return PlainJson(503, json::serialize(json::object{{"message", st.error().message}}));
    return PlainJson(200, "{\"status\": \"ok\"}");
  }
  bool reset = path == "/moto-api/reset" || path == "/_rampart/reset";
  if ((reset || path == "/moto-api/reset-auth") && req.method == "POST") {
    if (!opts_.dev_mode) {
      return PlainJson(404, "{\"message\":\"control endpoints exist only in --dev mode\"}");
    }
    if (reset) {
      Status st = opts_.reset_state ? opts_.reset_state() : Status();
      credentials_.Invalidate();
      // Back to where --dev started: no enforcement (moto's reset restores its no-auth count
      // too), so suites that switch enforcement on and off in any order keep working.
      auth_limit_.store(std::numeric_limits<double>::infinity());
      EnforceAuthAfter(-1);
      if (!st.ok()) return PlainJson(500, json::serialize(json::object{{"message", st.error().message}}));
      return PlainJson(200, "{\"status\": \"ok\"}");
    }
    // moto 5.2's protocol: the body is a number (Python's float(): "3", "3.0", "inf"); the
    // answer names the previous one as Python's str() of a float writes it, and the caller
    // posts it back to restore it (moto's set_initial_no_auth_action_count).
    char* end = nullptr;
    std::string body(Trim(req.body));
    double n = std::strtod(body.c_str(), &end);
    if (body.empty() || *end != '\0' || std::isnan(n) || n < 0) {
      return PlainJson(400, "{\"message\":\"body must be a non-negative number or inf\"}");
    }
    double previous = auth_limit_.exchange(n);
    EnforceAuthAfter(std::isinf(n) ? -1 : static_cast<int64_t>(std::ceil(n)));
    return PlainJson(200, json::serialize(json::object{
                              {"status", "ok"},
                              {"PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT", PythonFloat(previous)}}));
  }
  // Nothing else lives under the control prefixes, whatever the method: never an AWS call.
  if (StartsWith(path, "/moto-api/") || StartsWith(path, "/_rampart/")) {
    return PlainJson(404, opts_.dev_mode
                              ? "{\"message\":\"no such control endpoint\"}"
                              : "{\"message\":\"control endpoints exist only in --dev mode\"}");
  }
  *handled = false;
  return {};
}

Response Gateway::HandleApi(Request& req, std::string_view path, std::string_view query,
                            Outcome& outcome) {
  const std::string& rid = outcome.request_id;
  WireRequest wire{req.method, path, query, &req.headers, req.body};
  sigv4::RequestView sig_view{req.method, req.target, &req.headers, req.body};

  // 1. Route: which service? The credential scope names it for signed requests.
  bool has_auth = sigv4::HasAuth(sig_view);
  std::optional<Result<sigv4::Credential>> cred;
  std::string scope_service;
  if (has_auth) {
    cred.emplace(sigv4::ParseCredential(sig_view));
    if (cred->ok()) scope_service = (*cred)->service;
  }
  if (has_auth && cred->ok() && (*cred)->presigned) wire.presigned = true;
  const model::Service* service = protocol::RouteService(wire, scope_service);
  // An unsigned request no other route claims is S3's (anonymous access, allowed only where a
  // bucket policy makes the resource public).
  if (!service && !has_auth && FindHeader(req.headers, "x-amz-target").empty()) {
    if (!protocol::NamesQueryAction(wire)) service = model::FindService("s3");
  }
  // Virtual-hosted-style S3 (bucket.s3.<region>.amazonaws.com, bucket.localhost): the bucket
  // becomes the path's first segment.
  std::string hosted_path;
  if (service && service->id == "s3") {
    std::string_view bucket = VirtualHostBucket(FindHeader(req.headers, "host"));
    if (!bucket.empty()) {
      hosted_path = "/" + std::string(bucket) + std::string(path);
      wire.path = hosted_path;
    }
  }
  // A browser's CORS preflight: unsigned, answered from the bucket's CORS rules alone.
  if (service && service->id == "s3" && req.method == "OPTIONS" && opts_.s3_preflight) {
    outcome.service = service;
    Exchange cex;
    cex.service = service;
    cex.wire = protocol::Wire::kRestXml;
    std::string_view p = wire.path.substr(wire.path.empty() || wire.path[0] != '/' ? 0 : 1);
    std::string bucket(p.substr(0, p.find('/')));
    auto headers = opts_.s3_preflight(bucket, FindHeader(req.headers, "origin"),
                                      FindHeader(req.headers, "access-control-request-method"),
                                      FindHeader(req.headers, "access-control-request-headers"));
    if (!headers.ok()) {
      outcome.error_code = headers.error().code;
      return FromWire(protocol::EncodeError(cex, headers.error(), rid));
    }
    Response r;
    r.headers = std::move(*headers);
    r.headers.push_back({"x-amz-request-id", rid});
    return r;
  }
  if (service && service->id == "s3" && !has_auth && IsPostObject(req, wire.path, query)) {
    outcome.now = opts_.now_epoch_seconds ? opts_.now_epoch_seconds()
                                          : static_cast<int64_t>(std::time(nullptr));
    outcome.source_ip = SourceIp(req);
    outcome.region = opts_.default_region;
    return HandlePostObject(req, wire.path, outcome);
  }
  Exchange ex;
  if (!service) {
    // Without a service there is no protocol to answer in; AWS's front door answers in XML.
    ex.wire = protocol::Wire::kQuery;
    Error e = has_auth && cred->ok()
                  ? Error{"UnknownService",
                          "No service named '" + scope_service + "' is served here", 400, true}
              : has_auth ? cred->error()
                         : MissingAuth(ex);
    outcome.error_code = e.code;
    return FromWire(protocol::EncodeError(ex, e, rid));
  }
  outcome.service = service;
  protocol::Resolved resolved = protocol::ResolveOperation(*service, wire);
  ex = resolved.exchange;
  outcome.operation = ex.operation;
  auto fail = [&](const Error& e) {
    if (e.code == services::kDeferredCode) {
      if (opts_.when_ready && req.deferrals < kMaxDeferrals) {
        outcome.deferred = e.message;
        return Response{};
      }
      Error busy = Error::Unavailable("The call waited for a resource that is still not ready; "
                                      "retry");
      outcome.error_code = busy.code;
      outcome.error = busy;
      return FromWire(protocol::EncodeError(ex, busy, rid));
    }
    outcome.error_code = e.code;
    outcome.error = e;
    return FromWire(protocol::EncodeError(ex, e, rid));
  };

  // One copy of each header that decides how the request is read, and one signature.
  if (std::string_view dup = DuplicatedHeader(req.headers); !dup.empty()) {
    Error e{"IncompleteSignature", "The request must carry one " + std::string(dup) +
                                       " header, not several",
            400, true};
    return fail(dup == "x-amz-target" || dup == "content-type"
                    ? Error{"SerializationException", e.message, 400, true}
                    : sigv4::ToProtocolError(e, SigProtocol(ex)));
  }
  if (FindHeader(req.headers, "authorization").size() && HasQuerySignature(query)) {
    return fail(sigv4::ToProtocolError(
        Error{"IncompleteSignature",
              "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
              "Signature query string parameter or the Authorization header should be specified",
              400, true},
        SigProtocol(ex)));
  }

  // 2. Authenticate.
  int64_t now = opts_.now_epoch_seconds ? opts_.now_epoch_seconds()
                                        : static_cast<int64_t>(std::time(nullptr));
  bool enforce = true;
  if (opts_.dev_mode) {
    int64_t left = auth_countdown_.load();
    while (left > 0 && !auth_countdown_.compare_exchange_weak(left, left - 1)) {
    }
    enforce = left == 0;
  }
  // AssumeRoleWithWebIdentity / AssumeRoleWithSAML are unsigned in AWS (the installed botocore
  // model predates its noAuth marking, so they are named here too) and authorized differently.
  bool federated = ex.operation && service->id == "sts" &&
                   (ex.operation->name == "AssumeRoleWithWebIdentity" ||
                    ex.operation->name == "AssumeRoleWithSAML");
  bool unsigned_op = ex.operation && ((ex.operation->flags & model::kOpUnsigned) || federated);
  services::Principal principal;
  std::optional<sigv4::ChunkSigner> chunk_signer;  // S3 signed streaming uploads
  std::string region = opts_.default_region;
  if (has_auth && cred->ok()) {
    region = (*cred)->region;
    outcome.presented_key = (*cred)->access_key_id;
  }
  outcome.region = region;
  outcome.now = now;
  outcome.source_ip = SourceIp(req);
  if (!enforce) {
    // Dev mode before enforcement: any key is accepted as the default account's root, or as the
    // principal it belongs to when it exists.
    principal = services::RootPrincipal(opts_.default_account_id);
    if (has_auth && cred->ok()) {
      auto rc = credentials_.Resolve((*cred)->access_key_id);
      if (rc.ok() && rc->has_value()) {
        principal = (*rc)->principal;
        // A key that exists was used, enforced or not (GetAccessKeyLastUsed).
        if (opts_.key_usage && !principal.session) {
          opts_.key_usage->Note((*cred)->access_key_id, now, service->signing_name, region);
        }
      }
      principal.access_key_id = (*cred)->access_key_id;
    }
  } else if (!has_auth && service->id == "s3" && SignatureV2Query(query)) {
    return fail(Error{"InvalidRequest",
                      "The authorization mechanism you have provided is not supported. Please "
                      "use AWS4-HMAC-SHA256.",
                      400, true});
  } else if (!has_auth && service->id == "s3") {
    principal.type = services::Principal::Type::kAnonymous;
    principal.arn = "anonymous";  // the policy engine's name for an unsigned caller
  } else if (!(unsigned_op && !has_auth)) {
    if (!has_auth) return fail(MissingAuth(ex));
    if (!cred->ok()) return fail(sigv4::ToProtocolError(cred->error(), SigProtocol(ex)));
    const sigv4::Credential& c = **cred;
    // A signature is bound to the service and region of its scope: one made for STS (a
    // presigned GetCallerIdentity passed around as a login token) cannot be replayed against
    // another service the router would pick from X-Amz-Target.
    if (c.service != service->signing_name) {
      return fail(sigv4::ToProtocolError(sigv4::ScopeServiceError(service->signing_name),
                                         SigProtocol(ex), c.presigned));
    }
    if (!model::ValidSigningRegion(*service, c.region)) {
      return fail(sigv4::ToProtocolError(sigv4::ScopeRegionError(c.region), SigProtocol(ex),
                                         c.presigned));
    }
    auto rc = credentials_.Resolve(c.access_key_id);
    if (!rc.ok()) return fail(rc.error());
    if (!rc->has_value() || !(*rc)->active) return fail(UnknownKey(ex));
    if (const auto& session = (*rc)->principal.session) {
      // Temporary credentials: the token must be the one issued with the key, and current.
      if (c.security_token.empty() ||
          !crypto::ConstantTimeEquals(crypto::Sha256Hex(c.security_token), session->token_hash)) {
        return fail(UnknownKey(ex));
      }
      if (now >= session->expires_epoch) return fail(ExpiredToken(ex));
    } else if (!c.security_token.empty()) {
      return fail(UnknownKey(ex));
    }
    sigv4::VerifyOptions vo;
    vo.now_epoch_seconds = now;
    vo.normalize_path = ex.wire != protocol::Wire::kRestXml;
    vo.s3 = ex.wire == protocol::Wire::kRestXml;
    Status st = sigv4::Verify(sig_view, c, (*rc)->secret_access_key, vo, &key_cache_);
    if (!st.ok()) return fail(sigv4::ToProtocolError(st.error(), SigProtocol(ex), c.presigned));
    if (vo.s3) {
      chunk_signer.emplace(sigv4::ChunkSigner{
          key_cache_.Get((*rc)->secret_access_key, c.date, c.region, c.service), c.amz_date,
          c.scope(), c.signature});
    }
    principal = (*rc)->principal;
    if (opts_.key_usage && !principal.session) {
      opts_.key_usage->Note(c.access_key_id, now, service->signing_name, region);
    }
  }
  outcome.principal_arn = principal.arn;
  if (!principal.arn.empty()) outcome.principal = principal;

  // 3. The operation must exist (after authentication, as AWS answers unknown actions).
  if (!resolved.status.ok()) return fail(resolved.status.error());

  // 4. Decode and validate (an aws-chunked S3 body first becomes the bytes it carries).
  std::string dechunked;
  if (service->id == "s3") {
    Status st = Dechunk(req, chunk_signer ? &*chunk_signer : nullptr, dechunked);
    if (!st.ok()) return fail(st.error());
    if (sigv4::StreamingMode(FindHeader(req.headers, "x-amz-content-sha256"))) wire.body = dechunked;
  }
  auto input = protocol::DecodeInput(ex, wire);
  if (!input.ok()) return fail(input.error());
  outcome.input = std::move(*input);  // same storage: a move, not a copy
  const json::value& in = outcome.input;
  Status valid = protocol::ValidateInput(ex, in);
  if (!valid.ok()) return fail(valid.error());

  // 5. Authorize. GetCallerIdentity and GetSessionToken need no permission (AWS does not
  //    authorize them).
  services::Call call{principal, rid, region, outcome.source_ip, now, 0, {}};
  if (has_auth && cred->ok()) {
    call.auth_type = (*cred)->presigned ? "REST-QUERY-STRING" : "REST-HEADER";
    if (auto t = sigv4::ParseAmzDate((*cred)->amz_date); t && (*cred)->presigned) {
      call.signature_age_ms = std::max<int64_t>(0, (now - *t) * 1000);
    }
  }
  call.content_sha256 = FindHeader(req.headers, "x-amz-content-sha256");
  call.secure_transport = req.tls;
  if (opts_.audit) call.record = &outcome.notes;
  std::shared_ptr<BodySource> stream;
  call.body_out = &stream;
  bool always_allowed = service->id == "sts" && (ex.operation->name == "GetCallerIdentity" ||
                                                 ex.operation->name == "GetSessionToken");
  if (enforce && !always_allowed) {
    if (!authorizer_) return fail(Error::Internal("no authorizer configured"));
    // AssumeRoleWithWebIdentity / AssumeRoleWithSAML: the trust policy decides, for the
    // federated principal the presented token names (the caller itself is anonymous).
    services::AuthzRequest az_req{call, *service, *ex.operation, in, req.tls};
    Status az = federated ? authorizer_->AuthorizeFederated(az_req) : authorizer_->Authorize(az_req);
    if (!az.ok()) return fail(AccessDeniedFor(ex, az.error()));
  }

  // 6. Execute.
  const services::OperationFn* fn = dispatch_.Find(*service, *ex.operation);
  if (!fn) return fail(protocol::NotImplementedError(ex));
  Result<json::value> output = (*fn)(call, in);
  if (!output.ok()) return fail(output.error());

  // 7. Encode (a streamed body is written by the listener as it is read).
  Response res = FromWire(protocol::EncodeOutput(ex, *output, rid));
  if (stream) res.stream = std::move(stream);
  if (service->id == "s3" && opts_.s3_cors_headers && HasHeader(req.headers, "origin")) {
    for (auto& h : opts_.s3_cors_headers(BodyMember(in, "Bucket"), FindHeader(req.headers, "origin"),
                                         req.method)) {
      res.headers.push_back(std::move(h));
    }
  }
  if (opts_.audit) outcome.output.emplace(std::move(*output));
  return res;
}

void Gateway::LogAccess(const Request& req, const Outcome& o, int status, double seconds) {
  if (!opts_.access_log) return;
  AccessLine line;
  line.request_id = o.request_id;
  line.remote = req.remote_ip;
  line.method = req.method;
  line.service = o.service ? o.service->id : std::string_view();
  line.operation = o.operation ? o.operation->name : std::string_view();
  line.principal = o.principal_arn;
  line.status = status;
  line.error = o.error_code;
  line.seconds = seconds;
  opts_.access_log->Write(line);
}

}  // namespace rampart::http
