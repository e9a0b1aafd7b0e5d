// IAM users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser, tags, permissions boundary.
#include "common/strings.h"
#include "services/iam/common.h"
#include "services/iam/mfa.h"

namespace rampart::services::iam {

namespace {

std::string Missing(std::string_view name) {
  return "The user with name " + std::string(name) + " cannot be found.";
}

// The public view of a stored user (everything but internal fields).
json::object View(const json::object& doc) {
  json::object out = doc;
  return out;
}

Result<json::value> CreateUser(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "UserName");
  std::string_view path = PathOr(in);
  RAMPART_RETURN_IF_ERROR(CheckPath(path));
  const std::string& acct = call.principal.account_id;
  json::object user{{"Path", path},
                    {"UserName", name},
                    {"UserId", NewUniqueId("AIDA")},
                    {"Arn", IamArn(acct, "user", path, name)},
                    {"CreateDate", Now(call)}};
  RAMPART_RETURN_IF_ERROR(MergeTags(user, in.if_contains("Tags")));
  std::string_view boundary = Str(in, "PermissionsBoundary");
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(SetBoundary(tx, acct, "user:" + Key(name), user, boundary));
    RAMPART_RETURN_IF_ERROR(Create(tx, acct, "user", Key(name), user,
                                   "User with name " + std::string(name) + " already exists."));
    return Save(tx, acct, "id", user["UserId"].as_string(),
                json::object{{"kind", "user"}, {"key", Key(name)}});
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{{"User", View(user)}});
}

Result<json::value> GetUser(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "UserName");
  const Principal& p = call.principal;
  if (name.empty()) {
    if (p.type == Principal::Type::kRoot) {
      json::object root{{"UserId", p.account_id}, {"Arn", p.arn}, {"CreateDate", Now(call)}};
      return json::value(json::object{{"User", root}});
    }
    if (p.type != Principal::Type::kIamUser) {
      return Error{"ValidationError", "Must specify userName when calling with non-User "
                   "credentials", 400, true};
    }
    name = p.user_name;
  }
  RAMPART_ASSIGN_OR_RETURN(json::object user,
                           ReadRequired(svc, call, "user", Key(name), Missing(name)));
  return json::value(json::object{{"User", View(user)}});
}

Result<json::value> ListUsers(IamService& svc, const Call& call, const json::object& in) {
  std::string_view prefix = PathOr(in, "PathPrefix");
  Page page;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(
        page, ListPage(tx, call.principal.account_id, "user", "", in,
                       PathFilter(prefix)));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  // The whole answer (up to 1,000 users) lives in one arena that the returned value owns:
  // allocating every member of every parsed document one by one was most of ListUsers' time.
  json::storage_ptr sp = json::make_shared_resource<json::monotonic_resource>();
  json::array users(sp);
  users.reserve(page.rows.size());
  for (const auto& row : page.rows) {
    boost::system::error_code ec;
    json::value u = json::parse(row.doc, ec, sp);
    if (ec || !u.is_object()) return Error::Internal("corrupt user document");
    u.as_object().erase("Tags");  // ListUsers does not return tags
    u.as_object().erase("PermissionsBoundary");
    users.push_back(std::move(u));
  }
  json::object out(sp);
  out["Users"] = std::move(users);
  SetPaging(out, page);
  return json::value(std::move(out), sp);
}

Result<json::value> UpdateUser(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "UserName");
  std::string_view new_name = Str(in, "NewUserName");
  std::string_view new_path = Str(in, "NewPath");
  if (!new_path.empty()) RAMPART_RETURN_IF_ERROR(CheckPath(new_path));
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object user, Require(tx, acct, "user", Key(name), Missing(name)));
    std::string old_name(Str(user, "UserName"));
    std::string final_name = new_name.empty() ? old_name : std::string(new_name);
    if (!new_path.empty()) user["Path"] = new_path;
    user["UserName"] = final_name;
    user["Arn"] = IamArn(acct, "user", Str(user, "Path"), final_name);
    // The user's access keys follow it, in this transaction (new name, new ARN).
    RAMPART_RETURN_IF_ERROR(tx.MoveAccessKeys(acct, old_name, final_name, Str(user, "Arn")));
    if (Key(final_name) != Key(name)) {
      RAMPART_RETURN_IF_ERROR(tx.Delete(acct, "user", Key(name)));
      RAMPART_RETURN_IF_ERROR(Create(tx, acct, "user", Key(final_name), user,
                                     "User with name " + final_name + " already exists."));
      RAMPART_RETURN_IF_ERROR(RenamePrincipal(tx, acct, "user", Key(name), Key(final_name)));
      // Its MFA devices, SSH keys, certificates and service credentials follow it.
      RAMPART_RETURN_IF_ERROR(RenameMfaUser(tx, acct, old_name, final_name));
      RAMPART_RETURN_IF_ERROR(MoveUserRows(tx, acct, old_name, final_name));
      if (auto lp = tx.Get(acct, "login-profile", Key(name)); lp.ok() && lp->has_value()) {
        RAMPART_RETURN_IF_ERROR(tx.Delete(acct, "login-profile", Key(name)));
        RAMPART_RETURN_IF_ERROR(tx.Put(acct, "login-profile", Key(final_name), **lp));
      }
      return Save(tx, acct, "id", Str(user, "UserId"),
                  json::object{{"kind", "user"}, {"key", Key(final_name)}});
    }
    return Save(tx, acct, "user", Key(name), user);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> DeleteUser(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "UserName");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object user, Require(tx, acct, "user", Key(name), Missing(name)));
    // Counted in this transaction: a key created meanwhile cannot outlive its user.
    RAMPART_ASSIGN_OR_RETURN(int64_t keys, tx.CountAccessKeys(acct, Str(user, "UserName")));
    if (keys > 0) return DeleteConflict("Cannot delete entity, must delete access keys first.");
    RAMPART_RETURN_IF_ERROR(UserHasNoDependents(tx, acct, name));
    RAMPART_RETURN_IF_ERROR(SetBoundary(tx, acct, "user:" + Key(name), user, ""));
    RAMPART_RETURN_IF_ERROR(tx.Delete(acct, "user", Key(name)));
    return tx.Delete(acct, "id", Str(user, "UserId"));
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> TagUser(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "UserName");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object user, Require(tx, acct, "user", Key(name), Missing(name)));
    RAMPART_RETURN_IF_ERROR(MergeTags(user, in.if_contains("Tags")));
    return Save(tx, acct, "user", Key(name), user);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> UntagUser(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "UserName");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object user, Require(tx, acct, "user", Key(name), Missing(name)));
    RAMPART_RETURN_IF_ERROR(RemoveTags(user, in.if_contains("TagKeys")));
    return Save(tx, acct, "user", Key(name), user);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> ListUserTags(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "UserName");
  RAMPART_ASSIGN_OR_RETURN(json::object user,
                           ReadRequired(svc, call, "user", Key(name), Missing(name)));
  return json::value(TagsPage(user, in));
}

Result<json::value> PutUserPermissionsBoundary(IamService& svc, const Call& call,
                                               const json::object& in) {
  std::string_view name = Str(in, "UserName");
  std::string_view arn = Str(in, "PermissionsBoundary");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object user, Require(tx, acct, "user", Key(name), Missing(name)));
    RAMPART_RETURN_IF_ERROR(SetBoundary(tx, acct, "user:" + Key(name), user, arn));
    return Save(tx, acct, "user", Key(name), user);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> DeleteUserPermissionsBoundary(IamService& svc, const Call& call,
                                                  const json::object& in) {
  std::string_view name = Str(in, "UserName");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object user, Require(tx, acct, "user", Key(name), Missing(name)));
    RAMPART_RETURN_IF_ERROR(SetBoundary(tx, acct, "user:" + Key(name), user, ""));
    return Save(tx, acct, "user", Key(name), user);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

}  // namespace

void AddUserOps(std::vector<IamOp>& ops) {
  ops.insert(ops.end(), {{"CreateUser", CreateUser},
                         {"GetUser", GetUser},
                         {"ListUsers", ListUsers},
                         {"UpdateUser", UpdateUser},
                         {"DeleteUser", DeleteUser},
                         {"TagUser", TagUser},
                         {"UntagUser", UntagUser},
                         {"ListUserTags", ListUserTags},
                         {"PutUserPermissionsBoundary", PutUserPermissionsBoundary},
                         {"DeleteUserPermissionsBoundary", DeleteUserPermissionsBoundary}});
}

}  // namespace rampart::services::iam
