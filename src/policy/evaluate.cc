#include "policy/evaluate.h"

#include <algorithm>

namespace rampart::policy {
namespace {

enum class PrincipalMatch : std::uint8_t { kNone, kAccount, kRole, kSelf };

PrincipalMatch MatchEntry(const PrincipalEntry& e, const Principal& p) {
  using K = PrincipalEntry::Kind;
  switch (e.kind) {
    case K::kAny:
      return PrincipalMatch::kSelf;
    case K::kAccount:
      return p.is_iam() && p.account == e.account ? PrincipalMatch::kAccount : PrincipalMatch::kNone;
    case K::kExactArn:
      return p.is_iam() && p.arn == e.value ? PrincipalMatch::kSelf : PrincipalMatch::kNone;
    case K::kRole:
      return (p.kind == PrincipalKind::kRoleSession || p.kind == PrincipalKind::kRole) &&
                     p.account == e.account && p.name == e.name
                 ? PrincipalMatch::kRole
                 : PrincipalMatch::kNone;
    case K::kService:
      return p.kind == PrincipalKind::kService && p.service == e.value ? PrincipalMatch::kSelf
                                                                       : PrincipalMatch::kNone;
    case K::kFederated:
      return p.kind == PrincipalKind::kWebIdentity && p.service == e.value ? PrincipalMatch::kSelf
                                                                           : PrincipalMatch::kNone;
    case K::kCanonicalUser:
    case K::kOther:
      return PrincipalMatch::kNone;
  }
  return PrincipalMatch::kNone;
}

// NotPrincipal excludes the caller only if every identity AWS checks for it is listed: its
// account, and its user / role / session / federated-user ARN (IAM User Guide, NotPrincipal).
bool NotPrincipalExcludes(const Statement& s, const Principal& p) {
  auto listed = [&](auto&& pred) {
    for (const PrincipalEntry& e : s.principals) {
      if (e.kind == PrincipalEntry::Kind::kAny || pred(e)) return true;
    }
    return false;
  };
  auto account = [&] {
    return listed([&](const PrincipalEntry& e) {
      return e.kind == PrincipalEntry::Kind::kAccount && e.account == p.account;
    });
  };
  auto exact = [&] {
    return listed([&](const PrincipalEntry& e) {
      return e.kind == PrincipalEntry::Kind::kExactArn && e.value == p.arn;
    });
  };
  auto role = [&] {
    return listed([&](const PrincipalEntry& e) { return MatchEntry(e, p) == PrincipalMatch::kRole; });
  };
  switch (p.kind) {
    case PrincipalKind::kAccountRoot: return account();
    case PrincipalKind::kUser:
    case PrincipalKind::kFederatedUser: return account() && exact();
    case PrincipalKind::kRole: return account() && role();
    case PrincipalKind::kRoleSession: return account() && role() && exact();
    case PrincipalKind::kService:
    case PrincipalKind::kWebIdentity:
      return listed([&](const PrincipalEntry& e) { return MatchEntry(e, p) == PrincipalMatch::kSelf; });
    case PrincipalKind::kAnonymous: return listed([](const PrincipalEntry&) { return false; });
  }
  return false;
}

PrincipalMatch MatchPrincipal(const Statement& s, const Principal& p) {
  if (!s.has_principal) return PrincipalMatch::kSelf;
  if (s.not_principal) return NotPrincipalExcludes(s, p) ? PrincipalMatch::kNone : PrincipalMatch::kSelf;
  PrincipalMatch best = PrincipalMatch::kNone;
  for (const PrincipalEntry& e : s.principals) {
    PrincipalMatch m = MatchEntry(e, p);
    if (m > best) best = m;
  }
  return best;
}

// Per-call working state; lives on the stack.
struct State {
  const Request& req;
  InlineVec<MatchedStatement, 64> allows;
  InlineVec<MatchedStatement, 64> denies;
  InlineVec<std::string_view, 16> missing;
  InlineVec<std::string_view, 16> missing_lower;

  void NoteMissing(const ConditionClause& c) {
    for (std::string_view k : missing_lower) {
      if (k == c.key_lower) return;
    }
    missing_lower.push_back(c.key_lower);
    missing.push_back(c.key);
  }
};

struct ScanResult {
  bool allow = false;
  bool deny = false;
  PrincipalMatch best_allow = PrincipalMatch::kNone;  // resource policies
};

bool ActionMatches(const Statement& s, const Request& r) {
  bool any = false;
  for (const Pattern& a : s.actions) {
    if (a.MatchesLowercase(r.action_lower())) {
      any = true;
      break;
    }
  }
  return any != s.not_action;
}

bool ResourceMatches(const Statement& s, const Request& r) {
  if (!s.has_resource) return true;
  bool any = false;
  for (const Pattern& p : s.resources) {
    if (p.Matches(r.resource(), &r)) {
      any = true;
      break;
    }
  }
  return any != s.not_resource;
}

bool ConditionsMatch(const Statement& s, State& st) {
  bool ok = true;
  for (const ConditionClause& c : s.conditions) {
    if (ok) {
      ClauseOutcome out = EvaluateCondition(c, st.req);
      if (out.key_missing && c.family != ConditionFamily::kNull) st.NoteMissing(c);
      ok = out.result;
    } else if (c.family != ConditionFamily::kNull) {
      const ContextEntry* e = st.req.Find(c.key_lower);
      if (e == nullptr || e->values.empty()) st.NoteMissing(c);
    }
  }
  return ok;
}

void ScanStatement(const Policy& policy, std::uint32_t index, PolicyKind type, std::uint16_t level,
                   std::uint16_t policy_index, State& st, ScanResult& out) {
  const Statement& s = policy.statements()[index];
  if (!ActionMatches(s, st.req) || !ResourceMatches(s, st.req)) return;
  PrincipalMatch pm = MatchPrincipal(s, st.req.principal());
  if (pm == PrincipalMatch::kNone) return;
  if (!ConditionsMatch(s, st)) return;
  MatchedStatement m{type, s.effect, level, policy_index, static_cast<std::uint16_t>(index), s.sid,
                     policy.id()};
  if (s.effect == Effect::kDeny) {
    out.deny = true;
    st.denies.push_back(m);
  } else {
    out.allow = true;
    if (pm > out.best_allow) out.best_allow = pm;
    st.allows.push_back(m);
  }
}

ScanResult Scan(const Policy& policy, PolicyKind type, std::uint16_t level,
                std::uint16_t policy_index, State& st, const EvaluateOptions& opts) {
  ScanResult out;
  if (opts.use_action_index) {
    const ActionKey key = st.req.action_key();
    policy.ForEachCandidate(key, [&](std::uint32_t i) {
      ScanStatement(policy, i, type, level, policy_index, st, out);
    });
  } else {
    for (std::uint32_t i = 0; i < policy.statements().size(); ++i) {
      ScanStatement(policy, i, type, level, policy_index, st, out);
    }
  }
  return out;
}

ScanResult ScanAll(std::span<const Policy* const> policies, PolicyKind type, std::uint16_t level,
                   State& st, const EvaluateOptions& opts) {
  ScanResult all;
  for (std::size_t i = 0; i < policies.size(); ++i) {
    ScanResult r = Scan(*policies[i], type, level, static_cast<std::uint16_t>(i), st, opts);
    all.allow |= r.allow;
    all.deny |= r.deny;
    if (r.best_allow > all.best_allow) all.best_allow = r.best_allow;
  }
  return all;
}

// Every level of an organization chain must allow; a deny anywhere is reported by the caller.
struct ChainResult {
  bool all_levels_allow = true;
  bool deny = false;
};

ChainResult ScanChain(std::span<const PolicyLevel> levels, PolicyKind type, State& st,
                      const EvaluateOptions& opts) {
  ChainResult out;
  for (std::size_t l = 0; l < levels.size(); ++l) {
    ScanResult r = ScanAll(levels[l].policies, type, static_cast<std::uint16_t>(l), st, opts);
    out.deny |= r.deny;
    if (!r.allow) out.all_levels_allow = false;
  }
  return out;
}

constexpr unsigned Bit(PolicyKind k) { return 1u << static_cast<unsigned>(k); }

}  // namespace

bool RequiresResourcePolicyGrant(const Request& r) {
  std::string_view svc = r.service_lower();
  std::string_view res = r.resource();
  // KMS keys (their key policy must allow); aliases have no resource policy: IAM policies alone
  // decide them.
  if (svc == "kms" && res.starts_with("arn:") && res.find(":kms:") != std::string_view::npos &&
      res.find(":key/") != std::string_view::npos) {
    return true;
  }
  std::string_view a = r.action_lower();
  if (a == "sts:assumerole" || a == "sts:assumerolewithsaml" ||
      a == "sts:assumerolewithwebidentity" || a == "sts:tagsession" ||
      a == "sts:setsourceidentity") {
    return res.find(":iam::") != std::string_view::npos && res.find(":role/") != std::string_view::npos;
  }
  return false;
}

bool ProtectedByAws(const Request& r) {
  std::string_view a = r.action_lower();
  if (!a.starts_with("iam:")) return false;
  a.remove_prefix(4);
  std::string_view res = r.resource();
  if (res.starts_with("arn:aws:iam::aws:policy/")) {
    static constexpr std::string_view kPolicyChanges[] = {
        "createpolicyversion", "deletepolicy", "deletepolicyversion", "setdefaultpolicyversion",
        "tagpolicy", "untagpolicy"};
    return std::find(std::begin(kPolicyChanges), std::end(kPolicyChanges), a) !=
           std::end(kPolicyChanges);
  }
  // arn:<partition>:iam::<account>:role/aws-service-role/...
  std::size_t role = res.find(":role/aws-service-role/");
  if (role == std::string_view::npos || res.find(":iam::") == std::string_view::npos) return false;
  // (Its description and tags may change: AWS allows UpdateRoleDescription and TagRole.)
  static constexpr std::string_view kRoleChanges[] = {
      "attachrolepolicy",     "deleterole",   "deleterolepermissionsboundary",
      "deleterolepolicy",     "detachrolepolicy", "putrolepermissionsboundary",
      "putrolepolicy",        "updateassumerolepolicy"};
  return std::find(std::begin(kRoleChanges), std::end(kRoleChanges), a) != std::end(kRoleChanges);
}

EvaluationResult Evaluate(const Request& req, const PolicySet& set, EvaluateOptions opts) {
  EvaluationResult result;
  if (req.action_lower() == "sts:getcalleridentity") {
    // Always allowed, even under an explicit deny (IAM User Guide, temporary credentials).
    result.decision = Decision::kAllow;
    result.decided_by = PolicyKind::kNone;
    return result;
  }
  if (opts.deny_protected && ProtectedByAws(req)) {
    result.decision = Decision::kExplicitDeny;
    result.decided_by = PolicyKind::kProtected;
    return result;
  }
  const Principal& p = req.principal();
  State st{req, {}, {}, {}, {}};

  const bool scp_applies = !set.scp.empty() && p.is_iam() && !p.service_linked;
  const bool rcp_applies = !set.rcp.empty() && !p.service_linked;
  ChainResult scp, rcp;
  if (scp_applies) scp = ScanChain(set.scp, PolicyKind::kScp, st, opts);
  if (rcp_applies) rcp = ScanChain(set.rcp, PolicyKind::kRcp, st, opts);
  ScanResult rp;
  if (set.resource != nullptr) rp = Scan(*set.resource, PolicyKind::kResource, 0, 0, st, opts);
  ScanResult ip = ScanAll(set.identity, PolicyKind::kIdentity, 0, st, opts);
  ScanResult pb = ScanAll(set.boundary, PolicyKind::kBoundary, 0, st, opts);
  ScanResult sp = ScanAll(set.session, PolicyKind::kSession, 0, st, opts);

  auto finish = [&](Decision d, PolicyKind by, unsigned used_types) {
    result.decision = d;
    result.decided_by = by;
    if (d == Decision::kExplicitDeny) {
      for (const MatchedStatement& m : st.denies) result.matched.push_back(m);
    } else if (d == Decision::kAllow) {
      for (const MatchedStatement& m : st.allows) {
        if (used_types & Bit(m.type)) result.matched.push_back(m);
      }
    }
    for (std::string_view k : st.missing) result.missing_context_keys.push_back(k);
    return result;
  };

  // 1. Explicit deny anywhere. The reported type follows the evaluation chart's order.
  if (scp.deny) return finish(Decision::kExplicitDeny, PolicyKind::kScp, 0);
  if (rcp.deny) return finish(Decision::kExplicitDeny, PolicyKind::kRcp, 0);
  if (rp.deny) return finish(Decision::kExplicitDeny, PolicyKind::kResource, 0);
  if (ip.deny) return finish(Decision::kExplicitDeny, PolicyKind::kIdentity, 0);
  if (pb.deny) return finish(Decision::kExplicitDeny, PolicyKind::kBoundary, 0);
  if (sp.deny) return finish(Decision::kExplicitDeny, PolicyKind::kSession, 0);

  // 2-3. Organization guardrails. RCPs bind only by their Deny statements: AWS attaches
  // RCPFullAWSAccess to every root, OU and account and does not let it be detached, so a level
  // never lacks an Allow (docs/policy-evaluation.md).
  if (scp_applies && !scp.all_levels_allow) return finish(Decision::kImplicitDeny, PolicyKind::kScp, 0);

  unsigned org = (scp_applies ? Bit(PolicyKind::kScp) : 0) | (rcp_applies ? Bit(PolicyKind::kRcp) : 0);
  unsigned limits = (set.boundary.empty() ? 0 : Bit(PolicyKind::kBoundary)) |
                    (set.session.empty() ? 0 : Bit(PolicyKind::kSession));

  // Callers without an IAM identity (anonymous, service and web-identity principals) can only be
  // granted by the resource policy.
  if (!p.is_iam()) {
    if (rp.allow) return finish(Decision::kAllow, PolicyKind::kResource, org | Bit(PolicyKind::kResource));
    return finish(Decision::kImplicitDeny, PolicyKind::kResource, 0);
  }

  const bool identity_allows = p.kind == PrincipalKind::kAccountRoot || ip.allow;
  const bool boundary_allows = set.boundary.empty() || pb.allow;
  // A federated-user session without session policies has no permissions (GetFederationToken).
  const bool session_allows =
      set.session.empty() ? p.kind != PrincipalKind::kFederatedUser : sp.allow;
  const bool same_account =
      set.identity_only || (!p.account.empty() && p.account == req.resource_account());

  if (same_account) {
    // 4a. The resource policy names the caller itself: it grants on its own.
    if (rp.allow && rp.best_allow == PrincipalMatch::kSelf) {
      return finish(Decision::kAllow, PolicyKind::kResource, org | Bit(PolicyKind::kResource));
    }
    // 4b. It names the role behind the session: boundary and session policies still limit it.
    if (rp.allow && rp.best_allow == PrincipalMatch::kRole) {
      if (!boundary_allows) return finish(Decision::kImplicitDeny, PolicyKind::kBoundary, 0);
      if (!set.session.empty() && !sp.allow) {
        return finish(Decision::kImplicitDeny, PolicyKind::kSession, 0);
      }
      return finish(Decision::kAllow, PolicyKind::kResource,
                    org | limits | Bit(PolicyKind::kResource));
    }
    // 4d. Key policies and trust policies must allow, at least by delegating to the account.
    if (!set.identity_only && RequiresResourcePolicyGrant(req) && !rp.allow) {
      return finish(Decision::kImplicitDeny, PolicyKind::kResource, 0);
    }
    // 4c, 5-7.
    if (!identity_allows) return finish(Decision::kImplicitDeny, PolicyKind::kIdentity, 0);
    if (!boundary_allows) return finish(Decision::kImplicitDeny, PolicyKind::kBoundary, 0);
    if (!session_allows) return finish(Decision::kImplicitDeny, PolicyKind::kSession, 0);
    return finish(Decision::kAllow, PolicyKind::kIdentity,
                  org | limits | Bit(PolicyKind::kIdentity) | (rp.allow ? Bit(PolicyKind::kResource) : 0));
  }

  // 8. Cross account: the caller's account must allow, then the resource policy must.
  if (!identity_allows) return finish(Decision::kImplicitDeny, PolicyKind::kIdentity, 0);
  if (!boundary_allows) return finish(Decision::kImplicitDeny, PolicyKind::kBoundary, 0);
  if (!session_allows) return finish(Decision::kImplicitDeny, PolicyKind::kSession, 0);
  if (!rp.allow) return finish(Decision::kImplicitDeny, PolicyKind::kResource, 0);
  return finish(Decision::kAllow, PolicyKind::kResource,
                org | limits | Bit(PolicyKind::kIdentity) | Bit(PolicyKind::kResource));
}

std::string_view ToString(Decision d) {
  switch (d) {
    case Decision::kAllow: return "Allow";
    case Decision::kExplicitDeny: return "ExplicitDeny";
    case Decision::kImplicitDeny: return "ImplicitDeny";
  }
  return "ImplicitDeny";
}

std::string_view ToString(PolicyKind k) {
  switch (k) {
    case PolicyKind::kNone: return "none";
    case PolicyKind::kIdentity: return "identity";
    case PolicyKind::kResource: return "resource";
    case PolicyKind::kBoundary: return "boundary";
    case PolicyKind::kSession: return "session";
    case PolicyKind::kScp: return "scp";
    case PolicyKind::kRcp: return "rcp";
    case PolicyKind::kProtected: return "protected";
  }
  return "none";
}

std::string DenialMessage(const EvaluationResult& result, const Request& request) {
  if (result.decision == Decision::kAllow) return {};
  std::string_view what;
  switch (result.decided_by) {
    case PolicyKind::kScp: what = "service control policy"; break;
    case PolicyKind::kRcp: what = "resource control policy"; break;
    case PolicyKind::kResource: what = "resource-based policy"; break;
    case PolicyKind::kIdentity: what = "identity-based policy"; break;
    case PolicyKind::kBoundary: what = "permissions boundary"; break;
    case PolicyKind::kSession: what = "session policy"; break;
    case PolicyKind::kNone: what = "policy"; break;
    case PolicyKind::kProtected:
      return "User: " + request.principal().arn + " is not authorized to perform: " +
             request.action() + " on resource: " + request.resource() +
             " because the resource is managed by AWS and only AWS can change it";
  }
  std::string msg = "User: " + request.principal().arn + " is not authorized to perform: " +
                    request.action() + " on resource: " + request.resource();
  if (result.decision == Decision::kExplicitDeny) {
    // "an explicit deny in a service control policy" / "... in an identity-based policy"
    bool vowel = what.front() == 'i' || what.front() == 'a';
    msg += " with an explicit deny in ";
    msg += vowel ? "an " : "a ";
    msg += what;
  } else {
    msg += " because no ";
    msg += what;
    msg += " allows the " + request.action() + " action";
  }
  return msg;
}

}  // namespace rampart::policy
