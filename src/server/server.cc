#include "server/server.h"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "common/crypto.h"
#include "http/fetch.h"
#include "http/gateway.h"
#include "http/listener.h"
#include "services/identity/credentials.h"
#include "services/cloudtrail/lookup.h"
#include "services/cloudtrail/trails.h"
#include "spine/trail_delivery.h"
#include "services/iam/common.h"
#include "spine/audit.h"
#include "services/sts/federation.h"
#include "services/sts/sts.h"
#include "services/kms/kms.h"

namespace rampart::server {

struct Services {
  explicit Services(store::Store& store)
      : iam(store), sts(store, iam), kms(store, services::kms::NewSoftwareKeyStore(store)) {}
  services::iam::IamService iam;
  services::sts::StsService sts;
  services::kms::KmsService kms;
  std::unique_ptr<services::cloudtrail::TrailService> trails;
  std::unique_ptr<services::Dispatch> dispatch;
};

std::unique_ptr<Services> BuildServices(store::Store& store, store::EventStore& events) {
  auto s = std::make_unique<Services>(store);
  std::vector<services::ServiceTable> tables;
  tables.push_back(services::cloudtrail::LookupOperations(events));
  s->trails = std::make_unique<services::cloudtrail::TrailService>(store, &events);
  tables.push_back(services::cloudtrail::TrailOperations(*s->trails));
  tables.push_back(services::sts::Operations(s->sts));
  tables.push_back(services::iam::Operations(s->iam));
  tables.push_back(services::kms::Operations(s->kms));
  s->dispatch = std::make_unique<services::Dispatch>(std::move(tables));
  return s;
}

const services::Dispatch& DispatchOf(const Services& s) { return *s.dispatch; }

namespace {
// A fresh directory under $TMPDIR (or /tmp).
std::string TempDir(std::string_view stem) {
  const char* dir = std::getenv("TMPDIR");
  std::string tmpl = std::string(dir && *dir ? dir : "/tmp") + "/" + std::string(stem) + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return "/tmp/" + std::string(stem);
  return tmpl;
}
}  // namespace

std::string CoverageReport() {
  auto mem = store::OpenSqliteStore({":memory:", crypto::RandomBytes(32)});
  if (!mem.ok()) return "error: " + mem.error().message + "\n";
  std::string events_dir = TempDir("rampart-coverage-events");
  auto events = store::OpenLogEventStore(events_dir);
  if (!events.ok()) return "error: " + events.error().message + "\n";
  std::filesystem::remove_all(events_dir);  // the open file keeps working; nothing is left
  auto built = BuildServices(**mem, **events);
  const services::Dispatch& dispatch = DispatchOf(*built);
  std::string out = fmt::format("{:<16} {:<10} {:>11} {:>6}\n", "service", "protocol",
                                "implemented", "total");
  size_t impl_total = 0, ops_total = 0;
  for (const model::Service* s : model::AllServices()) {
    static constexpr const char* kProto[] = {"query", "json", "rest-json", "rest-xml"};
    size_t n = dispatch.ImplementedCount(s->id);
    impl_total += n;
    ops_total += s->operations.size();
    out += fmt::format("{:<16} {:<10} {:>11} {:>6}\n", s->id,
                       kProto[static_cast<int>(s->protocol)], n, s->operations.size());
  }
  out += fmt::format("{:<16} {:<10} {:>11} {:>6}\n", "all", "", impl_total, ops_total);
  return out;
}

namespace {

Result<std::pair<std::string, uint16_t>> ParseListen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Error::Validation("--listen must be HOST:PORT");
  std::string host = listen.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = -1;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {  // start-up configuration only
  }
  if (port < 0 || port > 65535) return Error::Validation("--listen port must be 0-65535");
  return std::make_pair(host, static_cast<uint16_t>(port));
}

}  // namespace

int RunServer(const ServerConfig& config) {
  auto fail = [](const std::string& msg) {
    std::fprintf(stderr, "rampart: %s\n", msg.c_str());
    return 1;
  };
  auto listen = ParseListen(config.listen);
  if (!listen.ok()) return fail(listen.error().message);
  if (Status st = http::Gateway::CheckTrustedProxies(config.trusted_proxies); !st.ok()) {
    return fail(st.error().message);
  }

  // Block the shutdown signals before any thread starts so only sigwait() sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::string root_key;
  std::string db_path = ":memory:";
  if (!config.data_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(config.data_dir, ec);
    if (ec) return fail("cannot create data directory " + config.data_dir + ": " + ec.message());
    ::chmod(config.data_dir.c_str(), 0700);
  }
  if (config.dev) {
    root_key = crypto::RandomBytes(32);  // dev state lives in memory only
  } else {
    auto key = store::LoadOrCreateRootKey(
        config.root_key_file.empty() ? store::RootKeyPath(config.data_dir) : config.root_key_file);
    if (!key.ok()) return fail(key.error().message);
    root_key = *key;
    db_path = config.data_dir + "/rampart.db";
  }
  auto opened = store::OpenSqliteStore({db_path, root_key});
  if (!opened.ok()) return fail(opened.error().message);
  store::Store& store = **opened;

  // CloudTrail records live in their own database file (group-committed by the audit writer).
  std::string events_dir =
      config.data_dir.empty() ? TempDir("rampart-dev-events") : config.data_dir + "/events";
  auto opened_events = store::OpenLogEventStore(events_dir);
  if (!opened_events.ok()) return fail(opened_events.error().message);
  store::EventStore& events = **opened_events;
  if (config.data_dir.empty()) std::filesystem::remove_all(events_dir);  // dev: nothing outlives us
  spine::AuditWriter audit(events);

  auto boot = BootstrapAccount(store, config);
  if (!boot.ok()) return fail(boot.error().message);
  if (boot->created_credentials) {
    std::fprintf(stderr,
                 "rampart: root credentials for account %s (shown once%s):\n"
                 "  aws_access_key_id     = %s\n  aws_secret_access_key = %s\n",
                 boot->account_id.c_str(),
                 config.data_dir.empty()
                     ? ""
                     : (", kept in " + config.data_dir + "/root-credentials").c_str(),
                 boot->root_access_key_id.c_str(), boot->root_secret_access_key.c_str());
  }

  auto built = BuildServices(store, events);
  const services::Dispatch& dispatch = DispatchOf(*built);
  services::CredentialResolver credentials(store);
  built->iam.OnChange([&credentials] { credentials.Invalidate(); });

  std::FILE* access_log = nullptr;
  if (config.access_log == "-") {
    access_log = stdout;
  } else if (config.access_log != "off" && !config.access_log.empty()) {
    access_log = std::fopen(config.access_log.c_str(), "a");
    if (!access_log) return fail("cannot open access log " + config.access_log);
  }

  services::KeyUsageRecorder key_usage(store);
  http::Listener* listener_ptr = nullptr;
  http::GatewayOptions gopts;
  gopts.dev_mode = config.dev;
  gopts.default_account_id = boot->account_id;
  gopts.access_log = access_log;
  gopts.key_usage = &key_usage;
  gopts.audit = config.event_recording ? &audit : nullptr;
  gopts.trusted_proxies = config.trusted_proxies;
  gopts.reset_state = [&store, &events, &config, &kms = built->kms]() -> Status {
    RAMPART_RETURN_IF_ERROR(store.WipeAll());
    RAMPART_RETURN_IF_ERROR(events.WipeAll());
    kms.ClearCaches();
    auto b = BootstrapAccount(store, config);
    if (!b.ok()) return std::move(b).error();
    return {};
  };
  gopts.open_connections = [&listener_ptr]() -> int64_t {
    return listener_ptr ? listener_ptr->stats().open_connections.load() : 0;
  };
  services::Authorizer authorizer(built->iam);
  authorizer.RegisterResolver("kms", [&kms = built->kms](const services::Call& c,
                                                         const model::Operation& op,
                                                         const boost::json::object& in) {
    return services::kms::ResolveResource(kms, c, op, in);
  });
  // AssumeRoleWithWebIdentity / AssumeRoleWithSAML: STS verifies the token for the authorizer;
  // OIDC keys are fetched over HTTPS trusted by the provider's thumbprints.
  built->sts.set_fetch([](std::string_view url, const std::vector<std::string>& thumbprints) {
    http::FetchOptions fo;
    fo.sha1_thumbprints = thumbprints;
    return http::FetchHttps(url, fo);
  });
  authorizer.SetFederatedVerifier([&sts = built->sts](const services::Call& c, std::string_view op,
                                                      const boost::json::object& in) {
    return services::sts::VerifyFederated(sts, c, op, in);
  });
  http::Gateway gateway(std::move(gopts), dispatch, credentials, &authorizer);

  http::ListenerOptions lopts;
  lopts.host = listen->first;
  lopts.port = listen->second;
  lopts.threads = config.threads;
  lopts.tls_cert_file = config.tls_cert;
  lopts.tls_key_file = config.tls_key;
  lopts.max_body_bytes = config.max_body_bytes;
  lopts.max_connections = config.max_connections;
  lopts.request_timeout_seconds = config.request_timeout_seconds;
  lopts.idle_timeout_seconds = config.idle_timeout_seconds;
  http::Listener listener(lopts, [&gateway](http::Request& r, http::Responder done) {
    gateway.Handle(r, std::move(done));
  });
  listener_ptr = &listener;
  auto port = listener.Start();
  if (!port.ok()) return fail(port.error().message);
  std::string host = listen->first.find(':') != std::string::npos ? "[" + listen->first + "]"
                                                                 : listen->first;
  std::fprintf(stderr, "rampart: listening on %s://%s:%u (account %s%s)\n",
               config.tls_cert.empty() ? "http" : "https", host.c_str(),
               static_cast<unsigned>(*port), boot->account_id.c_str(),
               config.dev ? ", dev mode" : "");
  std::fflush(stderr);

  // CloudTrail trail delivery: log files, digests and Insights off the request path, into
  // <data-dir>/trails/<bucket>/<key> (a temporary directory when there is no data dir).
  std::string trail_root = config.data_dir.empty() ? std::string() : config.data_dir + "/trails";
  if (trail_root.empty()) {
    std::string tmpl = (std::getenv("TMPDIR") ? std::string(std::getenv("TMPDIR")) : "/tmp") +
                       "/rampart-trails-XXXXXX";
    if (::mkdtemp(tmpl.data())) trail_root = tmpl;
    std::fprintf(stderr, "rampart: no --data-dir: trail files go to %s\n", trail_root.c_str());
  }
  spine::DirectorySink trail_sink(trail_root);
  spine::DeliveryOptions trail_opts;
  trail_opts.delivery_interval_ms = std::max(1, config.trail_delivery_seconds) * 1000LL;
  trail_opts.digest_interval_ms = std::max(1, config.trail_digest_seconds) * 1000LL;
  trail_opts.insights.bucket_ms = std::max(1, config.insights_bucket_seconds) * 1000LL;
  trail_opts.insights.baseline_buckets = std::max<int64_t>(
      1, static_cast<int64_t>(config.insights_baseline_minutes * 60.0 /
                              std::max(1, config.insights_bucket_seconds)));
  trail_opts.insights.grace_ms = std::min<int64_t>(2000, trail_opts.insights.bucket_ms / 2);
  spine::TrailDelivery trail_delivery(store, events, trail_sink, trail_opts);
  trail_delivery.Start();

  // Background flush of key-usage times; at most a few seconds behind.
  std::mutex flush_mu;
  std::condition_variable flush_cv;
  bool stopping = false;
  std::thread flusher([&] {
    std::unique_lock lock(flush_mu);
    while (!flush_cv.wait_for(lock, std::chrono::seconds(3), [&] { return stopping; })) {
      lock.unlock();
      Status st = key_usage.Flush();
      if (!st.ok()) std::fprintf(stderr, "rampart: key usage flush: %s\n", st.error().message.c_str());
      lock.lock();
    }
  });

  int sig = 0;
  sigwait(&signals, &sig);
  std::fprintf(stderr, "rampart: signal %d, draining\n", sig);
  listener.Stop(10);
  listener_ptr = nullptr;
  {
    std::lock_guard lock(flush_mu);
    stopping = true;
  }
  flush_cv.notify_all();
  flusher.join();
  (void)key_usage.Flush();
  trail_delivery.Stop();
  audit.Stop();
  if (access_log && access_log != stdout) std::fclose(access_log);
  std::fprintf(stderr, "rampart: stopped\n");
  return 0;
}

}  // namespace rampart::server
