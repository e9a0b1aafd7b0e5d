#include "services/identity/authorizer.h"

#include <boost/json.hpp>
#include <mutex>
#include <optional>

#include "common/strings.h"
#include "policy/evaluate.h"

namespace rampart::services {

namespace {
// The API refuses changes to AWS-managed entities itself, after authorization (as AWS does).
constexpr policy::EvaluateOptions kRequestPath{.use_action_index = true, .deny_protected = false};
}  // namespace

namespace json = boost::json;

std::string Authorizer::ActionName(const model::Service& service, const model::Operation& op) {
  std::string prefix(service.id == "cloudwatch" ? std::string_view("cloudwatch")
                                                : std::string_view(service.signing_name));
  if (service.id == "sts") prefix = "sts";
  return prefix + ":" + std::string(op.name);
}

Result<iam::Target> Authorizer::IamTarget(const Call& call, std::string_view operation,
                                          const json::object& in) {
  uint64_t gen = iam_.Generation();
  std::string key = call.principal.account_id;
  key.push_back('\n');
  key.append(operation);
  key.push_back('\n');
  key.append(call.principal.arn);
  for (const char* m : {"UserName", "GroupName", "RoleName", "InstanceProfileName", "Path",
                        "PolicyName", "PolicyArn", "OpenIDConnectProviderArn", "SAMLProviderArn",
                        "SerialNumber", "ServerCertificateName"}) {
    key.push_back('\n');
    if (auto* v = in.if_contains(m); v && v->is_string()) key.append(v->as_string());
  }
  {
    std::shared_lock lock(mu_);
    auto it = targets_.find(key);
    if (it != targets_.end() && it->second.generation == gen) return it->second.target;
  }
  RAMPART_ASSIGN_OR_RETURN(iam::Target t, iam::ResolveTarget(iam_, call, operation, in));
  std::unique_lock lock(mu_);
  if (targets_.size() > 100000) targets_.clear();
  targets_[key] = {gen, t};
  return t;
}

namespace {
std::string_view PrincipalTypeKey(Principal::Type t);

// The context keys that hold for every call of `p` (see Cached::base).
std::shared_ptr<const policy::ContextLayer> PrincipalContext(
    const Principal& p, const policy::Principal& parsed,
    const std::map<std::string, std::string>& tags) {
  auto base = std::make_shared<policy::ContextLayer>();
  base->Reserve(16);
  if (p.type == Principal::Type::kAnonymous) return base;  // an unsigned request: no aws:Principal*
  policy::AddPrincipalKeys(parsed, *base);
  // For a role session AWS gives the role's ARN (with its path), not the session's.
  if (p.type == Principal::Type::kAssumedRole && p.session && !p.session->role_arn.empty()) {
    base->Set("aws:PrincipalArn", p.session->role_arn);
  } else {
    base->Set("aws:PrincipalArn", p.arn);
  }
  base->Set("aws:PrincipalAccount", p.account_id);
  base->Set("aws:PrincipalType", PrincipalTypeKey(p.type));
  base->Set("aws:userid", p.user_id);
  if (!p.user_name.empty()) base->Set("aws:username", p.user_name);
  std::map<std::string, std::string> principal_tags = tags;
  if (p.session) {
    for (const auto& [k, v] : p.session->tags) principal_tags[k] = v;
    base->Set("aws:TokenIssueTime", FormatIso8601(static_cast<double>(p.session->issued_epoch)));
    if (!p.session->source_identity.empty()) {
      base->Set("aws:SourceIdentity", p.session->source_identity);
    }
    base->Set("aws:MultiFactorAuthPresent", p.mfa_authenticated ? "true" : "false");
  }
  for (const auto& [k, v] : principal_tags) base->Set("aws:PrincipalTag/" + k, v);
  return base;
}
}  // namespace

Result<std::shared_ptr<const Authorizer::Cached>> Authorizer::PoliciesOf(const Principal& p) {
  uint64_t gen = iam_.Generation();
  const std::string& cache_key = p.session ? p.access_key_id : p.arn;
  {
    std::shared_lock lock(mu_);
    auto it = cache_.find(cache_key);
    if (it != cache_.end() && it->second->generation == gen) return it->second;
  }
  auto fresh = std::make_shared<Cached>();
  fresh->generation = gen;
  const SessionInfo* session = p.session.get();
  if (p.type == Principal::Type::kIamUser) {
    RAMPART_ASSIGN_OR_RETURN(fresh->policies, iam::LoadUserPolicies(iam_, p.account_id, p.user_name));
  } else if (p.type == Principal::Type::kAssumedRole && session) {
    RAMPART_ASSIGN_OR_RETURN(fresh->policies,
                             iam::LoadRolePolicies(iam_, p.account_id, session->role_name));
  } else if (p.type == Principal::Type::kFederatedUser && session) {
    RAMPART_ASSIGN_OR_RETURN(fresh->policies,
                             iam::LoadUserPolicies(iam_, p.account_id, session->parent_user));
  } else {
    fresh->policies = std::make_shared<const iam::PrincipalPolicies>();
  }
  if (session && p.type != Principal::Type::kRoot) {
    // Session policies that no longer parse deny everything: dropping one would widen the
    // session to everything its role allows.
    for (const std::string& doc : session->session_policies) {
      auto pol = policy::ParsePolicy(doc, policy::PolicyType::kSession, "session policy");
      fresh->session_owned.push_back(
          pol.ok() ? std::move(*pol)
                   : policy::UnreadablePolicy(policy::PolicyType::kSession, "session policy"));
    }
    for (const std::string& arn : session->session_policy_arns) {
      RAMPART_ASSIGN_OR_RETURN(std::string doc, iam::ManagedPolicyDocument(iam_, p.account_id, arn));
      auto pol = policy::ParsePolicy(doc.empty() ? R"({"Version":"2012-10-17","Statement":[]})" : doc,
                                     policy::PolicyType::kManaged, arn);
      fresh->session_owned.push_back(
          pol.ok() ? std::move(*pol) : policy::UnreadablePolicy(policy::PolicyType::kManaged, arn));
    }
  }
  for (const auto& pol : fresh->policies->identity) fresh->identity.push_back(&pol);
  for (const auto& pol : fresh->policies->boundary) fresh->boundary.push_back(&pol);
  for (const auto& pol : fresh->session_owned) fresh->session.push_back(&pol);
  if (p.type == Principal::Type::kRoot) {  // (no session policies: session_owned is empty)
    // The root's identity permissions are everything: one Allow * * policy.
    auto all = policy::ParsePolicy(
        R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})",
        policy::PolicyType::kManaged, "root");
    if (!all.ok()) return all.error();
    fresh->session_owned.push_back(std::move(*all));
    fresh->identity.push_back(&fresh->session_owned.back());
  }

  auto parsed = policy::ParsePrincipal(p.arn);
  if (!parsed.ok()) {
    return Error::Internal("cannot build the authorization request: " + parsed.error().message);
  }
  fresh->principal = std::make_shared<const policy::Principal>(std::move(*parsed));
  fresh->base = PrincipalContext(p, *fresh->principal, fresh->policies->tags);
  std::unique_lock lock(mu_);
  if (cache_.size() > 50000) cache_.clear();
  cache_[cache_key] = fresh;
  return std::shared_ptr<const Cached>(fresh);
}

namespace {

std::string_view PrincipalTypeKey(Principal::Type t) {
  switch (t) {
    case Principal::Type::kRoot: return "Account";
    case Principal::Type::kIamUser: return "User";
    case Principal::Type::kAssumedRole: return "AssumedRole";
    case Principal::Type::kFederatedUser: return "FederatedUser";
    default: return "Anonymous";
  }
}

// aws:CurrentTime: formatted once per second per thread (strftime was ~1.5k instructions).
const std::string& CurrentTimeText(int64_t now) {
  thread_local int64_t at = -1;
  thread_local std::string text;
  if (now != at) {
    text = FormatIso8601(static_cast<double>(now));
    at = now;
  }
  return text;
}

// aws:RequestTag/<k> and aws:TagKeys from a Tags list or a TagKeys list in the input.
void AddRequestTags(policy::Request& r, const json::object& in) {
  std::vector<std::string> keys;
  if (auto* tags = in.if_contains("Tags"); tags && tags->is_array()) {
    for (const auto& t : tags->as_array()) {
      if (!t.is_object()) continue;
      auto* k = t.as_object().if_contains("Key");
      auto* v = t.as_object().if_contains("Value");
      if (!k || !k->is_string()) continue;
      keys.emplace_back(k->as_string());
      r.SetContext("aws:RequestTag/" + std::string(k->as_string()),
                   v && v->is_string() ? std::string_view(v->as_string()) : "");
    }
  }
  if (auto* tk = in.if_contains("TagKeys"); tk && tk->is_array()) {
    for (const auto& k : tk->as_array()) {
      if (k.is_string()) keys.emplace_back(k.as_string());
    }
  }
  if (!keys.empty()) r.SetContextValues("aws:TagKeys", std::move(keys));
}

}  // namespace

namespace {

// The role an sts:AssumeRole* call targets, with its trust policy compiled.
struct RoleTarget {
  std::string arn, account;
  std::optional<policy::Policy> trust;
  std::map<std::string, std::string> tags;
};

Result<RoleTarget> LoadRoleTarget(iam::IamService& iam, std::string_view role_arn) {
  RoleTarget t;
  t.arn = std::string(role_arn);
  // arn:aws:iam::<account>:role/<path><name>
  auto parts = Split(role_arn, ':');
  if (parts.size() < 6 || parts[2] != "iam" || !StartsWith(parts[5], "role/")) return t;
  t.account = std::string(parts[4]);
  std::string_view name = role_arn.substr(role_arn.rfind('/') + 1);
  RAMPART_ASSIGN_OR_RETURN(auto role, iam::LoadRoleDocument(iam, t.account, name));
  if (!role || iam::Str(*role, "Arn") != role_arn) return t;
  auto trust = policy::ParsePolicy(iam::Str(*role, "AssumeRolePolicyDocument"),
                                   policy::PolicyType::kTrust, t.arn);
  t.trust = trust.ok() ? std::move(*trust)
                      : policy::UnreadablePolicy(policy::PolicyType::kTrust, "trust policy");
  if (auto* tags = role->if_contains("Tags"); tags && tags->is_array()) {
    for (const auto& tag : tags->as_array()) {
      t.tags[std::string(iam::Str(tag.as_object(), "Key"))] =
          std::string(iam::Str(tag.as_object(), "Value"));
    }
  }
  return t;
}

bool IsAssumeRole(const model::Service& s, const model::Operation& op) {
  return s.id == "sts" && op.name == "AssumeRole";
}

}  // namespace

namespace {

// Operations that hand a role to a service: the caller needs iam:PassRole on that role, with
// iam:PassedToService naming the service (IAM User Guide, "Granting a user permissions to pass
// a role to an AWS service"). `by_name`: the member holds a role name in the caller's account,
// else a role ARN.
struct PassRoleUse {
  std::string_view service, operation, member;
  bool by_name;
  std::string_view passed_to;
};
constexpr PassRoleUse kPassRoleUses[] = {
    {"iam", "AddRoleToInstanceProfile", "RoleName", true, "ec2.amazonaws.com"},
    {"cloudtrail", "CreateTrail", "CloudWatchLogsRoleArn", false, "cloudtrail.amazonaws.com"},
    {"cloudtrail", "UpdateTrail", "CloudWatchLogsRoleArn", false, "cloudtrail.amazonaws.com"},
};

// The iam:PassRole checks a call needs (none when the role does not exist: the operation
// itself then answers NoSuchEntity or its own error).
Result<std::vector<ResourceContext>> PassRoleChecks(iam::IamService& iam, const AuthzRequest& req,
                                                    const json::object& in) {
  std::vector<ResourceContext> out;
  for (const PassRoleUse& use : kPassRoleUses) {
    if (use.service != req.service.id || use.operation != req.operation.name) continue;
    std::string_view value = iam::Str(in, use.member);
    if (value.empty()) continue;
    std::string account = req.call.principal.account_id;
    std::string_view name = value;
    if (!use.by_name) {
      auto parts = Split(value, ':');
      if (parts.size() < 6 || parts[2] != "iam" || !StartsWith(parts[5], "role/")) continue;
      account = std::string(parts[4]);
      name = value.substr(value.rfind('/') + 1);
    }
    RAMPART_ASSIGN_OR_RETURN(auto role, iam::LoadRoleDocument(iam, account, name));
    if (!role || (!use.by_name && iam::Str(*role, "Arn") != value)) continue;
    ResourceContext x;
    x.action = "iam:PassRole";
    x.resource = std::string(iam::Str(*role, "Arn"));
    x.resource_account = account;
    if (auto* tags = role->if_contains("Tags"); tags && tags->is_array()) {
      for (const auto& t : tags->as_array()) {
        if (!t.is_object()) continue;
        x.resource_tags[std::string(iam::Str(t.as_object(), "Key"))] =
            std::string(iam::Str(t.as_object(), "Value"));
      }
    }
    x.context.push_back({"iam:PassedToService", {std::string(use.passed_to)}});
    out.push_back(std::move(x));
  }
  return out;
}

}  // namespace

namespace {
// The IAM actions that support iam:PermissionsBoundary without setting one: the target's
// current boundary is the key's value (Service Authorization Reference).
bool SupportsBoundaryKey(std::string_view op) {
  static constexpr std::string_view kOps[] = {
      "AttachRolePolicy", "AttachUserPolicy", "DeleteRole", "DeleteRolePermissionsBoundary",
      "DeleteRolePolicy", "DeleteUserPermissionsBoundary", "DeleteUserPolicy", "DetachRolePolicy",
      "DetachUserPolicy", "GetRole", "PutRolePolicy", "PutUserPolicy", "UpdateAssumeRolePolicy",
      "UpdateRole", "UpdateRoleDescription"};
  for (std::string_view o : kOps) {
    if (o == op) return true;
  }
  return false;
}

// Credentials from GetSessionToken (a user's or the root's own session: AWS's "Comparing the
// AWS STS API operations"): no IAM call unless MFA was presented when they were issued (IAM
// answers as for an unknown token), and of STS only AssumeRole and GetCallerIdentity (the latter
// needs no authorization and does not come here).
Status SessionTokenLimits(const Principal& p, const model::Service& service,
                          const model::Operation& op) {
  bool session_token = p.session && (p.type == Principal::Type::kIamUser ||
                                     p.type == Principal::Type::kRoot);
  if (!session_token) return {};
  if (service.id == "iam" && !p.mfa_authenticated) {
    return Error{"InvalidClientTokenId", "The security token included in the request is invalid",
                 403, true};
  }
  if (service.id == "sts" && op.name != "AssumeRole") {
    return Error{"AccessDenied",
                 "Cannot call " + std::string(op.name) + " with session credentials", 403, true};
  }
  return {};
}
}  // namespace

Status Authorizer::Authorize(const AuthzRequest& req) {
  const Principal& p = req.call.principal;
  static const json::object kEmpty;
  const json::object& in = req.input.is_object() ? req.input.as_object() : kEmpty;
  bool assume = IsAssumeRole(req.service, req.operation);
  if (assume && p.type == Principal::Type::kRoot) {
    return Error{"AccessDenied", "Roles may not be assumed by root accounts.", 403, true};
  }
  RAMPART_RETURN_IF_ERROR(SessionTokenLimits(p, req.service, req.operation));
  std::string action = ActionName(req.service, req.operation);
  iam::Target target;
  std::string resource_account = p.account_id;
  std::optional<RoleTarget> role;
  std::optional<ResourceContext> rc;
  if (auto it = resolvers_.find(std::string(req.service.id)); it != resolvers_.end()) {
    RAMPART_ASSIGN_OR_RETURN(rc, it->second(req.call, req.operation, in));
    req.call.authorized_refs = rc->resolved_refs;
    target.resource = rc->resource;
    target.resource_tags = rc->resource_tags;
    if (!rc->resource_account.empty()) resource_account = rc->resource_account;
    if (!rc->action.empty()) action = rc->action;
  }
  // The account root may do everything its SCPs allow (Organizations comes later), unless a
  // resource-based policy has a say (a KMS key policy can deny the root, for instance).
  // Only over its own account's resources: another account's (an S3 bucket) need that
  // account's resource policy, as for any other caller.
  bool root = p.type == Principal::Type::kRoot;
  const ResourceContext* own = rc ? &*rc : nullptr;
  auto own_root = [&](const ResourceContext* x) {  // as evaluate_on below picks the account
    bool other = x != nullptr && x != own;
    const std::string& account =
        other ? (x->resource_account.empty() ? p.account_id : x->resource_account)
              : resource_account;
    return root && account == p.account_id;
  };
  bool any_policy = rc && rc->policy;
  bool all_own = own_root(own);
  if (rc) {
    for (const auto& x : rc->also) {
      any_policy = any_policy || x.policy;
      all_own = all_own && own_root(&x);
    }
  }
  if (all_own && !any_policy) return {};
  // iam:PassRole where the call hands a role to a service (decided below; the root, which no
  // policy can deny before SCPs exist, was let through above unless a resource policy speaks).
  RAMPART_ASSIGN_OR_RETURN(std::vector<ResourceContext> pass_role, PassRoleChecks(iam_, req, in));

  if (req.service.id == "iam") {
    RAMPART_ASSIGN_OR_RETURN(target, IamTarget(req.call, req.operation.name, in));
  } else if (assume) {
    RAMPART_ASSIGN_OR_RETURN(role, LoadRoleTarget(iam_, iam::Str(in, "RoleArn")));
    target.resource = role->arn;
    target.resource_tags = role->tags;
    if (!role->account.empty()) resource_account = role->account;
  }
  RAMPART_ASSIGN_OR_RETURN(std::shared_ptr<const Cached> cached, PoliciesOf(p));
  if (assume) RAMPART_RETURN_IF_ERROR(VerifyPresentedMfa(req, in));

  // `x`: the resource context to decide against (the call's own, or one of rc->also).
  auto evaluate_on = [&](const std::string& act, const ResourceContext* x) -> Status {
    bool other = x != nullptr && x != own;
    const std::string& resource = other ? x->resource : target.resource;
    const std::string& account =
        other ? (x->resource_account.empty() ? p.account_id : x->resource_account)
              : resource_account;
    const auto& resource_tags = other ? x->resource_tags : target.resource_tags;
    auto created =
        policy::Request::Create(cached->principal, cached->base, act, resource, account);
    if (!created.ok()) {
      return Error::Internal("cannot build the authorization request: " + created.error().message);
    }
    policy::Request& r = *created;
    if (req.call.mfa_verified_epoch > 0) {
      // AssumeRole with a code checked just now: the trust policy sees a fresh MFA sign-in.
      r.SetContext("aws:MultiFactorAuthPresent", "true");
      r.SetContext("aws:MultiFactorAuthAge",
                   std::to_string(req.call.now_epoch_seconds - req.call.mfa_verified_epoch));
    } else if (p.session && p.session->mfa_auth_epoch > 0) {
      r.SetContext("aws:MultiFactorAuthAge",
                   std::to_string(req.call.now_epoch_seconds - p.session->mfa_auth_epoch));
    }
    for (const auto& [k, v] : resource_tags) r.SetContext("aws:ResourceTag/" + k, v);
    r.SetContext("aws:SourceIp", req.call.source_ip);
    r.SetContext("aws:SecureTransport", req.secure_transport ? "true" : "false");
    r.SetContext("aws:CurrentTime", CurrentTimeText(req.call.now_epoch_seconds));
    r.SetContext("aws:EpochTime", std::to_string(req.call.now_epoch_seconds));
    r.SetContext("aws:RequestedRegion", req.call.region);
    AddRequestTags(r, in);
    if (req.service.id == "iam") {
      // iam:PermissionsBoundary: the boundary the request sets, else the one the target user or
      // role has; iam:PolicyARN on attach/detach (the keys each action supports, per the
      // Service Authorization Reference).
      if (auto* b = in.if_contains("PermissionsBoundary"); b && b->is_string()) {
        r.SetContext("iam:PermissionsBoundary", b->as_string());
      } else if (!target.permissions_boundary.empty() &&
                 SupportsBoundaryKey(req.operation.name)) {
        r.SetContext("iam:PermissionsBoundary", target.permissions_boundary);
      }
      if (auto* a = in.if_contains("PolicyArn"); a && a->is_string() &&
                                                 (StartsWith(req.operation.name, "Attach") ||
                                                  StartsWith(req.operation.name, "Detach"))) {
        r.SetContext("iam:PolicyARN", a->as_string());
      }
    }
    if (req.service.id == "sts") {
      for (const char* k : {"ExternalId", "RoleSessionName", "SourceIdentity"}) {
        if (auto* v = in.if_contains(k); v && v->is_string()) {
          r.SetContext(std::string("sts:") + k, v->as_string());
        }
      }
      if (auto* t = in.if_contains("TransitiveTagKeys"); t && t->is_array()) {
        std::vector<std::string> keys;
        for (const auto& k : t->as_array()) {
          if (k.is_string()) keys.emplace_back(k.as_string());
        }
        r.SetContextValues("sts:TransitiveTagKeys", std::move(keys));
      }
    }
    if (x) {
      for (const auto& [k, values] : x->context) {
        if (values.size() == 1) {
          r.SetContext(k, values.front());
        } else {
          r.SetContextValues(k, values);
        }
      }
    }
    if (observer_) observer_(r);
    policy::PolicySet set;
    set.identity = cached->identity;
    set.boundary = cached->boundary;
    set.session = cached->session;
    if (!other && role && role->trust) set.resource = &*role->trust;
    if (x && x->policy) set.resource = x->policy.get();
    policy::EvaluationResult result = policy::Evaluate(r, set, kRequestPath);
    if (result.decision == policy::Decision::kAllow) return {};
    // A grant (KMS) allows on its own, but an explicit Deny in any policy still wins.
    if (x && x->allowed_by_grant && result.decision != policy::Decision::kExplicitDeny) {
      return {};
    }
    return Error{"AccessDenied", policy::DenialMessage(result, r), 403, true};
  };
  auto evaluate = [&](const std::string& act) { return evaluate_on(act, own); };

  if (!own_root(own) || (rc && rc->policy)) RAMPART_RETURN_IF_ERROR(evaluate(action));
  if (rc) {
    for (const auto& x : rc->also) {
      if (own_root(&x) && !x.policy) continue;
      RAMPART_RETURN_IF_ERROR(evaluate_on(x.action, &x));
    }
  }
  if (!root) {
    for (const auto& x : pass_role) RAMPART_RETURN_IF_ERROR(evaluate_on(x.action, &x));
  }
  if (assume) {
    // Passing session tags and a source identity are separate permissions (AWS checks them
    // against the trust policy and the caller's policies the same way).
    if (auto* t = in.if_contains("Tags"); t && t->is_array() && !t->as_array().empty()) {
      RAMPART_RETURN_IF_ERROR(evaluate("sts:TagSession"));
    }
    if (in.contains("SourceIdentity")) RAMPART_RETURN_IF_ERROR(evaluate("sts:SetSourceIdentity"));
  }
  return {};
}

// An MFA code presented with AssumeRole (SerialNumber + TokenCode) by an IAM user is checked
// before the trust policy, which may require it (aws:MultiFactorAuthPresent, as AWS's
// "Configuring MFA-protected API access" describes); a wrong code ends the call here.
Status Authorizer::VerifyPresentedMfa(const AuthzRequest& req, const json::object& in) {
  const Principal& p = req.call.principal;
  std::string_view serial = iam::Str(in, "SerialNumber");
  if (serial.empty() || p.type != Principal::Type::kIamUser || p.session) return {};
  RAMPART_ASSIGN_OR_RETURN(
      iam::MfaCheck check,
      iam::VerifyMfaCode(iam_.store(), iam_.mfa_limits(), p.account_id, p.user_name, serial,
                         iam::Str(in, "TokenCode"), req.call.now_epoch_seconds));
  if (check != iam::MfaCheck::kValid) {
    return Error{"AccessDenied", iam::MfaDeniedMessage(check), 403, true};
  }
  req.call.mfa_verified_epoch = req.call.now_epoch_seconds;
  return {};
}

// ---- Federated callers -------------------------------------------------------------------

Status Authorizer::AuthorizeFederated(const AuthzRequest& req) {
  static const json::object kEmpty;
  const json::object& in = req.input.is_object() ? req.input.as_object() : kEmpty;
  std::string action = ActionName(req.service, req.operation);
  Error denied{"AccessDenied", "Not authorized to perform " + action, 403, true};
  if (!federated_verifier_) return Error::Internal("no federated-token verifier configured");
  RAMPART_ASSIGN_OR_RETURN(FederatedCaller caller,
                           federated_verifier_(req.call, req.operation.name, in));
  RAMPART_ASSIGN_OR_RETURN(RoleTarget role, LoadRoleTarget(iam_, caller.role_arn));
  if (!role.trust) return denied;

  auto evaluate = [&](const std::string& act) -> Status {
    auto created = policy::Request::Create("federated:" + caller.provider, act, role.arn,
                                           role.account);
    if (!created.ok()) {
      return Error::Internal("cannot build the authorization request: " + created.error().message);
    }
    policy::Request& r = *created;
    for (const auto& [k, v] : caller.context) r.SetContextValues(k, v);
    r.SetContext("aws:FederatedProvider", caller.provider);
    for (const auto& [k, v] : role.tags) r.SetContext("aws:ResourceTag/" + k, v);
    r.SetContext("aws:SourceIp", req.call.source_ip);
    r.SetContext("aws:SecureTransport", req.secure_transport ? "true" : "false");
    r.SetContext("aws:CurrentTime", FormatIso8601(static_cast<double>(req.call.now_epoch_seconds)));
    r.SetContext("aws:EpochTime", std::to_string(req.call.now_epoch_seconds));
    r.SetContext("aws:RequestedRegion", req.call.region);
    for (const char* k : {"RoleSessionName", "SourceIdentity"}) {
      if (auto* v = in.if_contains(k); v && v->is_string()) {
        r.SetContext(std::string("sts:") + k, v->as_string());
      }
    }
    policy::PolicySet set;
    set.resource = &*role.trust;
    policy::EvaluationResult result = policy::Evaluate(r, set, kRequestPath);
    if (result.decision == policy::Decision::kAllow) return {};
    return denied;
  };
  RAMPART_RETURN_IF_ERROR(evaluate(action));
  if (in.contains("SourceIdentity")) RAMPART_RETURN_IF_ERROR(evaluate("sts:SetSourceIdentity"));
  return {};
}

}  // namespace rampart::services
