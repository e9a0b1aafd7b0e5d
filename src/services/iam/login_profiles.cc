// IAM login profiles (console passwords): CreateLoginProfile, GetLoginProfile, UpdateLoginProfile,
// DeleteLoginProfile, ChangePassword.
//
// Document "login-profile" [user key]: the model's LoginProfile plus internal fields that never
// leave the server: PasswordHash (Argon2id), PasswordHistory (the newest hashes, current first,
// at most 24 -- PasswordReusePrevention's maximum) and PasswordLastChanged (epoch seconds).
#include "services/iam/passwords.h"

namespace rampart::services::iam {

namespace {

constexpr size_t kHistory = 24;

std::string UserMissing(std::string_view name) {
  return "The user with name " + std::string(name) + " cannot be found.";
}
std::string ProfileMissing(std::string_view name) {
  return "Login Profile for User " + std::string(name) + " cannot be found.";
}

json::object View(const json::object& doc) {
  json::object out{{"UserName", doc.at("UserName")}, {"CreateDate", doc.at("CreateDate")}};
  out["PasswordResetRequired"] = Bool(doc, "PasswordResetRequired");
  return out;
}

// Checks `password` against the policy and the remembered passwords, then makes it current.
Status SetPassword(store::EntityTx& tx, std::string_view account, json::object& profile,
                   std::string_view password, double now) {
  RAMPART_ASSIGN_OR_RETURN(auto policy, LoadPasswordPolicy(tx, account));
  RAMPART_RETURN_IF_ERROR(CheckPasswordStrength(policy, password));
  json::array history;
  if (auto* h = profile.if_contains("PasswordHistory"); h && h->is_array()) history = h->as_array();
  int64_t reuse = ReusePrevention(policy);
  for (int64_t i = 0; i < reuse && i < static_cast<int64_t>(history.size()); ++i) {
    if (history[i].is_string() && VerifyPassword(history[i].as_string(), password)) {
      return PasswordPolicyViolation(
          "Password does not conform to the account password policy: "
          "it was used among the last " +
          std::to_string(reuse) + " passwords.");
    }
  }
  RAMPART_ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  history.insert(history.begin(), json::value(hash));
  while (history.size() > kHistory) history.pop_back();
  profile["PasswordHash"] = hash;
  profile["PasswordHistory"] = std::move(history);
  profile["PasswordLastChanged"] = now;
  return {};
}

Result<json::value> CreateLoginProfile(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "UserName");
  const std::string& acct = call.principal.account_id;
  json::object profile;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object user,
                             Require(tx, acct, "user", Key(name), UserMissing(name)));
    RAMPART_ASSIGN_OR_RETURN(auto existing, Load(tx, acct, "login-profile", Key(name)));
    if (existing) {
      return EntityAlreadyExists("Login Profile for user " + std::string(name) +
                                 " already exists.");
    }
    profile = json::object{{"UserName", user.at("UserName")},
                           {"CreateDate", Now(call)},
                           {"PasswordResetRequired", Bool(in, "PasswordResetRequired")}};
    RAMPART_RETURN_IF_ERROR(SetPassword(tx, acct, profile, Str(in, "Password"), Now(call)));
    return Save(tx, acct, "login-profile", Key(name), profile);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{{"LoginProfile", View(profile)}});
}

Result<json::value> GetLoginProfile(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "UserName");
  const std::string& acct = call.principal.account_id;
  json::object profile;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object user,
                             Require(tx, acct, "user", Key(name), UserMissing(name)));
    RAMPART_ASSIGN_OR_RETURN(profile,
                             Require(tx, acct, "login-profile", Key(name), ProfileMissing(name)));
    profile["UserName"] = user.at("UserName");  // current even after UpdateUser renamed it
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{{"LoginProfile", View(profile)}});
}

Result<json::value> UpdateLoginProfile(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "UserName");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, "user", Key(name), UserMissing(name)));
    RAMPART_ASSIGN_OR_RETURN(json::object profile,
                             Require(tx, acct, "login-profile", Key(name), ProfileMissing(name)));
    if (in.contains("Password")) {
      RAMPART_RETURN_IF_ERROR(SetPassword(tx, acct, profile, Str(in, "Password"), Now(call)));
    }
    if (in.contains("PasswordResetRequired")) {
      profile["PasswordResetRequired"] = Bool(in, "PasswordResetRequired");
    }
    return Save(tx, acct, "login-profile", Key(name), profile);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> DeleteLoginProfile(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "UserName");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, "user", Key(name), UserMissing(name)));
    RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, "login-profile", Key(name), ProfileMissing(name)));
    return tx.Delete(acct, "login-profile", Key(name));
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> ChangePassword(IamService& svc, const Call& call, const json::object& in) {
  const Principal& p = call.principal;
  if (p.type != Principal::Type::kIamUser) {
    return Error{"InvalidUserType",
                 p.type == Principal::Type::kRoot
                     ? "The account root user cannot change its password with ChangePassword."
                     : "Only IAM users can change their password with ChangePassword.",
                 400, true};
  }
  std::string_view name = p.user_name;
  const std::string& acct = p.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, "user", Key(name), UserMissing(name)));
    RAMPART_ASSIGN_OR_RETURN(json::object profile,
                             Require(tx, acct, "login-profile", Key(name), ProfileMissing(name)));
    if (!VerifyPassword(Str(profile, "PasswordHash"), Str(in, "OldPassword"))) {
      return Error{"AccessDenied", "The old password is incorrect.", 403, true};
    }
    RAMPART_ASSIGN_OR_RETURN(auto policy, LoadPasswordPolicy(tx, acct));
    if (int64_t days = MaxPasswordAgeDays(policy);
        days > 0 && policy && Bool(*policy, "HardExpiry")) {
      auto changed = profile.if_contains("PasswordLastChanged");
      double last = changed && changed->is_number() ? changed->to_number<double>() : 0;
      if (Now(call) > last + static_cast<double>(days) * 86400) {
        return Error{"EntityTemporarilyUnmodifiable",
                     "The password of user " + std::string(name) +
                         " has expired and the account password policy sets HardExpiry: an "
                         "administrator must reset it with UpdateLoginProfile.",
                     409, true};
      }
    }
    RAMPART_RETURN_IF_ERROR(SetPassword(tx, acct, profile, Str(in, "NewPassword"), Now(call)));
    profile["PasswordResetRequired"] = false;
    return Save(tx, acct, "login-profile", Key(name), profile);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

}  // namespace

void AddLoginProfileOps(std::vector<IamOp>& ops) {
  ops.insert(ops.end(), {{"CreateLoginProfile", CreateLoginProfile},
                         {"GetLoginProfile", GetLoginProfile},
                         {"UpdateLoginProfile", UpdateLoginProfile},
                         {"DeleteLoginProfile", DeleteLoginProfile},
                         {"ChangePassword", ChangePassword}});
}

}  // namespace rampart::services::iam
