#pragma once
// CloudTrail records kept as facts: each API call's record is stored as a small binary blob of
// what its JSON needs beyond the indexed fields of EventRecord (EventRecord::facts), and AWS's
// JSON is rendered from it only when the record is read (LookupEvents, trail delivery).
// Writing the JSON on every call cost ~10k instructions of a GetCallerIdentity's ~120k; the
// blob costs a few hundred. The blob holds no secrets: the spine redacts request parameters
// and response elements before they get here.

#include <cstdint>
#include <string>
#include <string_view>

#include "store/events.h"

namespace rampart::store {

enum class IdentityKind : uint8_t {
  kNone,  // authentication failed: "Unknown", with the access key id presented
  kRoot,
  kIamUser,
  kAssumedRole,
  kFederatedUser,
  kAnonymous,
};

// What the JSON needs beyond the indexed fields of EventRecord. Views: they must outlive the
// AppendEventFacts call that copies them.
struct EventFacts {
  IdentityKind kind = IdentityKind::kNone;
  std::string_view principal_id, arn, principal_account, access_key_id, user_name;
  bool session = false;  // temporary credentials: sessionContext
  std::string_view issuer_id, issuer_arn, issuer_name;  // sessionIssuer
  int64_t session_created = 0;  // epoch seconds
  bool mfa = false;
  std::string_view source_identity;
  std::string_view error_message, request_id, source_ip;
  std::string_view request_params, response_elements;  // JSON text; "" renders as null
  bool tls = false;
  std::string_view tls_version, tls_cipher, host;
};

// Appends the blob of `facts` to `blob` (version 1: u8 version, then fixed-width fields and
// u32-length-prefixed strings in declaration order).
void AppendEventFacts(std::string& blob, const EventFacts& facts);

// The record's CloudTrail JSON (eventVersion 1.08): `json` when the record carries it (Insights
// events), else rendered from `facts`; "" when neither is usable.
std::string EventJson(const EventRecord& record);

}  // namespace rampart::store
