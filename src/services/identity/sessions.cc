#include "services/identity/sessions.h"

#include <boost/json.hpp>
#include <cctype>

#include "common/crypto.h"

namespace rampart::services {

namespace json = boost::json;

namespace {

constexpr std::string_view kKind = "sts-session";

std::string NewKeyId() { return crypto::RandomId("ASIA", 16); }

json::array Strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.push_back(json::string(s));
  return a;
}

std::vector<std::string> Strings(const json::value* v) {
  std::vector<std::string> out;
  if (v && v->is_array()) {
    for (const auto& s : v->as_array()) {
      if (s.is_string()) out.emplace_back(s.as_string());
    }
  }
  return out;
}

std::string S(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
int64_t I(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_int64() ? v->as_int64() : 0;
}

}  // namespace

Result<IssuedCredentials> IssueSession(store::Store& store, const Principal& principal,
                                       SessionInfo info) {
  IssuedCredentials c;
  c.access_key_id = NewKeyId();
  c.secret_access_key = crypto::RandomSecretKey();
  // Opaque token; AWS's are long base64 strings. Only its hash is stored.
  c.session_token = crypto::Base64Encode(crypto::RandomBytes(144));
  c.expires_epoch = info.expires_epoch;
  info.token_hash = crypto::Sha256Hex(c.session_token);

  RAMPART_ASSIGN_OR_RETURN(std::string sealed, store.Seal(c.access_key_id, c.secret_access_key));
  json::object tags;
  for (const auto& [k, v] : info.tags) tags[k] = v;
  json::object doc{{"Type", static_cast<int64_t>(principal.type)},
                   {"Account", principal.account_id},
                   {"Arn", principal.arn},
                   {"UserId", principal.user_id},
                   {"UserName", principal.user_name},
                   {"Secret", sealed},
                   {"TokenHash", info.token_hash},
                   {"RoleArn", info.role_arn},
                   {"RoleName", info.role_name},
                   {"RoleId", info.role_id},
                   {"SessionName", info.session_name},
                   {"ParentUser", info.parent_user},
                   {"ParentUserId", info.parent_user_id},
                   {"Policies", Strings(info.session_policies)},
                   {"PolicyArns", Strings(info.session_policy_arns)},
                   {"Tags", std::move(tags)},
                   {"TransitiveTagKeys", Strings(info.transitive_tag_keys)},
                   {"SourceIdentity", info.source_identity},
                   {"Issued", info.issued_epoch},
                   {"Expires", info.expires_epoch},
                   {"MfaAuth", info.mfa_auth_epoch},
                   {"Chained", info.chained}};
  RAMPART_RETURN_IF_ERROR(store.entities().Transact([&](store::EntityTx& tx) {
    return tx.Insert("", kKind, c.access_key_id, json::serialize(doc));
  }));
  return c;
}

namespace {

// The unique id (`id_member`) of the IAM entity `kind` named `name` in `account`; "" if none.
Result<std::string> EntityId(store::EntityTx& tx, std::string_view account, std::string_view kind,
                             std::string_view name, std::string_view id_member) {
  std::string key(name);
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  RAMPART_ASSIGN_OR_RETURN(auto doc, tx.Get(account, kind, key));
  if (!doc) return std::string();
  boost::system::error_code ec;
  json::value v = json::parse(*doc, ec);
  if (ec || !v.is_object()) return std::string();
  return S(v.as_object(), id_member);
}

// A session lives only as long as the entity it was issued for: the role (by RoleId) or the
// user (by UserId) behind it. A role or user deleted and created again under the same name is
// a new entity, and the old sessions do not carry over to it.
Result<bool> IssuerStillExists(store::EntityTx& tx, const json::object& d) {
  std::string account = S(d, "Account");
  if (std::string role = S(d, "RoleName"); !role.empty()) {
    std::string arn = S(d, "RoleArn");  // arn:aws:iam::<account>:role/...
    if (size_t at = arn.find(":iam::"); at != std::string::npos) {
      account = arn.substr(at + 6, arn.find(':', at + 6) - at - 6);
    }
    RAMPART_ASSIGN_OR_RETURN(std::string id, EntityId(tx, account, "role", role, "RoleId"));
    return !id.empty() && id == S(d, "RoleId");
  }
  std::string parent_id = S(d, "ParentUserId");
  if (!parent_id.empty()) {
    RAMPART_ASSIGN_OR_RETURN(std::string id,
                             EntityId(tx, account, "user", S(d, "ParentUser"), "UserId"));
    return id == parent_id;
  }
  return true;  // the account root's own sessions
}

}  // namespace

Result<std::optional<ResolvedSession>> ResolveSession(store::Store& store,
                                                      std::string_view access_key_id) {
  std::optional<std::string> raw;
  bool alive = false;
  RAMPART_RETURN_IF_ERROR(store.entities().Transact([&](store::EntityTx& tx) -> Status {
    auto got = tx.Get("", kKind, access_key_id);
    if (!got.ok()) return std::move(got).error();
    raw = std::move(*got);
    if (!raw) return {};
    boost::system::error_code ec;
    json::value v = json::parse(*raw, ec);
    if (ec || !v.is_object()) return {};
    RAMPART_ASSIGN_OR_RETURN(alive, IssuerStillExists(tx, v.as_object()));
    return {};
  }));
  if (!raw || !alive) return std::optional<ResolvedSession>();
  boost::system::error_code ec;
  json::value v = json::parse(*raw, ec);
  if (ec || !v.is_object()) return Error::Internal("corrupt session record");
  const json::object& d = v.as_object();
  ResolvedSession rs;
  RAMPART_ASSIGN_OR_RETURN(rs.secret_access_key,
                           store.Open(access_key_id, S(d, "Secret"), "session secret"));
  Principal& p = rs.principal;
  p.type = static_cast<Principal::Type>(I(d, "Type"));
  p.account_id = S(d, "Account");
  p.arn = S(d, "Arn");
  p.user_id = S(d, "UserId");
  p.user_name = S(d, "UserName");
  p.access_key_id = std::string(access_key_id);
  auto info = std::make_shared<SessionInfo>();
  info->role_arn = S(d, "RoleArn");
  info->role_name = S(d, "RoleName");
  info->role_id = S(d, "RoleId");
  info->session_name = S(d, "SessionName");
  info->parent_user = S(d, "ParentUser");
  info->parent_user_id = S(d, "ParentUserId");
  info->session_policies = Strings(d.if_contains("Policies"));
  info->session_policy_arns = Strings(d.if_contains("PolicyArns"));
  if (auto* t = d.if_contains("Tags"); t && t->is_object()) {
    for (const auto& kv : t->as_object()) {
      if (kv.value().is_string()) info->tags[std::string(kv.key())] = std::string(kv.value().as_string());
    }
  }
  info->transitive_tag_keys = Strings(d.if_contains("TransitiveTagKeys"));
  info->source_identity = S(d, "SourceIdentity");
  info->issued_epoch = I(d, "Issued");
  info->expires_epoch = I(d, "Expires");
  info->mfa_auth_epoch = I(d, "MfaAuth");
  auto* chained = d.if_contains("Chained");
  info->chained = chained && chained->is_bool() && chained->as_bool();
  info->token_hash = S(d, "TokenHash");
  p.mfa_authenticated = info->mfa_auth_epoch > 0;
  p.session = std::move(info);
  return std::optional<ResolvedSession>(std::move(rs));
}

}  // namespace rampart::services
