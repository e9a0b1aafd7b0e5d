#pragma once
// AWS's fixed service-linked role names per service principal (service_linked_roles.cc).

#include <string_view>

namespace rampart::services::iam {

enum class SuffixRule { kAllowed, kRefused, kUnknown };

struct SlrTemplate {
  std::string_view service;  // the service principal, e.g. "autoscaling.amazonaws.com"
  std::string_view role;     // e.g. "AWSServiceRoleForAutoScaling"
  SuffixRule suffix;         // whether CreateServiceLinkedRole takes a CustomSuffix
};

// The entry for `service`, or nullptr for a service not in the table (its name is then derived
// from the principal: AWSServiceRoleFor<Prefix>).
const SlrTemplate* FindSlrTemplate(std::string_view service);

}  // namespace rampart::services::iam
