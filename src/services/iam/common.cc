#include "services/iam/common.h"

#include <algorithm>

#include "common/crypto.h"
#include "common/strings.h"

namespace rampart::services::iam {

Status IamService::Transact(const Call& call, bool mutates,
                            const std::function<Status(store::EntityTx&)>& body) {
  const std::string& account = call.principal.account_id;
  Status st = store_.entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(body(tx));
    if (!mutates) return {};
    auto cur = tx.Get(account, "meta", "iam-version");
    if (!cur.ok()) return std::move(cur).error();
    int64_t v = cur->has_value() ? std::stoll(**cur) : 0;
    return tx.Put(account, "meta", "iam-version", std::to_string(v + 1));
  });
  if (st.ok() && mutates) {
    generation_.fetch_add(1, std::memory_order_acq_rel);
    for (auto& fn : on_change_) fn();
  }
  return st;
}

int64_t IamService::Version(std::string_view account) {
  int64_t v = 0;
  (void)store_.entities().Transact([&](store::EntityTx& tx) -> Status {
    auto cur = tx.Get(account, "meta", "iam-version");
    if (cur.ok() && cur->has_value()) v = std::stoll(**cur);
    return {};
  });
  return v;
}

Error NoSuchEntity(std::string m) { return {"NoSuchEntity", std::move(m), 404, true}; }
Error EntityAlreadyExists(std::string m) { return {"EntityAlreadyExists", std::move(m), 409, true}; }
Error LimitExceeded(std::string m) { return {"LimitExceeded", std::move(m), 409, true}; }
Error DeleteConflict(std::string m) { return {"DeleteConflict", std::move(m), 409, true}; }
Error InvalidInput(std::string m) { return {"InvalidInput", std::move(m), 400, true}; }
Error MalformedPolicyDocument(std::string m) {
  return {"MalformedPolicyDocument", std::move(m), 400, true};
}

std::string Key(std::string_view name) { return ToLower(name); }

std::string NewUniqueId(std::string_view prefix) { return crypto::RandomId(prefix, 17); }

std::string IamArn(std::string_view account, std::string_view type, std::string_view path,
                   std::string_view name) {
  std::string arn = "arn:aws:iam::";
  arn += account;
  arn += ':';
  arn += type;
  arn += path.empty() ? std::string_view("/") : path;
  arn += name;
  return arn;
}

std::string_view PathOr(const json::object& in, std::string_view member) {
  std::string_view p = Str(in, member);
  return p.empty() ? std::string_view("/") : p;
}

Status CheckPath(std::string_view path) {
  if (path.empty() || path.front() != '/' || path.back() != '/') {
    return Error{"ValidationError",
            "The specified value for path is invalid. It must begin and end with / and contain "
            "only alphanumeric characters and/or / characters.",
            400, true};
  }
  return {};
}

std::string_view Str(const json::object& in, std::string_view member) {
  auto it = in.find(member);
  if (it == in.end() || !it->value().is_string()) return {};
  return it->value().as_string();
}

std::optional<int64_t> Int(const json::object& in, std::string_view member) {
  auto it = in.find(member);
  if (it == in.end() || !it->value().is_int64()) return std::nullopt;
  return it->value().as_int64();
}

bool Bool(const json::object& in, std::string_view member, bool dflt) {
  auto it = in.find(member);
  if (it == in.end() || !it->value().is_bool()) return dflt;
  return it->value().as_bool();
}

Result<std::optional<json::object>> Load(store::EntityTx& tx, std::string_view account,
                                         std::string_view kind, std::string_view key) {
  auto raw = tx.Get(account, kind, key);
  if (!raw.ok()) return std::move(raw).error();
  if (!raw->has_value()) return std::optional<json::object>();
  boost::system::error_code ec;
  json::value v = json::parse(**raw, ec);
  if (ec || !v.is_object()) return Error::Internal("corrupt " + std::string(kind) + " document");
  return std::optional<json::object>(std::move(v.as_object()));
}

Result<json::object> Require(store::EntityTx& tx, std::string_view account, std::string_view kind,
                             std::string_view key, const std::string& missing) {
  auto doc = Load(tx, account, kind, key);
  if (!doc.ok()) return std::move(doc).error();
  if (!doc->has_value()) return NoSuchEntity(missing);
  return std::move(**doc);
}

Result<json::object> ReadRequired(IamService& svc, const Call& call, std::string_view kind,
                                  std::string_view key, const std::string& missing) {
  json::object doc;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(doc, Require(tx, call.principal.account_id, kind, key, missing));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  return doc;
}

Status Save(store::EntityTx& tx, std::string_view account, std::string_view kind,
            std::string_view key, const json::object& doc) {
  return tx.Put(account, kind, key, json::serialize(doc));
}

Status Create(store::EntityTx& tx, std::string_view account, std::string_view kind,
              std::string_view key, const json::object& doc, const std::string& exists) {
  Status st = tx.Insert(account, kind, key, json::serialize(doc));
  if (!st.ok() && store::IsAlreadyExists(st.error())) return EntityAlreadyExists(exists);
  return st;
}

Result<Page> ListPage(store::EntityTx& tx, std::string_view account, std::string_view kind,
                      std::string_view prefix, const json::object& in,
                      const std::function<bool(const json::object&)>& keep) {
  int64_t max_items = Int(in, "MaxItems").value_or(100);
  std::string after;
  std::string_view marker = Str(in, "Marker");
  if (!marker.empty()) {
    auto decoded = crypto::Base64Decode(marker);
    if (!decoded.ok() || !StartsWith(*decoded, prefix)) {
      return Error::Validation("Invalid Marker.");
    }
    after = *decoded;
  }
  Page page;
  while (true) {
    auto rows = tx.List(account, kind, prefix, after, 256);
    if (!rows.ok()) return std::move(rows).error();
    for (auto& row : *rows) {
      after = row.key;
      if (keep) {
        boost::system::error_code ec;
        json::value v = json::parse(row.doc, ec);
        if (ec || !v.is_object() || !keep(v.as_object())) continue;
      }
      if (static_cast<int64_t>(page.rows.size()) == max_items) {
        page.truncated = true;
        page.marker = crypto::Base64Encode(page.rows.back().key);
        return page;
      }
      page.rows.push_back(std::move(row));
    }
    if (rows->size() < 256) return page;
  }
}

std::function<bool(const json::object&)> PathFilter(std::string_view prefix) {
  if (prefix == "/" || prefix.empty()) return nullptr;
  return [p = std::string(prefix)](const json::object& doc) {
    return StartsWith(Str(doc, "Path"), p);
  };
}

void SetPaging(json::object& out, const Page& page) {
  out["IsTruncated"] = page.truncated;
  if (page.truncated) out["Marker"] = page.marker;
}

namespace {
bool ValidTagText(std::string_view s) {
  // AWS: letters, numbers and spaces representable in UTF-8, and + - = . _ : / @
  for (unsigned char c : s) {
    if (c >= 0x80) continue;
    if (std::isalnum(c) || c == ' ' || c == '+' || c == '-' || c == '=' || c == '.' ||
        c == '_' || c == ':' || c == '/' || c == '@')
      continue;
    return false;
  }
  return true;
}
}  // namespace

Status MergeTags(json::object& doc, const json::value* tags, bool case_sensitive_keys) {
  if (!tags || !tags->is_array()) return {};
  auto same = [&](std::string_view a, std::string_view b) {
    return case_sensitive_keys ? a == b : IEquals(a, b);
  };
  // One request may not name a key twice (AWS compares keys case-insensitively, except for
  // managed policies).
  const json::array& given = tags->as_array();
  for (std::size_t i = 0; i < given.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (given[i].is_object() && given[j].is_object() &&
          same(Str(given[i].as_object(), "Key"), Str(given[j].as_object(), "Key"))) {
        return InvalidInput(case_sensitive_keys
                                ? "Duplicate tag keys found."
                                : "Duplicate tag keys found. Please note that Tag keys are case "
                                  "insensitive.");
      }
    }
  }
  json::array current = doc.contains("Tags") ? doc["Tags"].as_array() : json::array();
  for (const auto& t : tags->as_array()) {
    if (!t.is_object()) continue;
    std::string_view k = Str(t.as_object(), "Key");
    std::string_view v = Str(t.as_object(), "Value");
    if (!ValidTagText(k) || !ValidTagText(v)) {
      return InvalidInput("Tag keys and values may contain only letters, numbers, spaces and "
                          "+ - = . _ : / @ characters");
    }
    if (StartsWith(ToLower(k), "aws:")) {
      return InvalidInput("Tag keys starting with 'aws:' are reserved for AWS use");
    }
    bool replaced = false;
    for (auto& c : current) {
      if (same(Str(c.as_object(), "Key"), k)) {
        c.as_object()["Value"] = v;
        replaced = true;
      }
    }
    if (!replaced) current.push_back(json::object{{"Key", k}, {"Value", v}});
  }
  if (current.size() > 50) {
    return LimitExceeded("The number of tags has reached the maximum limit.");
  }
  if (current.empty()) {
    doc.erase("Tags");
  } else {
    doc["Tags"] = std::move(current);
  }
  return {};
}

Status RemoveTags(json::object& doc, const json::value* keys) {
  if (!keys || !keys->is_array() || !doc.contains("Tags")) return {};
  json::array kept;
  for (const auto& t : doc["Tags"].as_array()) {
    std::string_view k = Str(t.as_object(), "Key");
    bool drop = std::any_of(keys->as_array().begin(), keys->as_array().end(),
                            [&](const json::value& x) { return x.is_string() && x.as_string() == k; });
    if (!drop) kept.push_back(t);
  }
  if (kept.empty()) {
    doc.erase("Tags");
  } else {
    doc["Tags"] = std::move(kept);
  }
  return {};
}

std::string EncodePolicyDocument(std::string_view doc) { return UrlEncode(doc); }

double Now(const Call& call) { return static_cast<double>(call.now_epoch_seconds); }

ServiceTable Operations(IamService& svc) {
  std::vector<IamOp> ops;
  AddUserOps(ops);
  AddGroupOps(ops);
  AddRoleOps(ops);
  AddPolicyOps(ops);
  AddSimulateOps(ops);
  AddAccessKeyOps(ops);
  AddLoginProfileOps(ops);
  AddPasswordPolicyOps(ops);
  AddMfaOps(ops);
  AddAccountOps(ops);
  AddCertsKeysOps(ops);
  AddProviderOps(ops);
  AddInstanceProfileOps(ops);
  AddServiceCredentialOps(ops);
  AddAccessAdvisorOps(ops);
  ServiceTable table{"iam", {}};
  for (const IamOp& op : ops) {
    Handler fn = op.fn;
    table.operations.push_back(
        {op.name, [&svc, fn](const Call& call, const json::value& in) -> Result<json::value> {
           static const json::object kEmpty;
           return fn(svc, call, in.is_object() ? in.as_object() : kEmpty);
         }});
  }
  return table;
}

}  // namespace rampart::services::iam

namespace rampart::services::iam {

Error ProtectedRole(std::string_view role_name) {
  return Error{"UnmodifiableEntity",
               "Cannot perform the operation on the protected role '" + std::string(role_name) +
                   "' - this role is only modifiable by AWS",
               400, true};
}

Status RoleModifiable(store::EntityTx& tx, std::string_view account, std::string_view role_name,
                      const std::string& missing) {
  RAMPART_ASSIGN_OR_RETURN(auto role, Load(tx, account, "role", Key(role_name)));
  if (!role) return NoSuchEntity(missing);
  if (Bool(*role, "ServiceLinked")) return ProtectedRole(Str(*role, "RoleName"));
  return {};
}

Status MustExist(store::EntityTx& tx, std::string_view account, std::string_view kind,
                 std::string_view key, const std::string& missing) {
  auto raw = tx.Get(account, kind, key);
  if (!raw.ok()) return std::move(raw).error();
  if (!raw->has_value()) return NoSuchEntity(missing);
  return {};
}

namespace {
// Moves every row of `kind` whose key starts with `from` to the same key starting with `to`.
Status MovePrefix(store::EntityTx& tx, std::string_view account, std::string_view kind,
                  const std::string& from, const std::string& to) {
  RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(account, kind, from, "", 100000));
  for (const auto& row : rows) {
    RAMPART_RETURN_IF_ERROR(tx.Delete(account, kind, row.key));
    RAMPART_RETURN_IF_ERROR(tx.Put(account, kind, to + row.key.substr(from.size()), row.doc));
  }
  return {};
}
}  // namespace

Status RenamePrincipal(store::EntityTx& tx, std::string_view account,
                       std::string_view principal_kind, const std::string& old_key,
                       const std::string& new_key) {
  std::string pk(principal_kind);
  std::string old_ref = pk + ":" + old_key, new_ref = pk + ":" + new_key;
  // Attached managed policies, both directions.
  RAMPART_ASSIGN_OR_RETURN(auto attached, tx.List(account, "attached", old_ref + "/", "", 100000));
  for (const auto& row : attached) {
    std::string arn = row.key.substr(old_ref.size() + 1);
    RAMPART_RETURN_IF_ERROR(tx.Delete(account, "attached-to", arn + "/" + old_ref));
    RAMPART_RETURN_IF_ERROR(tx.Put(account, "attached-to", arn + "/" + new_ref, "{}"));
  }
  RAMPART_RETURN_IF_ERROR(MovePrefix(tx, account, "attached", old_ref + "/", new_ref + "/"));
  RAMPART_RETURN_IF_ERROR(MovePrefix(tx, account, "inline", old_ref + "/", new_ref + "/"));
  if (principal_kind == "group") {
    RAMPART_ASSIGN_OR_RETURN(auto members, tx.List(account, "member", old_key + "/", "", 100000));
    for (const auto& row : members) {
      std::string user = row.key.substr(old_key.size() + 1);
      RAMPART_RETURN_IF_ERROR(tx.Delete(account, "member-of", user + "/" + old_key));
      RAMPART_RETURN_IF_ERROR(tx.Put(account, "member-of", user + "/" + new_key, "{}"));
    }
    RAMPART_RETURN_IF_ERROR(MovePrefix(tx, account, "member", old_key + "/", new_key + "/"));
  }
  if (principal_kind == "user") {
    RAMPART_ASSIGN_OR_RETURN(auto groups, tx.List(account, "member-of", old_key + "/", "", 100000));
    for (const auto& row : groups) {
      std::string group = row.key.substr(old_key.size() + 1);
      RAMPART_RETURN_IF_ERROR(tx.Delete(account, "member", group + "/" + old_key));
      RAMPART_RETURN_IF_ERROR(tx.Put(account, "member", group + "/" + new_key, "{}"));
    }
    RAMPART_RETURN_IF_ERROR(MovePrefix(tx, account, "member-of", old_key + "/", new_key + "/"));
  }
  return {};
}

Status MoveUserRows(store::EntityTx& tx, std::string_view account, std::string_view old_name,
                    std::string_view new_name) {
  std::string from = Key(old_name) + "/", to = Key(new_name) + "/";
  for (const char* kind : {"mfa-device", "ssh-key", "signing-cert", "service-credential"}) {
    RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(account, kind, from, "", 100000));
    for (const auto& r : rows) {
      boost::system::error_code ec;
      json::value v = json::parse(r.doc, ec);
      if (ec || !v.is_object()) return Error::Internal("corrupt IAM document " + r.key);
      v.as_object()["UserName"] = new_name;
      RAMPART_RETURN_IF_ERROR(tx.Delete(account, kind, r.key));
      RAMPART_RETURN_IF_ERROR(Save(tx, account, kind, to + r.key.substr(from.size()), v.as_object()));
    }
  }
  return {};
}

Status UserHasNoDependents(store::EntityTx& tx, std::string_view account, std::string_view user) {
  std::string k = Key(user);
  struct Check {
    const char* kind;
    std::string prefix;
    const char* message;
  };
  const Check checks[] = {
      {"login-profile", k, "Cannot delete entity, must delete login profile first."},
      {"inline", "user:" + k + "/", "Cannot delete entity, must delete policies first."},
      {"attached", "user:" + k + "/", "Cannot delete entity, must detach all policies first."},
      {"member-of", k + "/", "Cannot delete entity, must remove users from group first."},
      {"mfa-device", k + "/", "Cannot delete entity, must delete MFA device first."},
      {"ssh-key", k + "/", "Cannot delete entity, must remove referenced objects first."},
      {"signing-cert", k + "/", "Cannot delete entity, must delete certificates first."},
      {"service-credential", k + "/",
       "Cannot delete entity, must delete service specific credentials first."},
  };
  for (const Check& c : checks) {
    int64_t n = 0;
    if (c.prefix == k) {  // a single row keyed by the user, not a prefix of other users' keys
      RAMPART_ASSIGN_OR_RETURN(auto row, tx.Get(account, c.kind, k));
      n = row.has_value() ? 1 : 0;
    } else {
      RAMPART_ASSIGN_OR_RETURN(n, tx.Count(account, c.kind, c.prefix));
    }
    if (n > 0) return DeleteConflict(c.message);
  }
  return {};
}

Status SetBoundary(store::EntityTx& tx, std::string_view account, const std::string& principal_ref,
                   json::object& doc, std::string_view arn) {
  if (auto* old = doc.if_contains("PermissionsBoundary"); old && old->is_object()) {
    std::string old_arn(Str(old->as_object(), "PermissionsBoundaryArn"));
    (void)tx.Delete(account, "boundary-of", old_arn + "/" + principal_ref);
    doc.erase("PermissionsBoundary");
  }
  if (arn.empty()) return {};
  RAMPART_RETURN_IF_ERROR(RequirePolicyExists(tx, account, arn));
  doc["PermissionsBoundary"] =
      json::object{{"PermissionsBoundaryType", "Policy"}, {"PermissionsBoundaryArn", arn}};
  return tx.Put(account, "boundary-of", std::string(arn) + "/" + principal_ref, "{}");
}

json::object TagsPage(const json::object& doc, const json::object& in) {
  json::array tags = doc.contains("Tags") ? doc.at("Tags").as_array() : json::array();
  int64_t max_items = Int(in, "MaxItems").value_or(100);
  size_t start = 0;
  std::string_view marker = Str(in, "Marker");
  if (!marker.empty()) start = static_cast<size_t>(std::atoi(std::string(marker).c_str()));
  json::array page;
  for (size_t i = start; i < tags.size() && static_cast<int64_t>(page.size()) < max_items; ++i) {
    page.push_back(tags[i]);
  }
  json::object out{{"Tags", std::move(page)}};
  bool truncated = start + static_cast<size_t>(max_items) < tags.size();
  out["IsTruncated"] = truncated;
  if (truncated) out["Marker"] = std::to_string(start + static_cast<size_t>(max_items));
  return out;
}

}  // namespace rampart::services::iam
