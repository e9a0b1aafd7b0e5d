#pragma once
// AWS-managed policies (arn:aws:iam::aws:policy/...) that make sense for the services Rampart
// serves. The documents are written by us from each policy's meaning, not copied.

#include <span>
#include <string>
#include <string_view>

namespace rampart::services::iam {

struct AwsManagedPolicy {
  std::string name;
  std::string path;  // "/" or "/job-function/", "/service-role/"
  std::string description;
  std::string document;
  std::string arn;
  std::string policy_id;  // stable ANPA... id derived from the name
};

std::span<const AwsManagedPolicy> AwsManagedPolicies();
const AwsManagedPolicy* FindAwsManagedPolicy(std::string_view arn);

}  // namespace rampart::services::iam
