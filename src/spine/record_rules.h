#pragma once
// AWS's per-service rules for what a CloudTrail record shows, taken from AWS's documented
// example records (the KMS Developer Guide's record for each operation, the IAM and STS user
// guides', the CloudTrail User Guide's record contents; docs/CLOUDTRAIL.md lists them): which
// calls are read-only, which log their response, the defaults AWS writes into
// requestParameters, the members it adds to responseElements and the additionalEventData it
// writes itself. Handlers add what only they know through services::RecordNotes.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string_view>
#include <vector>

#include "services/call.h"
#include "store/events.h"

namespace rampart::spine {

// AWS's readOnly: true for operations that do not change state (and for STS's AssumeRole*,
// which AWS marks read-only; GetSessionToken and GetFederationToken are not).
bool IsReadOnly(std::string_view operation);
// Whether the record keeps the response: AWS logs responseElements for calls that change state,
// and for the role assumptions (without their secrets).
bool LogsResponse(std::string_view operation, bool read_only);

// S3's object-level calls are CloudTrail *data events*: AWS does not put them in the event
// history, and trails log them only when their event selectors ask for them.
bool IsDataEvent(std::string_view service, std::string_view operation);
// A data event's resources as AWS lists them: the object's ARN (when the call names a key) and
// the bucket's.
void DataEventResources(std::string_view service, const boost::json::value* input,
                        std::vector<store::EventResource>& out);

// Whether ShapeRecord has rules for the operation (beyond applying a handler's notes).
bool HasRules(std::string_view service, std::string_view operation);

struct RecordShape {
  std::string_view service, operation, region, host;
  bool ok = false;  // the call succeeded
  const services::Principal* principal = nullptr;
  const services::RecordNotes* notes = nullptr;
  const std::vector<store::EventResource>* resources = nullptr;
  bool data_event = false;  // S3 data event: bytes in and out in additionalEventData
  int64_t bytes_in = 0, bytes_out = 0;
};

// Applies the rules and the handler's notes to the record's parts (objects or null, allocated
// from `sp`).
void ShapeRecord(const RecordShape& in, boost::json::value& params, boost::json::value& elements,
                 boost::json::object& additional);

// The resources a record names, for LookupEvents and (KMS, STS) the record's `resources`: the
// handler's notes where it made them, else the members of the input that name one.
void RecordResources(std::string_view service, std::string_view operation,
                     const boost::json::value* input, const services::RecordNotes* notes,
                     std::vector<store::EventResource>& out);

}  // namespace rampart::spine
