#pragma once
// The event log's record format, version 2 (store/log/event_log.cc).
//
// A record is split in two. Its context is what repeats from call to call: account, event name
// and source, user name, access key, category, region, principal ARN, user agent, and for a call
// record the identity, source IP and TLS details. A context is written to the log once, as a
// context frame numbered in order of appearance, and records refer to it by number. The rest is
// per call: time, event id, request id, error, request parameters, response elements,
// resources, and the JSON or facts blob of records that carry one. Event and request ids in
// canonical lowercase UUID form are kept as 16 bytes. Lengths and numbers are LEB128 varints.
//
// Why: version 1 wrote every field of every record with 4-byte lengths, 429 bytes for a
// GetCallerIdentity. Writing those bytes into the log (copy, page faults, write-back) was a
// large part of what recording cost per call beyond its instructions. A version-2 record of the
// same call is 52 bytes (measured over 909k of them, the context frame included).
//
// Record payload:
//   u8 flags (kFlag*)
//   context: varint number, or (kFlagInlineContext) varint length + context bytes
//   varint zigzag(event_time_ms)
//   event id: 16 bytes (kFlagBinaryEventId) or string
//   string error_code
//   call records (kFlagCall): request id (16 bytes with kFlagBinaryRequestId, or string),
//     strings error_message, request_params, response_elements
//   kFlagResources: varint count, then per resource strings type and name
//   kFlagJson: string json; kFlagFacts: string facts (records appended with a facts blob)
//   call records with additionalEventData or a handler-written userIdentity: strings
//     additional_json, identity_json (absent otherwise: records written before them read as is)
// Context:
//   strings account_id, event_name, event_source, username, access_key_id, category, region,
//     principal_arn, user_agent
//   u8 call (0/1); call: u8 identity kind, strings principal_id, arn, principal_account,
//     access_key_id, user_name, u8 session; session: strings issuer_id, issuer_arn,
//     issuer_name, varint zigzag(session_created), u8 mfa, string source_identity; then
//     string source_ip, u8 tls, strings tls_version, tls_cipher, host
// A string is a varint length and its bytes.

#include <cstdint>
#include <string>
#include <string_view>

#include "store/events.h"

namespace rampart::store::logfmt {

enum : uint8_t {
  kFlagReadOnly = 1,
  kFlagBinaryEventId = 2,
  kFlagBinaryRequestId = 4,
  kFlagInlineContext = 8,
  kFlagCall = 16,
  kFlagResources = 32,
  kFlagJson = 64,
  kFlagFacts = 128,
};

// Writes the context of `r` into `out` (replacing its contents).
void EncodeContext(const EventView& r, std::string& out);

// Appends to `out` the payload of `r` that refers to context number `context`, or carries
// `inline_context` when `context` is kInlineContext; returns its size. RecordSize is that size
// without encoding.
constexpr uint32_t kInlineContext = ~0u;
size_t EncodeRecord(std::string& out, const EventView& r, uint32_t context,
                    std::string_view inline_context);
size_t RecordSize(const EventView& r, uint32_t context, std::string_view inline_context);

// Decodes a record payload into `r` (all but seq). `contexts(n)` returns context number n, or
// null when there is none. A call record's facts come back as a facts blob (AppendEventFacts).
// False when the payload is malformed or names an unknown context.
template <typename Contexts>
bool DecodeRecord(std::string_view payload, const Contexts& contexts, EventRecord* r);

// The non-template core of DecodeRecord: `context` is the record's context bytes, found by
// `number` (kInlineContext when the payload carries it).
bool PeekContextNumber(std::string_view payload, uint32_t* number);
bool DecodeRecordWith(std::string_view payload, std::string_view context, EventRecord* r);

template <typename Contexts>
bool DecodeRecord(std::string_view payload, const Contexts& contexts, EventRecord* r) {
  uint32_t n;
  if (!PeekContextNumber(payload, &n)) return false;
  if (n == kInlineContext) return DecodeRecordWith(payload, {}, r);
  const std::string* c = contexts(n);
  return c != nullptr && DecodeRecordWith(payload, *c, r);
}

// Varints, shared with the log's context frames.
size_t VarintSize(uint64_t v);
char* PutVarint(char* p, uint64_t v);
// Reads a varint from the front of `in`; false when truncated or over 10 bytes.
bool GetVarint(std::string_view& in, uint64_t* v);

}  // namespace rampart::store::logfmt
