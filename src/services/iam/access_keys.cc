// IAM access keys: CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey,
// GetAccessKeyLastUsed.
//
// Keys live in the AccountStore (not the entity store) because the credential resolver reads them
// on every request; secrets are sealed there under the root key. Each mutation also runs an empty
// mutating IAM transaction so the IAM version moves and OnChange drops the credential cache: a key
// deactivated or deleted here stops authenticating on the next request.
#include <algorithm>
#include <mutex>

#include "common/crypto.h"
#include "common/strings.h"
#include "services/iam/common.h"

namespace rampart::services::iam {

namespace {

constexpr size_t kKeysPerUser = 2;

std::string NewAccessKeyId() { return crypto::RandomId("AKIA", 16); }

std::string NewSecret() { return crypto::RandomSecretKey(); }

std::string KeyMissing(std::string_view id) {
  return "The Access Key with id " + std::string(id) + " cannot be found.";
}

// Whose keys a request addresses: the canonical user name (as stored), "" for the account root.
struct Owner {
  std::string user_name;  // "" = root
  std::string arn;
};

Result<Owner> ResolveOwner(IamService& svc, const Call& call, const json::object& in) {
  const Principal& p = call.principal;
  std::string_view name = Str(in, "UserName");
  if (name.empty()) {
    if (p.type == Principal::Type::kRoot) return Owner{"", p.arn};
    if (p.type != Principal::Type::kIamUser) {
      return Error{"ValidationError",
                   "Must specify userName when calling with non-User credentials", 400, true};
    }
    name = p.user_name;
  }
  Owner owner;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object user, Require(tx, p.account_id, "user", Key(name),
                                                        "The user with name " + std::string(name) +
                                                            " cannot be found."));
    owner.user_name = std::string(Str(user, "UserName"));
    owner.arn = std::string(Str(user, "Arn"));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  return owner;
}

// Long-term keys only: temporary (ASIA...) credentials are STS's business.
Result<std::vector<store::AccessKey>> LongTermKeys(IamService& svc, std::string_view account,
                                                   std::string_view user) {
  auto keys = svc.store().accounts().ListAccessKeys(account, user);
  if (!keys.ok()) return std::move(keys).error();
  std::vector<store::AccessKey> out;
  for (auto& k : *keys) {
    if (StartsWith(k.access_key_id, "AKIA")) out.push_back(std::move(k));
  }
  return out;
}

// The key `id` if it belongs to `owner` in the caller's account; NoSuchEntity otherwise.
Result<store::AccessKey> OwnedKey(IamService& svc, const Call& call, const Owner& owner,
                                  std::string_view id) {
  auto key = svc.store().accounts().GetAccessKey(id);
  if (!key.ok()) return std::move(key).error();
  if (!key->has_value() || (*key)->account_id != call.principal.account_id ||
      (*key)->user_name != owner.user_name || !StartsWith(id, "AKIA")) {
    return NoSuchEntity(KeyMissing(id));
  }
  return std::move(**key);
}

// Moves the IAM version (and fires OnChange) after an AccountStore mutation.
Status Bump(IamService& svc, const Call& call) {
  return svc.Transact(call, true, [](store::EntityTx&) -> Status { return {}; });
}

Result<json::value> CreateAccessKey(IamService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Owner owner, ResolveOwner(svc, call, in));
  store::AccessKey k;
  k.access_key_id = NewAccessKeyId();
  k.secret_access_key = NewSecret();
  k.account_id = call.principal.account_id;
  k.principal_arn = owner.arn;
  k.user_name = owner.user_name;
  k.status = "Active";
  k.created_epoch = call.now_epoch_seconds;
  // One transaction: the user still exists, the quota holds, the key is in (a DeleteUser in
  // between cannot leave a key without its user; two creates cannot both pass the quota).
  RAMPART_RETURN_IF_ERROR(svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    if (!owner.user_name.empty()) {
      RAMPART_RETURN_IF_ERROR(MustExist(tx, k.account_id, "user", Key(owner.user_name),
                                        "The user with name " + owner.user_name +
                                            " cannot be found."));
    }
    RAMPART_ASSIGN_OR_RETURN(int64_t n, tx.CountAccessKeys(k.account_id, owner.user_name));
    if (n >= static_cast<int64_t>(kKeysPerUser)) {
      return LimitExceeded("Cannot exceed quota for AccessKeysPerUser: 2");
    }
    return tx.InsertAccessKey(k);
  }));
  json::object out{{"AccessKeyId", k.access_key_id},
                   {"Status", k.status},
                   {"SecretAccessKey", k.secret_access_key},
                   {"CreateDate", static_cast<double>(k.created_epoch)}};
  // The model requires UserName here; for the root's own keys it is the account id, the id
  // GetUser reports for the root (ListAccessKeys omits it for the root, as AWS does).
  out["UserName"] = owner.user_name.empty() ? call.principal.account_id : owner.user_name;
  return json::value(json::object{{"AccessKey", std::move(out)}});
}

Result<json::value> ListAccessKeys(IamService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Owner owner, ResolveOwner(svc, call, in));
  RAMPART_ASSIGN_OR_RETURN(auto keys,
                           LongTermKeys(svc, call.principal.account_id, owner.user_name));
  std::sort(keys.begin(), keys.end(), [](const store::AccessKey& a, const store::AccessKey& b) {
    return a.access_key_id < b.access_key_id;
  });
  int64_t max_items = Int(in, "MaxItems").value_or(100);
  std::string after;
  if (std::string_view marker = Str(in, "Marker"); !marker.empty()) {
    auto decoded = crypto::Base64Decode(marker);
    if (!decoded.ok()) {
      return Error::Validation("Invalid Marker.");
    }
    after = *decoded;
  }
  json::array items;
  bool truncated = false;
  std::string last;
  for (const auto& k : keys) {
    if (!after.empty() && k.access_key_id <= after) continue;
    if (static_cast<int64_t>(items.size()) == max_items) {
      truncated = true;
      break;
    }
    json::object m{{"AccessKeyId", k.access_key_id},
                   {"Status", k.status},
                   {"CreateDate", static_cast<double>(k.created_epoch)}};
    if (!owner.user_name.empty()) m["UserName"] = owner.user_name;
    items.push_back(std::move(m));
    last = k.access_key_id;
  }
  json::object out{{"AccessKeyMetadata", std::move(items)}, {"IsTruncated", truncated}};
  if (truncated) out["Marker"] = crypto::Base64Encode(last);
  return json::value(std::move(out));
}

Result<json::value> UpdateAccessKey(IamService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Owner owner, ResolveOwner(svc, call, in));
  std::string_view id = Str(in, "AccessKeyId");
  std::string_view status = Str(in, "Status");
  RAMPART_ASSIGN_OR_RETURN(store::AccessKey k, OwnedKey(svc, call, owner, id));
  if (k.status != status) {
    RAMPART_RETURN_IF_ERROR(svc.store().accounts().UpdateAccessKeyStatus(id, status));
  }
  RAMPART_RETURN_IF_ERROR(Bump(svc, call));
  return json::value(json::object{});
}

Result<json::value> DeleteAccessKey(IamService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Owner owner, ResolveOwner(svc, call, in));
  std::string_view id = Str(in, "AccessKeyId");
  RAMPART_ASSIGN_OR_RETURN(store::AccessKey k, OwnedKey(svc, call, owner, id));
  RAMPART_RETURN_IF_ERROR(svc.store().accounts().DeleteAccessKey(k.access_key_id));
  RAMPART_RETURN_IF_ERROR(Bump(svc, call));
  return json::value(json::object{});
}

Result<json::value> GetAccessKeyLastUsed(IamService& svc, const Call& call,
                                         const json::object& in) {
  std::string_view id = Str(in, "AccessKeyId");
  auto key = svc.store().accounts().GetAccessKey(id);
  if (!key.ok()) return std::move(key).error();
  if (!key->has_value() || (*key)->account_id != call.principal.account_id) {
    // AWS does not say whether a key it will not show exists.
    return Error{"AccessDenied",
                 "User: " + call.principal.arn +
                     " is not authorized to perform iam:GetAccessKeyLastUsed on resource: access "
                     "key " + std::string(id),
                 403, true};
  }
  const store::AccessKey& k = **key;
  json::object last;
  if (k.last_used_epoch > 0) {
    last["LastUsedDate"] = static_cast<double>(k.last_used_epoch);
    last["ServiceName"] = k.last_used_service.empty() ? "N/A" : k.last_used_service;
    last["Region"] = k.last_used_region.empty() ? "N/A" : k.last_used_region;
  } else {
    // AWS's answer for a key that has never been used.
    last["ServiceName"] = "N/A";
    last["Region"] = "N/A";
  }
  json::object out{{"AccessKeyLastUsed", std::move(last)}};
  out["UserName"] = k.user_name.empty() ? call.principal.account_id : k.user_name;
  return json::value(std::move(out));
}

}  // namespace

// Access keys of `user` in `account` ("" = root), long-term only, for the credential report and
// the account summary.
Result<std::vector<store::AccessKey>> UserAccessKeys(IamService& svc, std::string_view account,
                                                     std::string_view user) {
  return LongTermKeys(svc, account, user);
}

void AddAccessKeyOps(std::vector<IamOp>& ops) {
  ops.insert(ops.end(), {{"CreateAccessKey", CreateAccessKey},
                         {"ListAccessKeys", ListAccessKeys},
                         {"UpdateAccessKey", UpdateAccessKey},
                         {"DeleteAccessKey", DeleteAccessKey},
                         {"GetAccessKeyLastUsed", GetAccessKeyLastUsed}});
}

}  // namespace rampart::services::iam
