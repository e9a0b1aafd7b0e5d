#pragma once
// Evaluate: AWS's policy evaluation logic over one request and the policies that apply to it,
// by type (IAM User Guide, "Policy evaluation logic"; Organizations, "SCP/RCP evaluation").
// The procedure, in the order it decides (docs/POLICY.md has it in full, with sources):
//
//   0. sts:GetCallerIdentity is always allowed. A change to an AWS managed policy or a
//      service-linked role is always denied (ProtectedByAws): AWS alone changes them.
//   1. A matching Deny in any applicable policy -> ExplicitDeny.
//   2. RCPs (when given and the caller is not a service-linked role) bind only by their Deny
//      statements: RCPFullAWSAccess is attached at every level and cannot be detached.
//   3. SCPs (every level, when given and the caller is an IAM identity that is not a
//      service-linked role) need an Allow.
//   4. Same account: a resource-policy Allow naming the caller itself (user, role session,
//      federated user, service, or "*") grants on its own; one naming the role of the session
//      grants unless a permissions boundary or session policy implicitly denies; one naming the
//      account delegates to identity policies. KMS key policies and role trust policies must
//      allow (RequiresResourcePolicyGrant).
//   5-7. Identity policies need an Allow (the account root has all permissions of its account);
//      a permissions boundary, if any, needs an Allow; session policies, if any, need an Allow
//      (a federated-user session without session policies has none).
//   8. Cross account: the caller's side (3, 5-7) and the resource policy (1-2 and an Allow naming
//      the caller, its role or its account) must both allow.
//
// Thread safety: Evaluate is a pure function of its arguments; call it from any thread.
// Allocation: none. Results refer (by string_view) into the Policy objects and the Request, which
// must outlive the EvaluationResult.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "policy/inline_vec.h"
#include "policy/policy.h"
#include "policy/request.h"

namespace rampart::policy {

enum class Decision : std::uint8_t { kAllow, kExplicitDeny, kImplicitDeny };

// The policy type that decided; kNone for the GetCallerIdentity rule; kProtected for a change
// to what only AWS may change (ProtectedByAws).
enum class PolicyKind : std::uint8_t {
  kNone, kIdentity, kResource, kBoundary, kSession, kScp, kRcp, kProtected
};

// One level of an SCP or RCP chain: the policies attached to the root, an OU, or the account.
struct PolicyLevel {
  std::string_view target;  // "r-ab12", "ou-ab12-cdef34", "111122223333" (for messages)
  std::span<const Policy* const> policies;
};

// The policies that apply to a request, by type. Empty spans mean "none of this type": no
// boundary, no session policies, not in an organization (or the management account).
// REQUIRES: every pointer is non-null and outlives the call (and the result).
struct PolicySet {
  std::span<const Policy* const> identity;  // user/role inline + managed + group policies
  const Policy* resource = nullptr;         // the resource-based policy of the target, if any
  std::span<const Policy* const> boundary;  // the permissions boundary (AWS allows one)
  std::span<const Policy* const> session;   // session policies of a role or federated session
  std::span<const PolicyLevel> scp;         // root -> OUs -> account of the caller's account
  std::span<const PolicyLevel> rcp;         // root -> OUs -> account of the resource's account
  // The resource's own policy is not known (IAM's policy simulator without a ResourcePolicy):
  // decide on the identity-based policies, boundary and session policies alone, as if the
  // resource were the caller's and its policy (a key or trust policy) delegated to the account.
  bool identity_only = false;
};

struct MatchedStatement {
  PolicyKind type = PolicyKind::kNone;
  Effect effect = Effect::kAllow;
  std::uint16_t level = 0;      // index into PolicySet::scp/rcp; 0 for other types
  std::uint16_t policy = 0;     // index of the policy within its type (or level)
  std::uint16_t statement = 0;  // index of the statement within the policy
  std::string_view sid;         // "" when the statement has no Sid
  std::string_view policy_id;   // Policy::id()
};

struct EvaluationResult {
  Decision decision = Decision::kImplicitDeny;
  PolicyKind decided_by = PolicyKind::kNone;
  // ExplicitDeny: every matching Deny. Allow: the Allow statements of every type the decision
  // relied on. ImplicitDeny: empty (nothing matched at the deciding type).
  InlineVec<MatchedStatement, 32> matched;
  // Condition keys (as written in the policies) that statements matching the action, resource
  // and principal read but the request did not carry; for MissingContextValues.
  InlineVec<std::string_view, 16> missing_context_keys;
};

struct EvaluateOptions {
  // Use each policy's action index (default). Off scans every statement; for benchmarks.
  bool use_action_index = true;
  // Deny what ProtectedByAws names (the simulator's and `policy eval`'s answer). The request
  // path turns it off: there AWS authorizes first and the API then refuses with its own error
  // (UnmodifiableEntity, ...), which a caller without the permission never sees.
  bool deny_protected = true;
};

EvaluationResult Evaluate(const Request& request, const PolicySet& policies,
                          EvaluateOptions options = {});

// True when a resource-based policy must allow the request even in the same account: KMS key
// policies and role trust policies (sts:AssumeRole* / TagSession / SetSourceIdentity on a role).
bool RequiresResourcePolicyGrant(const Request& request);

// True for requests that would change what AWS alone may change, whatever the policies say
// (the API refuses them too): a new version, default version, deletion or tags of an AWS managed
// policy (arn:aws:iam::aws:policy/...), and a change to the trust, policies, boundary or
// existence of a service-linked role (a role under /aws-service-role/) other than
// iam:DeleteServiceLinkedRole (its description and tags may change).
bool ProtectedByAws(const Request& request);

// "Allow", "ExplicitDeny", "ImplicitDeny".
std::string_view ToString(Decision d);
// "identity", "resource", "boundary", "session", "scp", "rcp", "protected", "none".
std::string_view ToString(PolicyKind k);

// The AccessDenied message AWS gives for a denial, e.g. "User: arn:aws:iam::111122223333:user/bob
// is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k because no
// identity-based policy allows the s3:GetObject action". Empty for Allow. Allocates.
std::string DenialMessage(const EvaluationResult& result, const Request& request);

}  // namespace rampart::policy
