// Grants (CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant) and the
// Authorizer's resolver for KMS calls: the key ARN, its key policy, tags, kms:* condition keys,
// and whether a grant of the key covers the call.
//
// Grant tokens are "RGT1." + base64("<account>/<key id>/<grant id>/<random>"); the grant keeps
// the token's SHA-256. Grants are written before CreateGrant answers, so a grant works at once
// (AWS's eventual consistency, which grant tokens paper over, does not exist here); a GrantTokens
// entry must still be a token this server issued.
#include <algorithm>
#include <optional>

#include "common/crypto.h"
#include "common/strings.h"
#include "services/kms/kms.h"

namespace rampart::services::kms {

namespace {

using Handler = Result<json::value> (*)(KmsService&, const Call&, const json::object&);
using Context = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kTokenPrefix = "RGT1.";

Error InvalidGrantToken() {
  return {"InvalidGrantTokenException", "The grant token is not valid.", 400, true};
}
Error InvalidGrantId(std::string m) { return {"InvalidGrantIdException", std::move(m), 400, true}; }

struct TokenRef {
  std::string account, key_id, grant_id;
};
std::optional<TokenRef> ParseToken(std::string_view token) {
  if (!StartsWith(token, kTokenPrefix)) return std::nullopt;
  auto raw = crypto::Base64Decode(token.substr(kTokenPrefix.size()));
  if (!raw.ok()) return std::nullopt;
  auto parts = Split(*raw, '/');
  if (parts.size() != 4) return std::nullopt;
  return TokenRef{std::string(parts[0]), std::string(parts[1]), std::string(parts[2])};
}

constexpr std::string_view kGrantOperations[] = {
    "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom",
    "ReEncryptTo", "Sign", "Verify", "GetPublicKey", "CreateGrant", "RetireGrant", "DescribeKey",
    "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "GenerateMac", "VerifyMac"};

bool TakesContext(std::string_view op) {
  return op == "Encrypt" || op == "Decrypt" || op == "ReEncryptFrom" || op == "ReEncryptTo" ||
         StartsWith(op, "GenerateDataKey");
}

Result<json::value> CreateGrant(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  RAMPART_RETURN_IF_ERROR(CheckUsable(*k));
  std::string_view grantee = Str(in, "GranteePrincipal");
  if (grantee.empty()) return Validation("GranteePrincipal is required.");
  auto* ops = in.if_contains("Operations");
  if (!ops || !ops->is_array() || ops->as_array().empty()) {
    return Validation("Operations must name at least one grant operation.");
  }
  for (const auto& o : ops->as_array()) {
    if (!o.is_string() || std::find(std::begin(kGrantOperations), std::end(kGrantOperations),
                                    std::string_view(o.as_string())) == std::end(kGrantOperations)) {
      return Validation("Invalid grant operation " + (o.is_string() ? std::string(o.as_string()) : ""));
    }
  }
  json::object entry{{"KeyId", k->arn},
                     {"CreationDate", static_cast<double>(call.now_epoch_seconds)},
                     {"GranteePrincipal", grantee},
                     {"IssuingAccount", "arn:aws:iam::" + call.principal.account_id + ":root"},
                     {"Operations", *ops}};
  if (!Str(in, "RetiringPrincipal").empty()) entry["RetiringPrincipal"] = Str(in, "RetiringPrincipal");
  if (!Str(in, "Name").empty()) entry["Name"] = Str(in, "Name");
  if (auto* c = in.if_contains("Constraints"); c && c->is_object() && !c->as_object().empty()) {
    entry["Constraints"] = *c;
  }
  // A repeated CreateGrant with the same name and contents returns the existing grant.
  for (const auto& g : k->grants) {
    if (!Str(entry, "Name").empty() && Str(g, "Name") == Str(entry, "Name") &&
        Str(g, "GranteePrincipal") == grantee && g.at("Operations") == entry.at("Operations")) {
      std::string grant_id(Str(g, "GrantId"));
      std::string token = std::string(kTokenPrefix) +
                          crypto::Base64Encode(k->account + "/" + k->key_id + "/" + grant_id + "/" +
                                               crypto::HexEncode(crypto::RandomBytes(16)));
      return json::value(json::object{{"GrantToken", token}, {"GrantId", grant_id}});
    }
  }
  if (k->grants.size() >= 50000) {
    return Error{"LimitExceededException", "Too many grants for this key.", 400, true};
  }
  std::string grant_id = crypto::HexEncode(crypto::RandomBytes(32));
  std::string token = std::string(kTokenPrefix) +
                      crypto::Base64Encode(k->account + "/" + k->key_id + "/" + grant_id + "/" +
                                           crypto::HexEncode(crypto::RandomBytes(16)));
  entry["GrantId"] = grant_id;
  Status st = svc.store().entities().Transact([&](store::EntityTx& tx) {
    return tx.Insert(k->account, "kms-grant", k->key_id + "/" + grant_id, json::serialize(entry));
  });
  svc.Invalidate(k->account, k->key_id);
  RAMPART_RETURN_IF_ERROR(st);
  return json::value(json::object{{"GrantToken", token}, {"GrantId", grant_id}});
}

json::object View(json::object g) {
  g.erase("TokenHash");
  return g;
}

Result<json::value> ListGrants(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  int64_t limit = 50;
  if (auto* l = in.if_contains("Limit"); l && l->is_int64()) limit = l->as_int64();
  if (limit < 1 || limit > 100) return Validation("Limit must be between 1 and 100.");
  std::string_view marker = Str(in, "Marker");
  std::vector<json::object> grants = k->grants;  // sorted by grant id (the store's key order)
  json::array out;
  bool truncated = false;
  std::string last;
  for (const auto& g : grants) {
    std::string_view id = Str(g, "GrantId");
    if (!marker.empty() && id <= marker) continue;
    if (!Str(in, "GrantId").empty() && id != Str(in, "GrantId")) continue;
    if (!Str(in, "GranteePrincipal").empty() &&
        Str(g, "GranteePrincipal") != Str(in, "GranteePrincipal")) {
      continue;
    }
    if (static_cast<int64_t>(out.size()) == limit) {
      truncated = true;
      break;
    }
    last = std::string(id);
    out.push_back(View(g));
  }
  json::object res{{"Grants", std::move(out)}, {"Truncated", truncated}};
  if (truncated) res["NextMarker"] = last;
  return json::value(std::move(res));
}

Result<json::value> ListRetirableGrants(KmsService& svc, const Call& call, const json::object& in) {
  std::string_view retiring = Str(in, "RetiringPrincipal");
  int64_t limit = 50;
  if (auto* l = in.if_contains("Limit"); l && l->is_int64()) limit = l->as_int64();
  if (limit < 1 || limit > 100) return Validation("Limit must be between 1 and 100.");
  std::vector<store::EntityRow> rows;
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(rows, tx.List(call.principal.account_id, "kms-grant", "",
                                           Str(in, "Marker"), 100000));
    return {};
  }));
  json::array out;
  bool truncated = false;
  std::string last;
  for (const auto& r : rows) {
    json::object g = json::parse(r.doc).as_object();
    if (Str(g, "RetiringPrincipal") != retiring) continue;
    if (static_cast<int64_t>(out.size()) == limit) {
      truncated = true;
      break;
    }
    last = r.key;
    out.push_back(View(std::move(g)));
  }
  json::object res{{"Grants", std::move(out)}, {"Truncated", truncated}};
  if (truncated) res["NextMarker"] = last;
  return json::value(std::move(res));
}

Status DeleteGrant(KmsService& svc, const std::string& account, const std::string& key_id,
                   const std::string& grant_id) {
  Status st = svc.store().entities().Transact([&](store::EntityTx& tx) {
    return tx.Delete(account, "kms-grant", key_id + "/" + grant_id);
  });
  svc.Invalidate(account, key_id);
  if (!st.ok() && store::IsNotFound(st.error())) {
    return InvalidGrantId("Grant ID " + grant_id + " not found.");
  }
  return st;
}

Result<json::value> RetireGrant(KmsService& svc, const Call& call, const json::object& in) {
  std::string account, key_id, grant_id(Str(in, "GrantId"));
  if (!Str(in, "GrantToken").empty()) {
    auto t = ParseToken(Str(in, "GrantToken"));
    if (!t) return InvalidGrantToken();
    account = t->account;
    key_id = t->key_id;
    if (!grant_id.empty() && grant_id != t->grant_id) {
      return InvalidGrantId("The grant token and grant id do not match.");
    }
    grant_id = t->grant_id;
  } else {
    if (Str(in, "KeyId").empty() || grant_id.empty()) {
      return Validation("Specify a GrantToken, or a KeyId and a GrantId.");
    }
    RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
    account = k->account;
    key_id = k->key_id;
  }
  RAMPART_RETURN_IF_ERROR(DeleteGrant(svc, account, key_id, grant_id));
  if (call.record) call.record->additional["grantId"] = grant_id;
  return json::value(json::object{});
}

Result<json::value> RevokeGrant(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  RAMPART_RETURN_IF_ERROR(DeleteGrant(svc, k->account, k->key_id, std::string(Str(in, "GrantId"))));
  return json::value(json::object{});
}

// ---- Authorization ----------------------------------------------------------------------------

bool GranteeMatches(std::string_view grantee, const Principal& p) {
  if (grantee == p.arn) return true;
  if (p.type == Principal::Type::kAssumedRole && p.session) {
    if (grantee == p.session->role_arn) return true;
    if (grantee == "arn:aws:iam::" + p.account_id + ":role/" + p.session->role_name) return true;
  }
  return false;
}

bool ConstraintsHold(const json::object& grant, std::string_view op, const Context& ctx) {
  auto* c = grant.if_contains("Constraints");
  if (!c || !c->is_object() || !TakesContext(op)) return true;
  const json::object& co = c->as_object();
  auto pairs = [](const json::value* v) {
    Context out;
    if (v && v->is_object()) {
      for (const auto& [k, val] : v->as_object()) {
        if (val.is_string()) out.emplace_back(std::string(k), std::string(val.as_string()));
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  if (auto* eq = co.if_contains("EncryptionContextEquals"); eq && !eq->is_null()) {
    if (pairs(eq) != ctx) return false;
  }
  if (auto* sub = co.if_contains("EncryptionContextSubset"); sub && !sub->is_null()) {
    for (const auto& p : pairs(sub)) {
      if (!std::binary_search(ctx.begin(), ctx.end(), p)) return false;
    }
  }
  return true;
}

bool GrantCovers(const json::object& grant, std::string_view op, const Principal& p,
                 const Context& ctx) {
  if (op == "RetireGrant" && Str(grant, "RetiringPrincipal") == p.arn) return true;
  if (!GranteeMatches(Str(grant, "GranteePrincipal"), p)) return false;
  auto* ops = grant.if_contains("Operations");
  if (!ops || !ops->is_array()) return false;
  bool listed = false;
  for (const auto& o : ops->as_array()) {
    if (o.is_string() && o.as_string() == op) listed = true;
  }
  return listed && ConstraintsHold(grant, op, ctx);
}

// The constraints of a grant (or of a CreateGrant request), as sorted context pairs.
struct GrantConstraints {
  std::optional<Context> equals, subset;
};
GrantConstraints ConstraintsOf(const json::value* c) {
  GrantConstraints out;
  if (!c || !c->is_object()) return out;
  auto pairs = [](const json::value* v) -> std::optional<Context> {
    if (!v || !v->is_object()) return std::nullopt;
    Context ctx;
    for (const auto& [k, val] : v->as_object()) {
      if (val.is_string()) ctx.emplace_back(std::string(k), std::string(val.as_string()));
    }
    std::sort(ctx.begin(), ctx.end());
    return ctx;
  };
  out.equals = pairs(c->as_object().if_contains("EncryptionContextEquals"));
  out.subset = pairs(c->as_object().if_contains("EncryptionContextSubset"));
  return out;
}

bool Includes(const Context& big, const Context& small) {
  return std::includes(big.begin(), big.end(), small.begin(), small.end());
}

// AWS's rule for a grantee creating grants through a grant that allows CreateGrant: the new
// grant's operations are a subset of the parent's, and its constraints are the same or stricter
// (it can never add Decrypt, or drop an encryption-context constraint, for itself).
bool WithinParentGrant(const json::object& parent, const json::object& in) {
  auto* want = in.if_contains("Operations");
  auto* have = parent.if_contains("Operations");
  if (!want || !want->is_array() || !have || !have->is_array()) return false;
  for (const auto& op : want->as_array()) {
    if (std::find(have->as_array().begin(), have->as_array().end(), op) == have->as_array().end()) {
      return false;
    }
  }
  GrantConstraints p = ConstraintsOf(parent.if_contains("Constraints"));
  GrantConstraints c = ConstraintsOf(in.if_contains("Constraints"));
  if (p.equals && (!c.equals || *c.equals != *p.equals)) return false;
  if (p.subset) {
    // Every context the child accepts must contain the parent's pairs.
    bool by_subset = c.subset && Includes(*c.subset, *p.subset);
    bool by_equals = c.equals && Includes(*c.equals, *p.subset);
    if (!by_subset && !by_equals) return false;
  }
  return true;
}

// The grant a RetireGrant call names (by GrantId or by its token); "" if neither.
std::string RetiredGrantId(const json::object& in) {
  if (std::string_view id = Str(in, "GrantId"); !id.empty()) return std::string(id);
  if (auto t = ParseToken(Str(in, "GrantToken"))) return t->grant_id;
  return {};
}

// Operations that do not name a key: IAM policies alone decide.
bool Keyless(std::string_view op) {
  return op == "CreateKey" || op == "ListKeys" || op == "GenerateRandom" ||
         op == "ListRetirableGrants" || op == "ConnectCustomKeyStore" ||
         op == "CreateCustomKeyStore" || op == "DeleteCustomKeyStore" ||
         op == "DescribeCustomKeyStores" || op == "DisconnectCustomKeyStore" ||
         op == "UpdateCustomKeyStore";
}

void AddString(ResourceContext& rc, const json::object& in, std::string_view member,
               std::string key) {
  if (std::string_view v = Str(in, member); !v.empty()) rc.context.push_back({std::move(key), {std::string(v)}});
}

}  // namespace

Status CheckGrantTokens(const json::object& in) {
  auto* t = in.if_contains("GrantTokens");
  if (!t || !t->is_array()) return {};
  for (const auto& v : t->as_array()) {
    if (!v.is_string() || !ParseToken(v.as_string())) return InvalidGrantToken();
  }
  return {};
}

// The key-specific part of a call's authorization context: the key's ARN, policy and tags, the
// kms:* condition keys, and whether a grant covers `grant_op` for the caller.
void FillKeyContext(ResourceContext& rc, const KeyRef& k, const std::string& ref,
                    const json::object& in, const std::string& ctx_member,
                    std::string_view name, std::string_view grant_op, const Call& call) {
  rc.resource = k->arn;
  rc.resource_account = k->account;
  rc.policy = k->policy;
  if (auto* tags = k->doc.if_contains("Tags"); tags && tags->is_array()) {
    for (const auto& t : tags->as_array()) {
      rc.resource_tags[std::string(Str(t.as_object(), "TagKey"))] =
          std::string(Str(t.as_object(), "TagValue"));
    }
  }
  const json::object& md = k->metadata();
  rc.context.push_back({"kms:KeySpec", {std::string(Str(md, "KeySpec"))}});
  rc.context.push_back({"kms:KeyUsage", {std::string(Str(md, "KeyUsage"))}});
  rc.context.push_back({"kms:KeyOrigin", {std::string(Str(md, "Origin"))}});
  rc.context.push_back({"kms:MultiRegion", {"false"}});
  // kms:RequestAlias: on the cryptographic operations, DescribeKey and GetPublicKey (the
  // actions that support it), when the request named the key by an alias.
  bool alias_key_op = name == "DescribeKey" || name == "GetPublicKey" || name == "Encrypt" ||
                      name == "Decrypt" || name == "ReEncrypt" || name == "Sign" ||
                      name == "Verify" || name == "GenerateMac" || name == "VerifyMac" ||
                      StartsWith(name, "GenerateDataKey");
  if (alias_key_op && (StartsWith(ref, "alias/") || ref.find(":alias/") != std::string::npos)) {
    rc.context.push_back({"kms:RequestAlias", {ref.substr(ref.find("alias/"))}});
  }
  AddString(rc, in, "EncryptionAlgorithm", "kms:EncryptionAlgorithm");
  AddString(rc, in, "SigningAlgorithm", "kms:SigningAlgorithm");
  AddString(rc, in, "MacAlgorithm", "kms:MacAlgorithm");
  AddString(rc, in, "MessageType", "kms:MessageType");
  AddString(rc, in, "KeyPairSpec", "kms:DataKeyPairSpec");
  AddString(rc, in, "GranteePrincipal", "kms:GranteePrincipal");
  AddString(rc, in, "RetiringPrincipal", "kms:RetiringPrincipal");
  AddString(rc, in, "WrappingAlgorithm", "kms:WrappingAlgorithm");
  AddString(rc, in, "WrappingKeySpec", "kms:WrappingKeySpec");
  AddString(rc, in, "ExpirationModel", "kms:ExpirationModel");
  if (auto* b = in.if_contains("BypassPolicyLockoutSafetyCheck"); b && b->is_bool()) {
    rc.context.push_back({"kms:BypassPolicyLockoutSafetyCheck", {b->as_bool() ? "true" : "false"}});
  }
  if (name == "CreateGrant") {
    std::vector<std::string> ops;
    if (auto* o = in.if_contains("Operations"); o && o->is_array()) {
      for (const auto& v : o->as_array()) {
        if (v.is_string()) ops.emplace_back(v.as_string());
      }
    }
    if (!ops.empty()) rc.context.push_back({"kms:GrantOperations", std::move(ops)});
    rc.context.push_back({"kms:GrantIsForAWSResource", {"false"}});
    if (auto* c = in.if_contains("Constraints"); c && c->is_object()) {
      std::vector<std::string> types;
      for (const auto& [t, _] : c->as_object()) types.emplace_back(t);
      if (!types.empty()) rc.context.push_back({"kms:GrantConstraintType", std::move(types)});
    }
  }
  Context ctx;
  if (auto parsed = EncryptionContext(in, ctx_member); parsed.ok()) ctx = std::move(*parsed);
  if (!ctx.empty()) {
    std::vector<std::string> keys;
    for (const auto& [key, value] : ctx) {
      rc.context.push_back({"kms:EncryptionContext:" + key, {value}});
      keys.push_back(key);
    }
    rc.context.push_back({"kms:EncryptionContextKeys", std::move(keys)});
  }

  // Grants are allow-only: one that covers the call for this caller authorizes it. A grant
  // that allows CreateGrant covers only grants within itself; one that allows RetireGrant (or
  // names the caller its retiring principal) covers retiring that grant, no other.
  for (const auto& g : k->grants) {
    if (!GrantCovers(g, grant_op, call.principal, ctx)) continue;
    if (name == "CreateGrant" && !WithinParentGrant(g, in)) continue;
    if (name == "RetireGrant" && Str(g, "GrantId") != RetiredGrantId(in)) continue;
    rc.allowed_by_grant = true;
    break;
  }
}

// The key behind `ref` as a further permission `action` needs (ResourceContext::also), or
// nothing when the key does not exist (the handler answers NotFound).
Status AddKeyPermission(KmsService& svc, const Call& call, std::string_view name,
                        const std::string& ref, const json::object& in, ResourceContext& rc) {
  if (ref.empty()) return {};
  auto key = svc.Find(call, ref);
  if (!key.ok() && key.error().code != "NotFoundException") return std::move(key).error();
  rc.resolved_refs.push_back({ref, key.ok() && *key ? (*key)->key_id : std::string()});
  if (!key.ok() || !*key) return {};
  ResourceContext on_key;
  on_key.action = "kms:" + std::string(name);
  on_key.context.push_back({"kms:CallerAccount", {call.principal.account_id}});
  FillKeyContext(on_key, *key, ref, in, "EncryptionContext", name, name, call);
  rc.also.push_back(std::move(on_key));
  return {};
}

// CreateAlias, UpdateAlias, DeleteAlias: permission on the alias (no resource policy: the
// caller's IAM policies decide it) and on each key involved, by its key policy: the target for
// CreateAlias, the current and the new target for UpdateAlias, the current one for DeleteAlias
// (KMS Developer Guide, "Controlling access to aliases").
Result<ResourceContext> AliasResource(KmsService& svc, const Call& call, std::string_view name,
                                      const json::object& in, ResourceContext rc) {
  std::string alias(Str(in, "AliasName"));
  const std::string& account = call.principal.account_id;
  rc.resource = "arn:aws:kms:" + std::string(call.region) + ":" + account + ":" + alias;
  rc.resource_account = account;
  if (name != "CreateAlias" && StartsWith(alias, "alias/")) {
    RAMPART_ASSIGN_OR_RETURN(std::string current, svc.AliasTarget(account, alias));
    RAMPART_RETURN_IF_ERROR(AddKeyPermission(svc, call, name, current, in, rc));
  }
  if (name != "DeleteAlias") {
    RAMPART_RETURN_IF_ERROR(AddKeyPermission(svc, call, name, std::string(Str(in, "TargetKeyId")),
                                             in, rc));
  }
  // The record lists the alias and the key it points to (to, for Create/UpdateAlias).
  std::string key_id = rc.resolved_refs.empty() ? std::string() : rc.resolved_refs.back().second;
  NoteAliasResources(call, name, rc.resource,
                     key_id.empty() ? std::string() : KeyArn(call.region, account, key_id));
  return rc;
}

Result<ResourceContext> ResolveResource(KmsService& svc, const Call& call,
                                        const model::Operation& op, const json::object& in) {
  ResourceContext rc;
  std::string_view name = op.name;
  RAMPART_RETURN_IF_ERROR(CheckGrantTokens(in));
  // kms:CallerAccount: on every action but the four that list nothing (the reference).
  if (name != "GenerateRandom" && name != "ListAliases" && name != "ListKeys" &&
      name != "ListRetirableGrants") {
    rc.context.push_back({"kms:CallerAccount", {call.principal.account_id}});
  }
  if (!call.via_service.empty()) {
    rc.context.push_back({"kms:ViaService", {std::string(call.via_service)}});
  }
  if (name == "CreateKey") {
    std::string spec(Str(in, "KeySpec"));
    if (spec.empty()) spec = Str(in, "CustomerMasterKeySpec");
    rc.context.push_back({"kms:KeySpec", {spec.empty() ? "SYMMETRIC_DEFAULT" : spec}});
    AddString(rc, in, "KeyUsage", "kms:KeyUsage");
    AddString(rc, in, "Origin", "kms:KeyOrigin");
    if (auto* b = in.if_contains("BypassPolicyLockoutSafetyCheck"); b && b->is_bool()) {
      rc.context.push_back({"kms:BypassPolicyLockoutSafetyCheck", {b->as_bool() ? "true" : "false"}});
    }
    return rc;
  }
  // ListAliases is authorized on "*" even when it filters by KeyId (the reference lists no
  // resource type for it).
  if (Keyless(name) || name == "ListAliases") return rc;

  // The key this call is about.
  std::string ref;
  std::string ctx_member = "EncryptionContext";
  std::optional<std::pair<std::string, std::string>> direct;  // (account, key id)
  if (name == "CreateAlias" || name == "UpdateAlias" || name == "DeleteAlias") {
    return AliasResource(svc, call, name, in, std::move(rc));
  }
  if (name == "ReEncrypt") {
    rc.action = "kms:ReEncryptFrom";
    ctx_member = "SourceEncryptionContext";
    ref = Str(in, "SourceKeyId");
    if (ref.empty()) direct = BlobKey(Str(in, "CiphertextBlob"));
  } else if (name == "Decrypt" && Str(in, "KeyId").empty()) {
    direct = BlobKey(Str(in, "CiphertextBlob"));
  } else if (name == "RetireGrant" && !Str(in, "GrantToken").empty()) {
    if (auto t = ParseToken(Str(in, "GrantToken"))) direct = std::make_pair(t->account, t->key_id);
  } else {
    ref = Str(in, "KeyId");
  }
  KeyRef k;
  if (direct) {
    RAMPART_ASSIGN_OR_RETURN(k, svc.Get(direct->first, StorageId(direct->second, call.region),
                                        call.now_epoch_seconds));
    if (k) NoteKey(call, *k);
  } else if (!ref.empty()) {
    // A key that does not exist is decided on "*" (the handler answers NotFound); any other
    // failure to look the key up denies: never "*" without the key policy of a key that exists.
    auto got = svc.Find(call, ref);
    if (got.ok()) {
      k = *got;
    } else if (got.error().code != "NotFoundException") {
      return std::move(got).error();
    }
    rc.resolved_refs.push_back({ref, k ? k->key_id : std::string()});
  }
  if (!k) return rc;  // the handler answers NotFound / InvalidCiphertext

  FillKeyContext(rc, k, ref, in, ctx_member, name,
                 name == "ReEncrypt" ? "ReEncryptFrom" : name, call);
  if (name == "ReEncrypt") {
    // ReEncrypt needs kms:ReEncryptTo on the destination key as well, with that key's policy,
    // grants and the destination encryption context.
    std::string dst_ref(Str(in, "DestinationKeyId"));
    auto dst = svc.Find(call, dst_ref);
    if (!dst.ok() && dst.error().code != "NotFoundException") return std::move(dst).error();
    rc.resolved_refs.push_back({dst_ref, dst.ok() && *dst ? (*dst)->key_id : std::string()});
    if (dst.ok() && *dst) {
      ResourceContext to;
      to.action = "kms:ReEncryptTo";
      to.context.push_back({"kms:CallerAccount", {call.principal.account_id}});
      FillKeyContext(to, *dst, dst_ref, in, "DestinationEncryptionContext", name, "ReEncryptTo",
                     call);
      rc.also.push_back(std::move(to));
    }
  }
  return rc;
}

void AddGrantOps(KmsService& svc, std::vector<OperationEntry>& ops) {
  static constexpr std::pair<std::string_view, Handler> kOps[] = {
      {"CreateGrant", CreateGrant},       {"ListGrants", ListGrants},
      {"ListRetirableGrants", ListRetirableGrants}, {"RetireGrant", RetireGrant},
      {"RevokeGrant", RevokeGrant},
  };
  AddOperations(ops, svc, kOps);
}

}  // namespace rampart::services::kms
