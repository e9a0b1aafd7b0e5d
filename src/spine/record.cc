#include "spine/record.h"

#include <cmath>
#include <cstring>

#include <boost/json.hpp>

#include "common/strings.h"

namespace rampart::spine {

namespace json = boost::json;

namespace {

constexpr std::string_view kHidden = "HIDDEN_DUE_TO_SECURITY_REASONS";

std::string Camel(std::string_view s) {
  std::string out(s);
  // "SSHPublicKeyId" -> "sSHPublicKeyId" would be wrong; AWS lowercases the leading capitals
  // of an acronym except the last one before a lowercase letter ("sSH" -> "ssh").
  size_t i = 0;
  while (i < out.size() && out[i] >= 'A' && out[i] <= 'Z') ++i;
  if (i == 0) return out;
  size_t stop = (i > 1 && i < out.size()) ? i - 1 : i;
  for (size_t k = 0; k < stop; ++k) out[k] = static_cast<char>(out[k] + 32);
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
    x.issuer_arn = scratch;
    x.issuer_name = s->parent_user;
  }
  x.session_created = s->issued_epoch;
  x.mfa = s->mfa_auth_epoch > 0;
  x.source_identity = s->source_identity;
}

// Resources named by the input, for LookupEvents ResourceType/ResourceName.
void Resources(const CallFacts& f, std::vector<store::EventResource>& out) {
  if (!f.input || !f.input->is_object() || f.input->as_object().empty()) return;
  const json::object& in = f.input->as_object();
  auto str = [&](std::string_view k) -> std::string {
    auto* v = in.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  std::string_view svc = f.service->id;
  struct Named {
    std::string_view service, member, type;
  };
  static constexpr Named kNamed[] = {
      {"iam", "UserName", "AWS::IAM::User"},
      {"iam", "GroupName", "AWS::IAM::Group"},
      {"iam", "RoleName", "AWS::IAM::Role"},
      {"iam", "PolicyArn", "AWS::IAM::Policy"},
      {"iam", "InstanceProfileName", "AWS::IAM::InstanceProfile"},
      {"iam", "AccessKeyId", "AWS::IAM::AccessKey"},
      {"sts", "RoleArn", "AWS::IAM::Role"},
      {"kms", "KeyId", "AWS::KMS::Key"},
      {"cloudtrail", "Name", "AWS::CloudTrail::Trail"},
      {"s3", "Bucket", "AWS::S3::Bucket"},
      {"sns", "TopicArn", "AWS::SNS::Topic"},
      {"logs", "logGroupName", "AWS::Logs::LogGroup"},
      {"cloudwatch", "AlarmName", "AWS::CloudWatch::Alarm"},
  };
  for (const Named& n : kNamed) {
    if (n.service != svc) continue;
    std::string v = str(n.member);
    if (!v.empty()) out.push_back({std::string(n.type), v});
  }
}

}  // namespace

std::string EventSource(const model::Service& service) {
  std::string_view name = service.signing_name;
  if (service.id == "cloudwatch") name = "monitoring";
  return std::string(name) + ".amazonaws.com";
}

bool IsReadOnly(std::string_view op) {
  static constexpr std::string_view kPrefixes[] = {
      "Get", "List", "Describe", "Lookup", "Head", "Simulate", "Search", "Select", "Decrypt",
      "Encrypt", "Verify", "Test", "Validate", "Check", "BatchGet", "Filter", "Query"};
  for (std::string_view p : kPrefixes) {
    if (StartsWith(op, p)) return true;
  }
  return op == "GenerateDataKey" || op == "GenerateDataKeyWithoutPlaintext" ||
         op == "GenerateRandom" || op == "GenerateMac" || op == "Sign" ||
         op == "GenerateDataKeyPair" || op == "GenerateDataKeyPairWithoutPlaintext" ||
         op == "ReEncrypt";
}

json::value TrailView(const model::Service& svc, uint32_t shape_idx, const json::value& doc,
                      json::storage_ptr sp) {
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
        if (ms.type == model::ShapeType::kBlob && !(ms.flags & model::kShapeSensitive)) continue;
        if (IsSecretMember(m.name)) {
          out[Camel(m.name)] = json::string(kHidden, sp);
          continue;
        }
        out[Camel(m.name)] = TrailView(svc, m.shape, *v, sp);
      }
      return out;
    }
    case model::ShapeType::kList: {
      json::array out(sp);
      if (!doc.is_array()) return out;
      const model::Member& elem = svc.members[shape.first_member];
      for (const auto& item : doc.as_array()) out.push_back(TrailView(svc, elem.shape, item, sp));
      return out;
    }
    case model::ShapeType::kMap: {
      json::object out(sp);
      if (!doc.is_object()) return out;
      const model::Member& val = svc.members[shape.first_member + 1];
      for (const auto& kv : doc.as_object()) {
        out[kv.key()] = TrailView(svc, val.shape, kv.value(), sp);
      }
      return out;
    }
    case model::ShapeType::kTimestamp:
      if (doc.is_double()) return json::string(FormatIso8601(doc.as_double()), sp);
      if (doc.is_int64()) {
        return json::string(FormatIso8601(static_cast<double>(doc.as_int64())), sp);
      }
      return json::value(doc, sp);
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
  b.resources.clear();
  if (f.service) Resources(f, b.resources);
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
  // Parameters and response elements go through the model (redaction, camelCase) into a small
  // document in one arena, then into the facts as JSON text ("" when AWS shows null).
  auto part = [&](uint32_t shape, const json::value* doc, std::string& out) {
    out.clear();
    if (!f.service || !f.operation || !doc || shape == model::kNoShape ||
        (doc->is_object() && doc->as_object().empty())) {
      return;
    }
    alignas(16) unsigned char arena[8192];
    json::monotonic_resource mr(arena, sizeof arena);
    out = json::serialize(TrailView(*f.service, shape, *doc, json::storage_ptr(&mr)));
  };
  part(f.operation ? f.operation->input : model::kNoShape, f.input, b.params);
  part(f.operation ? f.operation->output : model::kNoShape, r.read_only ? nullptr : f.output,
       b.elements);
  x.request_params = b.params;
  x.response_elements = b.elements;
  x.tls = f.tls;
  x.tls_version = f.tls_version;
  x.tls_cipher = f.tls_cipher;
  x.host = f.host_header;
  r.call = &x;
  return r;
}

}  // namespace rampart::spine
