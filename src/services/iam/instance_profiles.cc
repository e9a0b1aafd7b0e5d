// Instance profiles: Create/Get/List/Delete, ListInstanceProfilesForRole, AddRoleToInstanceProfile
// (one role at most, as AWS), RemoveRoleFromInstanceProfile, tags.
//
// Documents: instance-profile [name] (the model's InstanceProfile without Roles, which are read
// live so a later UpdateRole shows), profile-role [profile/role] and role-profile [role/profile].
#include "common/strings.h"
#include "services/iam/common.h"

namespace rampart::services::iam {

namespace {

constexpr int64_t kRolesPerProfile = 1;

std::string Missing(std::string_view name) {
  return "Instance Profile " + std::string(name) + " cannot be found.";
}
std::string RoleMissing(std::string_view name) {
  return "The role with name " + std::string(name) + " cannot be found.";
}

Result<json::value> CreateInstanceProfile(IamService& svc, const Call& call,
                                          const json::object& in) {
  std::string_view name = Str(in, "InstanceProfileName");
  std::string_view path = PathOr(in);
  RAMPART_RETURN_IF_ERROR(CheckPath(path));
  const std::string& acct = call.principal.account_id;
  json::object profile{{"Path", path},
                       {"InstanceProfileName", name},
                       {"InstanceProfileId", NewUniqueId("AIPA")},
                       {"Arn", IamArn(acct, "instance-profile", path, name)},
                       {"CreateDate", Now(call)}};
  RAMPART_RETURN_IF_ERROR(MergeTags(profile, in.if_contains("Tags")));
  json::object view;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(Create(tx, acct, "instance-profile", Key(name), profile,
                                   "Instance Profile " + std::string(name) + " already exists."));
    RAMPART_RETURN_IF_ERROR(Save(tx, acct, "id", Str(profile, "InstanceProfileId"),
                                 json::object{{"kind", "instance-profile"}, {"key", Key(name)}}));
    RAMPART_ASSIGN_OR_RETURN(view, InstanceProfileView(tx, acct, profile));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{{"InstanceProfile", std::move(view)}});
}

Result<json::value> GetInstanceProfile(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "InstanceProfileName");
  const std::string& acct = call.principal.account_id;
  json::object view;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object p,
                             Require(tx, acct, "instance-profile", Key(name), Missing(name)));
    RAMPART_ASSIGN_OR_RETURN(view, InstanceProfileView(tx, acct, std::move(p)));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{{"InstanceProfile", std::move(view)}});
}

// A profile as the List operations show it (with its roles, without tags), appended to `list`.
Status AppendListed(store::EntityTx& tx, std::string_view account, json::object profile,
                    json::array& list) {
  profile.erase("Tags");
  RAMPART_ASSIGN_OR_RETURN(json::object view, InstanceProfileView(tx, account, std::move(profile)));
  list.push_back(std::move(view));
  return {};
}

Result<json::value> ListInstanceProfiles(IamService& svc, const Call& call,
                                         const json::object& in) {
  std::string_view prefix = PathOr(in, "PathPrefix");
  const std::string& acct = call.principal.account_id;
  json::array list;
  Page page;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(
        page, ListPage(tx, acct, "instance-profile", "", in,
                       [&](const json::object& p) { return StartsWith(Str(p, "Path"), prefix); }));
    for (const auto& row : page.rows) {
      RAMPART_RETURN_IF_ERROR(
          AppendListed(tx, acct, json::parse(row.doc).as_object(), list));
    }
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  json::object out{{"InstanceProfiles", std::move(list)}};
  SetPaging(out, page);
  return json::value(std::move(out));
}

Result<json::value> ListInstanceProfilesForRole(IamService& svc, const Call& call,
                                                const json::object& in) {
  std::string_view role = Str(in, "RoleName");
  const std::string& acct = call.principal.account_id;
  json::array list;
  Page page;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(RoleModifiable(tx, acct, role, RoleMissing(role)));
    std::string prefix = Key(role) + "/";
    RAMPART_ASSIGN_OR_RETURN(page, ListPage(tx, acct, "role-profile", prefix, in));
    for (const auto& row : page.rows) {
      RAMPART_ASSIGN_OR_RETURN(auto p,
                               Load(tx, acct, "instance-profile", row.key.substr(prefix.size())));
      if (p) RAMPART_RETURN_IF_ERROR(AppendListed(tx, acct, std::move(*p), list));
    }
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  json::object out{{"InstanceProfiles", std::move(list)}};
  SetPaging(out, page);
  return json::value(std::move(out));
}

Result<json::value> AddRoleToInstanceProfile(IamService& svc, const Call& call,
                                             const json::object& in) {
  std::string_view name = Str(in, "InstanceProfileName");
  std::string_view role = Str(in, "RoleName");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, "instance-profile", Key(name), Missing(name)));
    RAMPART_RETURN_IF_ERROR(RoleModifiable(tx, acct, role, RoleMissing(role)));
    std::string pr = Key(name) + "/" + Key(role);
    RAMPART_ASSIGN_OR_RETURN(auto already, tx.Get(acct, "profile-role", pr));
    if (already.has_value()) {
      return EntityAlreadyExists("Role " + std::string(role) +
                                 " is already associated with instance profile " +
                                 std::string(name) + ".");
    }
    RAMPART_ASSIGN_OR_RETURN(int64_t n, tx.Count(acct, "profile-role", Key(name) + "/"));
    if (n >= kRolesPerProfile) {
      return LimitExceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1");
    }
    RAMPART_RETURN_IF_ERROR(tx.Put(acct, "profile-role", pr, "{}"));
    return tx.Put(acct, "role-profile", Key(role) + "/" + Key(name), "{}");
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> RemoveRoleFromInstanceProfile(IamService& svc, const Call& call,
                                                  const json::object& in) {
  std::string_view name = Str(in, "InstanceProfileName");
  std::string_view role = Str(in, "RoleName");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, "instance-profile", Key(name), Missing(name)));
    RAMPART_RETURN_IF_ERROR(RoleModifiable(tx, acct, role, RoleMissing(role)));
    std::string pr = Key(name) + "/" + Key(role);
    RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, "profile-role", pr,
                                      "Role " + std::string(role) + " in Instance Profile " +
                                          std::string(name) + " cannot be found."));
    RAMPART_RETURN_IF_ERROR(tx.Delete(acct, "profile-role", pr));
    return tx.Delete(acct, "role-profile", Key(role) + "/" + Key(name));
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> DeleteInstanceProfile(IamService& svc, const Call& call,
                                          const json::object& in) {
  std::string_view name = Str(in, "InstanceProfileName");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object p,
                             Require(tx, acct, "instance-profile", Key(name), Missing(name)));
    RAMPART_ASSIGN_OR_RETURN(int64_t n, tx.Count(acct, "profile-role", Key(name) + "/"));
    if (n > 0) {
      return DeleteConflict("Cannot delete entity, must remove roles from instance profile first.");
    }
    RAMPART_RETURN_IF_ERROR(tx.Delete(acct, "instance-profile", Key(name)));
    return tx.Delete(acct, "id", Str(p, "InstanceProfileId"));
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> MutateTags(IamService& svc, const Call& call, const json::object& in,
                               bool add) {
  std::string_view name = Str(in, "InstanceProfileName");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object p,
                             Require(tx, acct, "instance-profile", Key(name), Missing(name)));
    if (add) {
      RAMPART_RETURN_IF_ERROR(MergeTags(p, in.if_contains("Tags")));
    } else {
      RAMPART_RETURN_IF_ERROR(RemoveTags(p, in.if_contains("TagKeys")));
    }
    return Save(tx, acct, "instance-profile", Key(name), p);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> TagInstanceProfile(IamService& svc, const Call& call, const json::object& in) {
  return MutateTags(svc, call, in, true);
}
Result<json::value> UntagInstanceProfile(IamService& svc, const Call& call,
                                         const json::object& in) {
  return MutateTags(svc, call, in, false);
}

Result<json::value> ListInstanceProfileTags(IamService& svc, const Call& call,
                                            const json::object& in) {
  std::string_view name = Str(in, "InstanceProfileName");
  json::object p;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(
        p, Require(tx, call.principal.account_id, "instance-profile", Key(name), Missing(name)));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(TagsPage(p, in));
}

}  // namespace

Result<json::object> InstanceProfileView(store::EntityTx& tx, std::string_view account,
                                         json::object profile) {
  std::string key = Key(Str(profile, "InstanceProfileName"));
  RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(account, "profile-role", key + "/", "", 10));
  json::array roles;
  for (const auto& row : rows) {
    RAMPART_ASSIGN_OR_RETURN(auto role, Load(tx, account, "role", row.key.substr(key.size() + 1)));
    if (!role) continue;
    if (auto* d = role->if_contains("AssumeRolePolicyDocument"); d && d->is_string()) {
      *d = EncodePolicyDocument(d->as_string());
    }
    role->erase("ServiceLinked");
    role->erase("Tags");
    role->erase("PermissionsBoundary");
    role->erase("RoleLastUsed");
    roles.push_back(std::move(*role));
  }
  profile["Roles"] = std::move(roles);
  return profile;
}

void AddInstanceProfileOps(std::vector<IamOp>& ops) {
  ops.insert(ops.end(), {{"CreateInstanceProfile", CreateInstanceProfile},
                         {"GetInstanceProfile", GetInstanceProfile},
                         {"ListInstanceProfiles", ListInstanceProfiles},
                         {"ListInstanceProfilesForRole", ListInstanceProfilesForRole},
                         {"AddRoleToInstanceProfile", AddRoleToInstanceProfile},
                         {"RemoveRoleFromInstanceProfile", RemoveRoleFromInstanceProfile},
                         {"DeleteInstanceProfile", DeleteInstanceProfile},
                         {"TagInstanceProfile", TagInstanceProfile},
                         {"UntagInstanceProfile", UntagInstanceProfile},
                         {"ListInstanceProfileTags", ListInstanceProfileTags}});
}

}  // namespace rampart::services::iam
