// CloudTrail records kept as facts and rendered to AWS's JSON when read (see event_json.h).
#include "store/event_json.h"

#include <cstring>

#include "common/strings.h"

namespace rampart::store {

namespace {

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
  void Quoted(std::string_view v) { AppendJsonQuoted(s_, v); }

 private:
  std::string& s_;
  bool first_ = true;
};


// ---- The record's facts --------------------------------------------------------------------
// A call's record is kept as its facts (a small binary blob, store::EventRecord::facts) and
// turned into AWS's JSON only when read (EventJson): LookupEvents returns at most 50 records
// and trails read them in the background, while every call pays for the capture. Writing the
// JSON on every call cost ~10k instructions of a GetCallerIdentity's ~120k.
//
// Blob, version 2: u8 version, u8 identity kind, then length-prefixed strings (u32 LE) and
// fixed-width fields in the order Capture writes them (version 1 lacks the last two strings,
// additionalEventData and the handler's userIdentity; it is still read). Secrets never reach it: request
// parameters and response elements are redacted (TrailView) before they are captured.
constexpr uint8_t kFactsVersion = 2;
// The record format AWS documents today (CloudTrail record contents: eventVersion).
constexpr std::string_view kEventVersion = "1.11";

// The blob's layout, written once for both directions: FactsWriter and FactsReader walk the
// same fields in the same order (the reader fills `x.session` before it is tested).
template <typename IO, typename Facts>
void FactsFields(IO& io, Facts& x, uint8_t version = kFactsVersion) {
  io.Kind(x.kind);
  io.Str(x.principal_id);
  io.Str(x.arn);
  io.Str(x.principal_account);
  io.Str(x.access_key_id);
  io.Str(x.user_name);
  io.Bool(x.session);
  if (x.session) {
    io.Str(x.issuer_id);
    io.Str(x.issuer_arn);
    io.Str(x.issuer_name);
    io.I64(x.session_created);
    io.Bool(x.mfa);
    io.Str(x.source_identity);
  }
  io.Str(x.error_message);
  io.Str(x.request_id);
  io.Str(x.source_ip);
  io.Str(x.request_params);
  io.Str(x.response_elements);
  io.Bool(x.tls);
  io.Str(x.tls_version);
  io.Str(x.tls_cipher);
  io.Str(x.host);
  if (version < 2) return;
  io.Str(x.additional_json);
  io.Str(x.identity_json);
}

// Two passes over the fields: FactsSize counts the bytes, FactsWriter writes them into space
// made once (appending field by field cost ~2 capacity checks a field, ~700 instructions a call).
class FactsSize {
 public:
  void U8(uint8_t) { ++n; }
  void Bool(bool) { ++n; }
  void Kind(IdentityKind) { ++n; }
  void I64(int64_t) { n += 8; }
  void Str(std::string_view v) { n += 4 + v.size(); }
  size_t n = 0;
};

class FactsWriter {
 public:
  explicit FactsWriter(char* p) : p_(p) {}
  void U8(uint8_t v) { *p_++ = static_cast<char>(v); }
  void Bool(bool v) { U8(v ? 1 : 0); }
  void Kind(IdentityKind k) { U8(static_cast<uint8_t>(k)); }
  void I64(int64_t v) {
    uint64_t u = static_cast<uint64_t>(v);
    for (int i = 0; i < 8; ++i) *p_++ = static_cast<char>((u >> (8 * i)) & 0xff);
  }
  void Str(std::string_view v) {
    uint32_t n = static_cast<uint32_t>(v.size());
    for (int i = 0; i < 4; ++i) *p_++ = static_cast<char>((n >> (8 * i)) & 0xff);
    if (n != 0) std::memcpy(p_, v.data(), n);
    p_ += n;
  }

 private:
  char* p_;
};

class FactsReader {
 public:
  explicit FactsReader(std::string_view d) : d_(d) {}
  bool ok() const { return ok_; }
  uint8_t U8() {
    if (d_.empty()) return Fail(), 0;
    uint8_t v = static_cast<uint8_t>(d_[0]);
    d_.remove_prefix(1);
    return v;
  }
  void Bool(bool& v) { v = U8() != 0; }
  void Kind(IdentityKind& k) {
    uint8_t v = U8();
    if (v > static_cast<uint8_t>(IdentityKind::kAnonymous)) Fail();
    k = static_cast<IdentityKind>(v);
  }
  void I64(int64_t& v) {
    if (d_.size() < 8) return Fail();
    uint64_t u = 0;
    for (int i = 0; i < 8; ++i) u |= static_cast<uint64_t>(static_cast<uint8_t>(d_[i])) << (8 * i);
    d_.remove_prefix(8);
    v = static_cast<int64_t>(u);
  }
  void Str(std::string_view& v) {
    v = {};
    if (d_.size() < 4) return Fail();
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n |= static_cast<uint32_t>(static_cast<uint8_t>(d_[i])) << (8 * i);
    if (d_.size() - 4 < n) return Fail();
    v = d_.substr(4, n);
    d_.remove_prefix(4 + n);
  }

 private:
  void Fail() { ok_ = false; }
  std::string_view d_;
  bool ok_ = true;
};

bool ReadFacts(std::string_view blob, EventFacts& x) {
  FactsReader in(blob);
  uint8_t version = in.U8();
  if (version < 1 || version > kFactsVersion) return false;
  FactsFields(in, x, version);
  return in.ok();
}

// sessionContext: the issuer (a role, the IAM user behind a federation token, or {} for a
// user's or root's own session token), webIdFederationData ({}: Rampart's role sessions keep no
// federation data), the attributes and the source identity, in AWS's order.
void SessionContext(const EventFacts& x, Out& o) {
  o.ObjectKey("sessionContext");
  o.ObjectKey("sessionIssuer");
  if (x.kind == IdentityKind::kAssumedRole || x.kind == IdentityKind::kFederatedUser) {
    bool role = x.kind == IdentityKind::kAssumedRole;
    o.Str("type", role ? "Role" : "IAMUser");
    if (!x.issuer_id.empty()) o.Str("principalId", x.issuer_id);
    o.Str("arn", x.issuer_arn);
    o.Str("accountId", x.principal_account);
    o.Str("userName", x.issuer_name);
  }
  o.Close();
  o.ObjectKey("webIdFederationData");
  o.Close();
  o.ObjectKey("attributes");
  o.Str("creationDate", FormatIso8601(static_cast<double>(x.session_created)));
  o.Str("mfaAuthenticated", x.mfa ? "true" : "false");
  o.Close();
  if (!x.source_identity.empty()) o.Str("sourceIdentity", x.source_identity);
  o.Close();
}

void UserIdentity(const EventFacts& x, Out& o) {
  if (!x.identity_json.empty()) return o.Raw("userIdentity", x.identity_json);
  o.ObjectKey("userIdentity");
  if (x.kind == IdentityKind::kNone) {
    o.Str("type", "Unknown");
    if (!x.access_key_id.empty()) o.Str("accessKeyId", x.access_key_id);
    o.Close();
    return;
  }
  std::string_view type = "Unknown";
  switch (x.kind) {
    case IdentityKind::kRoot: type = "Root"; break;
    case IdentityKind::kIamUser: type = "IAMUser"; break;
    case IdentityKind::kAssumedRole: type = "AssumedRole"; break;
    case IdentityKind::kFederatedUser: type = "FederatedUser"; break;
    default: break;
  }
  o.Str("type", type);
  o.Str("principalId", x.principal_id);
  o.Str("arn", x.arn);
  o.Str("accountId", x.principal_account);
  if (!x.access_key_id.empty()) o.Str("accessKeyId", x.access_key_id);
  if (x.kind == IdentityKind::kIamUser) o.Str("userName", x.user_name);
  if (x.session) SessionContext(x, o);
  o.Close();
}

// Which records carry a `resources` list, as AWS's documented examples show: every KMS record
// (an empty list when no key is involved), STS's role assumptions (the role, and the SAML
// provider); IAM and CloudTrail records have none (their resources are still indexed for
// LookupEvents' ResourceType and ResourceName).
bool ListsResources(const EventRecord& r) {
  if (r.event_source == "kms.amazonaws.com" || r.category == "Data") return true;
  return r.event_source == "sts.amazonaws.com" && !r.resources.empty();
}

void Resources(const EventRecord& r, Out& o, std::string& out) {
  o.Key("resources");
  out.push_back('[');
  bool first = true;
  for (const auto& res : r.resources) {
    if (!first) out.push_back(',');
    first = false;
    // The resource's account is the one in its ARN (a key of another account), else the
    // recipient's.
    std::string_view account = r.account_id;
    if (StartsWith(res.name, "arn:")) {
      auto parts = Split(res.name, ':');
      if (parts.size() >= 6 && !parts[4].empty()) account = parts[4];
    }
    Out item(out);
    item.Open();
    if (res.type != "AWS::S3::Object") item.Str("accountId", account);  // AWS lists none there
    item.Str("type", res.type);
    item.Str("ARN", res.name);
    item.Close();
  }
  out.push_back(']');
}

}  // namespace

void AppendEventFacts(std::string& blob, const EventFacts& x) {
  FactsSize size;
  size.U8(kFactsVersion);
  FactsFields(size, x);
  size_t at = blob.size();
  blob.resize(at + size.n);
  FactsWriter w(blob.data() + at);
  w.U8(kFactsVersion);
  FactsFields(w, x);
}

std::string EventJson(const EventRecord& r) {
  if (!r.json.empty() || r.facts.empty()) return r.json;
  EventFacts x;
  if (!ReadFacts(r.facts, x)) return std::string();
  std::string out;
  out.reserve(1024);
  Out o(out);
  o.Open();
  o.Str("eventVersion", kEventVersion);
  UserIdentity(x, o);
  o.Str("eventTime", FormatIso8601(static_cast<double>(r.event_time_ms / 1000)));
  o.Str("eventSource", r.event_source);
  o.Str("eventName", r.event_name);
  o.Str("awsRegion", r.region);
  o.Str("sourceIPAddress", x.source_ip);
  o.Str("userAgent", r.user_agent);
  if (!r.error_code.empty()) {
    o.Str("errorCode", r.error_code);
    o.Str("errorMessage", x.error_message);
  }
  o.Raw("requestParameters", x.request_params.empty() ? "null" : x.request_params);
  o.Raw("responseElements", x.response_elements.empty() ? "null" : x.response_elements);
  if (!x.additional_json.empty()) o.Raw("additionalEventData", x.additional_json);
  o.Str("requestID", x.request_id);
  o.Str("eventID", r.event_id);
  o.Raw("readOnly", r.read_only ? "true" : "false");
  if (ListsResources(r)) Resources(r, o, out);
  o.Str("eventType", "AwsApiCall");
  o.Raw("managementEvent", r.category == "Data" ? "false" : "true");
  o.Str("recipientAccountId", r.account_id);
  o.Str("eventCategory", r.category == "Data" ? "Data" : "Management");
  if (x.tls) {
    o.ObjectKey("tlsDetails");
    o.Str("tlsVersion", x.tls_version);
    o.Str("cipherSuite", x.tls_cipher);
    o.Str("clientProvidedHostHeader", x.host);
    o.Close();
  }
  o.Close();
  return out;
}


}  // namespace rampart::store
