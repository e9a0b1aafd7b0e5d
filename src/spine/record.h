#pragma once
// Builds the CloudTrail record (eventVersion 1.11) of one API call from what the gateway knows.
// Pure: the caller supplies time, ids and the request facts. AWS's per-service rules for the
// record's contents are in record_rules.h.

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "common/result.h"
#include "protocol/model.h"
#include "services/call.h"
#include "store/events.h"

namespace rampart::spine {

// Views: everything must outlive the BuildEvent call (it copies what the record keeps).
struct CallFacts {
  const services::Principal* principal = nullptr;  // null when authentication failed
  std::string_view access_key_id;                  // as presented, even if unknown
  const model::Service* service = nullptr;
  const model::Operation* operation = nullptr;
  const boost::json::value* input = nullptr;   // decoded request document (may be null)
  const boost::json::value* output = nullptr;  // response document on success
  const Error* error = nullptr;                // on failure
  std::string_view request_id;
  const uint8_t* request_uuid = nullptr;  // request_id as 16 bytes, if known
  std::string_view event_id;              // may be empty when event_uuid is set
  const uint8_t* event_uuid = nullptr;    // the event id as 16 bytes (store::EventView)
  int64_t event_time_ms = 0;
  std::string_view region;
  std::string_view source_ip;
  std::string_view user_agent;
  std::string_view account_id;  // recipient account (the caller's, or the server default)
  bool tls = false;
  std::string_view tls_version, tls_cipher, host_header;
  const services::RecordNotes* notes = nullptr;  // what the handler added (may be null)
  // "Management", or "Data" for a data event (S3 object calls a trail selects): recorded for
  // trails, never listed by LookupEvents.
  std::string_view category = "Management";
  // A data event's bytes in and out (additionalEventData).
  int64_t bytes_in = 0, bytes_out = 0;
};

// The event source of a service, e.g. "iam.amazonaws.com" ("monitoring.amazonaws.com" for
// CloudWatch).
std::string EventSource(const model::Service& service);

// Storage behind the view BuildEvent returns. Keep one per thread and reuse it: its strings
// keep their capacity, so building a record allocates nothing in the common case.
struct RecordBuffers {
  store::EventFacts call;
  std::string params, elements, additional, identity, issuer_arn, event_source;
  const model::Service* source_of = nullptr;  // the service event_source was made for
  std::vector<store::EventResource> resources;
};

// The record of one call: the indexed fields plus its facts (EventView::call), from which
// store::EventJson renders AWS's JSON when the record is read (LookupEvents, trail delivery).
// Secrets are redacted here. Returned as views into `facts` and `buffers` (valid until either
// changes); store::ToRecord makes an owning EventRecord of it.
store::EventView BuildEvent(const CallFacts& facts, RecordBuffers& buffers);

// How a document is written into a record.
struct TrailStyle {
  bool response = false;   // responseElements: secrets are left out (requests: hidden)
  bool year_comma = true;  // dates as "Aug 10, 2022, 10:38:27 PM"; false: IAM's "Jul 19, 2023 9:25:09 PM"
};

// requestParameters / responseElements: the document with member names as AWS writes them (the
// first letter lowercased: "aWSAccountId", "sAMLAssertionID"), secrets in requests shown as
// "HIDDEN_DUE_TO_SECURITY_REASONS" and left out of responses, binary members (plaintexts,
// ciphertexts, keys, signatures) left out, dates in Java's medium form, as AWS does.
boost::json::value TrailView(const model::Service& svc, uint32_t shape,
                             const boost::json::value& doc, boost::json::storage_ptr sp = {},
                             TrailStyle style = {});

}  // namespace rampart::spine
