// Identity providers: OpenID Connect (Create/Get/List/Delete, client ids, thumbprints, tags) and
// SAML (Create/Get/List/Update/Delete, tags).
//
// Documents:
//   oidc-provider [lowercased url without https://] -> {Arn, Url, ClientIDList, ThumbprintList,
//       CreateDate, Tags}
//   saml-provider [lowercased name] -> {Arn, SAMLMetadataDocument, CreateDate, ValidUntil, Tags}
// STS AssumeRoleWithWebIdentity / AssumeRoleWithSAML read these documents.
#include <algorithm>

#include "common/strings.h"
#include "protocol/xml.h"
#include "services/iam/common.h"

namespace rampart::services::iam {

namespace {

constexpr size_t kClientIds = 100;
constexpr size_t kThumbprints = 5;
constexpr int64_t kProviders = 100;  // AWS's default quota per provider type

std::string Missing(std::string_view arn) {
  return "Manifest not found for arn " + std::string(arn);
}

// OIDC and SAML providers are stored alike: entity kind = ARN resource type, key = the lowercased
// rest of the ARN.
struct ProviderKind {
  std::string_view kind;        // "oidc-provider" | "saml-provider" (also the ARN type)
  std::string_view arn_member;  // the input member naming the provider
  std::string (*missing)(std::string_view arn);
  bool exact_arn;  // the stored Arn must equal the requested one byte for byte
};

std::string OidcMissing(std::string_view arn) {
  return "OpenIDConnect Provider not found for arn " + std::string(arn);
}

constexpr ProviderKind kOidc{"oidc-provider", "OpenIDConnectProviderArn", OidcMissing, false};
constexpr ProviderKind kSaml{"saml-provider", "SAMLProviderArn", Missing, true};

std::string ProviderPrefix(const ProviderKind& k, std::string_view account) {
  return "arn:aws:iam::" + std::string(account) + ":" + std::string(k.kind) + "/";
}

// The stored key of a provider ARN, or InvalidInput.
Result<std::string> ProviderKey(const ProviderKind& k, std::string_view account,
                                std::string_view arn) {
  std::string prefix = ProviderPrefix(k, account);
  if (!StartsWith(arn, prefix) || arn.size() == prefix.size()) {
    return InvalidInput("Invalid " + std::string(k.arn_member) + " " + std::string(arn));
  }
  return Key(arn.substr(prefix.size()));
}

Result<json::object> RequireProvider(const ProviderKind& k, store::EntityTx& tx,
                                     std::string_view account, std::string_view arn) {
  RAMPART_ASSIGN_OR_RETURN(std::string key, ProviderKey(k, account, arn));
  RAMPART_ASSIGN_OR_RETURN(auto doc, Load(tx, account, k.kind, key));
  if (!doc || (k.exact_arn && Str(*doc, "Arn") != arn)) return NoSuchEntity(k.missing(arn));
  return std::move(*doc);
}

// Loads the provider named in the request, applies `fn`, saves it.
Result<json::value> MutateProvider(const ProviderKind& k, IamService& svc, const Call& call,
                                   const json::object& in,
                                   const std::function<Status(json::object&)>& fn) {
  const std::string& acct = call.principal.account_id;
  std::string_view arn = Str(in, k.arn_member);
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object doc, RequireProvider(k, tx, acct, arn));
    RAMPART_RETURN_IF_ERROR(fn(doc));
    RAMPART_ASSIGN_OR_RETURN(std::string key, ProviderKey(k, acct, arn));
    return Save(tx, acct, k.kind, key, doc);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

// ---- OpenID Connect ----

std::string OidcPrefix(std::string_view account) { return ProviderPrefix(kOidc, account); }
Result<json::object> RequireOidc(store::EntityTx& tx, std::string_view account,
                                 std::string_view arn) {
  return RequireProvider(kOidc, tx, account, arn);
}

Status CheckThumbprints(const json::value* list) {
  if (!list || !list->is_array()) return {};
  if (list->as_array().size() > kThumbprints) {
    return InvalidInput("Thumbprint list must contain fewer than 5 entries.");
  }
  for (const auto& t : list->as_array()) {
    std::string_view s = t.is_string() ? std::string_view(t.as_string()) : std::string_view();
    bool hex = s.size() == 40 && std::all_of(s.begin(), s.end(), [](char c) {
                 return std::isxdigit(static_cast<unsigned char>(c));
               });
    if (!hex) {
      return InvalidInput("Thumbprint must be 40 hexadecimal characters (a SHA-1 digest).");
    }
  }
  return {};
}

json::array UniqueStrings(const json::value* list) {
  json::array out;
  if (!list || !list->is_array()) return out;
  for (const auto& v : list->as_array()) {
    if (v.is_string() && std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  return out;
}

Result<json::value> CreateOpenIDConnectProvider(IamService& svc, const Call& call,
                                                const json::object& in) {
  std::string_view url = Str(in, "Url");
  if (!StartsWith(url, "https://") || url.size() <= 8 ||
      url.find_first_of("?#", 8) != std::string_view::npos) {
    return Error::Validation("Invalid Open ID Connect Provider URL");
  }
  std::string issuer(url.substr(8));
  while (!issuer.empty() && issuer.back() == '/') issuer.pop_back();
  RAMPART_RETURN_IF_ERROR(CheckThumbprints(in.if_contains("ThumbprintList")));
  json::array clients = UniqueStrings(in.if_contains("ClientIDList"));
  if (clients.size() > kClientIds) {
    return LimitExceeded("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100");
  }
  const std::string& acct = call.principal.account_id;
  std::string arn = OidcPrefix(acct) + issuer;
  json::object doc{{"Arn", arn},
                   {"Url", issuer},
                   {"ClientIDList", std::move(clients)},
                   {"ThumbprintList", UniqueStrings(in.if_contains("ThumbprintList"))},
                   {"CreateDate", Now(call)}};
  RAMPART_RETURN_IF_ERROR(MergeTags(doc, in.if_contains("Tags")));
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(int64_t n, tx.Count(acct, "oidc-provider", ""));
    if (n >= kProviders) {
      return LimitExceeded("Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100");
    }
    return Create(tx, acct, "oidc-provider", Key(issuer), doc,
                  "Provider with url " + std::string(url) + " already exists.");
  });
  if (!st.ok()) return std::move(st).error();
  json::object out{{"OpenIDConnectProviderArn", arn}};
  if (doc.contains("Tags")) out["Tags"] = doc["Tags"];
  return json::value(std::move(out));
}

Result<json::value> GetOpenIDConnectProvider(IamService& svc, const Call& call,
                                             const json::object& in) {
  json::object doc;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(
        doc, RequireOidc(tx, call.principal.account_id, Str(in, "OpenIDConnectProviderArn")));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  doc.erase("Arn");
  return json::value(std::move(doc));
}

Result<json::value> ListOpenIDConnectProviders(IamService& svc, const Call& call,
                                               const json::object&) {
  json::array list;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto rows,
                             tx.List(call.principal.account_id, "oidc-provider", "", "", 1000));
    for (const auto& r : rows) {
      list.push_back(json::object{{"Arn", json::parse(r.doc).as_object()["Arn"]}});
    }
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{{"OpenIDConnectProviderList", std::move(list)}});
}

Result<json::value> MutateOidc(IamService& svc, const Call& call, const json::object& in,
                               const std::function<Status(json::object&)>& fn) {
  return MutateProvider(kOidc, svc, call, in, fn);
}

Result<json::value> AddClientIDToOpenIDConnectProvider(IamService& svc, const Call& call,
                                                       const json::object& in) {
  json::value id(Str(in, "ClientID"));
  return MutateOidc(svc, call, in, [&](json::object& doc) -> Status {
    json::array& list = doc["ClientIDList"].as_array();
    if (std::find(list.begin(), list.end(), id) != list.end()) return {};  // idempotent
    if (list.size() >= kClientIds) {
      return LimitExceeded("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100");
    }
    list.push_back(id);
    return {};
  });
}

Result<json::value> RemoveClientIDFromOpenIDConnectProvider(IamService& svc, const Call& call,
                                                            const json::object& in) {
  json::value id(Str(in, "ClientID"));
  return MutateOidc(svc, call, in, [&](json::object& doc) -> Status {
    json::array& list = doc["ClientIDList"].as_array();
    list.erase(std::remove(list.begin(), list.end(), id), list.end());  // idempotent, as AWS
    return {};
  });
}

Result<json::value> UpdateOpenIDConnectProviderThumbprint(IamService& svc, const Call& call,
                                                          const json::object& in) {
  RAMPART_RETURN_IF_ERROR(CheckThumbprints(in.if_contains("ThumbprintList")));
  return MutateOidc(svc, call, in, [&](json::object& doc) -> Status {
    doc["ThumbprintList"] = UniqueStrings(in.if_contains("ThumbprintList"));
    return {};
  });
}

// ---- SAML ----

std::string SamlPrefix(std::string_view account) { return ProviderPrefix(kSaml, account); }
Result<json::object> RequireSaml(store::EntityTx& tx, std::string_view account,
                                 std::string_view arn) {
  return RequireProvider(kSaml, tx, account, arn);
}

const xml::Element* FindEntityDescriptor(const xml::Element& e, int depth = 0) {
  if (e.name == "EntityDescriptor") return &e;
  if (depth > 4) return nullptr;
  for (const auto& c : e.children) {
    if (const xml::Element* found = FindEntityDescriptor(c, depth + 1)) return found;
  }
  return nullptr;
}

// Validates SAML metadata and returns its validUntil (0 if the document sets none).
Result<double> CheckMetadata(std::string_view metadata) {
  auto doc = xml::Parse(metadata);
  if (!doc.ok()) {
    return InvalidInput("Could not parse metadata: " + doc.error().message);
  }
  if (doc->name != "EntityDescriptor" && doc->name != "EntitiesDescriptor") {
    return InvalidInput(
        "Could not parse metadata: the root element must be an EntityDescriptor "
        "or EntitiesDescriptor, not " +
        doc->name + ".");
  }
  const xml::Element* entity = FindEntityDescriptor(*doc);
  if (!entity) return InvalidInput("Could not parse metadata: no EntityDescriptor.");
  bool has_entity_id = false;
  double valid_until = 0;
  for (const auto& [k, v] : entity->attributes) {
    if (k == "entityID" && !v.empty()) has_entity_id = true;
    if (k == "validUntil") {
      auto t = ParseTimestamp(v);
      if (!t) return InvalidInput("Could not parse metadata: bad validUntil " + v);
      valid_until = *t;
    }
  }
  if (!has_entity_id) {
    return InvalidInput("Could not parse metadata: the EntityDescriptor has no entityID.");
  }
  return valid_until;
}

Result<json::value> CreateSAMLProvider(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "Name");
  std::string_view metadata = Str(in, "SAMLMetadataDocument");
  RAMPART_ASSIGN_OR_RETURN(double valid_until, CheckMetadata(metadata));
  const std::string& acct = call.principal.account_id;
  std::string arn = SamlPrefix(acct) + std::string(name);
  json::object doc{{"Arn", arn}, {"SAMLMetadataDocument", metadata}, {"CreateDate", Now(call)}};
  if (valid_until > 0) doc["ValidUntil"] = valid_until;
  RAMPART_RETURN_IF_ERROR(MergeTags(doc, in.if_contains("Tags")));
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(int64_t n, tx.Count(acct, "saml-provider", ""));
    if (n >= kProviders) {
      return LimitExceeded("Cannot exceed quota for SAMLProvidersPerAccount: 100");
    }
    return Create(tx, acct, "saml-provider", Key(name), doc,
                  "SAMLProvider " + std::string(name) + " already exists.");
  });
  if (!st.ok()) return std::move(st).error();
  json::object out{{"SAMLProviderArn", arn}};
  if (doc.contains("Tags")) out["Tags"] = doc["Tags"];
  return json::value(std::move(out));
}

Result<json::value> GetSAMLProvider(IamService& svc, const Call& call, const json::object& in) {
  json::object doc;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(
        doc, RequireSaml(tx, call.principal.account_id, Str(in, "SAMLProviderArn")));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  doc.erase("Arn");
  return json::value(std::move(doc));
}

Result<json::value> ListSAMLProviders(IamService& svc, const Call& call, const json::object&) {
  json::array list;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto rows,
                             tx.List(call.principal.account_id, "saml-provider", "", "", 1000));
    for (const auto& r : rows) {
      json::object d = json::parse(r.doc).as_object();
      json::object item{{"Arn", d["Arn"]}, {"CreateDate", d["CreateDate"]}};
      if (d.contains("ValidUntil")) item["ValidUntil"] = d["ValidUntil"];
      list.push_back(std::move(item));
    }
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{{"SAMLProviderList", std::move(list)}});
}

Result<json::value> MutateSaml(IamService& svc, const Call& call, const json::object& in,
                               const std::function<Status(json::object&)>& fn) {
  return MutateProvider(kSaml, svc, call, in, fn);
}

Result<json::value> UpdateSAMLProvider(IamService& svc, const Call& call, const json::object& in) {
  std::string_view metadata = Str(in, "SAMLMetadataDocument");
  RAMPART_ASSIGN_OR_RETURN(double valid_until, CheckMetadata(metadata));
  auto r = MutateSaml(svc, call, in, [&](json::object& doc) -> Status {
    doc["SAMLMetadataDocument"] = metadata;
    doc.erase("ValidUntil");
    if (valid_until > 0) doc["ValidUntil"] = valid_until;
    return {};
  });
  if (!r.ok()) return r;
  return json::value(json::object{{"SAMLProviderArn", Str(in, "SAMLProviderArn")}});
}

// ---- What both kinds do alike: delete and tags ----

template <const ProviderKind& K>
Result<json::value> DeleteProvider(IamService& svc, const Call& call, const json::object& in) {
  const std::string& acct = call.principal.account_id;
  std::string_view arn = Str(in, K.arn_member);
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    auto found = RequireProvider(K, tx, acct, arn);
    // Deleting an OIDC provider that is not there succeeds (the API reference documents the
    // operation as idempotent; docs/COMPATIBILITY.md).
    if (!found.ok() && found.error().code == "NoSuchEntity" && &K == &kOidc) return {};
    if (!found.ok()) return std::move(found).error();
    RAMPART_ASSIGN_OR_RETURN(std::string key, ProviderKey(K, acct, arn));
    return tx.Delete(acct, K.kind, key);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

template <const ProviderKind& K>
Result<json::value> TagProvider(IamService& svc, const Call& call, const json::object& in) {
  return MutateProvider(K, svc, call, in,
                        [&](json::object& doc) { return MergeTags(doc, in.if_contains("Tags")); });
}

template <const ProviderKind& K>
Result<json::value> UntagProvider(IamService& svc, const Call& call, const json::object& in) {
  return MutateProvider(K, svc, call, in, [&](json::object& doc) {
    return RemoveTags(doc, in.if_contains("TagKeys"));
  });
}

template <const ProviderKind& K>
Result<json::value> ListProviderTags(IamService& svc, const Call& call, const json::object& in) {
  json::object doc;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(
        doc, RequireProvider(K, tx, call.principal.account_id, Str(in, K.arn_member)));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(TagsPage(doc, in));
}

}  // namespace

void AddProviderOps(std::vector<IamOp>& ops) {
  ops.insert(ops.end(),
             {{"CreateOpenIDConnectProvider", CreateOpenIDConnectProvider},
              {"GetOpenIDConnectProvider", GetOpenIDConnectProvider},
              {"ListOpenIDConnectProviders", ListOpenIDConnectProviders},
              {"DeleteOpenIDConnectProvider", DeleteProvider<kOidc>},
              {"AddClientIDToOpenIDConnectProvider", AddClientIDToOpenIDConnectProvider},
              {"RemoveClientIDFromOpenIDConnectProvider", RemoveClientIDFromOpenIDConnectProvider},
              {"UpdateOpenIDConnectProviderThumbprint", UpdateOpenIDConnectProviderThumbprint},
              {"TagOpenIDConnectProvider", TagProvider<kOidc>},
              {"UntagOpenIDConnectProvider", UntagProvider<kOidc>},
              {"ListOpenIDConnectProviderTags", ListProviderTags<kOidc>},
              {"CreateSAMLProvider", CreateSAMLProvider},
              {"GetSAMLProvider", GetSAMLProvider},
              {"ListSAMLProviders", ListSAMLProviders},
              {"UpdateSAMLProvider", UpdateSAMLProvider},
              {"DeleteSAMLProvider", DeleteProvider<kSaml>},
              {"TagSAMLProvider", TagProvider<kSaml>},
              {"UntagSAMLProvider", UntagProvider<kSaml>},
              {"ListSAMLProviderTags", ListProviderTags<kSaml>}});
}

}  // namespace rampart::services::iam
