#include "spine/record.h"

#include <cmath>
#include <cstring>
#include <optional>

#include <boost/json.hpp>

#include "common/strings.h"
#include "spine/record_rules.h"

namespace rampart::spine {

namespace json = boost::json;

namespace {

constexpr std::string_view kHidden = "HIDDEN_DUE_TO_SECURITY_REASONS";

// AWS writes member names with their first letter lowercased, acronyms and all
// ("AWSAccountId" -> "aWSAccountId", "SAMLAssertionID" -> "sAMLAssertionID": the KMS and STS
// example records).
std::string Camel(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z') out[0] = static_cast<char>(out[0] + 32);
  return out;
}

// Secrets AWS never writes into a record, whether or not the model marks them sensitive.
bool IsSecretMember(std::string_view name) {
  static constexpr std::string_view kSecrets[] = {
      "SecretAccessKey", "Password", "NewPassword", "OldPassword", "PrivateKey", "Plaintext",
      "SAMLAssertion", "WebIdentityToken", "Base32StringSeed", "QRCodePNG",
      "AuthenticationCode1", "AuthenticationCode2", "TokenCode", "ServicePassword",
      "PrivateKeyPlaintext", "CertificateChain"};
  for (std::string_view s : kSecrets) {
    if (s == name) return true;
  }
  return false;
}

// Credentials AWS leaves out of requestParameters altogether (it logs the assertion's ID, not
// the assertion; the web identity token not at all).
bool OmittedFromRequest(std::string_view name) {
  return name == "SAMLAssertion" || name == "WebIdentityToken";
}

// The identity part of a call's facts. `scratch` keeps a federated user's issuer ARN alive.
void CaptureIdentity(const CallFacts& f, store::EventFacts& x, std::string& scratch) {
  using K = store::IdentityKind;
  const services::Principal* p = f.principal;
  if (!p) {
    x.kind = K::kNone;
    x.access_key_id = f.access_key_id;
    return;
  }
  using T = services::Principal::Type;
  switch (p->type) {
    case T::kRoot: x.kind = K::kRoot; break;
    case T::kIamUser: x.kind = K::kIamUser; break;
    case T::kAssumedRole: x.kind = K::kAssumedRole; break;
    case T::kFederatedUser: x.kind = K::kFederatedUser; break;
    case T::kAnonymous: x.kind = K::kAnonymous; break;
  }
  x.principal_id = p->user_id;
  x.arn = p->arn;
  x.principal_account = p->account_id;
  x.access_key_id = p->access_key_id;
  if (p->type == T::kIamUser) x.user_name = p->user_name;
  const auto& s = p->session;
  if (!s) return;
  x.session = true;
  if (p->type == T::kAssumedRole) {
    x.issuer_id = s->role_id;
    x.issuer_arn = s->role_arn;
    x.issuer_name = s->role_name;
  } else if (p->type == T::kFederatedUser) {
    scratch = "arn:aws:iam::" + p->account_id + ":user/" + s->parent_user;
    x.issuer_id = s->parent_user_id;
    x.issuer_arn = scratch;
    x.issuer_name = s->parent_user;
  }
  x.session_created = s->issued_epoch;
  x.mfa = s->mfa_auth_epoch > 0;
  x.source_identity = s->source_identity;
}

}  // namespace

std::string EventSource(const model::Service& service) {
  std::string_view name = service.signing_name;
  if (service.id == "cloudwatch") name = "monitoring";
  return std::string(name) + ".amazonaws.com";
}

namespace {

json::value TrailDate(const json::value& doc, const TrailStyle& style, json::storage_ptr sp) {
  std::optional<double> t;
  if (doc.is_double()) t = doc.as_double();
  if (doc.is_int64()) t = static_cast<double>(doc.as_int64());
  if (doc.is_string()) t = ParseTimestamp(doc.as_string());
  if (!t || !std::isfinite(*t)) return json::value(doc, sp);
  return json::string(FormatJavaMediumDate(static_cast<int64_t>(std::floor(*t)), style.year_comma),
                      sp);
}

}  // namespace

json::value TrailView(const model::Service& svc, uint32_t shape_idx, const json::value& doc,
                      json::storage_ptr sp, TrailStyle style) {
  const model::Shape& shape = svc.shape(shape_idx);
  if (shape.flags & model::kShapeSensitive) return json::string(kHidden, sp);
  switch (shape.type) {
    case model::ShapeType::kStructure: {
      json::object out(sp);
      if (!doc.is_object()) return out;
      for (const model::Member& m : svc.StructMembers(shape)) {
        auto* v = doc.as_object().if_contains(m.name);
        if (!v || v->is_null()) continue;
        const model::Shape& ms = svc.shape(m.shape);
        // Bytes (plaintexts, ciphertexts, key material, signatures) are never logged.
        if (ms.type == model::ShapeType::kBlob) continue;
        bool secret = IsSecretMember(m.name) || (ms.flags & model::kShapeSensitive);
        if (secret && (style.response || OmittedFromRequest(m.name))) continue;
        if (secret) {
          out[Camel(m.name)] = json::string(kHidden, sp);
          continue;
        }
        out[Camel(m.name)] = TrailView(svc, m.shape, *v, sp, style);
      }
      return out;
    }
    case model::ShapeType::kList: {
      json::array out(sp);
      if (!doc.is_array()) return out;
      const model::Member& elem = svc.members[shape.first_member];
      for (const auto& item : doc.as_array()) {
        out.push_back(TrailView(svc, elem.shape, item, sp, style));
      }
      return out;
    }
    case model::ShapeType::kMap: {
      json::object out(sp);
      if (!doc.is_object()) return out;
      const model::Member& val = svc.members[shape.first_member + 1];
      for (const auto& kv : doc.as_object()) {
        out[kv.key()] = TrailView(svc, val.shape, kv.value(), sp, style);
      }
      return out;
    }
    case model::ShapeType::kTimestamp:
      return TrailDate(doc, style, sp);
    case model::ShapeType::kBlob:
      return json::string(kHidden, sp);
    case model::ShapeType::kFloat:
    case model::ShapeType::kDouble:
      // NaN and the infinities as the JSON protocol writes them: Boost would write bare NaN and
      // Infinity tokens, and the record would not be JSON.
      if (doc.is_double() && !std::isfinite(doc.as_double())) {
        double d = doc.as_double();
        return json::string(std::isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity", sp);
      }
      return json::value(doc, sp);
    default:
      return json::value(doc, sp);
  }
}

namespace {

// requestParameters, responseElements, additionalEventData and a handler's userIdentity, as
// JSON text in the buffers ("" where AWS shows null or nothing). The documents are made in one
// arena: through the model (redaction, names, dates), then AWS's rules and the handler's notes.
void Parts(const CallFacts& f, const store::EventView& r, RecordBuffers& b, store::EventFacts& x) {
  b.params.clear();
  b.elements.clear();
  b.additional.clear();
  b.identity.clear();
  x.request_params = x.response_elements = x.additional_json = x.identity_json = {};
  if (!f.service || !f.operation) return;
  auto empty = [](const json::value* doc) {
    return !doc || (doc->is_object() && doc->as_object().empty());
  };
  bool ok = !f.error && f.output;
  bool logs = ok && LogsResponse(f.operation->name, r.read_only) && !empty(f.output);
  bool plain = !f.notes || f.notes->empty();
  bool rules = HasRules(f.service->id, f.operation->name);
  if (empty(f.input) && !logs && plain && !rules) return;  // GetCallerIdentity: nothing to write
  alignas(16) unsigned char arena[8192];
  json::monotonic_resource mr(arena, sizeof arena);
  json::storage_ptr sp(&mr);
  TrailStyle style;
  style.year_comma = f.service->id != "iam";
  auto view = [&](uint32_t shape, const json::value* doc, bool response) -> json::value {
    if (!doc || shape == model::kNoShape || (doc->is_object() && doc->as_object().empty())) {
      return json::value(sp);
    }
    style.response = response;
    return TrailView(*f.service, shape, *doc, sp, style);
  };
  json::value params = view(f.operation->input, f.input, false);
  json::value elements = view(f.operation->output, logs ? f.output : nullptr, true);
  json::object additional(sp);
  if (!plain || rules) {
    RecordShape shape{f.service->id, f.operation->name, f.region, f.host_header, ok,
                      f.principal, f.notes, &b.resources};
    shape.data_event = f.category == "Data";
    shape.bytes_in = f.bytes_in;
    shape.bytes_out = f.bytes_out;
    ShapeRecord(shape, params, elements, additional);
  }
  auto text = [](const json::value& v, std::string& out) {
    if (v.is_object() && !v.as_object().empty()) out = json::serialize(v);
  };
  text(params, b.params);
  text(elements, b.elements);
  if (!additional.empty()) b.additional = json::serialize(additional);
  if (f.notes && !f.notes->identity.empty()) b.identity = json::serialize(f.notes->identity);
  x.request_params = b.params;
  x.response_elements = b.elements;
  x.additional_json = b.additional;
  x.identity_json = b.identity;
}

}  // namespace

store::EventView BuildEvent(const CallFacts& f, RecordBuffers& b) {
  store::EventView r;
  r.event_id = f.event_id;
  r.event_uuid = f.event_uuid;
  r.account_id = f.account_id;
  r.event_time_ms = f.event_time_ms;
  r.event_name = f.operation ? std::string_view(f.operation->name) : "Unknown";
  if (f.service && b.source_of != f.service) {
    b.event_source = EventSource(*f.service);
    b.source_of = f.service;
  }
  r.event_source = f.service ? std::string_view(b.event_source) : "unknown.amazonaws.com";
  r.read_only = f.operation ? IsReadOnly(f.operation->name) : true;
  r.region = f.region;
  if (f.principal) {
    using T = services::Principal::Type;
    if (f.principal->type == T::kIamUser) r.username = f.principal->user_name;
    if (f.principal->type == T::kRoot) r.username = "root";
    if (f.principal->session && f.principal->type != T::kIamUser) {
      r.username = f.principal->session->session_name;
    }
    r.access_key_id = f.principal->access_key_id;
  } else {
    r.access_key_id = f.access_key_id;
  }
  r.category = f.category;
  b.resources.clear();
  if (f.category == "Data" && f.service) {
    DataEventResources(f.service->id, f.input, b.resources);
  } else if (f.service && f.operation) {
    RecordResources(f.service->id, f.operation->name, f.input, f.notes, b.resources);
  }
  r.resources = b.resources.empty() ? nullptr : &b.resources;

  if (f.error) r.error_code = f.error->code;
  if (f.principal) r.principal_arn = f.principal->arn;
  // At most 1 KiB of user agent, cut at a character boundary so the JSON stays valid UTF-8.
  size_t cut = std::min<size_t>(f.user_agent.size(), 1024);
  while (cut < f.user_agent.size() && cut > 0 &&
         (static_cast<unsigned char>(f.user_agent[cut]) & 0xc0) == 0x80) {
    --cut;
  }
  r.user_agent = f.user_agent.substr(0, cut);

  store::EventFacts& x = b.call;
  x = store::EventFacts();
  CaptureIdentity(f, x, b.issuer_arn);
  if (f.error) x.error_message = f.error->message;
  x.request_id = f.request_id;
  x.request_uuid = f.request_uuid;
  x.source_ip = f.source_ip;
  Parts(f, r, b, x);
  x.tls = f.tls;
  x.tls_version = f.tls_version;
  x.tls_cipher = f.tls_cipher;
  x.host = f.host_header;
  r.call = &x;
  return r;
}

}  // namespace rampart::spine
