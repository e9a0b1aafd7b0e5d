#pragma once
// Authorization of every API call by the policy engine (AWS's evaluation logic): builds the
// request context (aws:* and service keys), gathers the caller's compiled policies (cached per
// principal, invalidated by the IAM generation counter) and evaluates.
//
// Thread-safe.

#include <boost/json/value.hpp>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "common/result.h"
#include "protocol/model.h"
#include "services/call.h"
#include "services/iam/authz.h"

namespace rampart::services {

struct AuthzRequest {
  const Call& call;
  const model::Service& service;
  const model::Operation& operation;
  const boost::json::value& input;
  bool secure_transport = false;
};

class Authorizer {
 public:
  explicit Authorizer(iam::IamService& iam) : iam_(iam) {}

  // OK if allowed; AccessDenied (403) with AWS's message naming the principal, action, resource
  // and the policy type that decided otherwise.
  Status Authorize(const AuthzRequest& req);

  // The IAM action name of an operation: "<service prefix>:<Operation>".
  static std::string ActionName(const model::Service& service, const model::Operation& op);

 private:
  struct Cached {
    uint64_t generation = 0;
    std::shared_ptr<const iam::PrincipalPolicies> policies;
    std::vector<const policy::Policy*> identity;
    std::vector<const policy::Policy*> boundary;
    std::vector<policy::Policy> session_owned;  // session policies (temporary credentials)
    std::vector<const policy::Policy*> session;
  };
  // The compiled policies that apply to a caller: identity and boundary of its user or role,
  // plus the session policies of temporary credentials. Cached per access key.
  Result<std::shared_ptr<const Cached>> PoliciesOf(const Principal& p);

  iam::IamService& iam_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const Cached>> cache_;  // GUARDED_BY(mu_)
};

}  // namespace rampart::services
