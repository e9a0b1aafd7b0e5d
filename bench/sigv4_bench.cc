// SigV4 verification of a typical signed STS POST (GetCallerIdentity with a session token):
// ParseCredential + Verify with a warm signing-key cache, and cold (key derived every time).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "http/sigv4/sigv4.h"

namespace {

using namespace rampart::sigv4;

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kDate = "20150830T123600Z";
constexpr int64_t kNow = 1440938160;

struct StsRequest {
  std::string method = "POST", target = "/";
  std::vector<Header> headers;
  std::string body = "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo&RoleSessionName=bench"
                     "&Version=2011-06-15";
  StsRequest() {
    headers = {{"Host", "sts.us-east-1.amazonaws.com"},
               {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
               {"Content-Length", std::to_string(body.size())},
               {"User-Agent", "aws-cli/2.15.0 Python/3.11 Linux/6.1 exe/x86_64"}};
    SignRequest(method, target, headers, body, "ASIAEXAMPLEEXAMPLE", kSecret, "us-east-1", "sts", kDate,
                "IQoJb3JpZ2luX2VjEXAMPLETOKENvalue0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP==");
    // An unsigned header added by a proxy after signing.
    headers.push_back({"Accept-Encoding", "identity"});
  }
  RequestView View() const { return RequestView{method, target, &headers, body}; }
};

void BM_VerifyWarmCache(benchmark::State& state) {
  StsRequest r;
  SigningKeyCache cache(1024);
  VerifyOptions opts{kNow};
  for (auto _ : state) {
    auto cred = ParseCredential(r.View());
    auto st = Verify(r.View(), *cred, kSecret, opts, &cache);
    if (!st.ok()) state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(st);
  }
}
BENCHMARK(BM_VerifyWarmCache);

void BM_VerifyColdNoCache(benchmark::State& state) {
  StsRequest r;
  VerifyOptions opts{kNow};
  for (auto _ : state) {
    auto cred = ParseCredential(r.View());
    auto st = Verify(r.View(), *cred, kSecret, opts, nullptr);
    if (!st.ok()) state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(st);
  }
}
BENCHMARK(BM_VerifyColdNoCache);

void BM_VerifyColdCacheMiss(benchmark::State& state) {
  // Every iteration misses: a fresh cache each time (includes the cache-key hash and insert).
  StsRequest r;
  VerifyOptions opts{kNow};
  for (auto _ : state) {
    SigningKeyCache cache(4);
    auto cred = ParseCredential(r.View());
    auto st = Verify(r.View(), *cred, kSecret, opts, &cache);
    if (!st.ok()) state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(st);
  }
}
BENCHMARK(BM_VerifyColdCacheMiss);

void BM_ParseCredentialOnly(benchmark::State& state) {
  StsRequest r;
  for (auto _ : state) {
    auto cred = ParseCredential(r.View());
    benchmark::DoNotOptimize(cred);
  }
}
BENCHMARK(BM_ParseCredentialOnly);

void BM_VerifyWarmCacheMultiThread(benchmark::State& state) {
  static SigningKeyCache cache(1024);
  StsRequest r;
  VerifyOptions opts{kNow};
  for (auto _ : state) {
    auto cred = ParseCredential(r.View());
    auto st = Verify(r.View(), *cred, kSecret, opts, &cache);
    benchmark::DoNotOptimize(st);
  }
}
BENCHMARK(BM_VerifyWarmCacheMultiThread)->Threads(2);

}  // namespace

BENCHMARK_MAIN();
