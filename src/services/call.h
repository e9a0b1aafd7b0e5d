#pragma once
// What a service handler sees of one API call, and the dispatch table that maps operations to
// handlers. Handlers take a request document and return a response document (protocol/codec.h);
// they know nothing of XML, JSON or HTTP.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/http_types.h"
#include "common/result.h"
#include "protocol/model.h"

namespace rampart::services {

// What temporary credentials carry (STS). Immutable once issued.
struct SessionInfo {
  std::string role_arn;      // AssumeRole: arn:aws:iam::A:role/path/name
  std::string role_name;
  std::string role_id;       // AROA...
  std::string session_name;  // role session name, or the federated user's name
  std::string parent_user;   // GetSessionToken / GetFederationToken: the IAM user behind it
  std::string parent_user_id;  // and its unique id (AIDA...): the session dies with that user
  std::vector<std::string> session_policies;     // inline session policy documents (0 or 1)
  std::vector<std::string> session_policy_arns;  // managed session policies
  std::map<std::string, std::string> tags;       // session tags (override principal tags)
  std::vector<std::string> transitive_tag_keys;
  std::string source_identity;
  int64_t issued_epoch = 0;
  int64_t expires_epoch = 0;
  int64_t mfa_auth_epoch = 0;  // 0 = no MFA
  bool chained = false;        // assumed by a role session
  std::string token_hash;      // SHA-256 hex of the session token
};

// The authenticated caller, as AWS's userIdentity describes it.
struct Principal {
  enum class Type { kRoot, kIamUser, kAssumedRole, kFederatedUser, kAnonymous };
  Type type = Type::kAnonymous;
  std::string account_id;
  std::string arn;        // arn:aws:iam::123456789012:root, ...:user/alice, ...
  std::string user_id;    // root: the account id; users: AIDA...; sessions: AROA...:name
  std::string user_name;  // empty for root
  std::string access_key_id;
  bool mfa_authenticated = false;
  std::shared_ptr<const SessionInfo> session;  // temporary credentials only
};

std::string_view PrincipalTypeName(Principal::Type t);  // "Root", "IAMUser", "AssumedRole", ...

// What a handler adds to its call's CloudTrail record beyond the request and the response
// (spine/record.cc writes it in): the resources AWS lists (KMS keys and aliases by ARN, the role
// an STS call assumes), additionalEventData, members AWS logs in responseElements or
// requestParameters that the API documents do not carry, and the identity of a caller that
// authenticated with a federation token instead of a signature.
struct RecordNotes {
  std::vector<std::pair<std::string, std::string>> resources;  // (type, ARN), in AWS's order
  boost::json::object additional;  // additionalEventData members
  boost::json::object response;    // merged into responseElements
  boost::json::object request;     // merged into requestParameters (camelCase names)
  boost::json::object identity;    // replaces userIdentity when not empty

  // Adds (type, arn) unless it is already listed.
  void AddResource(std::string_view type, std::string_view arn);
  bool empty() const {
    return resources.empty() && additional.empty() && response.empty() && request.empty() &&
           identity.empty();
  }
};

// Per-call state. Lives for the duration of one request; handlers must not keep references.
struct Call {
  const Principal& principal;
  std::string_view request_id;
  std::string_view region;
  std::string_view source_ip;
  int64_t now_epoch_seconds;
  // An MFA code presented with the call (AssumeRole's SerialNumber + TokenCode) that the
  // authorizer verified, so the trust policy saw aws:MultiFactorAuthPresent: when (epoch
  // seconds), 0 if none. The handler uses it instead of checking (consuming) the code again.
  int64_t mfa_verified_epoch = 0;
  // Resource references the authorizer resolved to decide the call (a KMS alias or key id ->
  // the key id it named then; "" = it named nothing). Handlers resolve these references to the
  // same resources, so they act on what was authorized even if an alias moved in between.
  std::vector<std::pair<std::string, std::string>> authorized_refs;
  // Where handlers note what the record needs (null when nothing records the call).
  RecordNotes* record = nullptr;
  // How the request was signed, for S3's signature condition keys: "REST-HEADER",
  // "REST-QUERY-STRING" or "" (unsigned); the x-amz-content-sha256 it signed; a presigned
  // URL's age in milliseconds (0 otherwise).
  std::string_view auth_type = {};
  // Set when a service calls another on the caller's behalf (S3 calling KMS for SSE-KMS): the
  // calling service's endpoint, "s3.us-east-1.amazonaws.com" (kms:ViaService). "" otherwise.
  std::string_view via_service = {};
  // The request came over TLS (aws:SecureTransport; SSE-C requires it off loopback).
  bool secure_transport = false;
  std::string_view content_sha256 = {};
  int64_t signature_age_ms = 0;
  // Where a handler may leave a body to be written piece by piece instead of a "Body" member
  // (S3 GetObject of a large object); null when the caller cannot stream.
  std::shared_ptr<BodySource>* body_out = nullptr;
};

// A step that would wait on the network (fetching an identity provider's keys) starts the work
// in the background and answers this error instead of blocking a request thread; the gateway
// runs the call again once `waiter` (the error's message names it, see Deferred()) is ready.
inline constexpr std::string_view kDeferredCode = "RampartDeferred";
// The Deferred error for what `waiter` ("jwks") waits on, keyed by `key`.
inline Error Deferred(std::string_view waiter, std::string_view key) {
  return Error{std::string(kDeferredCode), std::string(waiter) + "|" + std::string(key), 503,
               false};
}

using OperationFn = std::function<Result<boost::json::value>(const Call&, const boost::json::value&)>;

struct OperationEntry {
  std::string_view operation;  // model operation name, e.g. "GetCallerIdentity"
  OperationFn fn;
};

// One service's dispatch table: every implemented operation of one model service.
struct ServiceTable {
  std::string_view service_id;  // model folder name, e.g. "sts"
  std::vector<OperationEntry> operations;
};

// Handlers written against a service object and the input as an object:
//   Result<json::value> Fn(Svc&, const Call&, const boost::json::object& input)
template <typename Svc>
using ObjectHandler = Result<boost::json::value> (*)(Svc&, const Call&, const boost::json::object&);

// Appends one OperationEntry per (name, handler) pair, bound to `svc` (which must outlive the
// entries). A non-object input (operations without input members) is passed as {}.
template <typename Svc, size_t N>
void AddOperations(std::vector<OperationEntry>& out, Svc& svc,
                   const std::pair<std::string_view, ObjectHandler<Svc>> (&ops)[N]) {
  for (const auto& [name, fn] : ops) {
    ObjectHandler<Svc> f = fn;
    out.push_back({name, [&svc, f](const Call& call, const boost::json::value& in) {
                     static const boost::json::object kEmpty;
                     return f(svc, call, in.is_object() ? in.as_object() : kEmpty);
                   }});
  }
}

// All tables, wired by server/. Immutable after construction; safe to read from any thread.
class Dispatch {
 public:
  explicit Dispatch(std::vector<ServiceTable> tables);
  // Null if the operation exists in the model but has no handler yet.
  const OperationFn* Find(const model::Service& svc, const model::Operation& op) const;
  // Implemented operation count of a service (for `rampart coverage`).
  size_t ImplementedCount(std::string_view service_id) const;
  bool IsImplemented(std::string_view service_id, std::string_view operation) const;

 private:
  std::unordered_map<std::string, OperationFn> fns_;  // key "svc:Operation"
};

}  // namespace rampart::services
