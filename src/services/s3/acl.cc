// ACLs: parsing, answers and the statements they grant (acl.h).

#include "services/s3/acl.h"

#include "common/strings.h"

namespace rampart::services::s3 {
namespace {

constexpr std::string_view kPermissions[] = {"READ", "WRITE", "READ_ACP", "WRITE_ACP",
                                             "FULL_CONTROL"};

Error AclsNotSupported() {
  return Error{"AccessControlListNotSupported", "The bucket does not allow ACLs", 400, true};
}

json::object Grant(json::object grantee, std::string_view permission) {
  return json::object{{"Grantee", std::move(grantee)}, {"Permission", permission}};
}
json::object AccountGrantee(std::string_view account) {
  return json::object{{"Type", "CanonicalUser"}, {"Account", account}};
}
json::object GroupGrantee(std::string_view uri) {
  return json::object{{"Type", "Group"}, {"URI", uri}};
}

// A canned ACL's grants; nullopt for a name S3 does not know.
std::optional<json::array> CannedGrants(std::string_view acl, std::string_view owner,
                                        std::string_view bucket_owner) {
  json::array g{Grant(AccountGrantee(owner), "FULL_CONTROL")};
  if (acl == "private" || acl == "aws-exec-read") return g;
  if (acl == "public-read" || acl == "public-read-write") {
    g.push_back(Grant(GroupGrantee(kAllUsers), "READ"));
    if (acl == "public-read-write") g.push_back(Grant(GroupGrantee(kAllUsers), "WRITE"));
    return g;
  }
  if (acl == "authenticated-read") {
    g.push_back(Grant(GroupGrantee(kAuthenticatedUsers), "READ"));
    return g;
  }
  if (acl == "bucket-owner-read" || acl == "bucket-owner-full-control") {
    if (bucket_owner != owner) {
      g.push_back(Grant(AccountGrantee(bucket_owner),
                        acl == "bucket-owner-read" ? "READ" : "FULL_CONTROL"));
    }
    return g;
  }
  if (acl == "log-delivery-write") {
    g.push_back(Grant(GroupGrantee(kLogDelivery), "WRITE"));
    g.push_back(Grant(GroupGrantee(kLogDelivery), "READ_ACP"));
    return g;
  }
  return std::nullopt;
}

// The account a grantee names: by canonical id or e-mail address; groups by URI.
Result<json::object> ResolveGrantee(S3Service& s3, std::string_view kind, std::string_view value) {
  if (kind == "uri" || kind == "URI") {
    if (value != kAllUsers && value != kAuthenticatedUsers && value != kLogDelivery) {
      return InvalidArgument("Invalid group uri");
    }
    return GroupGrantee(value);
  }
  RAMPART_ASSIGN_OR_RETURN(auto accounts, s3.store().accounts().ListAccounts());
  for (const auto& a : accounts) {
    bool match = (kind == "id" || kind == "ID") ? CanonicalUserId(a.account_id) == value
                                                : a.email == value;
    if (match) return AccountGrantee(a.account_id);
  }
  if (kind == "id" || kind == "ID") return InvalidArgument("Invalid id");
  return Error{"UnresolvableGrantByEmailAddress",
               "The e-mail address you provided does not match any account on record.", 400, true};
}

// x-amz-grant-* headers: `id="...", uri="...", emailAddress="..."`, comma-separated.
Status AddHeaderGrants(S3Service& s3, std::string_view header, std::string_view permission,
                       json::array& grants) {
  for (std::string_view item : Split(header, ',')) {
    item = Trim(item);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) return InvalidArgument("Invalid grant: " + std::string(item));
    std::string_view kind = Trim(item.substr(0, eq));
    std::string_view value = Trim(item.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (kind != "id" && kind != "uri" && kind != "emailAddress") {
      return InvalidArgument("Invalid grantee type: " + std::string(kind));
    }
    RAMPART_ASSIGN_OR_RETURN(json::object grantee, ResolveGrantee(s3, kind, value));
    grants.push_back(Grant(std::move(grantee), permission));
  }
  return {};
}

Result<json::array> BodyGrants(S3Service& s3, const json::object& policy) {
  json::array grants;
  auto* list = policy.if_contains("Grants");
  if (!list || !list->is_array()) return grants;
  for (const auto& g : list->as_array()) {
    if (!g.is_object()) continue;
    std::string_view permission = Str(g.as_object(), "Permission");
    bool known = false;
    for (std::string_view p : kPermissions) known = known || p == permission;
    auto* ge = g.as_object().if_contains("Grantee");
    if (!known || !ge || !ge->is_object()) {
      return Error{"MalformedACLError",
                   "The XML you provided was not well-formed or did not validate against our "
                   "published schema",
                   400, true};
    }
    const json::object& grantee = ge->as_object();
    std::string_view type = Str(grantee, "Type");
    Result<json::object> who = type == "Group" ? ResolveGrantee(s3, "uri", Str(grantee, "URI"))
                               : type == "AmazonCustomerByEmail"
                                   ? ResolveGrantee(s3, "emailAddress", Str(grantee, "EmailAddress"))
                                   : ResolveGrantee(s3, "id", Str(grantee, "ID"));
    if (!who.ok()) return who.error();
    grants.push_back(Grant(std::move(*who), permission));
  }
  return grants;
}

bool IsPublicGrant(const json::value& g) {
  if (!g.is_object()) return false;
  auto* ge = g.as_object().if_contains("Grantee");
  if (!ge || !ge->is_object()) return false;
  std::string_view uri = Str(ge->as_object(), "URI");
  return uri == kAllUsers || uri == kAuthenticatedUsers;
}

// The actions a permission grants, on a bucket or on an object.
std::vector<std::string_view> ActionsOf(std::string_view permission, bool object) {
  std::vector<std::string_view> out;
  auto add = [&](std::string_view p, std::initializer_list<std::string_view> acts) {
    if (permission == p || permission == "FULL_CONTROL") out.insert(out.end(), acts);
  };
  if (object) {
    add("READ", {"s3:GetObject", "s3:GetObjectVersion"});
    add("READ_ACP", {"s3:GetObjectAcl", "s3:GetObjectVersionAcl"});
    add("WRITE_ACP", {"s3:PutObjectAcl", "s3:PutObjectVersionAcl"});
  } else {
    add("READ", {"s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"});
    add("WRITE", {"s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion",
                  "s3:AbortMultipartUpload"});
    add("READ_ACP", {"s3:GetBucketAcl"});
    add("WRITE_ACP", {"s3:PutBucketAcl"});
  }
  return out;
}

}  // namespace

std::string_view OwnershipOf(const Bucket& b) {
  std::string_view o = Str(b.doc, "Ownership");
  return o.empty() ? "BucketOwnerEnforced" : o;
}

std::string NewObjectOwner(const Bucket& b, const Call& call, const json::object& in) {
  std::string_view o = OwnershipOf(b);
  if (o == "BucketOwnerEnforced") return b.owner();
  if (o == "BucketOwnerPreferred" && Str(in, "ACL") == "bucket-owner-full-control") {
    return b.owner();
  }
  return call.principal.account_id;
}

json::object PrivateAcl(std::string_view owner) {
  return json::object{{"Grants", json::array{Grant(AccountGrantee(owner), "FULL_CONTROL")}}};
}

Result<std::optional<json::object>> AclFromRequest(S3Service& s3, const Bucket& b,
                                                   const json::object& in, std::string_view owner,
                                                   bool object) {
  static constexpr std::pair<std::string_view, std::string_view> kHeaders[] = {
      {"GrantRead", "READ"},          {"GrantWrite", "WRITE"}, {"GrantReadACP", "READ_ACP"},
      {"GrantWriteACP", "WRITE_ACP"}, {"GrantFullControl", "FULL_CONTROL"}};
  std::string_view canned = Str(in, "ACL");
  bool headers = false;
  for (const auto& [member, p] : kHeaders) headers = headers || !Str(in, member).empty();
  auto* body = in.if_contains("AccessControlPolicy");
  bool has_body = body && body->is_object() && !body->as_object().empty();
  if (!AclsEnabled(b)) {
    if (headers || has_body ||
        (!canned.empty() && canned != "private" && canned != "bucket-owner-full-control")) {
      return AclsNotSupported();
    }
    return std::optional<json::object>();
  }
  if (!canned.empty() && headers) {
    return Error{"InvalidRequest", "Specifying both Canned ACLs and Header Grants is not allowed",
                 400, true};
  }
  json::array grants;
  if (!canned.empty()) {
    auto g = CannedGrants(canned, owner, b.owner());
    if (!g) return InvalidArgument("Invalid canned ACL: " + std::string(canned));
    grants = std::move(*g);
  } else if (headers) {
    for (const auto& [member, p] : kHeaders) {
      RAMPART_RETURN_IF_ERROR(AddHeaderGrants(s3, Str(in, member), p, grants));
    }
  } else if (has_body) {
    RAMPART_ASSIGN_OR_RETURN(grants, BodyGrants(s3, body->as_object()));
  } else {
    return std::optional<json::object>();
  }
  (void)object;
  bool is_public = false;
  for (const auto& g : grants) is_public = is_public || IsPublicGrant(g);
  if (is_public && EffectivePublicAccess(s3, b).block_public_acls) {
    return Error{"AccessDenied", "Access Denied", 403, true};
  }
  return std::optional<json::object>(json::object{{"Grants", std::move(grants)}});
}

json::object AclOutput(const json::object* stored, std::string_view owner) {
  json::object fallback;
  if (!stored) {
    fallback = PrivateAcl(owner);
    stored = &fallback;
  }
  json::array grants;
  if (auto* list = stored->if_contains("Grants"); list && list->is_array()) {
    for (const auto& g : list->as_array()) {
      if (!g.is_object() || !g.as_object().contains("Grantee")) continue;
      const json::object& ge = g.as_object().at("Grantee").as_object();
      json::object grantee{{"Type", Str(ge, "Type")}};
      if (Str(ge, "Type") == "Group") {
        grantee["URI"] = Str(ge, "URI");
      } else {
        grantee["ID"] = CanonicalUserId(Str(ge, "Account"));
      }
      grants.push_back(Grant(std::move(grantee), Str(g.as_object(), "Permission")));
    }
  }
  return json::object{{"Owner", OwnerOf(owner)}, {"Grants", std::move(grants)}};
}

json::array AclStatements(const json::object& stored, std::string_view resource, bool object,
                          bool ignore_public) {
  json::array out;
  auto* list = stored.if_contains("Grants");
  if (!list || !list->is_array()) return out;
  for (const auto& g : list->as_array()) {
    if (!g.is_object() || (ignore_public && IsPublicGrant(g))) continue;
    auto* ge = g.as_object().if_contains("Grantee");
    if (!ge || !ge->is_object()) continue;
    auto actions = ActionsOf(Str(g.as_object(), "Permission"), object);
    if (actions.empty()) continue;
    json::object st{{"Effect", "Allow"}};
    std::string_view uri = Str(ge->as_object(), "URI");
    if (uri == kAllUsers || uri == kAuthenticatedUsers) {
      st["Principal"] = "*";
      if (uri == kAuthenticatedUsers) {  // any signed request: it has a principal account
        st["Condition"] =
            json::object{{"Null", json::object{{"aws:PrincipalAccount", "false"}}}};
      }
    } else if (uri == kLogDelivery) {
      st["Principal"] = json::object{{"Service", "logging.s3.amazonaws.com"}};
    } else {
      st["Principal"] = json::object{
          {"AWS", "arn:aws:iam::" + std::string(Str(ge->as_object(), "Account")) + ":root"}};
    }
    json::array acts;
    for (std::string_view a : actions) acts.emplace_back(a);
    st["Action"] = std::move(acts);
    st["Resource"] = object ? json::value(resource)
                            : json::value(json::array{json::string(resource),
                                                      json::string(std::string(resource) + "/*")});
    out.push_back(std::move(st));
  }
  return out;
}

}  // namespace rampart::services::s3
