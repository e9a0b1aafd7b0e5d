#pragma once
// The policy case format (docs/POLICY.md; ../shared/policy-case-format.md): one JSON document
// holding a case object or an array of cases, each with a request, the policies that apply by
// type, and optionally the expected outcome. Used by the golden vectors in tests/data/policy/
// and by `rampart policy eval --input FILE`.
//
// Pure: takes text, returns text. Allocates (this is a tool path, not the request path).

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace rampart::policy {

struct CaseOutcome {
  std::string name;
  std::string output;         // the output line: {"name":..,"decision":..,"decidedBy":..,...}
  bool has_expected = false;  // the case carries "expected"
  bool passed = true;         // matches "expected" (true when there is none)
  std::string mismatch;       // why it did not pass
};

// Evaluates every case of a document. A case whose "expected" names an "error" reports a policy
// or request error in its output line (and compares it); any other malformed case or policy fails
// the whole call: ValidationError for the case structure or request, MalformedPolicyDocument /
// LimitExceeded for a policy, each message naming the case and the policy.
Result<std::vector<CaseOutcome>> EvaluateCases(std::string_view case_json);

// `rampart policy eval`: the output lines of EvaluateCases, one JSON object per line, each line
// ending in '\n', in input order.
Result<std::string> EvaluateCaseJson(std::string_view case_json);

}  // namespace rampart::policy
