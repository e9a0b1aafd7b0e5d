#pragma once
// The CloudTrail event store: API-call records (and Insights events) by account, appended in
// batches, looked up by one attribute and a time range, and read in order by trails.
//
// Thread-safe. Appends are serialized by the engine; readers may run concurrently.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace rampart::store {

struct EventResource {
  std::string type;  // "AWS::IAM::User"
  std::string name;  // "alice" or an ARN
};

struct EventRecord {
  int64_t seq = 0;             // assigned by Append: strictly increasing, gap-free per store
  std::string event_id;        // UUID
  std::string account_id;      // recipientAccountId
  int64_t event_time_ms = 0;
  std::string event_name;      // "CreateUser"
  std::string event_source;    // "iam.amazonaws.com"
  bool read_only = false;
  std::string username;        // userIdentity.userName (or the session name for roles)
  std::string access_key_id;
  std::string category = "Management";  // Management | Data | Insight
  std::string region;
  std::vector<EventResource> resources;
  // Copies of record fields that consumers (Insights) need without parsing `json`.
  std::string error_code;      // "" on success
  std::string principal_arn;   // userIdentity.arn
  std::string user_agent;
  std::string json;            // the whole CloudTrail record as AWS writes it, or empty when
                               // `facts` holds what it is rendered from
  std::string facts;           // opaque to the store: EventJson renders it (event_json.h)
};

enum class IdentityKind : uint8_t {
  kNone,  // authentication failed: "Unknown", with the access key id presented
  kRoot,
  kIamUser,
  kAssumedRole,
  kFederatedUser,
  kAnonymous,
};

// What a call record's JSON needs beyond the indexed fields of EventRecord (identity, request
// and TLS details). Views: they must outlive the call that copies them (AppendEventFacts,
// EventStore::AppendOne).
struct EventFacts {
  IdentityKind kind = IdentityKind::kNone;
  std::string_view principal_id, arn, principal_account, access_key_id, user_name;
  bool session = false;  // temporary credentials: sessionContext
  std::string_view issuer_id, issuer_arn, issuer_name;  // sessionIssuer
  int64_t session_created = 0;  // epoch seconds
  bool mfa = false;
  std::string_view source_identity;
  std::string_view error_message, request_id, source_ip;
  const uint8_t* request_uuid = nullptr;  // request_id's 16 bytes (crypto::ParseUuid), if known
  std::string_view request_params, response_elements;  // JSON text; "" renders as null
  bool tls = false;
  std::string_view tls_version, tls_cipher, host;
  // JSON text: additionalEventData ("" = none) and a userIdentity written by the handler (a
  // federated caller: SAMLUser, WebIdentityUser; "" = from the fields above).
  std::string_view additional_json, identity_json;
};

// One record as views, for appending without building an EventRecord first (the per-call
// path: copying 13 strings into a record and then into the log was ~1k instructions a call).
// Everything viewed must outlive the Append call.
struct EventView {
  int64_t event_time_ms = 0;
  bool read_only = false;
  std::string_view event_id, account_id, event_name, event_source, username, access_key_id;
  std::string_view category = "Management";
  std::string_view region, error_code, principal_arn, user_agent, json, facts;
  const std::vector<EventResource>* resources = nullptr;  // null: none
  // A call record's facts, structured; when set, `facts` is ignored and the record's facts blob
  // is AppendEventFacts(*call). Stores that keep the facts in pieces (the log) take them so.
  const EventFacts* call = nullptr;
  // The event id as 16 bytes, when the caller made it so (the gateway): then event_id may be
  // empty, and is the canonical text of these bytes (crypto::FormatUuid).
  const uint8_t* event_uuid = nullptr;
};
EventView ViewOf(const EventRecord& r);
EventRecord ToRecord(const EventView& v);  // seq 0; `call` becomes the facts blob

// LookupEvents: at most one attribute, a time range, newest first.
struct EventQuery {
  std::string account_id;
  std::string attribute_key;    // "" or EventId|EventName|ReadOnly|Username|ResourceType|
                                // ResourceName|EventSource|AccessKeyId
  std::string attribute_value;
  int64_t start_ms = 0;         // inclusive
  int64_t end_ms = INT64_MAX;   // inclusive
  std::string category = "Management";  // or "Insight"
  size_t limit = 50;
  // Continue strictly after (older than) this position: (event_time_ms, seq) of the last row.
  std::optional<std::pair<int64_t, int64_t>> after;
};

// A damaged span of the event log found when it was opened (store/log/log_scan.h).
struct DamageReport {
  uint64_t offset = 0;          // where in events.log
  uint64_t bytes = 0;           // how many bytes were damaged
  int64_t lost_records = 0;     // records lost with them (their seqs stay, holding nothing)
  std::string quarantine_path;  // where the damaged bytes were copied ("" if they could not be)
  bool acknowledged = false;    // AcknowledgeDamage has marked it in the log
};

class EventStore {
 public:
  virtual ~EventStore() = default;
  // Appends all records in one transaction; fills in seq. Once it returns, the records survive
  // the process being killed.
  virtual Status Append(std::vector<EventRecord>& batch) = 0;
  // Appends one record; returns its seq. Same durability as a batch. The default copies it
  // into an EventRecord and appends a batch of one.
  virtual Result<int64_t> AppendOne(const EventView& record);
  virtual Result<std::vector<EventRecord>> Lookup(const EventQuery& q) = 0;
  // Records with seq > after_seq in seq order, at most `limit` (trail delivery, Insights).
  virtual Result<std::vector<EventRecord>> ReadAfter(int64_t after_seq, size_t limit) = 0;
  virtual Result<int64_t> LastSeq() = 0;
  // Deletes records older than `before_ms` (the 90-day window); returns how many.
  virtual Result<int64_t> Expire(int64_t before_ms) = 0;
  virtual Status WipeAll() = 0;
  // Writes what was appended before the call to the disk (fdatasync): afterwards it survives a
  // power cut, not only the process being killed. Concurrent callers share one sync.
  virtual Status Sync() { return {}; }
  // OK while appends can succeed; otherwise why not (a log file cut short under the server).
  virtual Status Health() { return {}; }
  // Damage found when the store was opened and not yet acknowledged. The server reports each
  // (a log line, a metric, a CloudTrail event), then acknowledges them: the log marks the
  // spans as accounted for, so they are not reported again at the next open.
  virtual std::vector<DamageReport> Damage() { return {}; }
  virtual Status AcknowledgeDamage() { return {}; }
};

// The default: an append-only log with an in-memory index under `dir` (store/log/event_log.cc).
// Appended records survive the process being killed (they are in the page cache); a power cut
// spares only what Sync() wrote to the disk.
Result<std::unique_ptr<EventStore>> OpenLogEventStore(const std::string& dir);

// A separate SQLite file so audit writes never wait on the main store. WAL with
// synchronous=NORMAL: committed records survive the process being killed (kill -9); a power cut
// may lose the last moments of the log (the main store, with synchronous=FULL, does not).
Result<std::unique_ptr<EventStore>> OpenSqliteEventStore(const std::string& path);

}  // namespace rampart::store
