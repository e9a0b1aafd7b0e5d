// S3 Control (the s3control API): the account-level Block Public Access configuration, which
// applies on top of every bucket's own (EffectivePublicAccess: either one's setting blocks).
// S3 Control's other operations answer NotImplemented.
#include <boost/json.hpp>

#include "services/s3/s3.h"

namespace rampart::services::s3 {

namespace {

constexpr std::string_view kKind = "s3-account-pab";  // in the account, key "config"

// The account a request names must be the caller's (S3 answers AccessDenied otherwise).
Status SameAccount(const Call& call, const json::object& in) {
  if (Str(in, "AccountId") != call.principal.account_id) {
    return Error{"AccessDenied", "Access Denied", 403, true};
  }
  return {};
}

Result<json::value> PutAccountBlock(S3Service& s3, const Call& call, const json::object& in) {
  RAMPART_RETURN_IF_ERROR(SameAccount(call, in));
  auto* c = in.if_contains("PublicAccessBlockConfiguration");
  if (!c || !c->is_object()) return MalformedXml();
  json::object config = PublicAccessBlockFrom(c->as_object());
  RAMPART_RETURN_IF_ERROR(s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    return tx.Put(call.principal.account_id, kKind, "config", json::serialize(config));
  }));
  return json::value(json::object());
}

Result<json::value> GetAccountBlock(S3Service& s3, const Call& call, const json::object& in) {
  RAMPART_RETURN_IF_ERROR(SameAccount(call, in));
  RAMPART_ASSIGN_OR_RETURN(json::object config, s3.AccountPublicAccessBlock(call.principal.account_id));
  if (config.empty()) {
    return Error{"NoSuchPublicAccessBlockConfiguration",
                 "The public access block configuration was not found", 404, true};
  }
  return json::value(json::object{{"PublicAccessBlockConfiguration", std::move(config)}});
}

Result<json::value> DeleteAccountBlock(S3Service& s3, const Call& call, const json::object& in) {
  RAMPART_RETURN_IF_ERROR(SameAccount(call, in));
  Status st = s3.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    return tx.Delete(call.principal.account_id, kKind, "config");
  });
  if (!st.ok() && !store::IsNotFound(st.error())) return st.error();
  return json::value(json::object());
}

}  // namespace

ServiceTable ControlOperations(S3Service& s3) {
  static constexpr std::pair<std::string_view, ObjectHandler<S3Service>> kOps[] = {
      {"PutPublicAccessBlock", PutAccountBlock},
      {"GetPublicAccessBlock", GetAccountBlock},
      {"DeletePublicAccessBlock", DeleteAccountBlock},
  };
  ServiceTable t{"s3control", {}};
  AddOperations(t.operations, s3, kOps);
  return t;
}

Result<ResourceContext> ResolveControlResource(const Call& call, const model::Operation& op,
                                               const json::object&) {
  ResourceContext rc;
  rc.action = op.name == "GetPublicAccessBlock" ? "s3:GetAccountPublicAccessBlock"
                                                : "s3:PutAccountPublicAccessBlock";
  rc.resource = "*";
  (void)call;
  return rc;
}

}  // namespace rampart::services::s3
