// IAM groups and membership.
#include "common/strings.h"
#include "services/iam/common.h"

namespace rampart::services::iam {

namespace {

std::string Missing(std::string_view name) {
  return "The group with name " + std::string(name) + " cannot be found.";
}
std::string MissingUser(std::string_view name) {
  return "The user with name " + std::string(name) + " cannot be found.";
}

Result<json::value> CreateGroup(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "GroupName");
  std::string_view path = PathOr(in);
  RAMPART_RETURN_IF_ERROR(CheckPath(path));
  const std::string& acct = call.principal.account_id;
  json::object group{{"Path", path},
                     {"GroupName", name},
                     {"GroupId", NewUniqueId("AGPA")},
                     {"Arn", IamArn(acct, "group", path, name)},
                     {"CreateDate", Now(call)}};
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(Create(tx, acct, "group", Key(name), group,
                                   "Group with name " + std::string(name) + " already exists."));
    return Save(tx, acct, "id", Str(group, "GroupId"),
                json::object{{"kind", "group"}, {"key", Key(name)}});
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{{"Group", group}});
}

Result<json::value> GetGroup(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "GroupName");
  const std::string& acct = call.principal.account_id;
  json::object out;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object group, Require(tx, acct, "group", Key(name), Missing(name)));
    RAMPART_ASSIGN_OR_RETURN(Page page, ListPage(tx, acct, "member", Key(name) + "/", in));
    json::array users;
    for (const auto& row : page.rows) {
      std::string user_key = row.key.substr(Key(name).size() + 1);
      RAMPART_ASSIGN_OR_RETURN(auto user, Load(tx, acct, "user", user_key));
      if (!user) continue;
      user->erase("Tags");
      user->erase("PermissionsBoundary");
      users.push_back(std::move(*user));
    }
    out["Group"] = std::move(group);
    out["Users"] = std::move(users);
    SetPaging(out, page);
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(std::move(out));
}

Result<json::value> ListGroups(IamService& svc, const Call& call, const json::object& in) {
  std::string_view prefix = PathOr(in, "PathPrefix");
  Page page;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(
        page, ListPage(tx, call.principal.account_id, "group", "", in,
                       PathFilter(prefix)));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  json::array groups;
  for (const auto& row : page.rows) groups.push_back(json::parse(row.doc));
  json::object out{{"Groups", std::move(groups)}};
  SetPaging(out, page);
  return json::value(std::move(out));
}

Result<json::value> ListGroupsForUser(IamService& svc, const Call& call, const json::object& in) {
  std::string_view user = Str(in, "UserName");
  const std::string& acct = call.principal.account_id;
  json::object out;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, "user", Key(user), MissingUser(user)));
    RAMPART_ASSIGN_OR_RETURN(Page page, ListPage(tx, acct, "member-of", Key(user) + "/", in));
    json::array groups;
    for (const auto& row : page.rows) {
      RAMPART_ASSIGN_OR_RETURN(auto g, Load(tx, acct, "group", row.key.substr(Key(user).size() + 1)));
      if (g) groups.push_back(std::move(*g));
    }
    out["Groups"] = std::move(groups);
    SetPaging(out, page);
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(std::move(out));
}

Result<json::value> UpdateGroup(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "GroupName");
  std::string_view new_name = Str(in, "NewGroupName");
  std::string_view new_path = Str(in, "NewPath");
  if (!new_path.empty()) RAMPART_RETURN_IF_ERROR(CheckPath(new_path));
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object group, Require(tx, acct, "group", Key(name), Missing(name)));
    std::string final_name = new_name.empty() ? std::string(name) : std::string(new_name);
    if (!new_path.empty()) group["Path"] = new_path;
    group["GroupName"] = final_name;
    group["Arn"] = IamArn(acct, "group", Str(group, "Path"), final_name);
    if (Key(final_name) != Key(name)) {
      RAMPART_RETURN_IF_ERROR(tx.Delete(acct, "group", Key(name)));
      RAMPART_RETURN_IF_ERROR(Create(tx, acct, "group", Key(final_name), group,
                                     "Group with name " + final_name + " already exists."));
      RAMPART_RETURN_IF_ERROR(RenamePrincipal(tx, acct, "group", Key(name), Key(final_name)));
      return Save(tx, acct, "id", Str(group, "GroupId"),
                  json::object{{"kind", "group"}, {"key", Key(final_name)}});
    }
    return Save(tx, acct, "group", Key(name), group);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> DeleteGroup(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "GroupName");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object group, Require(tx, acct, "group", Key(name), Missing(name)));
    RAMPART_ASSIGN_OR_RETURN(int64_t members, tx.Count(acct, "member", Key(name) + "/"));
    if (members > 0) return DeleteConflict("Cannot delete entity, must remove users from group first.");
    RAMPART_ASSIGN_OR_RETURN(int64_t inl, tx.Count(acct, "inline", "group:" + Key(name) + "/"));
    if (inl > 0) return DeleteConflict("Cannot delete entity, must delete policies first.");
    RAMPART_ASSIGN_OR_RETURN(int64_t att, tx.Count(acct, "attached", "group:" + Key(name) + "/"));
    if (att > 0) return DeleteConflict("Cannot delete entity, must detach all policies first.");
    RAMPART_RETURN_IF_ERROR(tx.Delete(acct, "group", Key(name)));
    return tx.Delete(acct, "id", Str(group, "GroupId"));
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> AddUserToGroup(IamService& svc, const Call& call, const json::object& in) {
  std::string_view group = Str(in, "GroupName");
  std::string_view user = Str(in, "UserName");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, "group", Key(group), Missing(group)));
    RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, "user", Key(user), MissingUser(user)));
    RAMPART_ASSIGN_OR_RETURN(int64_t n, tx.Count(acct, "member-of", Key(user) + "/"));
    RAMPART_ASSIGN_OR_RETURN(auto already, tx.Get(acct, "member", Key(group) + "/" + Key(user)));
    if (already) return {};
    if (n >= 10) {
      return LimitExceeded("Cannot exceed quota for GroupsPerUser: 10");
    }
    RAMPART_RETURN_IF_ERROR(tx.Put(acct, "member", Key(group) + "/" + Key(user), "{}"));
    return tx.Put(acct, "member-of", Key(user) + "/" + Key(group), "{}");
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> RemoveUserFromGroup(IamService& svc, const Call& call, const json::object& in) {
  std::string_view group = Str(in, "GroupName");
  std::string_view user = Str(in, "UserName");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    // The user first, then the group (AWS's order); removing a non-member is not an error.
    RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, "user", Key(user), MissingUser(user)));
    RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, "group", Key(group), Missing(group)));
    RAMPART_ASSIGN_OR_RETURN(auto member, tx.Get(acct, "member", Key(group) + "/" + Key(user)));
    if (!member) return {};
    Status del = tx.Delete(acct, "member", Key(group) + "/" + Key(user));
    if (!del.ok()) {
      return del;
    }
    return tx.Delete(acct, "member-of", Key(user) + "/" + Key(group));
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

}  // namespace

void AddGroupOps(std::vector<IamOp>& ops) {
  ops.insert(ops.end(), {{"CreateGroup", CreateGroup},
                         {"GetGroup", GetGroup},
                         {"ListGroups", ListGroups},
                         {"ListGroupsForUser", ListGroupsForUser},
                         {"UpdateGroup", UpdateGroup},
                         {"DeleteGroup", DeleteGroup},
                         {"AddUserToGroup", AddUserToGroup},
                         {"RemoveUserFromGroup", RemoveUserFromGroup}});
}

}  // namespace rampart::services::iam
