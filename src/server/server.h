#pragma once
// Wiring only: config -> store -> services -> gateway -> listener; lifecycle and signals.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "services/call.h"
#include "services/s3/blob_store.h"
#include "store/events.h"
#include "store/store.h"

namespace rampart::server {

struct ServerConfig {
  std::string listen = "127.0.0.1:4566";
  std::string data_dir = "./data";
  bool dev = false;
  std::string account_id;          // fixed default account id (else generated and kept)
  std::string root_key_file;       // else <data-dir>/root.key
  std::string root_access_key_id;  // fix the root key pair (CI); both or neither
  std::string root_secret_access_key;
  std::string tls_cert, tls_key;
  int threads = 0;
  std::string access_log = "off";  // "-" stdout, "off", or a file path (reopened on SIGHUP)
  std::string port_file;           // written with the bound port once the server accepts
  // Where GET /metrics is served: "same" (the API port), "off", or a HOST:PORT of its own.
  std::string metrics_listen = "same";
  bool quiet_credentials = false;  // do not print a new root secret to stderr
  // CloudTrail recording of every call. Off only to measure its cost: AWS always records.
  bool event_recording = true;
  // What of the event log survives a power cut (spine/audit.h): "none", "interval" (synced every
  // audit_sync_interval_ms) or "always" (a reply waits until its record is on disk).
  std::string audit_sync = "interval";
  int audit_sync_interval_ms = 1000;
  size_t max_body_bytes = 16 * 1024 * 1024;
  size_t max_connections = 10000;
  int request_timeout_seconds = 30;
  int idle_timeout_seconds = 60;
  std::vector<std::string> trusted_proxies;  // CIDRs whose X-Forwarded-For is believed
  // MFA brute-force protection (services/iam/mfa.h): this many wrong codes within the lockout
  // time lock a device for the lockout time.
  int mfa_max_failures = 10;
  int mfa_lockout_seconds = 900;
  // CloudTrail trails (docs/CLOUDTRAIL.md). AWS: files about every 5 min, digests hourly,
  // Insights baseline 7 days of per-minute counts; tests shorten all of them.
  int trail_delivery_seconds = 300;
  int trail_digest_seconds = 3600;
  double insights_baseline_minutes = 7 * 24 * 60;
  int insights_bucket_seconds = 60;  // the "minute" of Insights (tests only)
};

// Runs until SIGINT/SIGTERM, then drains and returns the exit code.
int RunServer(const ServerConfig& config);

// The default account and its root credentials, created on first start.
struct Bootstrap {
  std::string account_id;
  std::string root_access_key_id;
  std::string root_secret_access_key;
  bool created_credentials = false;  // true the first time: print them once
};
Result<Bootstrap> BootstrapAccount(store::Store& store, const ServerConfig& config);

// The service objects and their dispatch tables, wired explicitly (no registration by static
// initializers). Owns the service objects; the Dispatch refers to them.
struct Services;
std::unique_ptr<Services> BuildServices(store::Store& store, store::EventStore& events,
                                        services::s3::BlobStore blobs);
const services::Dispatch& DispatchOf(const Services& s);

// `rampart coverage`: implemented/total operations per served service.
std::string CoverageReport();

}  // namespace rampart::server
