#pragma once
// The request lifecycle, one linear function:
//   route -> authenticate -> decode -> validate -> authorize -> execute -> encode -> audit/log.
// Each step returns a Result; the first error is encoded as the AWS error of the request's
// protocol. Nothing else in the program writes API responses.
//
// Thread-safety: Handle() is called concurrently from io threads; all members are immutable after
// construction or internally synchronized.

#include <array>
#include <atomic>
#include <cstdio>
#include <functional>
#include <limits>
#include <mutex>
#include <string>

#include "http/access_log.h"
#include "http/metrics.h"
#include "http/sigv4/sigv4.h"
#include "http/types.h"
#include "spine/audit.h"
#include "services/call.h"
#include "services/identity/authorizer.h"
#include "services/identity/credentials.h"

namespace rampart::http {

struct GatewayOptions {
  // S3 CORS (set by server/; null = no CORS): a preflight OPTIONS request's answer (bucket,
  // Origin, Access-Control-Request-Method, Access-Control-Request-Headers), and the headers an
  // actual request with an Origin gets (bucket, Origin, method).
  std::function<Result<std::vector<HttpHeader>>(std::string_view, std::string_view,
                                                std::string_view, std::string_view)>
      s3_preflight;
  std::function<std::vector<HttpHeader>(std::string_view, std::string_view, std::string_view)>
      s3_cors_headers;
  bool dev_mode = false;
  std::string default_account_id;
  std::string default_region = "us-east-1";
  AccessLog* access_log = nullptr;  // null = off. Not owned.
  std::function<int64_t()> now_epoch_seconds;  // injected clock
  std::function<Status()> reset_state;         // dev mode: wipe all state and re-bootstrap
  std::function<int64_t()> open_connections;   // gauge for /metrics
  // /_rampart/health: storage health (`deep` for ?deep=1, which reads every page); null = OK.
  std::function<Status(bool deep)> health;
  // /_rampart/ready answers 200 while this is true (false while draining); null = always.
  const std::atomic<bool>* ready = nullptr;
  // Whether GET /metrics is served on the API port (--metrics-listen same); off, it is 404 there
  // (served on a port of its own through MetricsResponse, or not at all).
  bool metrics_on_api_port = true;
  // Calls `then` once what a Deferred error names (services/call.h) is ready, from whichever
  // thread makes it so; the gateway then runs the call again. Null: deferred calls answer 503.
  std::function<void(std::string_view waiter, std::function<void()> then)> when_ready;
  // More Prometheus text for /metrics (the server's own counters); may be null.
  std::function<std::string()> extra_metrics;
  // Dev mode: POST /_rampart/trails/deliver delivers every trail now and answers when done.
  std::function<Status()> deliver_trails;
  services::KeyUsageRecorder* key_usage = nullptr;  // GetAccessKeyLastUsed; may be null
  spine::AuditWriter* audit = nullptr;  // CloudTrail recording; null = no recording
  // Whether the account has a trail that takes data events (S3 object calls are recorded only
  // then); null = never.
  std::function<bool(const std::string& account)> records_data_events;
  // Group commit (store/store.h, DeferCommitSync): calls `done` once the store's commit `seq`
  // is on disk. Null: the store's writes are durable when they return.
  std::function<void(uint64_t seq, std::function<void(bool)> done)> after_commit_sync;
  // Proxies whose X-Forwarded-For is believed for aws:SourceIp (CIDRs); none by default.
  std::vector<std::string> trusted_proxies;
};

class Gateway {
 public:
  // `authorizer` may be null only in tests that exercise authentication alone.
  Gateway(GatewayOptions opts, const services::Dispatch& dispatch,
          services::CredentialResolver& credentials, services::Authorizer* authorizer);

  // Answers one request through `respond`: at once for control endpoints and failures before
  // a service is known, otherwise after the call's CloudTrail record is in the event log (it
  // survives the process dying; a power cut spares it per --audit-sync: with `always` the reply
  // waits for the record to be on disk).
  void Handle(Request& req, Responder respond);

  // The /metrics answer (Prometheus text), for whichever port serves it.
  Response MetricsResponse() const;

  // InvalidArgument-style error naming the first entry that is not an IP address or CIDR.
  static Status CheckTrustedProxies(const std::vector<std::string>& cidrs);

  // Dev mode: after `n` more API requests, SigV4 and authorization are enforced (moto's
  // /moto-api/reset-auth). n < 0 means never.
  void EnforceAuthAfter(int64_t n);
  bool AuthEnforced() const;

 private:
  struct Outcome;
  static constexpr int kMaxDeferrals = 2;
  Response HandleControl(Request& req, std::string_view path, bool* handled);
  Response HandleApi(Request& req, std::string_view path, std::string_view query,
                     Outcome& outcome);
  // S3 POST Object (s3_post.cc): an unsigned multipart/form-data POST to a bucket, whose form
  // carries a signed policy.
  static bool IsPostObject(const Request& req, std::string_view path, std::string_view query);
  Response HandlePostObject(Request& req, std::string_view path, Outcome& outcome);
  void LogAccess(const Request& req, const Outcome& outcome, int status, double seconds);
  // The client address for aws:SourceIp: the socket peer, or, when the peer is a trusted
  // proxy, the right-most X-Forwarded-For entry that is not itself a trusted proxy.
  std::string SourceIp(const Request& req) const;
  bool Trusted(std::string_view ip) const;

  GatewayOptions opts_;
  const services::Dispatch& dispatch_;
  services::CredentialResolver& credentials_;
  services::Authorizer* authorizer_;
  sigv4::SigningKeyCache key_cache_;
  Metrics metrics_;
  std::atomic<int64_t> auth_countdown_;  // dev: <0 never enforce; 0 enforce; >0 requests left
  // dev: the last number posted to /moto-api/reset-auth (moto's INITIAL_NO_AUTH_ACTION_COUNT).
  std::atomic<double> auth_limit_{std::numeric_limits<double>::infinity()};
  struct Cidr {
    std::array<uint8_t, 16> addr;  // IPv4 as v4-mapped IPv6
    int prefix;                    // bits, on the 128-bit form
  };
  std::vector<Cidr> trusted_;
};

}  // namespace rampart::http
