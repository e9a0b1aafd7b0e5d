#pragma once
// Shared helpers of the codec implementation files. Not part of the public interface.

#include <boost/json.hpp>
#include <map>
#include <string>
#include <string_view>

#include "common/result.h"
#include "protocol/codec.h"
#include "protocol/model.h"

namespace rampart::protocol::internal {

namespace json = boost::json;

// Wire name of a member in body/element position: its locationName if set, else its name.
inline std::string_view WireMemberName(const model::Member& m) {
  return m.location_name.empty() ? m.name : m.location_name;
}

// "MaxItems" -> "maxItems", as AWS names members in validation messages.
std::string LowerFirst(std::string_view s);

// Converts a scalar given as text (query/header/uri/querystring) to its canonical document form.
Result<json::value> ScalarFromText(const model::Shape& shape, std::string_view text,
                                   std::string_view path, bool header_timestamps);
// Canonical scalar -> text for query/XML (timestamps ISO 8601 unless the shape says otherwise).
std::string ScalarToText(const model::Shape& shape, const json::value& v,
                         std::string_view default_timestamp_format);

// The protocol's error code for bad input (ValidationError for query, ValidationException else).
Error ValidationFailure(const Exchange& ex, std::string message);
Error SerializationFailure(const Exchange& ex, std::string message);

// Query: form parameters sorted for prefix lookups.
using FormMap = std::map<std::string, std::string, std::less<>>;
Result<json::value> QueryDecode(const Exchange& ex, const FormMap& form);
WireResponse QueryEncode(const Exchange& ex, const json::value& output, std::string_view rid);
WireResponse QueryEncodeError(const Exchange& ex, const Error& e, std::string_view rid);

// JSON body -> document for a structure shape (awsJson and rest-json bodies).
Result<json::value> JsonToDocument(const Exchange& ex, uint32_t shape, const json::value& in,
                                   std::string_view path);
// The output document (or one member of it) as JSON text appended to `out`: body members
// only at the top when `body_members_only`, wire member names, Base64 blobs, AWS's timestamps.
void AppendDocumentJson(const model::Service& svc, uint32_t shape, const boost::json::value& doc,
                        bool body_members_only, std::string& out);
Result<json::value> JsonDecode(const Exchange& ex, std::string_view body);
WireResponse JsonEncode(const Exchange& ex, const json::value& output, std::string_view rid);
WireResponse JsonEncodeError(const Exchange& ex, const Error& e, std::string_view rid);

// XML element writer for a document value of a shape (query results, rest-xml bodies).
void XmlEncodeValue(const model::Service& svc, uint32_t shape, const json::value& v,
                    std::string_view name, std::string& out);

// REST protocols.
Result<json::value> RestDecode(const Exchange& ex, const WireRequest& req);
WireResponse RestEncode(const Exchange& ex, const json::value& output, std::string_view rid);
WireResponse RestEncodeError(const Exchange& ex, const Error& e, std::string_view rid);
// Matches the request line against the service's URI templates.
const model::Operation* MatchRestOperation(const model::Service& svc, const WireRequest& req);

}  // namespace rampart::protocol::internal
