#pragma once
// What authorization needs from IAM: the compiled policies of a principal, and the resource an
// IAM operation acts on (with its tags). Used by services/identity/authorizer.h.

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "policy/policy.h"
#include "services/call.h"
#include "services/iam/common.h"

namespace rampart::services::iam {

// A principal's identity-based policies, permissions boundary and tags, compiled. Immutable.
struct PrincipalPolicies {
  std::vector<policy::Policy> identity;   // inline, attached and (users) group policies
  std::vector<policy::Policy> boundary;   // zero or one
  std::map<std::string, std::string> tags;  // principal tags (aws:PrincipalTag/...)
  bool exists = true;                       // false if the user/role no longer exists
};

// Loads and compiles the policies of an IAM user (principal.user_name) or role (role_name).
Result<std::shared_ptr<const PrincipalPolicies>> LoadUserPolicies(IamService& svc,
                                                                  std::string_view account,
                                                                  std::string_view user_name);
Result<std::shared_ptr<const PrincipalPolicies>> LoadGroupPolicies(IamService& svc,
                                                                   std::string_view account,
                                                                   std::string_view group_name);
Result<std::shared_ptr<const PrincipalPolicies>> LoadRolePolicies(IamService& svc,
                                                                  std::string_view account,
                                                                  std::string_view role_name);

// The default version's document of a managed policy ARN ("" if it does not exist).
Result<std::string> ManagedPolicyDocument(IamService& svc, std::string_view account,
                                          std::string_view arn);
// A role's stored document (with AssumeRolePolicyDocument unencoded), if it exists.
Result<std::optional<json::object>> LoadRoleDocument(IamService& svc, std::string_view account,
                                                     std::string_view role_name);

// The target of an IAM operation.
struct Target {
  std::string resource = "*";
  std::map<std::string, std::string> resource_tags;
  std::string permissions_boundary;  // the target user's or role's boundary ARN, if any
};
Result<Target> ResolveTarget(IamService& svc, const Call& call, std::string_view operation,
                             const json::object& in);

}  // namespace rampart::services::iam
