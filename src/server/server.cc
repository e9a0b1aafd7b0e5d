#include "server/server.h"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <ctime>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "common/crypto.h"
#include "common/strings.h"
#include "http/access_log.h"
#include "http/fetch.h"
#include "http/gateway.h"
#include "http/listener.h"
#include "services/identity/credentials.h"
#include "services/cloudtrail/authz.h"
#include "services/cloudtrail/lookup.h"
#include "services/cloudtrail/trails.h"
#include "spine/trail_delivery.h"
#include "spine/trail_s3_sink.h"
#include "services/iam/common.h"
#include "spine/audit.h"
#include "server/event_log_damage.h"
#include "store/data_dir.h"
#include "services/sts/federation.h"
#include "services/sts/sts.h"
#include "services/kms/kms.h"
#include "services/s3/s3.h"

namespace rampart::server {

struct Services {
  explicit Services(store::Store& store)
      : iam(store), sts(store, iam), kms(store, services::kms::NewSoftwareKeyStore(store)) {}
  services::iam::IamService iam;
  services::sts::StsService sts;
  services::kms::KmsService kms;
  std::unique_ptr<services::s3::S3Service> s3;
  std::unique_ptr<services::cloudtrail::TrailService> trails;
  std::unique_ptr<services::Dispatch> dispatch;
};

std::unique_ptr<Services> BuildServices(store::Store& store, store::EventStore& events,
                                        services::s3::BlobStore blobs) {
  auto s = std::make_unique<Services>(store);
  s->s3 = std::make_unique<services::s3::S3Service>(store, std::move(blobs));
  std::vector<services::ServiceTable> tables;
  tables.push_back(services::s3::Operations(*s->s3));
  tables.push_back(services::s3::ControlOperations(*s->s3));
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
  std::string s3_dir = TempDir("rampart-coverage-s3");
  auto blobs = services::s3::BlobStore::Open(s3_dir);
  if (!blobs.ok()) return "error: " + blobs.error().message + "\n";
  auto built = BuildServices(**mem, **events, std::move(*blobs));
  std::filesystem::remove_all(s3_dir);
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

// SSE-KMS: S3 calls KMS as the caller, through S3 (kms:ViaService), authorized as a direct KMS
// call is, with the KMS handler itself doing the work.
void WireS3ToKms(services::s3::S3Service& s3, services::kms::KmsService& kms,
                 services::Authorizer& authorizer, const services::Dispatch& dispatch,
                 const http::Gateway& gateway) {
  auto invoke = [&authorizer, &dispatch, &gateway](const services::Call& call, std::string_view name,
                                                   const boost::json::object& in)
      -> Result<boost::json::value> {
    const model::Service* svc = model::FindService("kms");
    const model::Operation* op = svc ? svc->FindOperation(name) : nullptr;
    const services::OperationFn* fn = op ? dispatch.Find(*svc, *op) : nullptr;
    if (!fn) return Error::Internal("KMS " + std::string(name) + " is not served");
    std::string via = "s3." + std::string(call.region) + ".amazonaws.com";
    services::Call inner = call;
    inner.via_service = via;
    inner.record = nullptr;  // the S3 call's record is not KMS's
    inner.authorized_refs.clear();
    inner.body_out = nullptr;
    boost::json::value input(in);
    if (gateway.AuthEnforced()) {
      services::AuthzRequest az{inner, *svc, *op, input, call.secure_transport};
      RAMPART_RETURN_IF_ERROR(authorizer.Authorize(az));
    }
    return (*fn)(inner, input);
  };
  s3.SetKms(std::move(invoke), [&kms](const services::Call& call) {
    return services::kms::AwsManagedKey(kms, call, "s3");
  });
}

Result<std::pair<std::string, uint16_t>> ParseListen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Error::Validation("--listen must be HOST:PORT");
  std::string host = listen.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  int port = -1;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {  // start-up configuration only
  }
  if (port < 0 || port > 65535) return Error::Validation("--listen port must be 0-65535");
  return std::make_pair(host, static_cast<uint16_t>(port));
}

// What the server keeps on disk (or in memory in --dev), opened in the order that keeps an
// ordinary mistake from destroying anything: the data directory's lock first, then the checks
// of what is in it, then the root key, the database and the event log.
struct Storage {
  std::unique_ptr<store::DataDir> dir;  // null without a data directory (--dev)
  std::unique_ptr<store::Store> store;
  std::unique_ptr<store::EventStore> events;
  std::string trail_root;
  std::string s3_root;  // object bytes
};

Result<Storage> OpenStorage(const ServerConfig& config) {
  Storage s;
  std::string root_key = crypto::RandomBytes(32);  // dev state lives in memory only
  std::string db_path = ":memory:";
  if (!config.data_dir.empty()) {
    RAMPART_ASSIGN_OR_RETURN(s.dir, store::DataDir::Open({config.data_dir, config.dev,
                                                          config.root_key_file}));
  }
  if (!config.dev) {
    std::string key_path = config.root_key_file.empty() ? store::RootKeyPath(s.dir->path())
                                                        : config.root_key_file;
    // A key is made only for a first start: next to an existing database a missing key is an
    // error (DataDir::Open said so), never a new key.
    RAMPART_ASSIGN_OR_RETURN(root_key, s.dir->fresh() ? store::LoadOrCreateRootKey(key_path)
                                                      : store::LoadRootKey(key_path));
    db_path = s.dir->DatabasePath();
  }
  RAMPART_ASSIGN_OR_RETURN(s.store, store::OpenSqliteStore({db_path, root_key}));

  std::string events_dir = s.dir ? s.dir->EventsDir() : TempDir("rampart-dev-events");
  RAMPART_ASSIGN_OR_RETURN(s.events, store::OpenLogEventStore(events_dir));
  if (!s.dir) std::filesystem::remove_all(events_dir);  // dev: nothing outlives us

  // S3 object bytes: <data-dir>/s3 (in --dev, whose state lives in memory, <data-dir>/s3-dev,
  // emptied at start; a temporary directory without a data directory).
  if (s.dir && !config.dev) {
    s.s3_root = s.dir->S3Dir();
  } else {
    s.s3_root = s.dir ? s.dir->path() + "/s3-dev" : TempDir("rampart-dev-s3");
    std::error_code ec;
    std::filesystem::remove_all(s.s3_root, ec);
  }

  // Trail files go to <data-dir>/trails/<bucket>/<key> (a temporary directory without one).
  if (s.dir) {
    s.trail_root = s.dir->TrailsDir();
  } else {
    s.trail_root = TempDir("rampart-trails");
    std::fprintf(stderr, "rampart: no --data-dir: trail files go to %s\n", s.trail_root.c_str());
  }
  return s;
}

spine::DeliveryOptions TrailOptions(const ServerConfig& config) {
  spine::DeliveryOptions o;
  o.delivery_interval_ms = std::max(1, config.trail_delivery_seconds) * 1000LL;
  o.digest_interval_ms = std::max(1, config.trail_digest_seconds) * 1000LL;
  o.insights.bucket_ms = std::max(1, config.insights_bucket_seconds) * 1000LL;
  o.insights.baseline_buckets = std::max<int64_t>(
      1, static_cast<int64_t>(config.insights_baseline_minutes * 60.0 /
                              std::max(1, config.insights_bucket_seconds)));
  o.insights.grace_ms = std::min<int64_t>(2000, o.insights.bucket_ms / 2);
  return o;
}

http::ListenerOptions ListenerOptionsOf(const ServerConfig& config,
                                        const std::pair<std::string, uint16_t>& listen) {
  http::ListenerOptions o;
  o.host = listen.first;
  o.port = listen.second;
  o.threads = config.threads;
  o.tls_cert_file = config.tls_cert;
  o.tls_key_file = config.tls_key;
  o.max_body_bytes = config.max_body_bytes;
  o.max_connections = config.max_connections;
  o.request_timeout_seconds = config.request_timeout_seconds;
  o.idle_timeout_seconds = config.idle_timeout_seconds;
  return o;
}

// Writes the bound port to `path` (a temporary file renamed into place, so a reader never sees
// it half written).
Status WritePortFile(const std::string& path, uint16_t port) {
  std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) return Error::Internal("cannot write --port-file " + tmp + ": " + std::strerror(errno));
  std::fprintf(f, "%u\n", static_cast<unsigned>(port));
  bool ok = std::fclose(f) == 0;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Error::Internal("cannot write --port-file " + path + ": " + std::strerror(errno));
  }
  return {};
}

void PrintNewCredentials(const ServerConfig& config, const Bootstrap& boot,
                         const Storage& storage) {
  if (!boot.created_credentials) return;
  std::string kept =
      storage.dir ? ", kept in " + storage.dir->CredentialsPath() : std::string();
  if (config.quiet_credentials) {
    std::fprintf(stderr, "rampart: new root credentials for account %s%s\n",
                 boot.account_id.c_str(), kept.c_str());
    return;
  }
  std::fprintf(stderr,
               "rampart: root credentials for account %s (shown once%s):\n"
               "  aws_access_key_id     = %s\n  aws_secret_access_key = %s\n",
               boot.account_id.c_str(), kept.c_str(), boot.root_access_key_id.c_str(),
               boot.root_secret_access_key.c_str());
}

// Flushes key-usage times every few seconds on its own thread until destroyed.
class KeyUsageFlusher {
 public:
  explicit KeyUsageFlusher(services::KeyUsageRecorder& usage) : usage_(usage) {
    thread_ = std::thread([this] {
      std::unique_lock lock(mu_);
      while (!cv_.wait_for(lock, std::chrono::seconds(3), [this] { return stopping_; })) {
        lock.unlock();
        Status st = usage_.Flush();
        if (!st.ok()) std::fprintf(stderr, "rampart: key usage flush: %s\n", st.error().message.c_str());
        lock.lock();
      }
    });
  }
  ~KeyUsageFlusher() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
    (void)usage_.Flush();
  }

 private:
  services::KeyUsageRecorder& usage_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

// Waits for SIGINT/SIGTERM (returned); meanwhile SIGHUP reopens the access log (logrotate)
// and SIGUSR1 delivers the trails now.
int WaitForShutdown(const sigset_t& signals, http::AccessLog* access_log,
                    spine::TrailDelivery& trails) {
  for (;;) {
    int sig = 0;
    sigwait(&signals, &sig);
    Status st;
    if (sig == SIGHUP && access_log) {
      st = access_log->Reopen();
    } else if (sig == SIGUSR1) {
      st = trails.DeliverNow();
    } else if (sig == SIGINT || sig == SIGTERM) {
      return sig;
    }
    if (!st.ok()) std::fprintf(stderr, "rampart: signal %d: %s\n", sig, st.error().message.c_str());
  }
}

}  // namespace

int RunServer(const ServerConfig& config) {
  auto fail = [](const std::string& msg) {
    std::fprintf(stderr, "rampart: %s\n", msg.c_str());
    return 1;
  };
  // 1. Configuration, checked before anything is touched.
  auto listen = ParseListen(config.listen);
  if (!listen.ok()) return fail(listen.error().message);
  if (Status st = http::Gateway::CheckTrustedProxies(config.trusted_proxies); !st.ok()) {
    return fail(st.error().message);
  }
  spine::AuditSync audit_sync = spine::AuditSync::kInterval;
  if (config.audit_sync == "none") {
    audit_sync = spine::AuditSync::kNone;
  } else if (config.audit_sync == "always") {
    audit_sync = spine::AuditSync::kAlways;
  } else if (config.audit_sync != "interval") {
    return fail("--audit-sync must be none, interval or always, not '" + config.audit_sync + "'");
  }
  // Block the signals before any thread starts so only sigwait() sees them.
  sigset_t signals;
  sigemptyset(&signals);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGUSR1}) sigaddset(&signals, sig);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // 2. The port, before the data directory: a port clash leaves no account, no credentials
  //    and no files behind. Connections wait in the backlog until step 6.
  http::Gateway* gateway_ptr = nullptr;
  http::Listener listener(ListenerOptionsOf(config, *listen),
                          [&gateway_ptr](http::Request& r, http::Responder done) {
                            gateway_ptr->Handle(r, std::move(done));
                          });
  auto port = listener.Bind();
  if (!port.ok()) return fail(port.error().message);
  // /metrics on an address of its own (--metrics-listen HOST:PORT), bound now for the same
  // reason; it answers /metrics and nothing else.
  std::unique_ptr<http::Listener> metrics_listener;
  if (config.metrics_listen != "same" && config.metrics_listen != "off") {
    auto where = ParseListen(config.metrics_listen);
    if (!where.ok()) return fail("--metrics-listen: " + where.error().message);
    http::ListenerOptions mo;
    mo.host = where->first;
    mo.port = where->second;
    mo.threads = 1;
    metrics_listener = std::make_unique<http::Listener>(
        mo, [&gateway_ptr](http::Request& r, http::Responder done) {
          std::string_view path = std::string_view(r.target).substr(0, r.target.find('?'));
          if (path == "/metrics" && r.method == "GET") return done(gateway_ptr->MetricsResponse());
          http::Response nf;
          nf.status = 404;
          done(std::move(nf));
        });
    if (auto bound = metrics_listener->Bind(); !bound.ok()) return fail(bound.error().message);
  }

  // 3. Storage: the data directory's lock, its checks, the root key, the store, the event log.
  auto storage = OpenStorage(config);
  if (!storage.ok()) return fail(storage.error().message);
  store::Store& store = *storage->store;
  store::EventStore& events = *storage->events;
  spine::AuditWriter audit(events, audit_sync, config.audit_sync_interval_ms);

  // 4. The default account and its root credentials.
  ServerConfig boot_config = config;
  boot_config.data_dir = storage->dir ? storage->dir->path() : std::string();
  auto boot = BootstrapAccount(store, boot_config);
  if (!boot.ok()) return fail(boot.error().message);
  PrintNewCredentials(config, *boot, *storage);
  DamageCounters damage;
  if (Status st = ReportEventLogDamage(events, boot->account_id,
                                       static_cast<int64_t>(std::time(nullptr)) * 1000, damage);
      !st.ok()) {
    return fail("cannot report the event log's damage: " + st.error().message);
  }

  // 5. Services, trail delivery and the request lifecycle.
  auto blobs = services::s3::BlobStore::Open(storage->s3_root);
  if (!blobs.ok()) return fail(blobs.error().message);
  auto built = BuildServices(store, events, std::move(*blobs));
  // Trails whose bucket is a Rampart S3 bucket deliver into it; others to the data directory.
  spine::DirectorySink trail_directory(storage->trail_root);
  spine::S3TrailSink trail_sink(*built->s3, trail_directory,
                                [] { return static_cast<int64_t>(std::time(nullptr)); });
  built->trails->set_bucket_check([&s3 = *built->s3](std::string_view bucket,
                                                     std::string_view prefix,
                                                     std::string_view arn,
                                                     std::string_view account) -> Status {
    std::string key = prefix.empty() ? "" : std::string(prefix) + "/";
    key += "AWSLogs/" + std::string(account) + "/CloudTrail/check";
    return services::s3::ServiceMayDeliver(s3, {"cloudtrail.amazonaws.com", arn, account}, bucket,
                                           key);
  });
  spine::TrailDelivery trail_delivery(store, events, trail_sink, TrailOptions(config));
  const services::Dispatch& dispatch = DispatchOf(*built);
  services::CredentialResolver credentials(store);
  built->iam.OnChange([&credentials] { credentials.Invalidate(); });
  built->iam.set_mfa_limits({std::max(1, config.mfa_max_failures),
                             std::max(1, config.mfa_lockout_seconds)});
  auto access_log = http::AccessLog::Open(config.access_log);
  if (!access_log.ok()) return fail(access_log.error().message);
  services::KeyUsageRecorder key_usage(store);
  std::atomic<bool> ready{true};
  http::GatewayOptions gopts;
  gopts.dev_mode = config.dev;
  gopts.default_account_id = boot->account_id;
  gopts.access_log = access_log->get();
  gopts.key_usage = &key_usage;
  gopts.audit = config.event_recording ? &audit : nullptr;
  gopts.records_data_events = [&trails = *built->trails](const std::string& account) {
    return trails.LogsDataEvents(account);
  };
  gopts.after_commit_sync = [&store](uint64_t seq, std::function<void(bool)> done) {
    store.AfterCommitSync(seq, std::move(done));
  };
  gopts.trusted_proxies = config.trusted_proxies;
  gopts.reset_state = [&store, &events, &boot_config, &kms = built->kms,
                       &s3 = *built->s3]() -> Status {
    RAMPART_RETURN_IF_ERROR(store.WipeAll());
    RAMPART_RETURN_IF_ERROR(events.WipeAll());
    s3.blobs().WipeAll();
    s3.ClearCaches();
    kms.ClearCaches();
    auto b = BootstrapAccount(store, boot_config);
    if (!b.ok()) return std::move(b).error();
    return {};
  };
  gopts.open_connections = [&listener]() -> int64_t {
    return listener.stats().open_connections.load();
  };
  gopts.health = [&store, &events](bool deep) -> Status {
    RAMPART_RETURN_IF_ERROR(store.Health(deep));
    return events.Health();
  };
  gopts.ready = &ready;
  gopts.deliver_trails = [&trail_delivery] { return trail_delivery.DeliverNow(); };
  gopts.extra_metrics = [&damage] { return damage.Render(); };
  gopts.when_ready = [&sts = built->sts](std::string_view waiter, std::function<void()> then) {
    constexpr std::string_view kJwks = "jwks|";
    if (StartsWith(waiter, kJwks)) return sts.jwks().WhenDone(std::string(waiter.substr(kJwks.size())), std::move(then));
    then();
  };
  gopts.metrics_on_api_port = config.metrics_listen == "same";
  gopts.s3_preflight = [&s3 = *built->s3](std::string_view bucket, std::string_view origin,
                                          std::string_view method, std::string_view headers) {
    return services::s3::CorsPreflight(s3, bucket, origin, method, headers);
  };
  gopts.s3_cors_headers = [&s3 = *built->s3](std::string_view bucket, std::string_view origin,
                                             std::string_view method) {
    return services::s3::CorsHeaders(s3, bucket, origin, method);
  };
  services::Authorizer authorizer(built->iam);
  authorizer.RegisterResolver("kms", [&kms = built->kms](const services::Call& c,
                                                         const model::Operation& op,
                                                         const boost::json::object& in) {
    return services::kms::ResolveResource(kms, c, op, in);
  });
  authorizer.RegisterResolver("cloudtrail", services::cloudtrail::ResolveResource);
  authorizer.RegisterResolver("s3control", services::s3::ResolveControlResource);
  authorizer.RegisterResolver("s3", [&s3 = *built->s3](const services::Call& c,
                                                       const model::Operation& op,
                                                       const boost::json::object& in) {
    return services::s3::ResolveResource(s3, c, op, in);
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
  gateway_ptr = &gateway;
  WireS3ToKms(*built->s3, built->kms, authorizer, dispatch, gateway);

  // 6. Serve, and say where (the port file first: whoever reads the line may look for it).
  if (auto started = listener.Start(); !started.ok()) return fail(started.error().message);
  // Listeners call into the gateway: stopped before it goes, on every way out from here.
  auto stop_listeners = [&] {
    listener.Stop(0);
    if (metrics_listener) metrics_listener->Stop(0);
    built->sts.jwks().Stop();
  };
  if (metrics_listener) {
    auto mport = metrics_listener->Start();
    if (!mport.ok()) {
      stop_listeners();
      return fail(mport.error().message);
    }
    std::fprintf(stderr, "rampart: metrics on http://%s:%u/metrics\n",
                 config.metrics_listen.substr(0, config.metrics_listen.rfind(':')).c_str(),
                 static_cast<unsigned>(*mport));
  }
  if (!config.port_file.empty()) {
    if (Status st = WritePortFile(config.port_file, *port); !st.ok()) {
      stop_listeners();
      return fail(st.error().message);
    }
  }
  std::string host = listen->first.find(':') != std::string::npos ? "[" + listen->first + "]"
                                                                 : listen->first;
  std::fprintf(stderr, "rampart: listening on %s://%s:%u (account %s%s)\n",
               config.tls_cert.empty() ? "http" : "https", host.c_str(),
               static_cast<unsigned>(*port), boot->account_id.c_str(),
               config.dev ? ", dev mode" : "");
  std::fflush(stderr);

  // 7. Background work: trail delivery, key-usage times.
  trail_delivery.Start();
  services::s3::LifecycleWorker lifecycle(*built->s3);
  lifecycle.Start();
  int sig = 0;
  {
    KeyUsageFlusher flusher(key_usage);

    // 8. Until SIGINT/SIGTERM; then drain.
    sig = WaitForShutdown(signals, access_log->get(), trail_delivery);
    std::fprintf(stderr, "rampart: signal %d, draining\n", sig);
    ready.store(false);
    listener.Stop(10);
    if (metrics_listener) metrics_listener->Stop(0);
    built->sts.jwks().Stop();  // no deferred call may come back to a gateway that is gone
  }
  lifecycle.Stop();
  trail_delivery.Stop();
  audit.Stop();
  if (!config.port_file.empty()) ::unlink(config.port_file.c_str());
  std::fprintf(stderr, "rampart: stopped\n");
  return 0;
}

}  // namespace rampart::server
