// The `rampart` executable: serve, version, coverage, policy eval/validate (main/policy_cli).
#include <CLI/CLI.hpp>
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/strings.h"
#include "http/probe.h"
#include "server/server.h"
#include "store/data_dir.h"
#include "spine/trail_model.h"
#include "spine/trail_validate.h"
#ifdef RAMPART_HAVE_POLICY
#include "main/policy_cli.h"
#endif

#ifndef RAMPART_VERSION
#define RAMPART_VERSION "0.1.0"
#endif
#ifndef RAMPART_COMMIT
#define RAMPART_COMMIT "unknown"
#endif
#ifndef RAMPART_BUILD_TYPE
#define RAMPART_BUILD_TYPE "unknown"
#endif

int main(int argc, char** argv) {
  CLI::App app{"Rampart: AWS security and monitoring services on a machine you own"};
  app.set_version_flag("--version", "rampart " RAMPART_VERSION);
  app.require_subcommand(1);

  rampart::server::ServerConfig cfg;
  bool data_dir_given = false;
  auto* serve = app.add_subcommand("serve", "Run the API server");
  serve->add_option("--listen", cfg.listen, "HOST:PORT to listen on (port 0 picks one)")
      ->envname("RAMPART_LISTEN")
      ->capture_default_str();
  auto* dd = serve->add_option("--data-dir", cfg.data_dir, "Data directory (SQLite, keys)")
                 ->envname("RAMPART_DATA_DIR")
                 ->capture_default_str();
  serve->add_flag("--dev", cfg.dev,
                  "Dev mode: in-memory state, any key accepted as root until /moto-api/reset-auth")
      ->envname("RAMPART_DEV");
  serve->add_option("--account-id", cfg.account_id, "Default account id (12 digits)")
      ->envname("RAMPART_ACCOUNT_ID");
  serve->add_option("--root-key-file", cfg.root_key_file,
                    "Server root key (32 bytes) encrypting secrets at rest")
      ->envname("RAMPART_ROOT_KEY_FILE");
  serve->add_option("--metrics-listen", cfg.metrics_listen,
                    "Where GET /metrics is served: same (the API port), off, or HOST:PORT")
      ->envname("RAMPART_METRICS_LISTEN")
      ->capture_default_str();
  serve->add_option("--port-file", cfg.port_file,
                    "Write the bound port to this file once the server accepts (for --listen :0)")
      ->envname("RAMPART_PORT_FILE");
  serve->add_flag("--quiet-credentials", cfg.quiet_credentials,
                  "Do not print a new root secret (it is kept in <data-dir>/root-credentials)")
      ->envname("RAMPART_QUIET_CREDENTIALS");
  serve->add_option("--tls-cert", cfg.tls_cert, "PEM certificate chain (enables TLS)")
      ->envname("RAMPART_TLS_CERT");
  serve->add_option("--tls-key", cfg.tls_key, "PEM private key")->envname("RAMPART_TLS_KEY");
  serve->add_option("--threads", cfg.threads, "IO threads (0 = one per core)")
      ->envname("RAMPART_THREADS");
  serve->add_option("--access-log", cfg.access_log, "JSON-lines access log: -, off or a path")
      ->envname("RAMPART_ACCESS_LOG")
      ->capture_default_str();
  serve->add_option("--max-body-bytes", cfg.max_body_bytes, "Largest accepted request body")
      ->envname("RAMPART_MAX_BODY_BYTES");
  serve->add_option("--max-connections", cfg.max_connections, "Open connection limit")
      ->envname("RAMPART_MAX_CONNECTIONS");
  serve->add_option("--request-timeout", cfg.request_timeout_seconds,
                    "Seconds a client has to send a whole request")
      ->envname("RAMPART_REQUEST_TIMEOUT");
  serve->add_option("--idle-timeout", cfg.idle_timeout_seconds,
                    "Seconds an idle keep-alive connection is kept")
      ->envname("RAMPART_IDLE_TIMEOUT");

  serve->add_option("--event-recording", cfg.event_recording,
                    "Record every call as a CloudTrail event (true/false; false only to measure "
                    "its cost)")
      ->envname("RAMPART_EVENT_RECORDING")
      ->capture_default_str();
  serve->add_option("--audit-sync", cfg.audit_sync,
                    "What of the CloudTrail event log survives a power cut: none, interval "
                    "(synced every --audit-sync-interval-ms) or always (a reply waits for its "
                    "record to be on disk)")
      ->envname("RAMPART_AUDIT_SYNC")
      ->capture_default_str();
  serve->add_option("--audit-sync-interval-ms", cfg.audit_sync_interval_ms,
                    "Milliseconds between syncs of the event log with --audit-sync interval")
      ->envname("RAMPART_AUDIT_SYNC_INTERVAL_MS")
      ->capture_default_str();
  serve->add_option("--trusted-proxy", cfg.trusted_proxies,
                    "CIDR of a reverse proxy whose X-Forwarded-For sets aws:SourceIp (repeatable)")
      ->envname("RAMPART_TRUSTED_PROXIES")
      ->delimiter(',');

  serve->add_option("--mfa-max-failures", cfg.mfa_max_failures,
                    "Wrong MFA codes within the lockout time that lock a device")
      ->envname("RAMPART_MFA_MAX_FAILURES")
      ->capture_default_str();
  serve->add_option("--mfa-lockout-seconds", cfg.mfa_lockout_seconds,
                    "How long a device refuses every code after too many wrong ones")
      ->envname("RAMPART_MFA_LOCKOUT_SECONDS")
      ->capture_default_str();
  serve->add_option("--trail-delivery-seconds", cfg.trail_delivery_seconds,
                    "CloudTrail: seconds between trail log file deliveries (AWS: about 300)")
      ->envname("RAMPART_TRAIL_DELIVERY_SECONDS")
      ->capture_default_str();
  serve->add_option("--trail-digest-seconds", cfg.trail_digest_seconds,
                    "CloudTrail: seconds between digest files (AWS: 3600)")
      ->envname("RAMPART_TRAIL_DIGEST_SECONDS")
      ->capture_default_str();
  serve->add_option("--insights-baseline-minutes", cfg.insights_baseline_minutes,
                    "CloudTrail Insights: baseline window (AWS: 7 days)")
      ->envname("RAMPART_INSIGHTS_BASELINE_MINUTES")
      ->capture_default_str();
  serve->add_option("--insights-bucket-seconds", cfg.insights_bucket_seconds,
                    "CloudTrail Insights: length of a counting interval (60; shorter in tests)")
      ->envname("RAMPART_INSIGHTS_BUCKET_SECONDS")
      ->capture_default_str();

  // `rampart trail validate`: the digest chain and log files of a trail, as
  // `aws cloudtrail validate-logs` checks them (docs/CLOUDTRAIL.md).
  std::string trail_arn, trail_data_dir = "./data", trail_start, trail_end, trail_bucket;
  bool trail_verbose = false;
  auto* trail = app.add_subcommand("trail", "CloudTrail tools");
  auto* validate = trail->add_subcommand("validate", "Validate a trail's log files and digests");
  validate->add_option("--trail-arn", trail_arn, "ARN of the trail")->required();
  validate->add_option("--start-time", trail_start, "Validate from (ISO 8601 or epoch seconds; default: all)");
  validate->add_option("--end-time", trail_end, "Validate up to (default: now)");
  validate->add_option("--data-dir", trail_data_dir, "The server's data directory")
      ->envname("RAMPART_DATA_DIR")
      ->capture_default_str();
  validate->add_option("--s3-bucket", trail_bucket, "Bucket, for a trail deleted since");
  validate->add_flag("--verbose", trail_verbose, "Print every file, valid ones included");
  std::string deliver_data_dir = "./data";
  auto* deliver = trail->add_subcommand(
      "deliver", "Ask the server running on a data directory to deliver its trails now (SIGUSR1)");
  deliver->add_option("--data-dir", deliver_data_dir, "The server's data directory")
      ->envname("RAMPART_DATA_DIR")
      ->capture_default_str();
  trail->require_subcommand(1);

  std::string health_listen = "127.0.0.1:4566";
  bool health_tls = false, health_deep = false;
  auto* health = app.add_subcommand(
      "health", "Ask a running server for its health (exit 0 when healthy; for HEALTHCHECK)");
  health->add_option("--listen", health_listen, "The server's HOST:PORT")
      ->envname("RAMPART_LISTEN")
      ->capture_default_str();
  health->add_flag("--tls", health_tls, "The server speaks TLS (the certificate is not checked)");
  health->add_flag("--deep", health_deep, "Also check every database page (slower)");

  app.add_subcommand("version", "Print the version");
  app.add_subcommand("coverage", "Implemented/total operations per service");

#ifdef RAMPART_HAVE_POLICY
  rampart::cli::PolicyOptions policy_opts;
  CLI::App* policy = rampart::cli::AddPolicyCommands(app, policy_opts);
#endif

  CLI11_PARSE(app, argc, argv);

  if (app.got_subcommand("version")) {
    std::printf("rampart %s (commit %s, %s build)\n", RAMPART_VERSION, RAMPART_COMMIT,
                RAMPART_BUILD_TYPE);
    return 0;
  }
  if (health->parsed()) {
    size_t colon = health_listen.rfind(':');
    std::string host = colon == std::string::npos ? health_listen : health_listen.substr(0, colon);
    if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
    if (host == "[::]") host = "::1";
    if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
    int port = colon == std::string::npos ? 4566 : std::atoi(health_listen.c_str() + colon + 1);
    auto r = rampart::http::Probe(host, static_cast<uint16_t>(port),
                                  health_deep ? "/_rampart/health?deep=1" : "/_rampart/health",
                                  health_tls, std::chrono::seconds(5));
    if (!r.ok()) {
      std::fprintf(stderr, "rampart: %s\n", r.error().message.c_str());
      return 1;
    }
    std::printf("%s\n", r->body.c_str());
    return r->status == 200 ? 0 : 1;
  }
  if (deliver->parsed()) {
    auto pid = rampart::store::RunningServerPid(deliver_data_dir);
    if (!pid.ok()) {
      std::fprintf(stderr, "rampart: %s\n", pid.error().message.c_str());
      return 2;
    }
    if (::kill(static_cast<pid_t>(*pid), SIGUSR1) != 0) {
      std::fprintf(stderr, "rampart: cannot signal pid %ld: %s\n", *pid, std::strerror(errno));
      return 2;
    }
    std::printf("trail delivery requested from rampart pid %ld\n", *pid);
    return 0;
  }
  if (app.got_subcommand("trail")) {
    int64_t start_ms = 0, end_ms = static_cast<int64_t>(std::time(nullptr)) * 1000;
    for (auto [text, out] : {std::pair{&trail_start, &start_ms}, std::pair{&trail_end, &end_ms}}) {
      if (text->empty()) continue;
      auto t = rampart::ParseTimestamp(*text);
      if (!t) {
        std::fprintf(stderr, "rampart: invalid time %s\n", text->c_str());
        return 2;
      }
      *out = static_cast<int64_t>(*t * 1000);
    }
    if (start_ms > end_ms) {
      std::fprintf(stderr, "rampart: Invalid time range specified: start-time must occur before end-time\n");
      return 2;
    }
    std::printf("Validating log files for trail %s between %s and %s\n\n", trail_arn.c_str(),
                rampart::spine::FormatTrailTime(start_ms).c_str(),
                rampart::spine::FormatTrailTime(end_ms).c_str());
    auto report = rampart::spine::ValidateFromDataDir(trail_data_dir, trail_arn, start_ms, end_ms,
                                                      trail_bucket);
    if (!report.ok()) {
      std::fprintf(stderr, "rampart: %s\n", report.error().message.c_str());
      return 2;
    }
    for (const auto& line : report->lines) {
      bool bad = line.find("INVALID") != std::string::npos;
      if (bad) {
        std::fprintf(stderr, "%s\n", line.c_str());
      } else if (trail_verbose) {
        std::printf("%s\n", line.c_str());
      }
    }
    std::printf("\nResults requested for %s to %s\n%s",
                rampart::spine::FormatTrailTime(start_ms).c_str(),
                rampart::spine::FormatTrailTime(end_ms).c_str(), report->Summary().c_str());
    return report->ok() ? 0 : 1;
  }
  if (app.got_subcommand("coverage")) {
    std::fputs(rampart::server::CoverageReport().c_str(), stdout);
    return 0;
  }
#ifdef RAMPART_HAVE_POLICY
  if (app.got_subcommand("policy")) return rampart::cli::RunPolicyCommand(*policy, policy_opts);
#endif
  data_dir_given = dd->count() > 0 || std::getenv("RAMPART_DATA_DIR") != nullptr;
  if (cfg.dev && !data_dir_given) cfg.data_dir.clear();  // dev mode keeps nothing on disk
  if (const char* k = std::getenv("RAMPART_ROOT_ACCESS_KEY_ID")) cfg.root_access_key_id = k;
  if (const char* s = std::getenv("RAMPART_ROOT_SECRET_ACCESS_KEY")) cfg.root_secret_access_key = s;
  return rampart::server::RunServer(cfg);
}
