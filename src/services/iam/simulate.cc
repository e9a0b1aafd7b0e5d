// Policy simulation through the policy engine: SimulatePrincipalPolicy, SimulateCustomPolicy,
// GetContextKeysForPrincipalPolicy, GetContextKeysForCustomPolicy.
#include <set>

#include "common/strings.h"
#include "policy/evaluate.h"
#include "services/iam/authz.h"
#include "services/iam/common.h"

namespace rampart::services::iam {

namespace {

struct Subject {
  std::string caller_arn;
  std::shared_ptr<const PrincipalPolicies> loaded;  // the source's own policies, if any
};

// The policies of a user, group or role named by ARN.
Result<Subject> LoadSource(IamService& svc, const Call& call, std::string_view arn) {
  Subject s;
  s.caller_arn = std::string(arn);
  auto parts = Split(arn, ':');
  if (parts.size() < 6 || parts[2] != "iam") {
    return InvalidInput("Invalid ARN: " + std::string(arn));
  }
  std::string account(parts[4]);
  std::string_view res = parts[5];
  std::string name(arn.substr(arn.rfind('/') + 1));
  if (StartsWith(res, "user/")) {
    RAMPART_ASSIGN_OR_RETURN(s.loaded, LoadUserPolicies(svc, account, name));
  } else if (StartsWith(res, "role/")) {
    RAMPART_ASSIGN_OR_RETURN(s.loaded, LoadRolePolicies(svc, account, name));
  } else if (StartsWith(res, "group/")) {
    RAMPART_ASSIGN_OR_RETURN(s.loaded, LoadGroupPolicies(svc, account, name));
    s.caller_arn.clear();  // a group cannot be a caller; CallerArn must be given for conditions
  } else {
    return InvalidInput("PolicySourceArn must name a user, group or role: " + std::string(arn));
  }
  if (!s.loaded->exists) {
    return NoSuchEntity("The entity " + std::string(arn) + " cannot be found.");
  }
  return s;
}

Result<std::vector<policy::Policy>> ParseList(const json::object& in, std::string_view member,
                                              policy::PolicyType type) {
  std::vector<policy::Policy> out;
  if (auto* list = in.if_contains(member); list && list->is_array()) {
    size_t i = 0;
    for (const auto& d : list->as_array()) {
      ++i;
      if (!d.is_string()) continue;
      auto p = policy::ParsePolicy(d.as_string(), type,
                                   std::string(member) + "." + std::to_string(i));
      if (!p.ok()) return std::move(p).error();
      out.push_back(std::move(*p));
    }
  }
  return out;
}

std::string_view SourceType(std::string_view id) {
  if (StartsWith(id, "user:")) return "user";
  if (StartsWith(id, "group:")) return "group";
  if (StartsWith(id, "role:")) return "role";
  if (StartsWith(id, "arn:aws:iam::aws:policy/")) return "aws-managed";
  if (StartsWith(id, "arn:")) return "user-managed";
  if (id == "ResourcePolicy") return "resource";
  return "none";
}

// AWS names inline policies by their name in simulation results.
std::string SourceId(std::string_view id) {
  if (StartsWith(id, "user:") || StartsWith(id, "group:") || StartsWith(id, "role:")) {
    return std::string(id.substr(id.find('/') + 1));
  }
  return std::string(id);
}

Status ApplyContext(policy::Request& r, const json::object& in) {
  auto* entries = in.if_contains("ContextEntries");
  if (!entries || !entries->is_array()) return {};
  for (const auto& e : entries->as_array()) {
    if (!e.is_object()) continue;
    std::string_view key = Str(e.as_object(), "ContextKeyName");
    std::string_view type = Str(e.as_object(), "ContextKeyType");
    std::vector<std::string> values;
    if (auto* v = e.as_object().if_contains("ContextKeyValues"); v && v->is_array()) {
      for (const auto& x : v->as_array()) {
        if (x.is_string()) values.emplace_back(x.as_string());
      }
    }
    if (key.empty()) continue;
    bool list = type.size() > 4 && type.substr(type.size() - 4) == "List";
    if (list || values.size() != 1) {
      r.SetContextValues(key, std::move(values));
    } else {
      r.SetContext(key, values.front());
    }
  }
  return {};
}

json::array Statements(const policy::EvaluationResult& result, policy::Decision want) {
  json::array out;
  for (const auto& m : result.matched) {
    bool deny = m.effect == policy::Effect::kDeny;
    if ((want == policy::Decision::kExplicitDeny) != deny) continue;
    out.push_back(json::object{{"SourcePolicyId", SourceId(m.policy_id)},
                               {"SourcePolicyType", SourceType(m.policy_id)}});
  }
  return out;
}

std::string_view DecisionName(policy::Decision d) {
  switch (d) {
    case policy::Decision::kAllow: return "allowed";
    case policy::Decision::kExplicitDeny: return "explicitDeny";
    default: return "implicitDeny";
  }
}

std::string_view AccountOf(std::string_view arn) {
  auto parts = Split(arn, ':');
  return parts.size() > 4 ? parts[4] : std::string_view();
}

Result<json::value> Simulate(IamService& svc, const Call& call, const json::object& in,
                             std::vector<policy::Policy> identity_extra,
                             std::shared_ptr<const PrincipalPolicies> loaded,
                             std::string caller_arn) {
  RAMPART_ASSIGN_OR_RETURN(std::vector<policy::Policy> boundary_extra,
                           ParseList(in, "PermissionsBoundaryPolicyInputList",
                                     policy::PolicyType::kManaged));
  std::optional<policy::Policy> resource_policy;
  if (std::string_view rp = Str(in, "ResourcePolicy"); !rp.empty()) {
    auto p = policy::ParsePolicy(rp, policy::PolicyType::kResource, "ResourcePolicy");
    if (!p.ok()) return std::move(p).error();
    resource_policy = std::move(*p);
  }
  if (std::string_view c = Str(in, "CallerArn"); !c.empty()) caller_arn = std::string(c);
  if (caller_arn.empty()) {
    caller_arn = "arn:aws:iam::" + call.principal.account_id + ":user/simulated-caller";
  }
  // Resources without an owner in their ARN belong to the caller's account unless
  // ResourceOwner says otherwise (AWS's default).
  std::string owner(Str(in, "ResourceOwner"));
  if (owner.empty()) {
    auto parts = Split(caller_arn, ':');
    owner = parts.size() > 4 && !parts[4].empty() ? std::string(parts[4])
                                                  : call.principal.account_id;
  }
  std::vector<const policy::Policy*> identity, boundary;
  if (loaded) {
    for (const auto& p : loaded->identity) identity.push_back(&p);
    for (const auto& p : loaded->boundary) boundary.push_back(&p);
  }
  for (const auto& p : identity_extra) identity.push_back(&p);
  for (const auto& p : boundary_extra) boundary.push_back(&p);

  std::vector<std::string> resources;
  if (auto* r = in.if_contains("ResourceArns"); r && r->is_array()) {
    for (const auto& x : r->as_array()) resources.emplace_back(x.as_string());
  }
  if (resources.empty()) resources.emplace_back("*");

  json::array results;
  for (const auto& a : in.at("ActionNames").as_array()) {
    std::string action(a.as_string());
    json::array per_resource;
    policy::Decision overall = policy::Decision::kAllow;
    json::object first;
    for (const std::string& res : resources) {
      auto req = policy::Request::Create(caller_arn, action, res, owner);
      if (!req.ok()) return InvalidInput(req.error().message);
      RAMPART_RETURN_IF_ERROR(ApplyContext(*req, in));
      policy::PolicySet set;
      set.identity = identity;
      set.boundary = boundary;
      if (resource_policy) set.resource = &*resource_policy;
      // Without a resource policy AWS's simulator evaluates the identity-based policies alone
      // (a role's trust policy or a key policy is not consulted).
      set.identity_only = !resource_policy;
      policy::EvaluationResult r = policy::Evaluate(*req, set);
      json::array missing;
      for (std::string_view k : r.missing_context_keys) missing.push_back(json::string(k));
      json::object entry{{"EvalActionName", action},
                         {"EvalResourceName", res},
                         {"EvalDecision", DecisionName(r.decision)},
                         {"MatchedStatements", Statements(r, r.decision)},
                         {"MissingContextValues", std::move(missing)}};
      if (!boundary.empty()) {
        bool by_boundary = r.decided_by != policy::PolicyKind::kBoundary;
        entry["PermissionsBoundaryDecisionDetail"] =
            json::object{{"AllowedByPermissionsBoundary", by_boundary}};
      }
      // AWS: present and empty for a same-account resource ARN, absent for "*", a summary per
      // policy type across accounts.
      bool cross_account = resource_policy && req->resource_account() != AccountOf(caller_arn);
      if (cross_account) {
        entry["EvalDecisionDetails"] = json::object{{"resource", DecisionName(r.decision)}};
      } else if (res != "*") {
        entry["EvalDecisionDetails"] = json::object();
      }
      if (per_resource.empty()) first = entry;
      if (r.decision == policy::Decision::kExplicitDeny) {
        overall = policy::Decision::kExplicitDeny;
      } else if (r.decision == policy::Decision::kImplicitDeny &&
                 overall != policy::Decision::kExplicitDeny) {
        overall = policy::Decision::kImplicitDeny;
      }
      per_resource.push_back(json::object{{"EvalResourceName", res},
                                          {"EvalResourceDecision", entry["EvalDecision"]},
                                          {"MatchedStatements", entry["MatchedStatements"]},
                                          {"MissingContextValues", entry["MissingContextValues"]}});
    }
    if (resources.size() == 1) {
      results.push_back(std::move(first));
    } else {
      json::object entry{{"EvalActionName", action},
                         {"EvalResourceName", "*"},
                         {"EvalDecision", DecisionName(overall)},
                         {"MatchedStatements", json::array()},
                         {"MissingContextValues", json::array()},
                         {"ResourceSpecificResults", std::move(per_resource)}};
      results.push_back(std::move(entry));
    }
  }
  // Index markers over the results.
  int64_t max_items = Int(in, "MaxItems").value_or(100);
  size_t start = 0;
  if (std::string_view m = Str(in, "Marker"); !m.empty()) {
    start = static_cast<size_t>(std::strtoul(std::string(m).c_str(), nullptr, 10));
  }
  json::array page;
  for (size_t i = start; i < results.size() && static_cast<int64_t>(page.size()) < max_items; ++i) {
    page.push_back(results[i]);
  }
  json::object out{{"EvaluationResults", std::move(page)}};
  bool truncated = start + static_cast<size_t>(max_items) < results.size();
  out["IsTruncated"] = truncated;
  if (truncated) out["Marker"] = std::to_string(start + static_cast<size_t>(max_items));
  return json::value(std::move(out));
}

Result<json::value> SimulatePrincipalPolicy(IamService& svc, const Call& call,
                                            const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Subject s, LoadSource(svc, call, Str(in, "PolicySourceArn")));
  RAMPART_ASSIGN_OR_RETURN(auto extra, ParseList(in, "PolicyInputList", policy::PolicyType::kManaged));
  return Simulate(svc, call, in, std::move(extra), s.loaded, s.caller_arn);
}

Result<json::value> SimulateCustomPolicy(IamService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(auto extra, ParseList(in, "PolicyInputList", policy::PolicyType::kManaged));
  return Simulate(svc, call, in, std::move(extra), nullptr, "");
}

void KeysOf(const policy::Policy& p, std::set<std::string>& keys) {
  for (const auto& st : p.statements()) {
    for (const auto& c : st.conditions) keys.insert(c.key);
  }
}

json::value KeysOut(const std::set<std::string>& keys) {
  json::array a;
  for (const auto& k : keys) a.push_back(json::string(k));
  return json::object{{"ContextKeyNames", std::move(a)}};
}

Result<json::value> GetContextKeysForPrincipalPolicy(IamService& svc, const Call& call,
                                                     const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Subject s, LoadSource(svc, call, Str(in, "PolicySourceArn")));
  RAMPART_ASSIGN_OR_RETURN(auto extra, ParseList(in, "PolicyInputList", policy::PolicyType::kManaged));
  std::set<std::string> keys;
  for (const auto& p : s.loaded->identity) KeysOf(p, keys);
  for (const auto& p : extra) KeysOf(p, keys);
  return KeysOut(keys);
}

Result<json::value> GetContextKeysForCustomPolicy(IamService&, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(auto list, ParseList(in, "PolicyInputList", policy::PolicyType::kManaged));
  std::set<std::string> keys;
  for (const auto& p : list) KeysOf(p, keys);
  return KeysOut(keys);
}

}  // namespace

void AddSimulateOps(std::vector<IamOp>& ops) {
  ops.insert(ops.end(), {{"SimulatePrincipalPolicy", SimulatePrincipalPolicy},
                         {"SimulateCustomPolicy", SimulateCustomPolicy},
                         {"GetContextKeysForPrincipalPolicy", GetContextKeysForPrincipalPolicy},
                         {"GetContextKeysForCustomPolicy", GetContextKeysForCustomPolicy}});
}

}  // namespace rampart::services::iam
