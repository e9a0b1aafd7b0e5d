#include "spine/record.h"

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

json::object UserIdentity(const CallFacts& f, json::storage_ptr sp) {
  json::object id(sp);
  const services::Principal* p = f.principal;
  if (!p) {
    id["type"] = "Unknown";
    if (!f.access_key_id.empty()) id["accessKeyId"] = f.access_key_id;
    return id;
  }
  using T = services::Principal::Type;
  switch (p->type) {
    case T::kRoot: id["type"] = "Root"; break;
    case T::kIamUser: id["type"] = "IAMUser"; break;
    case T::kAssumedRole: id["type"] = "AssumedRole"; break;
    case T::kFederatedUser: id["type"] = "FederatedUser"; break;
    case T::kAnonymous: id["type"] = "Unknown"; break;
  }
  id["principalId"] = p->user_id;
  id["arn"] = p->arn;
  id["accountId"] = p->account_id;
  if (!p->access_key_id.empty()) id["accessKeyId"] = p->access_key_id;
  if (p->type == T::kIamUser) id["userName"] = p->user_name;
  if (const auto& s = p->session) {
    json::object ctx(sp);
    if (p->type == T::kAssumedRole) {
      ctx["sessionIssuer"] = json::object({{"type", "Role"},
                                           {"principalId", s->role_id},
                                           {"arn", s->role_arn},
                                           {"accountId", p->account_id},
                                           {"userName", s->role_name}},
                                          sp);
    } else if (p->type == T::kFederatedUser) {
      ctx["sessionIssuer"] = json::object(
          {{"type", "IAMUser"},
           {"arn", "arn:aws:iam::" + p->account_id + ":user/" + s->parent_user},
           {"accountId", p->account_id},
           {"userName", s->parent_user}},
          sp);
    }
    ctx["attributes"] = json::object(
        {{"creationDate", FormatIso8601(static_cast<double>(s->issued_epoch))},
         {"mfaAuthenticated", s->mfa_auth_epoch > 0 ? "true" : "false"}},
        sp);
    if (!s->source_identity.empty()) ctx["sourceIdentity"] = s->source_identity;
    id["sessionContext"] = std::move(ctx);
  }
  return id;
}

// Resources named by the input, for LookupEvents ResourceType/ResourceName.
void Resources(const CallFacts& f, std::vector<store::EventResource>& out) {
  if (!f.input || !f.input->is_object()) return;
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
    default:
      return json::value(doc, sp);
  }
}

store::EventRecord BuildRecord(const CallFacts& f) {
  store::EventRecord r;
  r.event_id = f.event_id;
  r.account_id = f.account_id;
  r.event_time_ms = f.event_time_ms;
  r.event_name = f.operation ? std::string(f.operation->name) : "Unknown";
  r.event_source = f.service ? EventSource(*f.service) : "unknown.amazonaws.com";
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
  if (f.service) Resources(f, r.resources);

  if (f.error) r.error_code = f.error->code;
  if (f.principal) r.principal_arn = f.principal->arn;
  r.user_agent = f.user_agent.substr(0, 1024);

  // Every node of the record lives in one arena: no malloc per member.
  alignas(16) unsigned char arena[16384];
  json::monotonic_resource mr(arena, sizeof arena);
  json::storage_ptr sp(&mr);
  json::object rec(sp);
  rec.reserve(24);
  rec["eventVersion"] = "1.08";
  rec["userIdentity"] = UserIdentity(f, sp);
  rec["eventTime"] = FormatIso8601(static_cast<double>(f.event_time_ms / 1000));
  rec["eventSource"] = r.event_source;
  rec["eventName"] = r.event_name;
  rec["awsRegion"] = f.region;
  rec["sourceIPAddress"] = f.source_ip;
  rec["userAgent"] = r.user_agent;
  if (f.error) {
    rec["errorCode"] = f.error->code;
    rec["errorMessage"] = f.error->message;
  }
  if (f.service && f.operation && f.input && f.operation->input != model::kNoShape) {
    rec["requestParameters"] = TrailView(*f.service, f.operation->input, *f.input, sp);
  } else {
    rec["requestParameters"] = nullptr;
  }
  if (!r.read_only && f.output && f.service && f.operation &&
      f.operation->output != model::kNoShape) {
    rec["responseElements"] = TrailView(*f.service, f.operation->output, *f.output, sp);
  } else {
    rec["responseElements"] = nullptr;
  }
  rec["requestID"] = f.request_id;
  rec["eventID"] = f.event_id;
  rec["readOnly"] = r.read_only;
  if (!r.resources.empty()) {
    json::array res(sp);
    for (const auto& x : r.resources) {
      json::object o(sp);
      o["type"] = x.type;
      o["accountId"] = f.account_id;
      o["ARN"] = x.name;  // AWS gives the ARN; a name where only the name is known
      res.push_back(std::move(o));
    }
    rec["resources"] = std::move(res);
  }
  rec["eventType"] = "AwsApiCall";
  rec["managementEvent"] = true;
  rec["recipientAccountId"] = f.account_id;
  rec["eventCategory"] = "Management";
  if (f.tls) {
    json::object tls(sp);
    tls["tlsVersion"] = f.tls_version;
    tls["cipherSuite"] = f.tls_cipher;
    tls["clientProvidedHostHeader"] = f.host_header;
    rec["tlsDetails"] = std::move(tls);
  }
  r.json = json::serialize(rec);
  return r;
}

}  // namespace rampart::spine
