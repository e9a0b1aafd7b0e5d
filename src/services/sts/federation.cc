#include "services/sts/federation.h"

#include <openssl/evp.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <functional>

#include "common/crypto.h"
#include "common/strings.h"
#include "protocol/model.h"
#include "protocol/xml.h"
#include "services/sts/jwt.h"
#include "services/sts/xml_dsig.h"

namespace rampart::services::sts {

namespace json = boost::json;
using iam::Str;

namespace {

constexpr int64_t kClockSkew = 300;  // seconds either way, as AWS allows
constexpr std::string_view kSamlNs = "urn:oasis:names:tc:SAML:2.0:assertion";
constexpr std::string_view kSamlpNs = "urn:oasis:names:tc:SAML:2.0:protocol";
constexpr std::string_view kAttrRole = "https://aws.amazon.com/SAML/Attributes/Role";
constexpr std::string_view kAttrSessionName = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
constexpr std::string_view kAttrDuration = "https://aws.amazon.com/SAML/Attributes/SessionDuration";
constexpr std::string_view kAttrSource = "https://aws.amazon.com/SAML/Attributes/SourceIdentity";

Error InvalidToken(std::string m) { return {"InvalidIdentityToken", std::move(m), 400, true}; }
Error Expired(std::string m) { return {"ExpiredTokenException", std::move(m), 400, true}; }
Error IdpCommunication() {
  return {"IDPCommunicationError",
          "Couldn't retrieve verification key from your identity provider,  please reference "
          "AssumeRoleWithWebIdentity documentation for requirements",
          400, true};
}
Error NotAuthorized(std::string_view action) {
  return {"AccessDenied", "Not authorized to perform " + std::string(action), 403, true};
}

// The account of arn:aws:iam::<account>:role/...; empty if it is not a role ARN.
std::string RoleAccount(std::string_view role_arn) {
  auto parts = Split(role_arn, ':');
  if (parts.size() < 6 || parts[2] != "iam" || !StartsWith(parts[5], "role/")) return {};
  return std::string(parts[4]);
}

Result<std::optional<json::object>> LoadEntity(StsService& svc, std::string_view account,
                                               std::string_view kind, std::string_view key) {
  std::optional<json::object> doc;
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(doc, iam::Load(tx, account, kind, iam::Key(key)));
    return {};
  }));
  return doc;
}

// A NumericDate claim (seconds since the epoch) within years 1-9999; nullopt if absent, not a
// number, or out of that range (a huge double converted to int64 is undefined behaviour).
std::optional<int64_t> NumericClaim(const json::object& claims, std::string_view k) {
  constexpr int64_t kMin = -62135596800, kMax = 253402300799;
  auto* v = claims.if_contains(k);
  if (!v) return std::nullopt;
  if (v->is_int64()) {
    int64_t i = v->as_int64();
    if (i < kMin || i > kMax) return std::nullopt;
    return i;
  }
  if (v->is_uint64()) return v->as_uint64() > static_cast<uint64_t>(kMax)
                                 ? std::nullopt
                                 : std::optional<int64_t>(static_cast<int64_t>(v->as_uint64()));
  if (v->is_double()) {
    double d = v->as_double();
    if (!(d >= static_cast<double>(kMin) && d <= static_cast<double>(kMax))) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

std::vector<std::string> StringList(const json::value* v) {
  std::vector<std::string> out;
  if (!v) return out;
  if (v->is_string()) out.emplace_back(v->as_string());
  if (v->is_array()) {
    for (const auto& x : v->as_array()) {
      if (x.is_string()) out.emplace_back(x.as_string());
    }
  }
  return out;
}

Error FetchError(const Error& e) {
  if (e.code == "ThumbprintMismatch") {
    return InvalidToken("OpenIDConnect provider's HTTPS certificate doesn't match configured "
                        "thumbprint");
  }
  return IdpCommunication();
}

// Fetches a provider's JWKS "keys": OIDC discovery, then jwks_uri, both trusted by the
// thumbprints. Runs on a JwksCache thread.
Result<json::array> FetchProviderKeys(const ThumbprintFetch& fetch, const std::string& issuer_url,
                                      const std::vector<std::string>& thumbprints) {
  if (!fetch) return IdpCommunication();
  auto conf_text = fetch(issuer_url + "/.well-known/openid-configuration", thumbprints);
  if (!conf_text.ok()) return FetchError(conf_text.error());
  boost::system::error_code ec;
  json::value conf = json::parse(*conf_text, ec);
  if (ec || !conf.is_object()) return IdpCommunication();
  std::string_view jwks_uri = Str(conf.as_object(), "jwks_uri");
  if (!StartsWith(jwks_uri, "https://")) return IdpCommunication();
  auto jwks_text = fetch(jwks_uri, thumbprints);
  if (!jwks_text.ok()) return FetchError(jwks_text.error());
  json::value jwks = json::parse(*jwks_text, ec);
  if (ec || !jwks.is_object()) return IdpCommunication();
  auto* keys = jwks.as_object().if_contains("keys");
  if (!keys || !keys->is_array()) return IdpCommunication();
  return keys->as_array();
}

// The provider's keys from the cache; on a miss the fetch starts in the background and the call
// is deferred (the gateway runs it again once the fetch is done).
Result<json::array> ProviderKeys(StsService& svc, const std::string& issuer_url,
                                 const std::vector<std::string>& thumbprints, int64_t now) {
  std::string cache_key = issuer_url;
  for (const std::string& t : thumbprints) cache_key += "|" + ToLower(t);
  if (auto cached = svc.jwks().Get(cache_key, now)) return std::move(*cached);
  svc.jwks().Begin(
      cache_key,
      [fetch = svc.fetch(), issuer_url, thumbprints] {
        return FetchProviderKeys(fetch, issuer_url, thumbprints);
      },
      now);
  return Deferred("jwks", cache_key);
}

std::string StripSpace(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') out.push_back(c);
  }
  return out;
}

// DER signing certificates of SAML metadata (KeyDescriptor use="signing" or without use).
std::vector<std::string> SigningCertificates(std::string_view metadata) {
  std::vector<std::string> out;
  auto doc = xml::Parse(metadata);
  if (!doc.ok()) return out;
  std::function<void(const xml::Element&, bool)> walk = [&](const xml::Element& e, bool in_key) {
    bool key = in_key;
    if (e.name == "KeyDescriptor") {
      key = true;
      for (const auto& [k, v] : e.attributes) {
        if (k == "use" && v != "signing") key = false;
      }
      if (!key) return;
    }
    if (key && e.name == "X509Certificate") {
      auto der = crypto::Base64Decode(StripSpace(e.text));
      if (der.ok()) out.push_back(std::move(*der));
    }
    for (const auto& c : e.children) walk(c, key);
  };
  walk(*doc, false);
  return out;
}

std::string EntityId(std::string_view metadata) {
  auto doc = xml::Parse(metadata);
  if (!doc.ok()) return {};
  std::function<std::string(const xml::Element&)> find = [&](const xml::Element& e) -> std::string {
    if (e.name == "EntityDescriptor") {
      for (const auto& [k, v] : e.attributes) {
        if (k == "entityID") return v;
      }
    }
    for (const auto& c : e.children) {
      if (std::string id = find(c); !id.empty()) return id;
    }
    return {};
  };
  return find(*doc);
}

bool IsAncestorOrSelf(const XDoc& doc, int ancestor, int e) {
  for (int cur = e; cur >= 0; cur = doc.nodes[cur].parent) {
    if (cur == ancestor) return true;
  }
  return false;
}

std::optional<int> FirstChild(const XDoc& doc, int e, std::string_view ns, std::string_view local) {
  auto v = doc.Children(e, ns, local);
  if (v.empty()) return std::nullopt;
  return v[0];
}

// The AWS sign-in endpoint a SAML assertion is addressed to: https://signin.aws.amazon.com/saml,
// a regional https://<region>.signin.aws.amazon.com/saml, optionally with /acs/<id>.
bool IsSigninEndpoint(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (!StartsWith(url, kScheme)) return false;
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view host = rest.substr(0, slash), path = rest.substr(slash);
  constexpr std::string_view kHost = "signin.aws.amazon.com";
  bool host_ok = host == kHost || (host.size() > kHost.size() + 1 &&
                                   host.substr(host.size() - kHost.size() - 1) == "." + std::string(kHost) &&
                                   model::IsKnownRegion(host.substr(0, host.size() - kHost.size() - 1)));
  if (!host_ok) return false;
  if (path == "/saml") return true;
  return StartsWith(path, "/saml/acs/") && path.size() > 10 &&
         path.find('/', 10) == std::string_view::npos;
}

bool ValidSessionName(std::string_view s) {
  if (s.size() < 2 || s.size() > 64) return false;
  for (char c : s) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '=' ||
              c == ',' || c == '.' || c == '@' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool SamlReplayCache::Use(const std::string& assertion_id, int64_t until,
                          std::string_view request_id, int64_t now) {
  std::lock_guard lock(mu_);
  if (seen_.size() > 10000) {
    for (auto it = seen_.begin(); it != seen_.end();) {
      it = it->second.first <= now ? seen_.erase(it) : std::next(it);
    }
  }
  auto it = seen_.find(assertion_id);
  if (it != seen_.end() && it->second.first > now && it->second.second != request_id) return false;
  seen_[assertion_id] = {until, std::string(request_id)};
  return true;
}

Result<WebIdentity> VerifyWebIdentity(StsService& svc, const Call& call, const json::object& in) {
  std::string_view role_arn = Str(in, "RoleArn");
  std::string account = RoleAccount(role_arn);
  if (account.empty()) return NotAuthorized("sts:AssumeRoleWithWebIdentity");
  auto parsed = ParseJwt(Str(in, "WebIdentityToken"));
  if (!parsed.ok()) {
    return InvalidToken("The ID Token provided is not a valid JWT. (You may see this error if you "
                        "sent an Access Token)");
  }
  const Jwt& jwt = *parsed;
  std::string iss(Str(jwt.claims, "iss"));
  if (iss.empty()) return InvalidToken("The ID Token has no iss claim");
  std::string issuer = StartsWith(iss, "https://") ? iss.substr(8) : iss;
  while (!issuer.empty() && issuer.back() == '/') issuer.pop_back();
  RAMPART_ASSIGN_OR_RETURN(auto provider, LoadEntity(svc, account, "oidc-provider", issuer));
  if (!provider) return InvalidToken("No OpenIDConnect provider found in your account for " + iss);

  // The signature first: no claim of an unverified token is looked at (or reported on), but
  // the issuer that names the keys.
  std::string stored_url(Str(*provider, "Url"));
  int64_t now = call.now_epoch_seconds;
  RAMPART_ASSIGN_OR_RETURN(json::array keys,
                           ProviderKeys(svc, "https://" + stored_url,
                                        StringList(provider->if_contains("ThumbprintList")), now));
  bool verified = false;
  for (const auto& k : keys) {
    if (!k.is_object()) continue;
    if (!jwt.kid.empty() && Str(k.as_object(), "kid") != jwt.kid) continue;
    auto ok = VerifyJwtSignature(jwt, k.as_object());
    if (!ok.ok()) return InvalidToken("Cannot verify the ID Token: " + ok.error().message);
    if (*ok) {
      verified = true;
      break;
    }
  }
  if (!verified) {
    return InvalidToken("The ID Token's signature does not verify with any key of the provider's "
                        "JWKS");
  }

  std::vector<std::string> clients = StringList(provider->if_contains("ClientIDList"));
  std::string audience;
  for (const std::string& aud : StringList(jwt.claims.if_contains("aud"))) {
    if (std::find(clients.begin(), clients.end(), aud) != clients.end()) {
      audience = aud;
      break;
    }
  }
  if (audience.empty()) return InvalidToken("Incorrect token audience");
  // Times compared without overflow: claims are bounded (NumericClaim) and skew is applied to
  // `now`, never added to a claim.
  auto exp = NumericClaim(jwt.claims, "exp");
  if (!exp) return InvalidToken("The ID Token has no valid exp claim");
  if (now - kClockSkew >= *exp) {
    return Expired("Token expired: current date/time " + std::to_string(now) +
                   " must be before the expiration date/time" + std::to_string(*exp));
  }
  if (jwt.claims.contains("nbf")) {
    auto nbf = NumericClaim(jwt.claims, "nbf");
    if (!nbf) return InvalidToken("The ID Token's nbf claim is not a valid time");
    if (*nbf > now + kClockSkew) {
      return InvalidToken("The ID Token is not valid yet (nbf " + std::to_string(*nbf) + ")");
    }
  }
  if (jwt.claims.contains("iat")) {
    auto iat = NumericClaim(jwt.claims, "iat");
    if (!iat) return InvalidToken("The ID Token's iat claim is not a valid time");
    if (*iat > now + kClockSkew) {
      return InvalidToken("The ID Token was issued in the future (iat " + std::to_string(*iat) +
                          ")");
    }
  }
  std::string sub(Str(jwt.claims, "sub"));
  if (sub.empty()) return InvalidToken("The ID Token has no sub claim");

  WebIdentity id;
  id.subject = sub;
  id.audience = audience;
  id.issuer = iss;
  id.caller.provider = std::string(Str(*provider, "Arn"));
  id.caller.role_arn = std::string(role_arn);
  id.caller.context.push_back({stored_url + ":aud", {audience}});
  id.caller.context.push_back({stored_url + ":sub", {sub}});
  if (auto amr = StringList(jwt.claims.if_contains("amr")); !amr.empty()) {
    id.caller.context.push_back({stored_url + ":amr", std::move(amr)});
  }
  return id;
}

Result<SamlIdentity> VerifySaml(StsService& svc, const Call& call, const json::object& in) {
  std::string_view role_arn = Str(in, "RoleArn");
  std::string_view provider_arn = Str(in, "PrincipalArn");
  std::string account = RoleAccount(role_arn);
  if (account.empty()) return NotAuthorized("sts:AssumeRoleWithSAML");
  std::string prefix = "arn:aws:iam::" + account + ":saml-provider/";
  if (!StartsWith(provider_arn, prefix) || provider_arn.size() == prefix.size()) {
    return InvalidToken("No SAML provider " + std::string(provider_arn) +
                        " found in the account of the role");
  }
  std::string provider_name(provider_arn.substr(prefix.size()));
  RAMPART_ASSIGN_OR_RETURN(auto provider, LoadEntity(svc, account, "saml-provider", provider_name));
  if (!provider || Str(*provider, "Arn") != provider_arn) {
    return InvalidToken("No SAML provider " + std::string(provider_arn) +
                        " found in the account of the role");
  }
  int64_t now = call.now_epoch_seconds;
  if (auto vu = provider->if_contains("ValidUntil"); vu && vu->is_number() &&
                                                     vu->to_number<double>() < static_cast<double>(now)) {
    return InvalidToken("The metadata of SAML provider " + std::string(provider_arn) +
                        " has expired (validUntil)");
  }
  std::string_view metadata = Str(*provider, "SAMLMetadataDocument");

  auto raw = crypto::Base64Decode(StripSpace(Str(in, "SAMLAssertion")));
  if (!raw.ok()) return InvalidToken("Invalid SAML response: not base64");
  auto parsed = ParseXDoc(*raw);
  if (!parsed.ok()) return InvalidToken("Invalid SAML response: " + parsed.error().message);
  const XDoc& doc = *parsed;
  if (doc.Local(0) != "Response" || doc.NamespaceOf(0) != kSamlpNs) {
    return InvalidToken("Invalid SAML response: the document element is not a samlp:Response");
  }
  if (!doc.FindAll(kSamlNs, "EncryptedAssertion").empty()) {
    return InvalidToken("Encrypted SAML assertions are not supported");
  }
  std::vector<int> assertions = doc.FindAll(kSamlNs, "Assertion");
  if (assertions.size() != 1) return InvalidToken("The SAML response must hold exactly one Assertion");
  int assertion = assertions[0];

  // Signatures: every enveloped signature of the Response or the Assertion must verify, and one
  // of them must cover the assertion.
  std::vector<std::string> certs = SigningCertificates(metadata);
  if (certs.empty()) {
    return InvalidToken("The SAML provider's metadata has no signing certificate");
  }
  bool covered = false;
  for (int sig : doc.FindAll(kDsigNs, "Signature")) {
    int parent = doc.nodes[sig].parent;
    if (parent != 0 && parent != assertion) {
      return InvalidToken("Invalid SAML response: unexpected Signature element");
    }
    auto signed_el = VerifyEnvelopedSignature(doc, sig, certs);
    if (!signed_el.ok()) {
      return InvalidToken("Invalid SAML response signature: " + signed_el.error().message);
    }
    if (IsAncestorOrSelf(doc, *signed_el, assertion)) covered = true;
  }
  if (!covered) return InvalidToken("The SAML assertion is not signed");

  if (auto st = FirstChild(doc, 0, kSamlpNs, "Status")) {
    auto code = FirstChild(doc, *st, kSamlpNs, "StatusCode");
    if (!code || doc.Attr(*code, "Value").value_or("") != "urn:oasis:names:tc:SAML:2.0:status:Success") {
      return Error{"IDPRejectedClaim", "The identity provider reported that authentication failed",
                   403, true};
    }
  }

  SamlIdentity id;
  auto issuer_el = FirstChild(doc, assertion, kSamlNs, "Issuer");
  id.issuer = issuer_el ? std::string(Trim(doc.Text(*issuer_el))) : "";
  if (id.issuer.empty() || id.issuer != EntityId(metadata)) {
    return InvalidToken("The assertion's Issuer does not match the SAML provider's entityID");
  }
  auto conditions = FirstChild(doc, assertion, kSamlNs, "Conditions");
  if (!conditions) return InvalidToken("The SAML assertion has no Conditions");
  auto time_attr = [&](int e, std::string_view name) -> Result<std::optional<int64_t>> {
    auto v = doc.Attr(e, name);
    if (!v) return std::optional<int64_t>();
    auto t = ParseTimestamp(*v);
    if (!t) return InvalidToken("Invalid SAML timestamp " + std::string(*v));
    return std::optional<int64_t>(static_cast<int64_t>(*t));
  };
  RAMPART_ASSIGN_OR_RETURN(auto not_before, time_attr(*conditions, "NotBefore"));
  RAMPART_ASSIGN_OR_RETURN(auto not_after, time_attr(*conditions, "NotOnOrAfter"));
  if (not_before && *not_before > now + kClockSkew) {
    return InvalidToken("The SAML assertion is not yet valid (NotBefore)");
  }
  if (not_after && now >= *not_after + kClockSkew) {
    return Expired("The SAML assertion has expired (NotOnOrAfter)");
  }
  bool audience_ok = false;
  for (int ar : doc.Children(*conditions, kSamlNs, "AudienceRestriction")) {
    for (int a : doc.Children(ar, kSamlNs, "Audience")) {
      std::string aud(Trim(doc.Text(a)));
      if (aud == "https://signin.aws.amazon.com/saml" || aud == "urn:amazon:webservices") {
        audience_ok = true;
      }
    }
  }
  if (!audience_ok) {
    return InvalidToken("The SAML assertion's Audience is not https://signin.aws.amazon.com/saml");
  }

  auto subject = FirstChild(doc, assertion, kSamlNs, "Subject");
  if (!subject) return InvalidToken("The SAML assertion has no Subject");
  if (auto name_id = FirstChild(doc, *subject, kSamlNs, "NameID")) {
    id.subject = std::string(Trim(doc.Text(*name_id)));
    std::string format(doc.Attr(*name_id, "Format").value_or(""));
    constexpr std::string_view kFmt = "urn:oasis:names:tc:SAML:2.0:nameid-format:";
    id.subject_type = StartsWith(format, kFmt) && (format.substr(kFmt.size()) == "persistent" ||
                                                   format.substr(kFmt.size()) == "transient")
                          ? format.substr(kFmt.size())
                          : format;
  }
  // AWS: exactly one SubjectConfirmation, whose SubjectConfirmationData has both NotOnOrAfter
  // and a Recipient that is the AWS sign-in endpoint.
  auto confirmations = doc.Children(*subject, kSamlNs, "SubjectConfirmation");
  if (confirmations.size() != 1) {
    return InvalidToken("The SAML assertion must have exactly one SubjectConfirmation");
  }
  auto data = FirstChild(doc, confirmations[0], kSamlNs, "SubjectConfirmationData");
  if (!data) return InvalidToken("The SubjectConfirmation has no SubjectConfirmationData");
  RAMPART_ASSIGN_OR_RETURN(auto confirm_until, time_attr(*data, "NotOnOrAfter"));
  if (!confirm_until) {
    return InvalidToken("The SubjectConfirmationData must have a NotOnOrAfter attribute");
  }
  if (now - kClockSkew >= *confirm_until) {
    return Expired("The SAML assertion has expired (SubjectConfirmationData NotOnOrAfter)");
  }
  std::string recipient(doc.Attr(*data, "Recipient").value_or(""));
  if (!IsSigninEndpoint(recipient)) {
    return InvalidToken("The SubjectConfirmationData Recipient must be the AWS sign-in endpoint "
                        "(https://signin.aws.amazon.com/saml), not '" + recipient + "'");
  }
  id.audience = recipient;
  // An assertion is good once: its ID is remembered until it expires. (The authorization step
  // and the handler verify it in the same call: the call's request id tells them apart from a
  // replay.)
  std::string assertion_id(doc.Attr(assertion, "ID").value_or(""));
  if (assertion_id.empty()) return InvalidToken("The SAML assertion has no ID");
  if (!svc.saml_replay().Use(assertion_id, *confirm_until + kClockSkew, call.request_id, now)) {
    return InvalidToken("The SAML assertion " + assertion_id + " was already used");
  }
  if (id.subject.empty()) return InvalidToken("The SAML assertion has no Subject NameID");
  if (auto authn = FirstChild(doc, assertion, kSamlNs, "AuthnStatement")) {
    RAMPART_ASSIGN_OR_RETURN(auto until, time_attr(*authn, "SessionNotOnOrAfter"));
    if (until) id.session_not_on_or_after = *until;
  }

  bool role_ok = false;
  for (int stmt : doc.Children(assertion, kSamlNs, "AttributeStatement")) {
    for (int attr : doc.Children(stmt, kSamlNs, "Attribute")) {
      std::string_view name = doc.Attr(attr, "Name").value_or("");
      std::vector<std::string> values;
      for (int v : doc.Children(attr, kSamlNs, "AttributeValue")) {
        values.emplace_back(Trim(doc.Text(v)));
      }
      if (name == kAttrRole) {
        for (const std::string& v : values) {
          auto pair = Split(v, ',');
          if (pair.size() != 2) continue;
          std::string_view a = Trim(pair[0]), b = Trim(pair[1]);
          if ((a == role_arn && b == provider_arn) || (b == role_arn && a == provider_arn)) {
            role_ok = true;
          }
        }
      } else if (name == kAttrSessionName && !values.empty()) {
        id.session_name = values[0];
      } else if (name == kAttrDuration && !values.empty()) {
        char* end = nullptr;
        long long d = std::strtoll(values[0].c_str(), &end, 10);
        if (values[0].empty() || *end != '\0' || d < 900 || d > 43200) {
          return InvalidToken("SessionDuration must be an integer from 900 to 43200");
        }
        id.session_duration = d;
      } else if (name == kAttrSource && !values.empty()) {
        id.source_identity = values[0];
      }
    }
  }
  if (!role_ok) {
    return Error{"IDPRejectedClaim",
                 "The SAML assertion's Role attribute does not contain the pair " +
                     std::string(role_arn) + "," + std::string(provider_arn),
                 403, true};
  }
  if (id.session_name.empty()) return InvalidToken("RoleSessionName is required in AuthnResponse");
  if (!ValidSessionName(id.session_name)) {
    return InvalidToken("RoleSessionName in the AuthnResponse is not valid: " + id.session_name);
  }

  std::string qualifier_input = id.issuer + account + "/" + provider_name;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(qualifier_input.data(), qualifier_input.size(), md, &len, EVP_sha1(), nullptr);
  id.name_qualifier = crypto::Base64Encode(std::string_view(reinterpret_cast<char*>(md), len));

  id.caller.provider = std::string(provider_arn);
  id.assertion_id = assertion_id;
  id.caller.role_arn = std::string(role_arn);
  id.caller.context = {{"saml:aud", {id.audience}},
                       {"saml:iss", {id.issuer}},
                       {"saml:sub", {id.subject}},
                       {"saml:sub_type", {id.subject_type}},
                       {"saml:namequalifier", {id.name_qualifier}}};
  return id;
}

Result<FederatedCaller> VerifyFederated(StsService& svc, const Call& call,
                                        std::string_view operation, const json::object& in) {
  if (operation == "AssumeRoleWithWebIdentity") {
    RAMPART_ASSIGN_OR_RETURN(WebIdentity id, VerifyWebIdentity(svc, call, in));
    return std::move(id.caller);
  }
  if (operation == "AssumeRoleWithSAML") {
    RAMPART_ASSIGN_OR_RETURN(SamlIdentity id, VerifySaml(svc, call, in));
    return std::move(id.caller);
  }
  return Error::Internal("not a federated operation: " + std::string(operation));
}

}  // namespace rampart::services::sts
