#pragma once
// ValidateAsAws: a policy document checked as the AWS API checks it when it is written
// (IAM CreatePolicy / Put*Policy / CreateRole / UpdateAssumeRolePolicy, KMS PutKeyPolicy, STS
// session policies, Organizations CreatePolicy), answering the first problem with AWS's own
// error code and message, word for word, in AWS's order of checks:
//
//   size and characters -> JSON -> grammar ("Syntax errors in policy.") -> elements the type
//   prohibits -> Version (managed policies: 2012-10-17) -> legacy parsing (Effect spelled
//   exactly, date condition values, ARN shapes) -> unique Sids -> actions present -> resources
//   present -> resource ARN format -> action vendors -> principals -> Sid characters.
//
// The messages and their order come from AWS's recorded responses (sources per rule in
// docs/POLICY.md, "Validation as AWS answers it"). Rampart's own explanation and the location
// go in PolicyIssue::detail and ::path, never into the message a client sees.
//
// ParsePolicy (policy.h) stays the compiler: it reads stored documents leniently. Callers that
// accept a document from a client run ValidateAsAws first.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "policy/policy.h"

namespace rampart::policy {

// One step of a path into the document: a member name, or an index into an array.
struct PathStep {
  std::string key;
  std::optional<std::size_t> index;
};

struct PolicyIssue {
  Error error;                 // AWS's code (by policy type) and message
  std::string detail;          // what exactly is wrong, for people (CLI), not for the API
  std::vector<PathStep> path;  // where: [Statement, 0, Action, 1]; empty for the document
  std::string issue_code;      // the IAM Access Analyzer issueCode of the same problem
};

// `entity` names the holder of an inline policy for AWS's size message ("user bob",
// "group admins", "role app"); ignored for other types.
std::optional<PolicyIssue> ValidateAsAws(std::string_view text, PolicyType type,
                                         std::string_view entity = {});

// "Statement[0].Condition.DateGreaterThan.aws:CurrentTime"; "" for the document itself.
std::string PathText(const std::vector<PathStep>& path);

// AWS's message followed by Rampart's explanation: for people (CLI, case files), never for the
// API, whose clients compare AWS's message.
std::string ExplainedMessage(const PolicyIssue& issue);

// Convenience for request handlers: the issue's Error, or OK.
inline Status CheckAsAws(std::string_view text, PolicyType type, std::string_view entity = {}) {
  auto issue = ValidateAsAws(text, type, entity);
  if (issue) return issue->error;
  return {};
}

}  // namespace rampart::policy
