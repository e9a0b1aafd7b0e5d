// Service-specific credentials (CodeCommit HTTPS Git, Keyspaces): Create, List, Update, Reset,
// Delete.
//
// Document "service-credential" [user key/id] -> the model's ServiceSpecificCredentialMetadata
// plus SealedPassword (base64 of the password sealed under the root key, AAD
// "<account>/service-credential/<id>") so a service can verify it later; the password itself is
// returned only by Create and Reset.
#include "common/crypto.h"
#include "services/iam/common.h"

namespace rampart::services::iam {

namespace {

constexpr int64_t kPerUserPerService = 2;

// The services AWS issues service-specific credentials for.
bool Supported(std::string_view service) {
  return service == "codecommit.amazonaws.com" || service == "cassandra.amazonaws.com";
}

std::string UserMissing(std::string_view name) {
  return "The user with name " + std::string(name) + " cannot be found.";
}
std::string CredMissing(std::string_view id) {
  return "No such credential " + std::string(id) + " exists.";
}

Result<std::string> TargetUser(const Call& call, const json::object& in) {
  std::string_view name = Str(in, "UserName");
  if (!name.empty()) return std::string(name);
  if (call.principal.type == Principal::Type::kIamUser) return call.principal.user_name;
  return Error{"ValidationError", "Must specify userName when calling with non-User credentials",
               400, true};
}

std::string NewPassword() {
  // 33 random bytes: 44 base64 characters, the length AWS issues.
  return crypto::Base64Encode(crypto::RandomBytes(33));
}

json::object Metadata(const json::object& doc) {
  json::object m = doc;
  m.erase("SealedPassword");
  return m;
}

Result<std::string> SealPassword(IamService& svc, const std::string& acct, std::string_view id,
                                 std::string_view password) {
  RAMPART_ASSIGN_OR_RETURN(
      std::string sealed,
      svc.store().Seal(acct + "/service-credential/" + std::string(id), password));
  return crypto::Base64Encode(sealed);
}

Result<json::value> CreateServiceSpecificCredential(IamService& svc, const Call& call,
                                                    const json::object& in) {
  std::string_view name = Str(in, "UserName");
  std::string_view service = Str(in, "ServiceName");
  if (!Supported(service)) {
    return Error{"NotSupportedService",
                 "No such service " + std::string(service) +
                     " is supported for Service Specific Credentials",
                 404, true};
  }
  const std::string& acct = call.principal.account_id;
  std::string id = NewUniqueId("ACCA");
  std::string password = NewPassword();
  RAMPART_ASSIGN_OR_RETURN(std::string sealed, SealPassword(svc, acct, id, password));
  json::object doc;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object user,
                             Require(tx, acct, "user", Key(name), UserMissing(name)));
    RAMPART_ASSIGN_OR_RETURN(auto rows,
                             tx.List(acct, "service-credential", Key(name) + "/", "", 100));
    int64_t same = 0;
    for (const auto& r : rows) {
      if (Str(json::parse(r.doc).as_object(), "ServiceName") == service) ++same;
    }
    if (same >= kPerUserPerService) {
      return LimitExceeded(
          "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2");
    }
    std::string user_name(Str(user, "UserName"));
    doc = json::object{{"UserName", user_name},
                       {"Status", "Active"},
                       {"ServiceUserName", user_name + "-at-" + acct},
                       {"CreateDate", Now(call)},
                       {"ServiceSpecificCredentialId", id},
                       {"ServiceName", service},
                       {"SealedPassword", sealed}};
    return Save(tx, acct, "service-credential", Key(name) + "/" + id, doc);
  });
  if (!st.ok()) return std::move(st).error();
  json::object out = Metadata(doc);
  out["ServicePassword"] = password;
  return json::value(json::object{{"ServiceSpecificCredential", std::move(out)}});
}

Result<json::value> ListServiceSpecificCredentials(IamService& svc, const Call& call,
                                                   const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(std::string name, TargetUser(call, in));
  std::string_view service = Str(in, "ServiceName");
  const std::string& acct = call.principal.account_id;
  json::array list;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, "user", Key(name), UserMissing(name)));
    RAMPART_ASSIGN_OR_RETURN(auto rows,
                             tx.List(acct, "service-credential", Key(name) + "/", "", 100));
    for (const auto& r : rows) {
      json::object d = json::parse(r.doc).as_object();
      if (!service.empty() && Str(d, "ServiceName") != service) continue;
      list.push_back(Metadata(d));
    }
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{{"ServiceSpecificCredentials", std::move(list)}});
}

Result<json::value> MutateCredential(
    IamService& svc, const Call& call, const json::object& in,
    const std::function<Status(store::EntityTx&, const std::string&, json::object&)>& fn) {
  RAMPART_ASSIGN_OR_RETURN(std::string name, TargetUser(call, in));
  std::string_view id = Str(in, "ServiceSpecificCredentialId");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, "user", Key(name), UserMissing(name)));
    std::string key = Key(name) + "/" + std::string(id);
    RAMPART_ASSIGN_OR_RETURN(json::object doc,
                             Require(tx, acct, "service-credential", key, CredMissing(id)));
    return fn(tx, key, doc);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> UpdateServiceSpecificCredential(IamService& svc, const Call& call,
                                                    const json::object& in) {
  const std::string& acct = call.principal.account_id;
  return MutateCredential(svc, call, in,
                          [&](store::EntityTx& tx, const std::string& key, json::object& doc) {
                            doc["Status"] = Str(in, "Status");
                            return Save(tx, acct, "service-credential", key, doc);
                          });
}

Result<json::value> ResetServiceSpecificCredential(IamService& svc, const Call& call,
                                                   const json::object& in) {
  const std::string& acct = call.principal.account_id;
  std::string_view id = Str(in, "ServiceSpecificCredentialId");
  std::string password = NewPassword();
  RAMPART_ASSIGN_OR_RETURN(std::string sealed, SealPassword(svc, acct, id, password));
  json::object out;
  auto r = MutateCredential(svc, call, in,
                            [&](store::EntityTx& tx, const std::string& key, json::object& doc) {
                              doc["SealedPassword"] = sealed;
                              out = Metadata(doc);
                              return Save(tx, acct, "service-credential", key, doc);
                            });
  if (!r.ok()) return r;
  out["ServicePassword"] = password;
  return json::value(json::object{{"ServiceSpecificCredential", std::move(out)}});
}

Result<json::value> DeleteServiceSpecificCredential(IamService& svc, const Call& call,
                                                    const json::object& in) {
  const std::string& acct = call.principal.account_id;
  return MutateCredential(svc, call, in,
                          [&](store::EntityTx& tx, const std::string& key, json::object&) {
                            return tx.Delete(acct, "service-credential", key);
                          });
}

}  // namespace

void AddServiceCredentialOps(std::vector<IamOp>& ops) {
  ops.insert(ops.end(), {{"CreateServiceSpecificCredential", CreateServiceSpecificCredential},
                         {"ListServiceSpecificCredentials", ListServiceSpecificCredentials},
                         {"UpdateServiceSpecificCredential", UpdateServiceSpecificCredential},
                         {"ResetServiceSpecificCredential", ResetServiceSpecificCredential},
                         {"DeleteServiceSpecificCredential", DeleteServiceSpecificCredential}});
}

}  // namespace rampart::services::iam
