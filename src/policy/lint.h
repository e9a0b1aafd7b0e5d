#pragma once
// `rampart policy validate`: what IAM says about a policy document when it is written
// (ValidateAsAws, aws_validate.h) and the findings IAM Access Analyzer's ValidatePolicy gives
// for it, in ValidatePolicy's shape, so policy checks in CI read the same JSON with Rampart as
// with `aws accessanalyzer validate-policy`.
//
// Findings come from the policy text alone: the error IAM would answer (ERROR), and
// checks that need no service catalog: MISSING_VERSION, EMPTY_SID_VALUE,
// ALLOW_WITH_NOT_PRINCIPAL, PASS_ROLE_WITH_STAR_IN_RESOURCE,
// PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE, CREATE_SLR_WITH_STAR_IN_RESOURCE,
// CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE, WILDCARD_WITHOUT_LIKE_OPERATOR,
// DEPRECATED_GLOBAL_CONDITION_KEY, EMPTY_OBJECT_CONDITION, NULL_WITH_QUALIFIER,
// WILDCARD_IN_SERVICE_NAME. Checks that need AWS's catalog of actions and resource types
// (INVALID_ACTION for unknown action names, ...) are not made.
//
// Locations: `path` steps into objects with {"value": member} and arrays with {"index": i} (no
// index when Statement is a single object), as ValidatePolicy does; `span` covers the JSON
// token of the value, lines 1-based, columns and offsets 0-based, counted in Unicode code
// points, end exclusive.

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "policy/aws_validate.h"
#include "policy/policy.h"

namespace rampart::policy {

struct LintReport {
  std::optional<PolicyIssue> error;  // what the API answers, if it refuses the document
  boost::json::array findings;       // ValidatePolicyFinding objects
};

LintReport LintPolicy(std::string_view text, PolicyType type);

// "ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION".
std::string_view FindingType(const boost::json::value& finding);

}  // namespace rampart::policy
