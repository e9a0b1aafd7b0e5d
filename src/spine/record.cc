#include "spine/record.h"

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

// True when none of the 8 bytes at p is below 0x20, '"' or '\\' (SWAR: a byte b is flagged when
// b - n borrows for n = 0x20, or b ^ c is zero for c = '"', '\\'; bytes >= 0x80 are never flagged).
inline bool Plain8(const char* p) {
  uint64_t x;
  std::memcpy(&x, p, 8);
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  auto zero_byte = [&](uint64_t y) { return (y - kOnes) & ~y & kHigh; };
  uint64_t low = (x - kOnes * 0x20) & ~x & kHigh;
  return (low | zero_byte(x ^ (kOnes * '"')) | zero_byte(x ^ (kOnes * '\\'))) == 0;
}

// A minimal JSON writer: records are written straight into one string, with no document tree
// (building a boost::json document per call cost ~30k instructions).
class Out {
 public:
  explicit Out(std::string& s) : s_(s) {}
  void Open() {
    s_.push_back('{');
    first_ = true;
  }
  void Close() {
    s_.push_back('}');
    first_ = false;
  }
  // Keys are this file's own constants, which need no escaping.
  void Key(std::string_view k) {
    char open[2] = {',', '"'};
    s_.append(first_ ? open + 1 : open, first_ ? 1 : 2);
    first_ = false;
    s_.append(k);
    s_.append("\":", 2);
  }
  void Str(std::string_view k, std::string_view v) {
    Key(k);
    Quoted(v);
  }
  void Raw(std::string_view k, std::string_view raw) {
    Key(k);
    s_.append(raw);
  }
  void ObjectKey(std::string_view k) {
    Key(k);
    Open();
  }
  // Appends runs of characters that need no escaping in one go: per-character push_back made
  // this ~10 % of a small call's instructions.
  void Quoted(std::string_view v) {
    static constexpr char kHex[] = "0123456789abcdef";
    s_.push_back('"');
    size_t run = 0;
    for (size_t i = 0; i < v.size();) {
      // Eight bytes at a time while none is a control character, '"' or '\\'.
      if (i + 8 <= v.size() && Plain8(v.data() + i)) {
        i += 8;
        continue;
      }
      unsigned char u = static_cast<unsigned char>(v[i]);
      if (u >= 0x20 && u != '"' && u != '\\') {
        ++i;
        continue;
      }
      s_.append(v.data() + run, i - run);
      run = ++i;
      if (u == '"' || u == '\\') {
        s_.push_back('\\');
        s_.push_back(static_cast<char>(u));
      } else {
        s_ += "\\u00";
        s_.push_back(kHex[u >> 4]);
        s_.push_back(kHex[u & 0xf]);
      }
    }
    s_.append(v.data() + run, v.size() - run);
    s_.push_back('"');
  }

 private:
  std::string& s_;
  bool first_ = true;
};

void UserIdentity(const CallFacts& f, Out& o) {
  o.ObjectKey("userIdentity");
  const services::Principal* p = f.principal;
  if (!p) {
    o.Str("type", "Unknown");
    if (!f.access_key_id.empty()) o.Str("accessKeyId", f.access_key_id);
    o.Close();
    return;
  }
  using T = services::Principal::Type;
  std::string_view type = "Unknown";
  switch (p->type) {
    case T::kRoot: type = "Root"; break;
    case T::kIamUser: type = "IAMUser"; break;
    case T::kAssumedRole: type = "AssumedRole"; break;
    case T::kFederatedUser: type = "FederatedUser"; break;
    case T::kAnonymous: break;
  }
  o.Str("type", type);
  o.Str("principalId", p->user_id);
  o.Str("arn", p->arn);
  o.Str("accountId", p->account_id);
  if (!p->access_key_id.empty()) o.Str("accessKeyId", p->access_key_id);
  if (p->type == T::kIamUser) o.Str("userName", p->user_name);
  if (const auto& s = p->session) {
    o.ObjectKey("sessionContext");
    if (p->type == T::kAssumedRole) {
      o.ObjectKey("sessionIssuer");
      o.Str("type", "Role");
      o.Str("principalId", s->role_id);
      o.Str("arn", s->role_arn);
      o.Str("accountId", p->account_id);
      o.Str("userName", s->role_name);
      o.Close();
    } else if (p->type == T::kFederatedUser) {
      o.ObjectKey("sessionIssuer");
      o.Str("type", "IAMUser");
      o.Str("arn", "arn:aws:iam::" + p->account_id + ":user/" + s->parent_user);
      o.Str("accountId", p->account_id);
      o.Str("userName", s->parent_user);
      o.Close();
    }
    o.ObjectKey("attributes");
    o.Str("creationDate", FormatIso8601(static_cast<double>(s->issued_epoch)));
    o.Str("mfaAuthenticated", s->mfa_auth_epoch > 0 ? "true" : "false");
    o.Close();
    if (!s->source_identity.empty()) o.Str("sourceIdentity", s->source_identity);
    o.Close();
  }
  o.Close();
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

  std::string& out = r.json;
  out.reserve(1024);
  Out o(out);
  o.Open();
  o.Str("eventVersion", "1.08");
  UserIdentity(f, o);
  o.Str("eventTime", FormatIso8601(static_cast<double>(f.event_time_ms / 1000)));
  o.Str("eventSource", r.event_source);
  o.Str("eventName", r.event_name);
  o.Str("awsRegion", f.region);
  o.Str("sourceIPAddress", f.source_ip);
  o.Str("userAgent", r.user_agent);
  if (f.error) {
    o.Str("errorCode", f.error->code);
    o.Str("errorMessage", f.error->message);
  }
  // Parameters and response elements go through the model (redaction, camelCase) into a small
  // document in one arena, then straight into the record.
  alignas(16) unsigned char arena[8192];
  json::monotonic_resource mr(arena, sizeof arena);
  json::storage_ptr sp(&mr);
  auto part = [&](std::string_view key, uint32_t shape, const json::value* doc) {
    if (!doc || shape == model::kNoShape || (doc->is_object() && doc->as_object().empty())) {
      o.Raw(key, "null");
      return;
    }
    o.Raw(key, json::serialize(TrailView(*f.service, shape, *doc, sp)));
  };
  if (f.service && f.operation) {
    part("requestParameters", f.operation->input, f.input);
    part("responseElements", f.operation->output, r.read_only ? nullptr : f.output);
  } else {
    o.Raw("requestParameters", "null");
    o.Raw("responseElements", "null");
  }
  o.Str("requestID", f.request_id);
  o.Str("eventID", f.event_id);
  o.Raw("readOnly", r.read_only ? "true" : "false");
  if (!r.resources.empty()) {
    o.Key("resources");
    out.push_back('[');
    bool first = true;
    for (const auto& x : r.resources) {
      if (!first) out.push_back(',');
      first = false;
      Out item(out);
      item.Open();
      item.Str("type", x.type);
      item.Str("accountId", f.account_id);
      item.Str("ARN", x.name);  // AWS gives the ARN; a name where only the name is known
      item.Close();
    }
    out.push_back(']');
  }
  o.Str("eventType", "AwsApiCall");
  o.Raw("managementEvent", "true");
  o.Str("recipientAccountId", f.account_id);
  o.Str("eventCategory", "Management");
  if (f.tls) {
    o.ObjectKey("tlsDetails");
    o.Str("tlsVersion", f.tls_version);
    o.Str("cipherSuite", f.tls_cipher);
    o.Str("clientProvidedHostHeader", f.host_header);
    o.Close();
  }
  o.Close();
  return r;
}

}  // namespace rampart::spine
