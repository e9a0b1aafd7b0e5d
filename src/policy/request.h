#pragma once
// Request: what is being asked, as the policy engine sees it (the "request context" of the IAM
// User Guide): the principal, the action, the resource and its account, and condition keys.
//
// Build one per API call with Request::Create, add context keys, then pass it (const) to
// Evaluate. Building allocates; evaluating against a built Request does not. A Request is
// immutable once built and safe to read from several threads.

#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "policy/pattern.h"
#include "policy/values.h"

namespace rampart::policy {

enum class PrincipalKind {
  kAccountRoot,    // arn:aws:iam::A:root
  kUser,           // arn:aws:iam::A:user/path/name
  kRole,           // arn:aws:iam::A:role/path/name (evaluated like a session of the role)
  kRoleSession,    // arn:aws:sts::A:assumed-role/ROLE/SESSION
  kFederatedUser,  // arn:aws:sts::A:federated-user/NAME (GetFederationToken)
  kService,        // service:s3.amazonaws.com
  kWebIdentity,    // federated:cognito-identity.amazonaws.com (AssumeRoleWithWebIdentity/SAML)
  kAnonymous,      // "anonymous": an unsigned request
};

// The caller, derived from its ARN.
struct Principal {
  PrincipalKind kind = PrincipalKind::kAnonymous;
  std::string arn;        // as given ("anonymous" for anonymous)
  std::string partition;  // "aws" unless the ARN says otherwise
  std::string account;    // empty for service, web-identity and anonymous principals
  std::string name;       // user name, role name (for roles and sessions), federated name
  std::string session;    // session name of a role session
  std::string service;    // service principal or identity provider name
  bool service_linked = false;  // a service-linked role or a session of one

  bool is_session() const {
    return kind == PrincipalKind::kRoleSession || kind == PrincipalKind::kRole ||
           kind == PrincipalKind::kFederatedUser;
  }
  // An IAM identity of an account (root, user, role, session): SCPs may apply to it.
  bool is_iam() const {
    return kind == PrincipalKind::kAccountRoot || kind == PrincipalKind::kUser ||
           kind == PrincipalKind::kRole || kind == PrincipalKind::kRoleSession ||
           kind == PrincipalKind::kFederatedUser;
  }
};

// Parses a caller ARN (see PrincipalKind). ValidationError names what is wrong.
Result<Principal> ParsePrincipal(std::string_view arn);

// One condition key of the request context: one value (single-valued) or several.
struct ContextEntry {
  std::string key_lower;  // condition keys are case-insensitive
  // Most keys hold one value: kept inline (a vector cost an allocation per key, ~10 a call).
  boost::container::small_vector<std::string, 1> values;
  bool multivalued = false;  // given as an array (even of one element)
};

// A set of context entries. Requests layer their own entries over an optional shared
// base layer (e.g. the keys derived from one principal, built once and reused by every call of
// that principal: building ~15 entries per call was most of authorization's cost).
class ContextLayer {
 public:
  void Set(std::string_view key, std::string_view value);           // single-valued
  void SetValues(std::string_view key, std::vector<std::string> values);  // multivalued
  const ContextEntry* Find(std::string_view key_lower) const;
  void Reserve(size_t n) { entries_.reserve(n); }

 private:
  ContextEntry* FindOrAdd(std::string_view key_lower, bool multivalued);
  // In the order keys were first set, searched linearly: a request carries ~10-20 keys, and
  // keeping them sorted cost a shifting insert per key (~2.6k instructions a KMS call).
  std::vector<ContextEntry> entries_;
};

// The keys Request::Create derives from a principal (aws:PrincipalType, aws:username,
// aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalIsAWSService), for a base layer.
void AddPrincipalKeys(const Principal& p, ContextLayer& layer);

class Request : public VariableSource {
 public:
  // REQUIRES: action is "service:Action" (or "*"-free text); resource is an ARN or "*".
  // resource_account: the account owning the resource; empty means the principal's account.
  // The following keys are filled in from the principal unless set later with SetContext:
  // aws:PrincipalArn (for a session: the role ARN, without path), aws:PrincipalAccount,
  // aws:PrincipalType, aws:username (IAM users), aws:userid is NOT derived (ids are unknown here),
  // aws:PrincipalIsAWSService, aws:ResourceAccount (when known).
  static Result<Request> Create(std::string_view principal_arn, std::string_view action,
                                std::string_view resource, std::string_view resource_account = {});
  // The same for a principal parsed once and a base layer built once (AddPrincipalKeys plus
  // whatever else is constant for the caller); only aws:ResourceAccount is set here.
  static Result<Request> Create(std::shared_ptr<const Principal> principal,
                                std::shared_ptr<const ContextLayer> base, std::string_view action,
                                std::string_view resource, std::string_view resource_account = {});

  // Sets a single-valued key (replacing any value, including a derived default).
  void SetContext(std::string_view key, std::string_view value);
  // Sets a multivalued key (ArrayOf* in AWS's terms); an empty list is a present, empty key.
  void SetContextValues(std::string_view key, std::vector<std::string> values);

  const Principal& principal() const { return *principal_; }
  const std::string& action() const { return action_; }              // as given
  const std::string& action_lower() const { return action_lower_; }  // for matching
  std::string_view service_lower() const {
    return std::string_view(action_lower_).substr(0, service_len_);
  }
  ActionKey action_key() const {
    return {action_lower_, action_hash_, service_lower(), service_hash_};
  }
  const std::string& resource() const { return resource_; }
  const std::string& resource_account() const { return resource_account_; }

  // The entry for a lowercased key, or null if the request does not carry it.
  // Own entries first, then the base layer.
  const ContextEntry* Find(std::string_view key_lower) const;

  std::optional<std::string_view> SingleValue(std::string_view key_lower) const override;

 private:
  Status SetAction(std::string_view action, std::string_view resource);

  std::shared_ptr<const Principal> principal_;
  std::string action_;
  std::string action_lower_;
  std::size_t service_len_ = 0;  // length of the service prefix in action_lower_
  std::uint64_t action_hash_ = 0;
  std::uint64_t service_hash_ = 0;
  std::string resource_;
  std::string resource_account_;
  ContextLayer own_;
  std::shared_ptr<const ContextLayer> base_;
};

}  // namespace rampart::policy
