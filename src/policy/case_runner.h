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
                              // or, for a case not evaluated, {"name":..,"error":"Code: message"}
  bool error = false;         // the case was not evaluated (a refused policy, a malformed case)
  bool has_expected = false;  // the case carries "expected"
  bool passed = true;         // matches "expected" (true when there is none)
  std::string mismatch;       // why it did not pass
};

// Evaluates every case of a document, one outcome per case in input order. A case that cannot
// be evaluated (its structure or request is malformed: ValidationError; one of its policies is
// refused: MalformedPolicyDocument / LimitExceeded, as IAM would refuse it) gets an error line
// and the other cases are still evaluated; it passes only if its "expected" names that error.
// Fails as a whole only when the document is not JSON.
Result<std::vector<CaseOutcome>> EvaluateCases(std::string_view case_json);

// `rampart policy eval`: the output lines of EvaluateCases, one JSON object per line, each line
// ending in '\n', in input order, and how many of the cases were not evaluated.
struct CaseLines {
  std::string text;
  int errors = 0;
};
Result<CaseLines> EvaluateCaseJson(std::string_view case_json);

}  // namespace rampart::policy
