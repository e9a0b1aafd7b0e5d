// Access advisor: ListPoliciesGrantingServiceAccess, GenerateServiceLastAccessedDetails,
// GetServiceLastAccessedDetails, GetServiceLastAccessedDetailsWithEntities.
//
// Which services a policy grants is read from its Allow statements' Action prefixes ("*" and
// NotAction count as every service Rampart serves). Rampart does not track per-service access
// yet, so reports list the granted services without LastAuthenticated ("not accessed in the
// tracking period", AWS's answer for an unused service).
//
// Document "access-job" [job id] -> {Arn, JobType, JobCreationDate, Namespaces: [...],
// Entities: [EntityInfo...]} -- computed when the job is generated, as AWS snapshots it.
#include <algorithm>
#include <set>

#include "common/crypto.h"
#include "common/strings.h"
#include "protocol/model.h"
#include "services/iam/aws_managed.h"
#include "services/iam/common.h"

namespace rampart::services::iam {

namespace {

// Every IAM service namespace Rampart serves.
std::set<std::string> AllNamespaces() {
  std::set<std::string> out;
  for (const model::Service* s : model::AllServices()) {
    out.insert(ToLower(s->signing_name.empty() ? s->id : s->signing_name));
  }
  return out;
}

// The service namespaces a policy document allows actions of.
std::set<std::string> GrantedNamespaces(std::string_view document) {
  std::set<std::string> out;
  boost::system::error_code ec;
  json::value doc = json::parse(document, ec);
  if (ec || !doc.is_object()) return out;
  const json::value* stmts = doc.as_object().if_contains("Statement");
  if (!stmts) return out;
  json::array list = stmts->is_array() ? stmts->as_array() : json::array{*stmts};
  for (const auto& st : list) {
    if (!st.is_object() || Str(st.as_object(), "Effect") != "Allow") continue;
    if (st.as_object().contains("NotAction")) return AllNamespaces();
    const json::value* actions = st.as_object().if_contains("Action");
    if (!actions) continue;
    json::array acts = actions->is_array() ? actions->as_array() : json::array{*actions};
    for (const auto& a : acts) {
      if (!a.is_string()) continue;
      std::string_view s = a.as_string();
      if (s == "*") return AllNamespaces();
      size_t colon = s.find(':');
      if (colon != std::string_view::npos) out.insert(ToLower(s.substr(0, colon)));
    }
  }
  return out;
}

struct GrantingPolicy {
  std::string name, type, arn;           // type INLINE | MANAGED; arn for managed
  std::string entity_type, entity_name;  // USER | GROUP | ROLE (where it is attached)
  std::set<std::string> namespaces;
};

// A principal named by an IAM ARN of the caller's account.
struct Target {
  std::string kind;  // user | group | role | policy
  std::string name;
  json::object doc;  // empty for AWS-managed policies
  std::string arn;
};

Result<Target> ResolveTarget(store::EntityTx& tx, std::string_view account, std::string_view arn) {
  std::string prefix = "arn:aws:iam::" + std::string(account) + ":";
  Error invalid = InvalidInput("Invalid ARN " + std::string(arn) +
                               ": it must name a user, group, role or policy of this account.");
  if (StartsWith(arn, "arn:aws:iam::aws:policy/")) {
    if (!FindAwsManagedPolicy(arn))
      return NoSuchEntity("Policy " + std::string(arn) + " does not exist.");
    return Target{"policy", std::string(arn.substr(arn.rfind('/') + 1)), {}, std::string(arn)};
  }
  if (!StartsWith(arn, prefix)) return invalid;
  std::string_view rest = arn.substr(prefix.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return invalid;
  std::string kind(rest.substr(0, slash));
  if (kind != "user" && kind != "group" && kind != "role" && kind != "policy") return invalid;
  std::string name(rest.substr(rest.rfind('/') + 1));
  RAMPART_ASSIGN_OR_RETURN(auto doc, Load(tx, account, kind, Key(name)));
  if (!doc || Str(*doc, "Arn") != arn) {
    return NoSuchEntity("The entity " + std::string(arn) + " cannot be found.");
  }
  return Target{kind, name, std::move(*doc), std::string(arn)};
}

Result<std::string> ManagedDocument(store::EntityTx& tx, std::string_view account,
                                    std::string_view arn) {
  if (const AwsManagedPolicy* m = FindAwsManagedPolicy(arn)) return m->document;
  std::string name(arn.substr(arn.rfind('/') + 1));
  RAMPART_ASSIGN_OR_RETURN(auto pol, Load(tx, account, "policy", Key(name)));
  if (!pol) return std::string();
  RAMPART_ASSIGN_OR_RETURN(auto ver,
                           Load(tx, account, "policy-version",
                                Key(name) + "/" + std::string(Str(*pol, "DefaultVersionId"))));
  return ver ? std::string(Str(*ver, "Document")) : std::string();
}

// Inline and attached policies of one principal ("user" / "group" / "role").
Status CollectPolicies(store::EntityTx& tx, std::string_view account, const std::string& kind,
                       const std::string& name, std::vector<GrantingPolicy>& out) {
  std::string ref = kind + ":" + Key(name) + "/";
  std::string entity_type = kind == "user" ? "USER" : kind == "group" ? "GROUP" : "ROLE";
  RAMPART_ASSIGN_OR_RETURN(auto inl, tx.List(account, "inline", ref, "", 1000));
  for (const auto& r : inl) {
    json::object d = json::parse(r.doc).as_object();
    out.push_back({std::string(Str(d, "PolicyName")), "INLINE", "", entity_type, name,
                   GrantedNamespaces(Str(d, "PolicyDocument"))});
  }
  RAMPART_ASSIGN_OR_RETURN(auto att, tx.List(account, "attached", ref, "", 1000));
  for (const auto& r : att) {
    std::string arn = r.key.substr(ref.size());
    RAMPART_ASSIGN_OR_RETURN(std::string doc, ManagedDocument(tx, account, arn));
    out.push_back({arn.substr(arn.rfind('/') + 1), "MANAGED", arn, entity_type, name,
                   GrantedNamespaces(doc)});
  }
  return {};
}

// Every policy that applies to the target (for a user, its groups' policies too).
Status TargetPolicies(store::EntityTx& tx, std::string_view account, const Target& t,
                      std::vector<GrantingPolicy>& out) {
  if (t.kind == "policy") {
    RAMPART_ASSIGN_OR_RETURN(std::string doc, ManagedDocument(tx, account, t.arn));
    out.push_back({t.name, "MANAGED", t.arn, "", "", GrantedNamespaces(doc)});
    return {};
  }
  RAMPART_RETURN_IF_ERROR(CollectPolicies(tx, account, t.kind, t.name, out));
  if (t.kind == "user") {
    RAMPART_ASSIGN_OR_RETURN(auto groups,
                             tx.List(account, "member-of", Key(t.name) + "/", "", 100));
    for (const auto& g : groups) {
      RAMPART_ASSIGN_OR_RETURN(auto gd,
                               Load(tx, account, "group", g.key.substr(g.key.find('/') + 1)));
      if (gd)
        RAMPART_RETURN_IF_ERROR(
            CollectPolicies(tx, account, "group", std::string(Str(*gd, "GroupName")), out));
    }
  }
  return {};
}

Result<json::value> ListPoliciesGrantingServiceAccess(IamService& svc, const Call& call,
                                                      const json::object& in) {
  const std::string& acct = call.principal.account_id;
  std::vector<GrantingPolicy> policies;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(Target t, ResolveTarget(tx, acct, Str(in, "Arn")));
    if (t.kind == "policy") return InvalidInput("Arn must name a user, group or role.");
    return TargetPolicies(tx, acct, t, policies);
  });
  if (!st.ok()) return std::move(st).error();
  json::array result;
  if (auto* ns = in.if_contains("ServiceNamespaces"); ns && ns->is_array()) {
    for (const auto& n : ns->as_array()) {
      if (!n.is_string()) continue;
      std::string space = ToLower(n.as_string());
      json::array list;
      for (const GrantingPolicy& p : policies) {
        if (!p.namespaces.count(space)) continue;
        json::object item{{"PolicyName", p.name}, {"PolicyType", p.type}};
        if (!p.arn.empty()) item["PolicyArn"] = p.arn;
        item["EntityType"] = p.entity_type;
        item["EntityName"] = p.entity_name;
        list.push_back(std::move(item));
      }
      result.push_back(json::object{{"ServiceNamespace", n}, {"Policies", std::move(list)}});
    }
  }
  return json::value(
      json::object{{"PoliciesGrantingServiceAccess", std::move(result)}, {"IsTruncated", false}});
}

std::string NewJobId() {
  std::string r = crypto::HexEncode(crypto::RandomBytes(16));
  return r.substr(0, 8) + "-" + r.substr(8, 4) + "-" + r.substr(12, 4) + "-" + r.substr(16, 4) +
         "-" + r.substr(20, 12);
}

json::object EntityInfo(const json::object& doc, std::string_view type) {
  std::string_view name_member = type == "USER"    ? "UserName"
                                 : type == "GROUP" ? "GroupName"
                                                   : "RoleName";
  std::string_view id_member = type == "USER" ? "UserId" : type == "GROUP" ? "GroupId" : "RoleId";
  return json::object{{"Arn", doc.at("Arn")},
                      {"Name", doc.at(name_member)},
                      {"Type", type},
                      {"Id", doc.at(id_member)},
                      {"Path", doc.at("Path")}};
}

Result<json::value> GenerateServiceLastAccessedDetails(IamService& svc, const Call& call,
                                                       const json::object& in) {
  const std::string& acct = call.principal.account_id;
  std::string id = NewJobId();
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(Target t, ResolveTarget(tx, acct, Str(in, "Arn")));
    std::vector<GrantingPolicy> policies;
    RAMPART_RETURN_IF_ERROR(TargetPolicies(tx, acct, t, policies));
    json::array namespaces;
    std::set<std::string> all;
    for (const auto& p : policies) all.insert(p.namespaces.begin(), p.namespaces.end());
    for (const auto& n : all) namespaces.push_back(json::value(n));
    // The entities whose use the report covers: the principal, a group's members, or the
    // principals a policy is attached to.
    json::array entities;
    if (t.kind == "user") entities.push_back(EntityInfo(t.doc, "USER"));
    if (t.kind == "role") entities.push_back(EntityInfo(t.doc, "ROLE"));
    if (t.kind == "group") {
      RAMPART_ASSIGN_OR_RETURN(auto members, tx.List(acct, "member", Key(t.name) + "/", "", 10000));
      for (const auto& m : members) {
        RAMPART_ASSIGN_OR_RETURN(auto u, Load(tx, acct, "user", m.key.substr(m.key.find('/') + 1)));
        if (u) entities.push_back(EntityInfo(*u, "USER"));
      }
    }
    if (t.kind == "policy") {
      std::string arn = policies.front().arn;
      RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(acct, "attached-to", arn + "/", "", 10000));
      for (const auto& r : rows) {
        std::string ref = r.key.substr(arn.size() + 1);  // kind:key
        std::string kind = ref.substr(0, ref.find(':'));
        RAMPART_ASSIGN_OR_RETURN(auto d, Load(tx, acct, kind, ref.substr(ref.find(':') + 1)));
        if (d)
          entities.push_back(EntityInfo(*d, kind == "user"    ? "USER"
                                            : kind == "group" ? "GROUP"
                                                              : "ROLE"));
      }
    }
    std::string granularity(Str(in, "Granularity"));
    return Save(tx, acct, "access-job", id,
                json::object{{"Arn", Str(in, "Arn")},
                             {"JobType", granularity.empty() ? "SERVICE_LEVEL" : granularity},
                             {"JobCreationDate", Now(call)},
                             {"Namespaces", std::move(namespaces)},
                             {"Entities", std::move(entities)}});
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{{"JobId", id}});
}

Result<json::object> RequireJob(IamService& svc, const Call& call, std::string_view id) {
  RAMPART_ASSIGN_OR_RETURN(json::object job,
                           ReadRequired(svc, call, "access-job", id,
                                        "No such job " + std::string(id) + " exists."));
  return job;
}

// One page of `items` after the request's Marker (an index), MaxItems long.
void PageOut(json::object& out, std::string_view member, const json::array& items,
             const json::object& in) {
  size_t start = 0;
  if (std::string_view m = Str(in, "Marker"); !m.empty())
    start = std::strtoul(std::string(m).c_str(), nullptr, 10);
  size_t max = static_cast<size_t>(Int(in, "MaxItems").value_or(100));
  json::array page;
  for (size_t i = start; i < items.size() && page.size() < max; ++i) page.push_back(items[i]);
  out[member] = std::move(page);
  bool truncated = start + max < items.size();
  out["IsTruncated"] = truncated;
  if (truncated) out["Marker"] = std::to_string(start + max);
}

Result<json::value> GetServiceLastAccessedDetails(IamService& svc, const Call& call,
                                                  const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(json::object job, RequireJob(svc, call, Str(in, "JobId")));
  json::array services;
  for (const auto& n : job["Namespaces"].as_array()) {
    json::object s{{"ServiceName", n}, {"ServiceNamespace", n}, {"TotalAuthenticatedEntities", 0}};
    if (Str(job, "JobType") == "ACTION_LEVEL") s["TrackedActionsLastAccessed"] = json::array{};
    services.push_back(std::move(s));
  }
  json::object out{{"JobStatus", "COMPLETED"},
                   {"JobType", job["JobType"]},
                   {"JobCreationDate", job["JobCreationDate"]},
                   {"JobCompletionDate", job["JobCreationDate"]}};
  PageOut(out, "ServicesLastAccessed", services, in);
  return json::value(std::move(out));
}

Result<json::value> GetServiceLastAccessedDetailsWithEntities(IamService& svc, const Call& call,
                                                              const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(json::object job, RequireJob(svc, call, Str(in, "JobId")));
  std::string space = ToLower(Str(in, "ServiceNamespace"));
  const json::array& ns = job["Namespaces"].as_array();
  json::array details;
  if (std::find(ns.begin(), ns.end(), json::value(space)) != ns.end()) {
    for (const auto& e : job["Entities"].as_array()) {
      details.push_back(json::object{{"EntityInfo", e}});
    }
  }
  json::object out{{"JobStatus", "COMPLETED"},
                   {"JobCreationDate", job["JobCreationDate"]},
                   {"JobCompletionDate", job["JobCreationDate"]}};
  PageOut(out, "EntityDetailsList", details, in);
  return json::value(std::move(out));
}

}  // namespace

void AddAccessAdvisorOps(std::vector<IamOp>& ops) {
  ops.insert(ops.end(), {{"ListPoliciesGrantingServiceAccess", ListPoliciesGrantingServiceAccess},
                         {"GenerateServiceLastAccessedDetails", GenerateServiceLastAccessedDetails},
                         {"GetServiceLastAccessedDetails", GetServiceLastAccessedDetails},
                         {"GetServiceLastAccessedDetailsWithEntities",
                          GetServiceLastAccessedDetailsWithEntities}});
}

}  // namespace rampart::services::iam
