// Managed policies (customer and AWS), versions, attachments, and inline policies of users,
// groups and roles.
#include <algorithm>

#include "common/strings.h"
#include "policy/aws_validate.h"
#include "policy/policy.h"
#include "services/iam/aws_managed.h"
#include "services/iam/common.h"

namespace rampart::services::iam {

namespace {

constexpr int kMaxVersions = 5;
constexpr int kMaxAttachedPerPrincipal = 10;

// The three principal kinds that hold policies, with their member names and quotas.
struct Holder {
  std::string_view kind;        // "user" | "group" | "role"
  std::string_view name_member;  // "UserName" | "GroupName" | "RoleName"
  std::string_view noun;         // for messages
  policy::PolicyType inline_type;
  size_t inline_quota;  // aggregate non-whitespace characters of all inline policies
  std::string_view attach_quota_name;
};
constexpr Holder kUser{"user", "UserName", "user", policy::PolicyType::kUserInline, 2048,
                       "PoliciesPerUser"};
constexpr Holder kGroup{"group", "GroupName", "group", policy::PolicyType::kGroupInline, 5120,
                        "PoliciesPerGroup"};
constexpr Holder kRole{"role", "RoleName", "role", policy::PolicyType::kRoleInline, 10240,
                       "PoliciesPerRole"};

std::string HolderMissing(const Holder& h, std::string_view name) {
  return "The " + std::string(h.noun) + " with name " + std::string(name) + " cannot be found.";
}

// The holder exists and its policies may change (not those of a service-linked role).
Status HolderModifiable(store::EntityTx& tx, std::string_view acct, const Holder& h,
                        std::string_view name) {
  if (h.kind == "role") return RoleModifiable(tx, acct, name, HolderMissing(h, name));
  return MustExist(tx, acct, h.kind, Key(name), HolderMissing(h, name));
}
std::string Ref(const Holder& h, std::string_view name) {
  return std::string(h.kind) + ":" + Key(name);
}

size_t NonWhitespace(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return c != ' ' && c != '\t' && c != '\r' && c != '\n';
  }));
}

// The document as IAM checks it when it is written (AWS's messages), then compiled.
// `entity` ("user bob") names the holder of an inline policy in AWS's size message.
Status ValidateDocument(std::string_view doc, policy::PolicyType type, std::string id,
                        std::string_view entity = {}) {
  RAMPART_RETURN_IF_ERROR(policy::CheckAsAws(doc, type, entity));
  auto parsed = policy::ParsePolicy(doc, type, std::move(id));
  if (!parsed.ok()) {
    Error e = std::move(parsed).error();
    if (e.code == "LimitExceeded") e.http_status = 409;
    return e;
  }
  return {};
}

// The policy named by an ARN: an AWS-managed one, or a customer-managed one of this account.
struct PolicyRef {
  const AwsManagedPolicy* aws = nullptr;
  json::object local;  // when !aws
  std::string key;     // local: policy key
};

std::string NotAttachable(std::string_view arn) {
  return "Policy " + std::string(arn) + " does not exist or is not attachable.";
}

// IAM's answer for a PolicyArn that is no ARN at all (AWS: "ARN foo is not valid.").
bool LooksLikeArn(std::string_view arn) {
  return StartsWith(arn, "arn:") && std::count(arn.begin(), arn.end(), ':') >= 5;
}

Result<PolicyRef> ResolvePolicy(store::EntityTx& tx, std::string_view account,
                                std::string_view arn) {
  PolicyRef ref;
  if (!LooksLikeArn(arn)) return Error::Validation("ARN " + std::string(arn) + " is not valid.");
  if (StartsWith(arn, "arn:aws:iam::aws:policy/")) {
    ref.aws = FindAwsManagedPolicy(arn);
    if (!ref.aws) return NoSuchEntity(NotAttachable(arn));
    return ref;
  }
  std::string prefix = "arn:aws:iam::" + std::string(account) + ":policy/";
  if (!StartsWith(arn, prefix)) return NoSuchEntity(NotAttachable(arn));
  std::string name(arn.substr(arn.rfind('/') + 1));
  RAMPART_ASSIGN_OR_RETURN(auto doc, Load(tx, account, "policy", Key(name)));
  if (!doc || Str(*doc, "Arn") != arn) return NoSuchEntity(NotAttachable(arn));
  ref.local = std::move(*doc);
  ref.key = Key(name);
  return ref;
}

std::string VersionKey(std::string_view policy_key, std::string_view version_id) {
  return std::string(policy_key) + "/" + std::string(version_id);
}

std::string VersionMissing(std::string_view arn, std::string_view vid) {
  return "Policy " + std::string(arn) + " version " + std::string(vid) +
         " does not exist or is not attachable.";
}

// The policy a version call names; a missing policy answers as its missing version does.
Result<PolicyRef> VersionOwner(store::EntityTx& tx, std::string_view account,
                               std::string_view arn, std::string_view vid) {
  auto ref = ResolvePolicy(tx, account, arn);
  if (!ref.ok() && ref.error().code == "NoSuchEntity") return NoSuchEntity(VersionMissing(arn, vid));
  return ref;
}

// The public Policy structure with live attachment counts.
Result<json::object> PolicyView(store::EntityTx& tx, std::string_view account,
                                const PolicyRef& ref) {
  json::object out;
  std::string arn;
  if (ref.aws) {
    arn = ref.aws->arn;
    out = json::object{{"PolicyName", ref.aws->name},
                       {"PolicyId", ref.aws->policy_id},
                       {"Arn", ref.aws->arn},
                       {"Path", ref.aws->path},
                       {"DefaultVersionId", "v1"},
                       {"IsAttachable", true},
                       {"Description", ref.aws->description},
                       {"CreateDate", 1420070400.0},
                       {"UpdateDate", 1420070400.0}};
  } else {
    out = ref.local;
    out.erase("NextVersion");
    arn = std::string(Str(out, "Arn"));
  }
  RAMPART_ASSIGN_OR_RETURN(int64_t attached, tx.Count(account, "attached-to", arn + "/"));
  RAMPART_ASSIGN_OR_RETURN(int64_t boundary, tx.Count(account, "boundary-of", arn + "/"));
  out["AttachmentCount"] = attached;
  out["PermissionsBoundaryUsageCount"] = boundary;
  return out;
}

// ---- Customer managed policies ----

Result<json::value> CreatePolicy(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "PolicyName");
  std::string_view path = PathOr(in);
  std::string_view document = Str(in, "PolicyDocument");
  RAMPART_RETURN_IF_ERROR(CheckPath(path));
  const std::string& acct = call.principal.account_id;
  std::string arn = IamArn(acct, "policy", path, name);
  RAMPART_RETURN_IF_ERROR(ValidateDocument(document, policy::PolicyType::kManaged, arn));
  json::object pol{{"PolicyName", name},
                   {"PolicyId", NewUniqueId("ANPA")},
                   {"Arn", arn},
                   {"Path", path},
                   {"DefaultVersionId", "v1"},
                   {"IsAttachable", true},
                   {"CreateDate", Now(call)},
                   {"UpdateDate", Now(call)},
                   {"NextVersion", 2}};
  if (in.contains("Description")) pol["Description"] = Str(in, "Description");
  RAMPART_RETURN_IF_ERROR(MergeTags(pol, in.if_contains("Tags"), true));
  json::object view;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(Create(tx, acct, "policy", Key(name), pol,
                                   "A policy called " + std::string(name) +
                                       " already exists. Duplicate names are not allowed."));
    json::object version{{"Document", document}, {"VersionId", "v1"},
                         {"IsDefaultVersion", true}, {"CreateDate", Now(call)}};
    RAMPART_RETURN_IF_ERROR(Save(tx, acct, "policy-version", VersionKey(Key(name), "v1"), version));
    RAMPART_RETURN_IF_ERROR(Save(tx, acct, "id", Str(pol, "PolicyId"),
                                 json::object{{"kind", "policy"}, {"key", Key(name)}}));
    PolicyRef ref;
    ref.local = pol;
    RAMPART_ASSIGN_OR_RETURN(view, PolicyView(tx, acct, ref));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  view.erase("Description");  // CreatePolicy's response omits it, as AWS's does
  return json::value(json::object{{"Policy", std::move(view)}});
}

Result<json::value> GetPolicy(IamService& svc, const Call& call, const json::object& in) {
  std::string_view arn = Str(in, "PolicyArn");
  json::object view;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(PolicyRef ref, ResolvePolicy(tx, call.principal.account_id, arn));
    RAMPART_ASSIGN_OR_RETURN(view, PolicyView(tx, call.principal.account_id, ref));
    return {};
  });
  if (!st.ok()) {
    Error e = std::move(st).error();
    if (e.code == "NoSuchEntity") e.message = "Policy " + std::string(arn) + " was not found.";
    return e;
  }
  // AWS: an untagged policy comes back with "Tags": [] from GetPolicy (ListPolicies: no Tags).
  if (!view.contains("Tags")) view["Tags"] = json::array();
  return json::value(json::object{{"Policy", std::move(view)}});
}

Result<json::value> DeletePolicy(IamService& svc, const Call& call, const json::object& in) {
  std::string_view arn = Str(in, "PolicyArn");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(PolicyRef ref, ResolvePolicy(tx, acct, arn));
    if (ref.aws) return InvalidInput("AWS-managed policies cannot be deleted.");
    RAMPART_ASSIGN_OR_RETURN(int64_t attached, tx.Count(acct, "attached-to", std::string(arn) + "/"));
    RAMPART_ASSIGN_OR_RETURN(int64_t boundary, tx.Count(acct, "boundary-of", std::string(arn) + "/"));
    if (attached > 0 || boundary > 0) {
      return DeleteConflict("Cannot delete a policy attached to entities.");
    }
    RAMPART_ASSIGN_OR_RETURN(auto versions, tx.List(acct, "policy-version", ref.key + "/", "", 10));
    if (versions.size() > 1) {
      return DeleteConflict("This policy has more than one version. Before you delete a policy, "
                            "you must delete the policy's versions. The default version is "
                            "deleted with the policy.");
    }
    for (const auto& v : versions) RAMPART_RETURN_IF_ERROR(tx.Delete(acct, "policy-version", v.key));
    RAMPART_RETURN_IF_ERROR(tx.Delete(acct, "policy", ref.key));
    return tx.Delete(acct, "id", Str(ref.local, "PolicyId"));
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> ListPolicies(IamService& svc, const Call& call, const json::object& in) {
  std::string_view scope = Str(in, "Scope");
  if (scope.empty()) scope = "All";
  bool only_attached = Bool(in, "OnlyAttached");
  std::string_view prefix = PathOr(in, "PathPrefix");
  std::string_view usage = Str(in, "PolicyUsageFilter");
  const std::string& acct = call.principal.account_id;
  json::array all;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    auto consider = [&](const PolicyRef& ref) -> Status {
      RAMPART_ASSIGN_OR_RETURN(json::object v, PolicyView(tx, acct, ref));
      if (!StartsWith(Str(v, "Path"), prefix)) return {};
      int64_t attached = v["AttachmentCount"].as_int64();
      int64_t boundary = v["PermissionsBoundaryUsageCount"].as_int64();
      if (only_attached && attached + boundary == 0) return {};
      if (usage == "PermissionsPolicy" && only_attached && attached == 0) return {};
      if (usage == "PermissionsBoundary" && only_attached && boundary == 0) return {};
      v.erase("Description");
      v.erase("Tags");
      all.push_back(std::move(v));
      return {};
    };
    if (scope == "All" || scope == "AWS") {
      for (const auto& p : AwsManagedPolicies()) {
        PolicyRef ref;
        ref.aws = &p;
        RAMPART_RETURN_IF_ERROR(consider(ref));
      }
    }
    if (scope == "All" || scope == "Local") {
      RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(acct, "policy", "", "", 100000));
      for (const auto& row : rows) {
        PolicyRef ref;
        ref.local = json::parse(row.doc).as_object();
        ref.key = row.key;
        RAMPART_RETURN_IF_ERROR(consider(ref));
      }
    }
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  // Index markers over the filtered list: stable for a given state.
  int64_t max_items = Int(in, "MaxItems").value_or(100);
  size_t start = 0;
  if (std::string_view m = Str(in, "Marker"); !m.empty()) {
    start = static_cast<size_t>(std::strtoul(std::string(m).c_str(), nullptr, 10));
  }
  json::array page;
  for (size_t i = start; i < all.size() && static_cast<int64_t>(page.size()) < max_items; ++i) {
    page.push_back(all[i]);
  }
  json::object out{{"Policies", std::move(page)}};
  bool truncated = start + static_cast<size_t>(max_items) < all.size();
  out["IsTruncated"] = truncated;
  if (truncated) out["Marker"] = std::to_string(start + static_cast<size_t>(max_items));
  return json::value(std::move(out));
}

// ---- Versions ----

Result<json::value> CreatePolicyVersion(IamService& svc, const Call& call, const json::object& in) {
  std::string_view arn = Str(in, "PolicyArn");
  std::string_view document = Str(in, "PolicyDocument");
  bool set_default = Bool(in, "SetAsDefault");
  const std::string& acct = call.principal.account_id;
  RAMPART_RETURN_IF_ERROR(ValidateDocument(document, policy::PolicyType::kManaged,
                                           std::string(arn)));
  json::object version;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(PolicyRef ref, ResolvePolicy(tx, acct, arn));
    if (ref.aws) return InvalidInput("AWS-managed policies cannot be changed.");
    RAMPART_ASSIGN_OR_RETURN(int64_t n, tx.Count(acct, "policy-version", ref.key + "/"));
    if (n >= kMaxVersions) {
      return LimitExceeded("A managed policy can have up to 5 versions. Before you create a new "
                           "version, you must delete an existing version.");
    }
    int64_t next = ref.local["NextVersion"].as_int64();
    std::string vid = "v" + std::to_string(next);
    ref.local["NextVersion"] = next + 1;
    ref.local["UpdateDate"] = Now(call);
    if (set_default) {
      std::string old = std::string(Str(ref.local, "DefaultVersionId"));
      RAMPART_ASSIGN_OR_RETURN(json::object prev, Require(tx, acct, "policy-version",
                                                          VersionKey(ref.key, old), "version"));
      prev["IsDefaultVersion"] = false;
      RAMPART_RETURN_IF_ERROR(Save(tx, acct, "policy-version", VersionKey(ref.key, old), prev));
      ref.local["DefaultVersionId"] = vid;
    }
    version = json::object{{"Document", document}, {"VersionId", vid},
                           {"IsDefaultVersion", set_default}, {"CreateDate", Now(call)}};
    RAMPART_RETURN_IF_ERROR(Save(tx, acct, "policy-version", VersionKey(ref.key, vid), version));
    return Save(tx, acct, "policy", ref.key, ref.local);
  });
  if (!st.ok()) return std::move(st).error();
  version.erase("Document");
  return json::value(json::object{{"PolicyVersion", std::move(version)}});
}

Result<json::value> GetPolicyVersion(IamService& svc, const Call& call, const json::object& in) {
  std::string_view arn = Str(in, "PolicyArn");
  std::string_view vid = Str(in, "VersionId");
  json::object version;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(PolicyRef ref, VersionOwner(tx, call.principal.account_id, arn, vid));
    std::string missing = VersionMissing(arn, vid);
    if (ref.aws) {
      if (vid != "v1") return NoSuchEntity(missing);
      version = json::object{{"Document", ref.aws->document}, {"VersionId", "v1"},
                             {"IsDefaultVersion", true}, {"CreateDate", 1420070400.0}};
      return {};
    }
    RAMPART_ASSIGN_OR_RETURN(version, Require(tx, call.principal.account_id, "policy-version",
                                              VersionKey(ref.key, vid), missing));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  version["Document"] = EncodePolicyDocument(Str(version, "Document"));
  return json::value(json::object{{"PolicyVersion", std::move(version)}});
}

Result<json::value> ListPolicyVersions(IamService& svc, const Call& call, const json::object& in) {
  std::string_view arn = Str(in, "PolicyArn");
  json::array versions;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(PolicyRef ref, ResolvePolicy(tx, call.principal.account_id, arn));
    if (ref.aws) {
      versions.push_back(json::object{{"VersionId", "v1"}, {"IsDefaultVersion", true},
                                      {"CreateDate", 1420070400.0}});
      return {};
    }
    RAMPART_ASSIGN_OR_RETURN(auto rows,
                             tx.List(call.principal.account_id, "policy-version", ref.key + "/", "", 10));
    for (const auto& row : rows) {
      json::object v = json::parse(row.doc).as_object();
      v.erase("Document");
      versions.push_back(std::move(v));
    }
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  std::sort(versions.begin(), versions.end(), [](const json::value& a, const json::value& b) {
    return a.at("CreateDate").as_double() > b.at("CreateDate").as_double();
  });
  return json::value(json::object{{"Versions", std::move(versions)}, {"IsTruncated", false}});
}

Result<json::value> DeletePolicyVersion(IamService& svc, const Call& call, const json::object& in) {
  std::string_view arn = Str(in, "PolicyArn");
  std::string_view vid = Str(in, "VersionId");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(PolicyRef ref, VersionOwner(tx, acct, arn, vid));
    if (ref.aws) return InvalidInput("AWS-managed policies cannot be changed.");
    RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, "policy-version", VersionKey(ref.key, vid),
                                      VersionMissing(arn, vid)));
    if (Str(ref.local, "DefaultVersionId") == vid) {
      return DeleteConflict("Cannot delete the default version of a policy.");
    }
    return tx.Delete(acct, "policy-version", VersionKey(ref.key, vid));
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> SetDefaultPolicyVersion(IamService& svc, const Call& call,
                                            const json::object& in) {
  std::string_view arn = Str(in, "PolicyArn");
  std::string_view vid = Str(in, "VersionId");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(PolicyRef ref, VersionOwner(tx, acct, arn, vid));
    if (ref.aws) return InvalidInput("AWS-managed policies cannot be changed.");
    std::string missing = VersionMissing(arn, vid);
    RAMPART_ASSIGN_OR_RETURN(json::object next, Require(tx, acct, "policy-version",
                                                        VersionKey(ref.key, vid), missing));
    std::string old = std::string(Str(ref.local, "DefaultVersionId"));
    if (old == vid) return {};
    RAMPART_ASSIGN_OR_RETURN(json::object prev, Require(tx, acct, "policy-version",
                                                        VersionKey(ref.key, old), missing));
    prev["IsDefaultVersion"] = false;
    next["IsDefaultVersion"] = true;
    ref.local["DefaultVersionId"] = vid;
    ref.local["UpdateDate"] = Now(call);
    RAMPART_RETURN_IF_ERROR(Save(tx, acct, "policy-version", VersionKey(ref.key, old), prev));
    RAMPART_RETURN_IF_ERROR(Save(tx, acct, "policy-version", VersionKey(ref.key, vid), next));
    return Save(tx, acct, "policy", ref.key, ref.local);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> TagPolicy(IamService& svc, const Call& call, const json::object& in) {
  std::string_view arn = Str(in, "PolicyArn");
  const std::string& acct = call.principal.account_id;
  bool untag = in.contains("TagKeys");
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    auto resolved = ResolvePolicy(tx, acct, arn);
    if (!resolved.ok() && resolved.error().code == "NoSuchEntity") {
      return NoSuchEntity("Policy " + std::string(arn) + " was not found.");
    }
    RAMPART_ASSIGN_OR_RETURN(PolicyRef ref, std::move(resolved));
    if (ref.aws) return InvalidInput("AWS-managed policies cannot be tagged.");
    if (untag) {
      RAMPART_RETURN_IF_ERROR(RemoveTags(ref.local, in.if_contains("TagKeys")));
    } else {
      RAMPART_RETURN_IF_ERROR(MergeTags(ref.local, in.if_contains("Tags"), true));
    }
    return Save(tx, acct, "policy", ref.key, ref.local);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> ListPolicyTags(IamService& svc, const Call& call, const json::object& in) {
  std::string_view arn = Str(in, "PolicyArn");
  json::object doc;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(PolicyRef ref, ResolvePolicy(tx, call.principal.account_id, arn));
    if (!ref.aws) doc = ref.local;
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(TagsPage(doc, in));
}

// ---- Attachments ----

Status Attach(IamService& svc, const Call& call, const Holder& h, std::string_view name,
              std::string_view arn) {
  const std::string& acct = call.principal.account_id;
  return svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(HolderModifiable(tx, acct, h, name));
    RAMPART_ASSIGN_OR_RETURN(PolicyRef ref, ResolvePolicy(tx, acct, arn));
    std::string ref_key = Ref(h, name);
    RAMPART_ASSIGN_OR_RETURN(auto already, tx.Get(acct, "attached", ref_key + "/" + std::string(arn)));
    if (already) return {};
    RAMPART_ASSIGN_OR_RETURN(int64_t n, tx.Count(acct, "attached", ref_key + "/"));
    if (n >= kMaxAttachedPerPrincipal) {
      return LimitExceeded("Cannot exceed quota for " + std::string(h.attach_quota_name) + ": " +
                           std::to_string(kMaxAttachedPerPrincipal));
    }
    RAMPART_RETURN_IF_ERROR(tx.Put(acct, "attached", ref_key + "/" + std::string(arn), "{}"));
    return tx.Put(acct, "attached-to", std::string(arn) + "/" + ref_key, "{}");
  });
}

Status Detach(IamService& svc, const Call& call, const Holder& h, std::string_view name,
              std::string_view arn) {
  const std::string& acct = call.principal.account_id;
  return svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(HolderModifiable(tx, acct, h, name));
    std::string ref_key = Ref(h, name);
    Status del = tx.Delete(acct, "attached", ref_key + "/" + std::string(arn));
    if (!del.ok()) return NoSuchEntity("Policy " + std::string(arn) + " was not found.");
    return tx.Delete(acct, "attached-to", std::string(arn) + "/" + ref_key);
  });
}

Result<json::value> ListAttached(IamService& svc, const Call& call, const Holder& h,
                                 const json::object& in) {
  std::string_view name = Str(in, h.name_member);
  std::string_view prefix = PathOr(in, "PathPrefix");
  const std::string& acct = call.principal.account_id;
  json::object out;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, h.kind, Key(name), HolderMissing(h, name)));
    std::string ref_key = Ref(h, name) + "/";
    RAMPART_ASSIGN_OR_RETURN(Page page, ListPage(tx, acct, "attached", ref_key, in));
    json::array list;
    for (const auto& row : page.rows) {
      std::string arn = row.key.substr(ref_key.size());
      std::string path = arn.substr(arn.find(":policy") + 7);
      path = path.substr(0, path.rfind('/') + 1);
      if (!StartsWith(path, prefix)) continue;
      list.push_back(json::object{{"PolicyName", arn.substr(arn.rfind('/') + 1)},
                                  {"PolicyArn", arn}});
    }
    out["AttachedPolicies"] = std::move(list);
    SetPaging(out, page);
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(std::move(out));
}

Result<json::value> ListEntitiesForPolicy(IamService& svc, const Call& call, const json::object& in) {
  std::string_view arn = Str(in, "PolicyArn");
  std::string_view filter = Str(in, "EntityFilter");
  std::string_view usage = Str(in, "PolicyUsageFilter");
  std::string_view prefix = PathOr(in, "PathPrefix");
  const std::string& acct = call.principal.account_id;
  json::array users, groups, roles;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(PolicyRef ref, ResolvePolicy(tx, acct, arn));
    (void)ref;
    std::string base = std::string(arn) + "/";
    auto collect = [&](std::string_view kind) -> Status {
      RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(acct, kind, base, "", 100000));
      for (const auto& row : rows) {
        std::string ref_key = row.key.substr(base.size());
        size_t colon = ref_key.find(':');
        std::string pkind = ref_key.substr(0, colon);
        if ((filter == "User" && pkind != "user") || (filter == "Group" && pkind != "group") ||
            (filter == "Role" && pkind != "role") ||
            (filter == "LocalManagedPolicy" || filter == "AWSManagedPolicy")) {
          continue;
        }
        RAMPART_ASSIGN_OR_RETURN(auto doc, Load(tx, acct, pkind, ref_key.substr(colon + 1)));
        if (!doc || !StartsWith(Str(*doc, "Path"), prefix)) continue;
        if (pkind == "user") {
          users.push_back(json::object{{"UserName", (*doc)["UserName"]}, {"UserId", (*doc)["UserId"]}});
        } else if (pkind == "group") {
          groups.push_back(json::object{{"GroupName", (*doc)["GroupName"]}, {"GroupId", (*doc)["GroupId"]}});
        } else {
          roles.push_back(json::object{{"RoleName", (*doc)["RoleName"]}, {"RoleId", (*doc)["RoleId"]}});
        }
      }
      return {};
    };
    if (usage != "PermissionsBoundary") RAMPART_RETURN_IF_ERROR(collect("attached-to"));
    if (usage != "PermissionsPolicy") RAMPART_RETURN_IF_ERROR(collect("boundary-of"));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{{"PolicyGroups", std::move(groups)},
                                  {"PolicyUsers", std::move(users)},
                                  {"PolicyRoles", std::move(roles)},
                                  {"IsTruncated", false}});
}

// ---- Inline policies ----

Status PutInline(IamService& svc, const Call& call, const Holder& h, const json::object& in) {
  std::string_view name = Str(in, h.name_member);
  std::string_view pname = Str(in, "PolicyName");
  std::string_view document = Str(in, "PolicyDocument");
  const std::string& acct = call.principal.account_id;
  RAMPART_RETURN_IF_ERROR(ValidateDocument(document, h.inline_type, std::string(pname),
                                           std::string(h.noun) + " " + std::string(name)));
  return svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(HolderModifiable(tx, acct, h, name));
    std::string prefix = Ref(h, name) + "/";
    RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(acct, "inline", prefix, "", 100000));
    size_t total = NonWhitespace(document);
    for (const auto& row : rows) {
      if (row.key == prefix + Key(pname)) continue;
      total += NonWhitespace(Str(json::parse(row.doc).as_object(), "PolicyDocument"));
    }
    if (total > h.inline_quota) {
      return LimitExceeded("Maximum policy size of " + std::to_string(h.inline_quota) +
                           " bytes exceeded for " + std::string(h.noun) + " " +
                           std::string(name));
    }
    return Save(tx, acct, "inline", prefix + Key(pname),
                json::object{{"PolicyName", pname}, {"PolicyDocument", document}});
  });
}

Result<json::value> GetInline(IamService& svc, const Call& call, const Holder& h,
                              const json::object& in) {
  std::string_view name = Str(in, h.name_member);
  std::string_view pname = Str(in, "PolicyName");
  const std::string& acct = call.principal.account_id;
  json::object doc, holder;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(holder, Require(tx, acct, h.kind, Key(name), HolderMissing(h, name)));
    RAMPART_ASSIGN_OR_RETURN(
        doc, Require(tx, acct, "inline", Ref(h, name) + "/" + Key(pname),
                     "The " + std::string(h.noun) + " policy with name " + std::string(pname) +
                         " cannot be found."));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{{h.name_member, holder[h.name_member]},
                                  {"PolicyName", doc["PolicyName"]},
                                  {"PolicyDocument", EncodePolicyDocument(Str(doc, "PolicyDocument"))}});
}

Status DeleteInline(IamService& svc, const Call& call, const Holder& h, const json::object& in) {
  std::string_view name = Str(in, h.name_member);
  std::string_view pname = Str(in, "PolicyName");
  const std::string& acct = call.principal.account_id;
  return svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(HolderModifiable(tx, acct, h, name));
    Status del = tx.Delete(acct, "inline", Ref(h, name) + "/" + Key(pname));
    if (!del.ok()) {
      return NoSuchEntity("The " + std::string(h.noun) + " policy with name " +
                          std::string(pname) + " cannot be found.");
    }
    return {};
  });
}

Result<json::value> ListInline(IamService& svc, const Call& call, const Holder& h,
                               const json::object& in) {
  std::string_view name = Str(in, h.name_member);
  const std::string& acct = call.principal.account_id;
  json::object out;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, h.kind, Key(name), HolderMissing(h, name)));
    RAMPART_ASSIGN_OR_RETURN(Page page, ListPage(tx, acct, "inline", Ref(h, name) + "/", in));
    json::array names;
    for (const auto& row : page.rows) names.push_back(json::parse(row.doc).at("PolicyName"));
    out["PolicyNames"] = std::move(names);
    SetPaging(out, page);
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(std::move(out));
}

json::value Empty() { return json::object{}; }

#define RAMPART_HOLDER_OPS(H, Noun)                                                            \
  {"Attach" Noun "Policy",                                                                     \
   [](IamService& s, const Call& c, const json::object& in) -> Result<json::value> {          \
     RAMPART_RETURN_IF_ERROR(Attach(s, c, H, Str(in, H.name_member), Str(in, "PolicyArn")));   \
     return Empty();                                                                           \
   }},                                                                                         \
      {"Detach" Noun "Policy",                                                                 \
       [](IamService& s, const Call& c, const json::object& in) -> Result<json::value> {      \
         RAMPART_RETURN_IF_ERROR(Detach(s, c, H, Str(in, H.name_member), Str(in, "PolicyArn")));\
         return Empty();                                                                       \
       }},                                                                                     \
      {"ListAttached" Noun "Policies",                                                         \
       [](IamService& s, const Call& c, const json::object& in) { return ListAttached(s, c, H, in); }}, \
      {"Put" Noun "Policy",                                                                    \
       [](IamService& s, const Call& c, const json::object& in) -> Result<json::value> {      \
         RAMPART_RETURN_IF_ERROR(PutInline(s, c, H, in));                                      \
         return Empty();                                                                       \
       }},                                                                                     \
      {"Get" Noun "Policy",                                                                    \
       [](IamService& s, const Call& c, const json::object& in) { return GetInline(s, c, H, in); }}, \
      {"Delete" Noun "Policy",                                                                 \
       [](IamService& s, const Call& c, const json::object& in) -> Result<json::value> {      \
         RAMPART_RETURN_IF_ERROR(DeleteInline(s, c, H, in));                                   \
         return Empty();                                                                       \
       }},                                                                                     \
      {"List" Noun "Policies",                                                                 \
       [](IamService& s, const Call& c, const json::object& in) { return ListInline(s, c, H, in); }}

}  // namespace

void AddPolicyOps(std::vector<IamOp>& ops) {
  ops.insert(ops.end(), {{"CreatePolicy", CreatePolicy},
                         {"GetPolicy", GetPolicy},
                         {"DeletePolicy", DeletePolicy},
                         {"ListPolicies", ListPolicies},
                         {"CreatePolicyVersion", CreatePolicyVersion},
                         {"GetPolicyVersion", GetPolicyVersion},
                         {"ListPolicyVersions", ListPolicyVersions},
                         {"DeletePolicyVersion", DeletePolicyVersion},
                         {"SetDefaultPolicyVersion", SetDefaultPolicyVersion},
                         {"TagPolicy", TagPolicy},
                         {"UntagPolicy", TagPolicy},
                         {"ListPolicyTags", ListPolicyTags},
                         {"ListEntitiesForPolicy", ListEntitiesForPolicy},
                         RAMPART_HOLDER_OPS(kUser, "User"),
                         RAMPART_HOLDER_OPS(kGroup, "Group"),
                         RAMPART_HOLDER_OPS(kRole, "Role")});
}

// A permissions boundary: AWS's "Scope ARN" wording, InvalidInput for a non-policy ARN.
Status RequirePolicyExists(store::EntityTx& tx, std::string_view account, std::string_view arn) {
  if (!LooksLikeArn(arn) || arn.find(":policy/") == std::string_view::npos) {
    return InvalidInput("ARN " + std::string(arn) + " is not valid.");
  }
  auto ref = ResolvePolicy(tx, account, arn);
  if (!ref.ok() && ref.error().code == "NoSuchEntity") {
    return NoSuchEntity("Scope ARN: " + std::string(arn) + " does not exist or is not attachable.");
  }
  if (!ref.ok()) return std::move(ref).error();
  return {};
}

}  // namespace rampart::services::iam
