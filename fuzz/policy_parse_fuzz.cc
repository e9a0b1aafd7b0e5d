// libFuzzer target: a policy document on arbitrary bytes through everything that reads one: AWS's
// write-time validation (ValidateAsAws, with its located message) and the linter behind
// `rampart policy validate --json`, then ParsePolicy and Evaluate with whatever parsed, so the
// validators, the parser and the compiled matchers all see hostile input. The first byte picks
// the policy type.
// Seed corpus: fuzz/corpus/policy_parse/. Run: policy_parse_fuzz fuzz/corpus/policy_parse

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/aws_validate.h"
#include "policy/evaluate.h"
#include "policy/lint.h"
#include "policy/policy.h"
#include "policy/request.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rampart::policy;
  if (size < 1) return 0;
  const PolicyType type = static_cast<PolicyType>(data[0] % 10);
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (auto issue = ValidateAsAws(text, type, "user fuzz")) (void)ExplainedMessage(*issue);
  (void)LintPolicy(text, type);
  auto policy = ParsePolicy(text, type, "fuzz");
  if (!policy.ok()) return 0;

  auto request = Request::Create("arn:aws:sts::111122223333:assumed-role/app/s1", "s3:GetObject",
                                 "arn:aws:s3:::example-bucket/home/app/x", "111122223333");
  if (!request.ok()) return 0;
  Request& r = request.value();
  r.SetContext("aws:SourceIp", "203.0.113.7");
  r.SetContext("aws:CurrentTime", "2024-06-01T12:00:00Z");
  r.SetContext("aws:PrincipalTag/team", "blue");
  r.SetContextValues("aws:TagKeys", {"env", "team"});
  const Policy* one[] = {&policy.value()};
  PolicyLevel level[] = {{"r-root", one}};
  PolicySet set;
  set.identity = one;
  set.resource = &policy.value();
  set.boundary = one;
  set.session = one;
  set.scp = level;
  set.rcp = level;
  EvaluationResult result = Evaluate(r, set);
  (void)DenialMessage(result, r);
  return 0;
}
