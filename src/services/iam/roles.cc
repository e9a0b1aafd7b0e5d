// IAM roles: trust policy, path, description, MaxSessionDuration, boundary, tags, service-linked
// roles.
#include "common/strings.h"
#include "policy/aws_validate.h"
#include "policy/policy.h"
#include "common/crypto.h"
#include "services/iam/common.h"
#include "services/iam/service_linked_roles.h"

namespace rampart::services::iam {

namespace {

std::string Missing(std::string_view name) {
  return "The role with name " + std::string(name) + " cannot be found.";
}

json::object View(json::object doc) {
  if (auto* d = doc.if_contains("AssumeRolePolicyDocument"); d && d->is_string()) {
    *d = EncodePolicyDocument(d->as_string());
  }
  doc.erase("ServiceLinked");
  return doc;
}

Status ValidateTrust(std::string_view document) {
  RAMPART_RETURN_IF_ERROR(policy::CheckAsAws(document, policy::PolicyType::kTrust));
  auto parsed = policy::ParsePolicy(document, policy::PolicyType::kTrust, "AssumeRolePolicyDocument");
  if (!parsed.ok()) {
    Error e = std::move(parsed).error();
    if (e.code == "LimitExceeded") e.http_status = 409;
    return e;
  }
  return {};
}

Status CheckDuration(const json::object& in) {
  if (auto d = Int(in, "MaxSessionDuration"); d && (*d < 3600 || *d > 43200)) {
    return Error{"ValidationError",
            "The requested MaxSessionDuration of " + std::to_string(*d) +
                " seconds is invalid. It must be between 3600 and 43200 seconds (1 to 12 hours).",
            400, true};
  }
  return {};
}

Status CreateRoleDoc(IamService& svc, const Call& call, json::object& role,
                     std::string_view boundary) {
  const std::string& acct = call.principal.account_id;
  std::string name(Str(role, "RoleName"));
  return svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(SetBoundary(tx, acct, "role:" + Key(name), role, boundary));
    RAMPART_RETURN_IF_ERROR(
        Create(tx, acct, "role", Key(name), role, "Role with name " + name + " already exists."));
    return Save(tx, acct, "id", Str(role, "RoleId"),
                json::object{{"kind", "role"}, {"key", Key(name)}});
  });
}

Result<json::value> CreateRole(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "RoleName");
  std::string_view path = PathOr(in);
  std::string_view trust = Str(in, "AssumeRolePolicyDocument");
  RAMPART_RETURN_IF_ERROR(CheckPath(path));
  RAMPART_RETURN_IF_ERROR(CheckDuration(in));
  RAMPART_RETURN_IF_ERROR(ValidateTrust(trust));
  const std::string& acct = call.principal.account_id;
  json::object role{{"Path", path},
                    {"RoleName", name},
                    {"RoleId", NewUniqueId("AROA")},
                    {"Arn", IamArn(acct, "role", path, name)},
                    {"CreateDate", Now(call)},
                    {"AssumeRolePolicyDocument", trust},
                    {"MaxSessionDuration", Int(in, "MaxSessionDuration").value_or(3600)}};
  if (in.contains("Description")) role["Description"] = Str(in, "Description");
  RAMPART_RETURN_IF_ERROR(MergeTags(role, in.if_contains("Tags")));
  RAMPART_RETURN_IF_ERROR(CreateRoleDoc(svc, call, role, Str(in, "PermissionsBoundary")));
  return json::value(json::object{{"Role", View(role)}});
}

Result<json::value> GetRole(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "RoleName");
  RAMPART_ASSIGN_OR_RETURN(json::object role,
                           ReadRequired(svc, call, "role", Key(name), Missing(name)));
  if (!role.contains("RoleLastUsed")) role["RoleLastUsed"] = json::object{};
  return json::value(json::object{{"Role", View(std::move(role))}});
}

Result<json::value> ListRoles(IamService& svc, const Call& call, const json::object& in) {
  std::string_view prefix = PathOr(in, "PathPrefix");
  Page page;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(
        page, ListPage(tx, call.principal.account_id, "role", "", in,
                       PathFilter(prefix)));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  json::array roles;
  for (const auto& row : page.rows) {
    json::object r = json::parse(row.doc).as_object();
    r.erase("Tags");
    r.erase("PermissionsBoundary");
    r.erase("RoleLastUsed");
    roles.push_back(View(std::move(r)));
  }
  json::object out{{"Roles", std::move(roles)}};
  SetPaging(out, page);
  return json::value(std::move(out));
}

Result<json::value> Mutate(IamService& svc, const Call& call, std::string_view name,
                           const std::function<Status(store::EntityTx&, json::object&)>& fn,
                           bool return_role = false) {
  const std::string& acct = call.principal.account_id;
  json::object role;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(role, Require(tx, acct, "role", Key(name), Missing(name)));
    RAMPART_RETURN_IF_ERROR(fn(tx, role));
    return Save(tx, acct, "role", Key(name), role);
  });
  if (!st.ok()) return std::move(st).error();
  if (return_role) return json::value(json::object{{"Role", View(std::move(role))}});
  return json::value(json::object{});
}

Status NotServiceLinked(const json::object& role) {
  if (Bool(role, "ServiceLinked")) return ProtectedRole(Str(role, "RoleName"));
  return {};
}

Result<json::value> UpdateRole(IamService& svc, const Call& call, const json::object& in) {
  RAMPART_RETURN_IF_ERROR(CheckDuration(in));
  return Mutate(svc, call, Str(in, "RoleName"), [&](store::EntityTx&, json::object& role) -> Status {
    // A service-linked role's description may change; its session duration may not.
    if (in.contains("MaxSessionDuration")) RAMPART_RETURN_IF_ERROR(NotServiceLinked(role));
    if (in.contains("Description")) role["Description"] = Str(in, "Description");
    if (auto d = Int(in, "MaxSessionDuration")) role["MaxSessionDuration"] = *d;
    return {};
  });
}

Result<json::value> UpdateRoleDescription(IamService& svc, const Call& call, const json::object& in) {
  return Mutate(
      svc, call, Str(in, "RoleName"),
      [&](store::EntityTx&, json::object& role) -> Status {
        role["Description"] = Str(in, "Description");
        return {};
      },
      true);
}

Result<json::value> UpdateAssumeRolePolicy(IamService& svc, const Call& call, const json::object& in) {
  std::string_view doc = Str(in, "PolicyDocument");
  RAMPART_RETURN_IF_ERROR(ValidateTrust(doc));
  return Mutate(svc, call, Str(in, "RoleName"), [&](store::EntityTx&, json::object& role) -> Status {
    RAMPART_RETURN_IF_ERROR(NotServiceLinked(role));
    role["AssumeRolePolicyDocument"] = doc;
    return {};
  });
}

Result<json::value> DeleteRole(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "RoleName");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object role, Require(tx, acct, "role", Key(name), Missing(name)));
    RAMPART_RETURN_IF_ERROR(NotServiceLinked(role));
    RAMPART_ASSIGN_OR_RETURN(int64_t profiles, tx.Count(acct, "role-profile", Key(name) + "/"));
    if (profiles > 0) {
      return DeleteConflict("Cannot delete entity, must remove roles from instance profile first.");
    }
    RAMPART_ASSIGN_OR_RETURN(int64_t inl, tx.Count(acct, "inline", "role:" + Key(name) + "/"));
    if (inl > 0) return DeleteConflict("Cannot delete entity, must delete policies first.");
    RAMPART_ASSIGN_OR_RETURN(int64_t att, tx.Count(acct, "attached", "role:" + Key(name) + "/"));
    if (att > 0) return DeleteConflict("Cannot delete entity, must detach all policies first.");
    RAMPART_RETURN_IF_ERROR(SetBoundary(tx, acct, "role:" + Key(name), role, ""));
    RAMPART_RETURN_IF_ERROR(tx.Delete(acct, "role", Key(name)));
    return tx.Delete(acct, "id", Str(role, "RoleId"));
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> TagRole(IamService& svc, const Call& call, const json::object& in) {
  return Mutate(svc, call, Str(in, "RoleName"), [&](store::EntityTx&, json::object& role) {
    return MergeTags(role, in.if_contains("Tags"));
  });
}

Result<json::value> UntagRole(IamService& svc, const Call& call, const json::object& in) {
  return Mutate(svc, call, Str(in, "RoleName"), [&](store::EntityTx&, json::object& role) {
    return RemoveTags(role, in.if_contains("TagKeys"));
  });
}

Result<json::value> ListRoleTags(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "RoleName");
  RAMPART_ASSIGN_OR_RETURN(json::object role,
                           ReadRequired(svc, call, "role", Key(name), Missing(name)));
  return json::value(TagsPage(role, in));
}

Result<json::value> PutRolePermissionsBoundary(IamService& svc, const Call& call,
                                               const json::object& in) {
  std::string_view name = Str(in, "RoleName");
  return Mutate(svc, call, name, [&](store::EntityTx& tx, json::object& role) -> Status {
    RAMPART_RETURN_IF_ERROR(NotServiceLinked(role));
    return SetBoundary(tx, call.principal.account_id, "role:" + Key(name), role,
                       Str(in, "PermissionsBoundary"));
  });
}

Result<json::value> DeleteRolePermissionsBoundary(IamService& svc, const Call& call,
                                                  const json::object& in) {
  std::string_view name = Str(in, "RoleName");
  return Mutate(svc, call, name, [&](store::EntityTx& tx, json::object& role) -> Status {
    RAMPART_RETURN_IF_ERROR(NotServiceLinked(role));
    return SetBoundary(tx, call.principal.account_id, "role:" + Key(name), role, "");
  });
}

// Service-linked roles: AWSServiceRoleFor<Service> under /aws-service-role/<service>/.
Result<json::value> CreateServiceLinkedRole(IamService& svc, const Call& call,
                                            const json::object& in) {
  std::string_view service = Str(in, "AWSServiceName");
  std::string_view suffix = Str(in, "CustomSuffix");
  size_t dot = service.find('.');
  if (dot == std::string_view::npos || !EndsWithAmazonaws(service)) {
    return InvalidInput("Invalid service name: " + std::string(service));
  }
  const auto* known = FindSlrTemplate(service);
  if (!suffix.empty() && known && known->suffix == SuffixRule::kRefused) {
    return InvalidInput("Custom suffix is not allowed for " + std::string(service));
  }
  std::string name = ServiceLinkedRoleName(service, suffix);
  std::string path = "/aws-service-role/" + std::string(service) + "/";
  const std::string& acct = call.principal.account_id;
  std::string trust = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":")" +
                      std::string(service) + R"("},"Action":"sts:AssumeRole"}]})";
  json::object role{{"Path", path},
                    {"RoleName", name},
                    {"RoleId", NewUniqueId("AROA")},
                    {"Arn", IamArn(acct, "role", path, name)},
                    {"CreateDate", Now(call)},
                    {"AssumeRolePolicyDocument", trust},
                    {"MaxSessionDuration", 3600},
                    {"ServiceLinked", true}};
  if (in.contains("Description")) role["Description"] = Str(in, "Description");
  Status created = CreateRoleDoc(svc, call, role, "");
  if (!created.ok() && created.error().code == "EntityAlreadyExists") {
    return InvalidInput("Service role name " + name +
                        " has been taken in this account, please try a different suffix.");
  }
  RAMPART_RETURN_IF_ERROR(created);
  return json::value(json::object{{"Role", View(role)}});
}

Result<json::value> DeleteServiceLinkedRole(IamService& svc, const Call& call,
                                            const json::object& in) {
  std::string_view name = Str(in, "RoleName");
  const std::string& acct = call.principal.account_id;
  std::string task;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object role, Require(tx, acct, "role", Key(name), Missing(name)));
    if (!Bool(role, "ServiceLinked")) {
      return InvalidInput("Role " + std::string(name) + " is not a service-linked role.");
    }
    // AWS's form: task/aws-service-role/<service>/<role name>/<id>.
    task = "task" + std::string(PathOr(role)) + std::string(Str(role, "RoleName")) + "/" +
           crypto::RandomUuid();
    // Nothing in Rampart depends on service-linked roles, so deletion completes at once.
    RAMPART_RETURN_IF_ERROR(tx.Delete(acct, "role", Key(name)));
    RAMPART_RETURN_IF_ERROR(tx.Delete(acct, "id", Str(role, "RoleId")));
    return tx.Put(acct, "slr-deletion", task, R"({"Status":"SUCCEEDED"})");
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{{"DeletionTaskId", task}});
}

Result<json::value> GetServiceLinkedRoleDeletionStatus(IamService& svc, const Call& call,
                                                       const json::object& in) {
  std::string_view task = Str(in, "DeletionTaskId");
  std::string missing = "Deletion task " + std::string(task) + " cannot be found.";
  RAMPART_ASSIGN_OR_RETURN(json::object status,
                           ReadRequired(svc, call, "slr-deletion", task, missing));
  return json::value(std::move(status));
}

}  // namespace

std::string ServiceLinkedRoleName(std::string_view service, std::string_view suffix) {
  std::string name;
  if (const auto* known = FindSlrTemplate(service)) {
    name = std::string(known->role);
  } else {
    std::string pretty(service.substr(0, service.find('.')));
    if (!pretty.empty()) pretty[0] = static_cast<char>(std::toupper(pretty[0]));
    name = "AWSServiceRoleFor" + pretty;
  }
  if (!suffix.empty()) name += "_" + std::string(suffix);
  return name;
}

std::string ServiceLinkedRoleArn(std::string_view account, std::string_view service,
                                 std::string_view suffix) {
  return IamArn(account, "role", "/aws-service-role/" + std::string(service) + "/",
                ServiceLinkedRoleName(service, suffix));
}

bool EndsWithAmazonaws(std::string_view s) {
  constexpr std::string_view kSuffix = ".amazonaws.com";
  return s.size() > kSuffix.size() && s.substr(s.size() - kSuffix.size()) == kSuffix;
}

void AddRoleOps(std::vector<IamOp>& ops) {
  ops.insert(ops.end(), {{"CreateRole", CreateRole},
                         {"GetRole", GetRole},
                         {"ListRoles", ListRoles},
                         {"UpdateRole", UpdateRole},
                         {"UpdateRoleDescription", UpdateRoleDescription},
                         {"UpdateAssumeRolePolicy", UpdateAssumeRolePolicy},
                         {"DeleteRole", DeleteRole},
                         {"TagRole", TagRole},
                         {"UntagRole", UntagRole},
                         {"ListRoleTags", ListRoleTags},
                         {"PutRolePermissionsBoundary", PutRolePermissionsBoundary},
                         {"DeleteRolePermissionsBoundary", DeleteRolePermissionsBoundary},
                         {"CreateServiceLinkedRole", CreateServiceLinkedRole},
                         {"DeleteServiceLinkedRole", DeleteServiceLinkedRole},
                         {"GetServiceLinkedRoleDeletionStatus", GetServiceLinkedRoleDeletionStatus}});
}

}  // namespace rampart::services::iam
