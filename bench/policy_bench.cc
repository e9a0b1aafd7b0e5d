// Policy engine micro-benchmarks (issue 3 targets, one core):
//   - a principal with 10 attached policies of 10 statements each, with conditions: one decision
//     (target p50 <= 1 us, >= 1M decisions/s);
//   - a 100-statement policy: action index vs the linear scan peer in the same run (target >= 5x);
//   - compile (parse + validate + index) of a 10-statement policy (target >= 100k policies/s).
// Run: build-bench/bench/policy_bench --benchmark_min_time=0.5

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "policy/evaluate.h"
#include "policy/policy.h"
#include "policy/request.h"

namespace {

using namespace rampart::policy;

const char* kServices[] = {"s3", "ec2", "dynamodb", "sqs", "sns", "kms", "lambda", "logs",
                           "cloudwatch", "iam"};

// Policy p of 10 statements; statement s uses service kServices[(p + s) % 10] with a
// conditioned, wildcarded grant, so each request meets roughly one candidate per policy.
std::string TenStatementPolicy(int p) {
  std::string doc = R"({"Version":"2012-10-17","Statement":[)";
  for (int s = 0; s < 10; ++s) {
    std::string svc = kServices[(p + s) % 10];
    if (s) doc += ",";
    doc += R"({"Sid":"P)" + std::to_string(p) + "S" + std::to_string(s) + R"(","Effect":")" +
           (s == 9 ? "Deny" : "Allow") + R"(","Action":[")" + svc + (s == 9 ? ":Delete*" : ":Get*") +
           R"(",")" + svc + R"(:List*",")" + svc + R"(:Describe)" + std::to_string(s) +
           R"("],"Resource":"arn:aws:)" +
           svc + R"(:::team-${aws:PrincipalTag/team}/*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","203.0.113.0/24"]},"StringEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]},"Bool":{"aws:SecureTransport":"true"}}})";
  }
  doc += "]}";
  return doc;
}

std::string HundredStatementPolicy() {
  std::string doc = R"({"Version":"2012-10-17","Statement":[)";
  for (int s = 0; s < 100; ++s) {
    if (s) doc += ",";
    std::string svc = "s" + std::to_string(s);
    doc += R"({"Effect":"Allow","Action":[")" + svc + R"(:Get*",")" + svc +
           R"(:Put*"],"Resource":"arn:aws:)" + svc + R"(:::t/*"})";
  }
  doc += "]}";
  return doc;
}

Request MakeRequest(std::string_view action, std::string_view resource) {
  Request r = Request::Create("arn:aws:iam::111122223333:user/alice", action, resource).value();
  r.SetContext("aws:SourceIp", "203.0.113.7");
  r.SetContext("aws:RequestedRegion", "eu-west-1");
  r.SetContext("aws:SecureTransport", "true");
  r.SetContext("aws:PrincipalTag/team", "blue");
  return r;
}

void BM_Evaluate_10Policies_10Statements(benchmark::State& state) {
  std::vector<Policy> policies;
  for (int p = 0; p < 10; ++p) policies.push_back(ParsePolicy(TenStatementPolicy(p), PolicyType::kManaged).value());
  std::vector<const Policy*> ptrs;
  for (const Policy& p : policies) ptrs.push_back(&p);
  PolicySet set;
  set.identity = ptrs;
  Request r = MakeRequest("dynamodb:GetItem", "arn:aws:dynamodb:::team-blue/table");
  if (Evaluate(r, set).decision != Decision::kAllow) state.SkipWithError("expected Allow");
  for (auto _ : state) {
    EvaluationResult res = Evaluate(r, set);
    benchmark::DoNotOptimize(res.decision);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Evaluate_10Policies_10Statements);

void BM_Evaluate_10Policies_10Statements_WithScp(benchmark::State& state) {
  std::vector<Policy> policies;
  for (int p = 0; p < 10; ++p) policies.push_back(ParsePolicy(TenStatementPolicy(p), PolicyType::kManaged).value());
  Policy full = ParsePolicy(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})",
                            PolicyType::kScp).value();
  std::vector<const Policy*> ptrs;
  for (const Policy& p : policies) ptrs.push_back(&p);
  const Policy* scps[] = {&full};
  PolicyLevel levels[] = {{"r-root", scps}, {"ou-1", scps}, {"111122223333", scps}};
  PolicySet set;
  set.identity = ptrs;
  set.scp = levels;
  Request r = MakeRequest("dynamodb:GetItem", "arn:aws:dynamodb:::team-blue/table");
  for (auto _ : state) {
    EvaluationResult res = Evaluate(r, set);
    benchmark::DoNotOptimize(res.decision);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Evaluate_10Policies_10Statements_WithScp);

void HundredStatements(benchmark::State& state, bool indexed) {
  // 100 statements exceed a managed policy's 6,144 characters; a role's inline quota fits them.
  Policy p = ParsePolicy(HundredStatementPolicy(), PolicyType::kRoleInline).value();
  const Policy* ptrs[] = {&p};
  PolicySet set;
  set.identity = ptrs;
  Request r = MakeRequest("s73:GetThing", "arn:aws:s73:::t/x");
  if (Evaluate(r, set, {indexed}).decision != Decision::kAllow) state.SkipWithError("expected Allow");
  for (auto _ : state) {
    EvaluationResult res = Evaluate(r, set, {indexed});
    benchmark::DoNotOptimize(res.decision);
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_Evaluate_100Statements_Indexed(benchmark::State& state) { HundredStatements(state, true); }
void BM_Evaluate_100Statements_LinearScan(benchmark::State& state) { HundredStatements(state, false); }
BENCHMARK(BM_Evaluate_100Statements_Indexed);
BENCHMARK(BM_Evaluate_100Statements_LinearScan);

void BM_Compile_10StatementPolicy(benchmark::State& state) {
  std::string doc = TenStatementPolicy(3);
  for (auto _ : state) {
    auto p = ParsePolicy(doc, PolicyType::kManaged);
    benchmark::DoNotOptimize(p.ok());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(doc.size()));
}
BENCHMARK(BM_Compile_10StatementPolicy);

void BM_Compile_SmallPolicy(benchmark::State& state) {
  std::string doc = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::bucket/home/${aws:username}/*"}]})";
  for (auto _ : state) {
    auto p = ParsePolicy(doc, PolicyType::kManaged);
    benchmark::DoNotOptimize(p.ok());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Compile_SmallPolicy);

}  // namespace

BENCHMARK_MAIN();
