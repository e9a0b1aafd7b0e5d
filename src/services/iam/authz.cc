#include "services/iam/authz.h"

#include <optional>

#include "common/strings.h"
#include "services/iam/aws_managed.h"

namespace rampart::services::iam {

namespace {

std::map<std::string, std::string> TagsOf(const json::object& doc) {
  std::map<std::string, std::string> out;
  if (auto* t = doc.if_contains("Tags"); t && t->is_array()) {
    for (const auto& tag : t->as_array()) {
      if (tag.is_object()) {
        out[std::string(Str(tag.as_object(), "Key"))] = std::string(Str(tag.as_object(), "Value"));
      }
    }
  }
  return out;
}

// The default version's document of a managed policy ARN; "" if it no longer exists.
Result<std::string> ManagedDocument(store::EntityTx& tx, std::string_view account,
                                    std::string_view arn) {
  if (const AwsManagedPolicy* p = FindAwsManagedPolicy(arn)) return p->document;
  std::string name(arn.substr(arn.rfind('/') + 1));
  RAMPART_ASSIGN_OR_RETURN(auto pol, Load(tx, account, "policy", Key(name)));
  if (!pol || Str(*pol, "Arn") != arn) return std::string();
  RAMPART_ASSIGN_OR_RETURN(
      auto ver, Load(tx, account, "policy-version",
                     Key(name) + "/" + std::string(Str(*pol, "DefaultVersionId"))));
  if (!ver) return std::string();
  return std::string(Str(*ver, "Document"));
}

// Adds the inline and attached policies of "kind:key" to `out`.
Status Collect(store::EntityTx& tx, std::string_view account, const std::string& ref,
               policy::PolicyType inline_type, PrincipalPolicies& out) {
  RAMPART_ASSIGN_OR_RETURN(auto inl, tx.List(account, "inline", ref + "/", "", 1000));
  for (const auto& row : inl) {
    boost::system::error_code ec;
    json::value v = json::parse(row.doc, ec);
    if (ec || !v.is_object()) {
      out.identity.push_back(policy::UnreadablePolicy(inline_type, ref + "/" + row.key));
      continue;
    }
    std::string id = ref + "/" + std::string(Str(v.as_object(), "PolicyName"));
    auto p = policy::ParsePolicy(Str(v.as_object(), "PolicyDocument"), inline_type, id);
    // A stored policy that no longer parses denies everything (never silently dropped).
    out.identity.push_back(p.ok() ? std::move(*p) : policy::UnreadablePolicy(inline_type, id));
  }
  RAMPART_ASSIGN_OR_RETURN(auto att, tx.List(account, "attached", ref + "/", "", 1000));
  for (const auto& row : att) {
    std::string arn = row.key.substr(ref.size() + 1);
    RAMPART_ASSIGN_OR_RETURN(std::string doc, ManagedDocument(tx, account, arn));
    if (doc.empty()) continue;
    auto p = policy::ParsePolicy(doc, policy::PolicyType::kManaged, arn);
    out.identity.push_back(p.ok() ? std::move(*p)
                                  : policy::UnreadablePolicy(policy::PolicyType::kManaged, arn));
  }
  return {};
}

Status Boundary(store::EntityTx& tx, std::string_view account, const json::object& doc,
                PrincipalPolicies& out) {
  auto* b = doc.if_contains("PermissionsBoundary");
  if (!b || !b->is_object()) return {};
  std::string arn(Str(b->as_object(), "PermissionsBoundaryArn"));
  RAMPART_ASSIGN_OR_RETURN(std::string text, ManagedDocument(tx, account, arn));
  // A boundary whose policy vanished allows nothing: keep an empty-statement policy.
  auto p = policy::ParsePolicy(text.empty() ? R"({"Version":"2012-10-17","Statement":[]})" : text,
                               policy::PolicyType::kManaged, arn);
  out.boundary.push_back(p.ok() ? std::move(*p)
                                : policy::UnreadablePolicy(policy::PolicyType::kManaged, arn));
  return {};
}

}  // namespace

Result<std::shared_ptr<const PrincipalPolicies>> LoadUserPolicies(IamService& svc,
                                                                  std::string_view account,
                                                                  std::string_view user_name) {
  auto out = std::make_shared<PrincipalPolicies>();
  Status st = svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    std::string key = Key(user_name);
    RAMPART_ASSIGN_OR_RETURN(auto user, Load(tx, account, "user", key));
    if (!user) {
      out->exists = false;
      return {};
    }
    out->tags = TagsOf(*user);
    RAMPART_RETURN_IF_ERROR(Collect(tx, account, "user:" + key, policy::PolicyType::kUserInline, *out));
    RAMPART_ASSIGN_OR_RETURN(auto groups, tx.List(account, "member-of", key + "/", "", 100));
    for (const auto& g : groups) {
      RAMPART_RETURN_IF_ERROR(Collect(tx, account, "group:" + g.key.substr(key.size() + 1),
                                      policy::PolicyType::kGroupInline, *out));
    }
    return Boundary(tx, account, *user, *out);
  });
  if (!st.ok()) return std::move(st).error();
  return std::shared_ptr<const PrincipalPolicies>(std::move(out));
}

Result<std::shared_ptr<const PrincipalPolicies>> LoadGroupPolicies(IamService& svc,
                                                                   std::string_view account,
                                                                   std::string_view group_name) {
  auto out = std::make_shared<PrincipalPolicies>();
  Status st = svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    std::string key = Key(group_name);
    RAMPART_ASSIGN_OR_RETURN(auto group, Load(tx, account, "group", key));
    if (!group) {
      out->exists = false;
      return {};
    }
    return Collect(tx, account, "group:" + key, policy::PolicyType::kGroupInline, *out);
  });
  if (!st.ok()) return std::move(st).error();
  return std::shared_ptr<const PrincipalPolicies>(std::move(out));
}

Result<std::shared_ptr<const PrincipalPolicies>> LoadRolePolicies(IamService& svc,
                                                                  std::string_view account,
                                                                  std::string_view role_name) {
  auto out = std::make_shared<PrincipalPolicies>();
  Status st = svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    std::string key = Key(role_name);
    RAMPART_ASSIGN_OR_RETURN(auto role, Load(tx, account, "role", key));
    if (!role) {
      out->exists = false;
      return {};
    }
    out->tags = TagsOf(*role);
    RAMPART_RETURN_IF_ERROR(Collect(tx, account, "role:" + key, policy::PolicyType::kRoleInline, *out));
    return Boundary(tx, account, *role, *out);
  });
  if (!st.ok()) return std::move(st).error();
  return std::shared_ptr<const PrincipalPolicies>(std::move(out));
}

Result<std::string> ManagedPolicyDocument(IamService& svc, std::string_view account,
                                          std::string_view arn) {
  std::string doc;
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(doc, ManagedDocument(tx, account, arn));
    return {};
  }));
  return doc;
}

Result<std::optional<json::object>> LoadRoleDocument(IamService& svc, std::string_view account,
                                                     std::string_view role_name) {
  std::optional<json::object> doc;
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(doc, Load(tx, account, "role", Key(role_name)));
    return {};
  }));
  return doc;
}

namespace {

struct EntityRef {
  const char* member;   // input member naming the entity
  const char* kind;     // entity kind
  const char* arn_type; // ARN resource type
};
// Order matters: the first member present decides (UserName before PolicyArn, so
// AttachUserPolicy targets the user, as AWS's authorization does).
constexpr EntityRef kRefs[] = {
    {"UserName", "user", "user"},
    {"GroupName", "group", "group"},
    {"RoleName", "role", "role"},
    {"InstanceProfileName", "instance-profile", "instance-profile"},
};

}  // namespace

namespace {

// The entity kind a membership call is authorized on, where it is not the first entity its
// input names (the Service Authorization Reference: AddUserToGroup on the group, not the user).
std::string_view PreferredMember(std::string_view operation) {
  if (operation == "AddUserToGroup" || operation == "RemoveUserFromGroup") return "GroupName";
  if (operation == "AddRoleToInstanceProfile" || operation == "RemoveRoleFromInstanceProfile") {
    return "InstanceProfileName";
  }
  return {};
}

// Resources named by something other than an entity's name: ARNs given whole, ARNs built from
// what a Create call brings, the owner of an access key, the role of a deletion task.
std::optional<std::string> NamedResource(IamService& svc, const Call& call,
                                         std::string_view operation, const json::object& in) {
  const std::string& acct = call.principal.account_id;
  if (operation == "CreatePolicy") return IamArn(acct, "policy", PathOr(in), Str(in, "PolicyName"));
  if (operation == "CreateOpenIDConnectProvider") {
    std::string_view url = Str(in, "Url");
    if (StartsWith(url, "https://")) url.remove_prefix(8);
    while (!url.empty() && url.back() == '/') url.remove_suffix(1);
    return "arn:aws:iam::" + acct + ":oidc-provider/" + std::string(url);
  }
  if (operation == "CreateSAMLProvider") return IamArn(acct, "saml-provider", "/", Str(in, "Name"));
  if (operation == "CreateVirtualMFADevice") {
    return IamArn(acct, "mfa", PathOr(in), Str(in, "VirtualMFADeviceName"));
  }
  if (operation == "CreateServiceLinkedRole") {
    return ServiceLinkedRoleArn(acct, Str(in, "AWSServiceName"), Str(in, "CustomSuffix"));
  }
  if (operation == "GetServiceLinkedRoleDeletionStatus") {
    // task/aws-service-role/<service>/<role name>/<id>
    auto parts = Split(Str(in, "DeletionTaskId"), '/');
    if (parts.size() == 5) {
      return "arn:aws:iam::" + acct + ":role/aws-service-role/" + std::string(parts[2]) + "/" +
             std::string(parts[3]);
    }
    return std::nullopt;
  }
  if (operation == "GenerateOrganizationsAccessReport") {
    return "arn:aws:iam::" + acct + ":access-report/" + std::string(Str(in, "EntityPath"));
  }
  if (operation == "GenerateServiceLastAccessedDetails" ||
      operation == "ListPoliciesGrantingServiceAccess") {
    if (std::string_view arn = Str(in, "Arn"); !arn.empty()) return std::string(arn);
  }
  if (operation == "GetAccessKeyLastUsed") {
    auto key = svc.store().accounts().GetAccessKey(Str(in, "AccessKeyId"));
    if (key.ok() && key->has_value() && (*key)->account_id == acct && !(*key)->user_name.empty()) {
      return (*key)->principal_arn;
    }
    return std::nullopt;
  }
  for (const char* m : {"PolicyArn", "OpenIDConnectProviderArn", "SAMLProviderArn", "SerialNumber"}) {
    if (std::string_view v = Str(in, m); !v.empty()) return std::string(v);
  }
  return std::nullopt;
}

}  // namespace

Result<Target> ResolveTarget(IamService& svc, const Call& call, std::string_view operation,
                             const json::object& in) {
  Target t;
  const std::string& acct = call.principal.account_id;
  bool creating = StartsWith(operation, "Create");
  std::string_view preferred = PreferredMember(operation);
  for (int pass = 0; pass < 2; ++pass) {
    for (const EntityRef& r : kRefs) {
      // First the member the reference names for this operation, then the usual order.
      if ((pass == 0) != (preferred == r.member)) continue;
      std::string_view name = Str(in, r.member);
      if (name.empty()) continue;
      std::string path(PathOr(in));
      Status st = svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
        RAMPART_ASSIGN_OR_RETURN(auto doc, Load(tx, acct, r.kind, Key(name)));
        if (doc) {
          path = std::string(PathOr(*doc));
          t.resource_tags = TagsOf(*doc);
          if (auto* b = doc->if_contains("PermissionsBoundary"); b && b->is_object()) {
            t.permissions_boundary = std::string(Str(b->as_object(), "PermissionsBoundaryArn"));
          }
          if (auto* arn = doc->if_contains("Arn"); arn && arn->is_string()) {
            t.resource = std::string(arn->as_string());
            return {};
          }
        } else if (!creating) {
          path = "/";
        }
        t.resource = IamArn(acct, r.arn_type, path, name);
        return {};
      });
      if (!st.ok()) return std::move(st).error();
      return t;
    }
  }
  if (auto named = NamedResource(svc, call, operation, in)) {
    t.resource = std::move(*named);
    return t;
  }
  if (std::string_view cert = Str(in, "ServerCertificateName"); !cert.empty()) {
    t.resource = IamArn(acct, "server-certificate",
                        operation == "UploadServerCertificate" ? PathOr(in) : "/", cert);
    if (operation != "UploadServerCertificate") {
      Status st = svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
        RAMPART_ASSIGN_OR_RETURN(auto doc, Load(tx, acct, "server-cert", Key(cert)));
        if (doc && !Str(*doc, "Arn").empty()) t.resource = std::string(Str(*doc, "Arn"));
        return {};
      });
      if (!st.ok()) return std::move(st).error();
    }
    return t;
  }
  // Operations on the caller's own user when no UserName is given.
  static constexpr std::string_view kSelf[] = {
      "GetUser", "CreateAccessKey", "ListAccessKeys", "UpdateAccessKey", "DeleteAccessKey",
      "ChangePassword", "ListMFADevices", "ListSSHPublicKeys", "ListSigningCertificates",
      "UploadSigningCertificate", "ListServiceSpecificCredentials"};
  for (std::string_view op : kSelf) {
    if (op == operation && call.principal.type == Principal::Type::kIamUser) {
      t.resource = call.principal.arn;
      return t;
    }
  }
  return t;
}

}  // namespace rampart::services::iam
