#pragma once
// Authorization of every API call by the policy engine (AWS's evaluation logic): builds the
// request context (aws:* and service keys), gathers the caller's compiled policies (cached per
// principal, invalidated by the IAM generation counter) and evaluates.
//
// Thread-safe.

#include <boost/json/value.hpp>
#include <functional>
#include <functional>
#include <map>
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
  Call& call;  // the authorizer may note a verified MFA code on it (Call::mfa_verified_epoch)
  const model::Service& service;
  const model::Operation& operation;
  const boost::json::value& input;
  bool secure_transport = false;
};

// A verified web-identity token or SAML assertion (services/sts/federation.h produces it): the
// federated principal a role's trust policy is evaluated against, and the provider's keys.
struct FederatedCaller {
  std::string provider;  // the IAM OIDC or SAML provider ARN (trust policy "Federated" value)
  std::string role_arn;  // the role the caller asks for
  // Provider condition keys: "<issuer host/path>:aud", ":sub", ":amr"; "saml:aud", "saml:sub", ...
  std::vector<std::pair<std::string, std::vector<std::string>>> context;
};
// Verifies the token of an AssumeRoleWithWebIdentity / AssumeRoleWithSAML input. Its errors
// (InvalidIdentityToken, ExpiredTokenException, IDPCommunicationError, ...) are the call's.
using FederatedVerifier = std::function<Result<FederatedCaller>(
    const Call& call, std::string_view operation, const boost::json::object& input)>;

// What a service tells the authorizer about the target of one call: the resource ARN, the
// resource-based policy if the resource has one (KMS key policy, S3 bucket policy, SNS topic
// policy...), the resource's tags and the service's own condition keys. Registered per service.
struct ResourceContext {
  std::string resource = "*";
  std::string resource_account;  // "" = the caller's account
  std::shared_ptr<const policy::Policy> policy;  // resource-based policy, if any
  std::map<std::string, std::string> resource_tags;
  std::vector<std::pair<std::string, std::vector<std::string>>> context;  // e.g. kms:KeySpec
  std::string action;         // "" = "<prefix>:<Operation>"; set where AWS names it otherwise
  bool allowed_by_grant = false;  // e.g. a KMS grant covers this call for this caller
  // Further permissions the call needs on other resources, each decided on its own (KMS
  // ReEncrypt: kms:ReEncryptTo on the destination key). `action` must be set in each.
  std::vector<ResourceContext> also;
  // References resolved to decide the call (Call::authorized_refs), copied onto the call.
  std::vector<std::pair<std::string, std::string>> resolved_refs;
};
using ResourceResolver = std::function<Result<ResourceContext>(
    const Call& call, const model::Operation& op, const boost::json::object& input)>;

class Authorizer {
 public:
  explicit Authorizer(iam::IamService& iam) : iam_(iam) {}

  // OK if allowed; AccessDenied (403) with AWS's message naming the principal, action, resource
  // and the policy type that decided otherwise.
  Status Authorize(const AuthzRequest& req);

  // ---- Federated callers (AssumeRoleWithWebIdentity, AssumeRoleWithSAML) ----
  // These calls are unsigned: the caller is anonymous and what it presents is a token. The
  // token is verified with the verifier, then the role's trust policy alone decides, evaluated
  // for the principal "federated:<provider ARN>" with the provider's condition keys.
  // REQUIRES: SetFederatedVerifier was called before serving.
  Status AuthorizeFederated(const AuthzRequest& req);
  void SetFederatedVerifier(FederatedVerifier v) { federated_verifier_ = std::move(v); }

  // Registers how a service names the target of its calls. Call before serving.
  void RegisterResolver(std::string service_id, ResourceResolver resolver) {
    resolvers_[std::move(service_id)] = std::move(resolver);
  }

  // Called with each request the authorizer evaluates (action, resource, context keys), in
  // order: tests check them against the Service Authorization Reference. Set before serving;
  // null by default.
  using Observer = std::function<void(const policy::Request&)>;
  void SetObserver(Observer fn) { observer_ = std::move(fn); }

  // The IAM action name of an operation: "<service prefix>:<Operation>".
  static std::string ActionName(const model::Service& service, const model::Operation& op);

 private:
  Observer observer_;
  Status VerifyPresentedMfa(const AuthzRequest& req, const boost::json::object& in);
  struct Cached {
    uint64_t generation = 0;
    std::shared_ptr<const iam::PrincipalPolicies> policies;
    std::vector<const policy::Policy*> identity;
    std::vector<const policy::Policy*> boundary;
    std::vector<policy::Policy> session_owned;  // session policies (temporary credentials)
    std::vector<const policy::Policy*> session;
    // The caller as the policy engine sees it, and the context keys that are the same on every
    // call of this caller (aws:Principal*, aws:userid, aws:username, aws:PrincipalTag/*, the
    // session's keys): built once per cache entry instead of once per call.
    std::shared_ptr<const policy::Principal> principal;
    std::shared_ptr<const policy::ContextLayer> base;
  };
  // The compiled policies that apply to a caller: identity and boundary of its user or role,
  // plus the session policies of temporary credentials. Cached per access key.
  Result<std::shared_ptr<const Cached>> PoliciesOf(const Principal& p);

  // IAM targets (ARN with path, tags) by the input members that name them, valid for one IAM
  // generation: saves a store read per authorized IAM call.
  Result<iam::Target> IamTarget(const Call& call, std::string_view operation,
                                const boost::json::object& in);
  struct CachedTarget {
    uint64_t generation;
    iam::Target target;
  };
  std::unordered_map<std::string, CachedTarget> targets_;  // GUARDED_BY(mu_)

  iam::IamService& iam_;
  FederatedVerifier federated_verifier_;  // set once before serving
  std::unordered_map<std::string, ResourceResolver> resolvers_;  // set before serving
  std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const Cached>> cache_;  // GUARDED_BY(mu_)
};

}  // namespace rampart::services
