// awsJson 1.0/1.1 bodies, shared with rest-json bodies.
#include <cfloat>
#include <cmath>

#include "common/crypto.h"
#include "common/json_parse.h"
#include "common/strings.h"
#include "protocol/internal.h"

namespace rampart::protocol::internal {

namespace {
using model::Member;
using model::Service;
using model::Shape;
using model::ShapeType;

std::string TypeName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "number";
    case json::kind::string: return "string";
    case json::kind::array: return "array";
    case json::kind::object: return "object";
  }
  return "value";
}

std::optional<double> AsNumber(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  if (v.is_double()) return v.as_double();
  return std::nullopt;
}

// An integer member's value, exactly as written: a JSON integer that fits int64. A number with
// a fraction or an exponent ("1.001", "5.0", "1e3") is refused like Smithy's malformed-request
// tests ask (float truncation): a double could not say whether its text was whole.
std::optional<int64_t> ExactInteger(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  return std::nullopt;  // uint64: Boost's kind for integers above INT64_MAX
}

json::value NumberOut(double d) {
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) {
    return json::value(static_cast<int64_t>(d));
  }
  return json::value(d);
}
}  // namespace

Result<json::value> JsonToDocument(const Exchange& ex, uint32_t shape_idx, const json::value& in,
                                   std::string_view path) {
  const Service& svc = *ex.service;
  const Shape& shape = svc.shape(shape_idx);
  auto mismatch = [&](std::string_view expected) {
    return SerializationFailure(ex, "Expected " + std::string(expected) + " at '" +
                                        std::string(path) + "' but found " + TypeName(in));
  };
  switch (shape.type) {
    case ShapeType::kStructure: {
      if (!in.is_object()) return mismatch("an object");
      json::object out;
      for (const Member& m : svc.StructMembers(shape)) {
        if (m.location != model::Location::kBody) continue;
        auto it = in.as_object().find(WireMemberName(m));
        if (it == in.as_object().end() || it->value().is_null()) continue;
        std::string mpath = path.empty() ? LowerFirst(m.name)
                                         : std::string(path) + "." + LowerFirst(m.name);
        auto v = JsonToDocument(ex, m.shape, it->value(), mpath);
        if (!v.ok()) return v;
        out.emplace(m.name, std::move(*v));
      }
      return json::value(std::move(out));
    }
    case ShapeType::kList: {
      if (!in.is_array()) return mismatch("an array");
      json::array out;
      const Member& elem = svc.members[shape.first_member];
      size_t i = 0;
      for (const auto& item : in.as_array()) {
        ++i;
        if (item.is_null()) continue;
        auto v = JsonToDocument(ex, elem.shape, item,
                                std::string(path) + "." + std::to_string(i) + ".member");
        if (!v.ok()) return v;
        out.push_back(std::move(*v));
      }
      return json::value(std::move(out));
    }
    case ShapeType::kMap: {
      if (!in.is_object()) return mismatch("an object");
      json::object out;
      const Member& val = svc.members[shape.first_member + 1];
      for (const auto& kv : in.as_object()) {
        if (kv.value().is_null()) continue;
        auto v = JsonToDocument(ex, val.shape, kv.value(),
                                std::string(path) + "." + std::string(kv.key()));
        if (!v.ok()) return v;
        out.emplace(kv.key(), std::move(*v));
      }
      return json::value(std::move(out));
    }
    case ShapeType::kString:
      if (!in.is_string()) return mismatch("a string");
      return in;
    case ShapeType::kBoolean:
      if (!in.is_bool()) return mismatch("a boolean");
      return in;
    case ShapeType::kInteger:
    case ShapeType::kLong: {
      auto n = ExactInteger(in);
      if (!n) return mismatch(in.is_uint64() ? "a 64-bit integer" : "an integer");
      if (shape.type == ShapeType::kInteger && (*n > INT32_MAX || *n < INT32_MIN))
        return mismatch("a 32-bit integer");
      return json::value(*n);
    }
    case ShapeType::kFloat:
    case ShapeType::kDouble: {
      auto n = AsNumber(in);
      if (n && shape.type == ShapeType::kFloat && std::fabs(*n) > FLT_MAX) {
        return mismatch("a number a 32-bit float holds");
      }
      if (n) return json::value(*n);
      if (in.is_string() && (in.as_string() == "NaN" || in.as_string() == "Infinity" ||
                             in.as_string() == "-Infinity")) {
        return json::value(in.as_string() == "NaN" ? NAN
                           : in.as_string() == "Infinity" ? INFINITY : -INFINITY);
      }
      return mismatch("a number");
    }
    case ShapeType::kTimestamp: {
      if (auto n = AsNumber(in)) {
        if (InTimestampRange(*n)) return json::value(*n);
        return SerializationFailure(ex, "Value at '" + std::string(path) +
                                            "' is not a timestamp between years 1 and 9999");
      }
      if (in.is_string()) {
        if (auto t = ParseTimestamp(in.as_string())) return json::value(*t);
      }
      return mismatch("a timestamp");
    }
    case ShapeType::kBlob: {
      if (!in.is_string()) return mismatch("a base64 string");
      auto raw = crypto::Base64Decode(in.as_string());
      if (!raw.ok()) {
        return SerializationFailure(ex, "Value at '" + std::string(path) +
                                            "' is not valid base64-encoded binary data");
      }
      return json::value(json::string(*raw));
    }
  }
  return mismatch("a value");
}

namespace {

// A timestamp or floating-point member as AWS writes it in JSON: epoch seconds (ISO 8601 where
// the shape says so); NaN and infinities as strings.
json::value LeafToJson(const Shape& shape, const json::value& doc) {
  auto n = AsNumber(doc);
  if (shape.type == ShapeType::kTimestamp) {
    if (!n) return doc;
    if (shape.timestamp_format == "iso8601") return json::string(FormatIso8601(*n));
    return NumberOut(*n);
  }
  if (n && std::isnan(*n)) return json::string("NaN");
  if (n && std::isinf(*n)) return json::string(*n > 0 ? "Infinity" : "-Infinity");
  return doc;
}

}  // namespace

namespace {

// A value as JSON text without a shape: what DocumentToJson passes through unchanged.
void AppendPlain(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::null: out += "null"; return;
    case json::kind::bool_: out += v.get_bool() ? "true" : "false"; return;
    case json::kind::int64: out += std::to_string(v.get_int64()); return;
    case json::kind::uint64: out += std::to_string(v.get_uint64()); return;
    case json::kind::string: AppendJsonQuoted(out, v.get_string()); return;
    default: out += json::serialize(v); return;  // doubles, arrays, objects (rare)
  }
}

}  // namespace

// The output document as JSON text on the wire: body members under their wire names, blobs in
// Base64, timestamps and special floats as AWS writes them; written straight into `out`, with
// no second document to serialize.
void AppendDocumentJson(const Service& svc, uint32_t shape_idx, const json::value& doc,
                        bool body_members_only, std::string& out) {
  const Shape& shape = svc.shape(shape_idx);
  switch (shape.type) {
    case ShapeType::kStructure: {
      out.push_back('{');
      bool first = true;
      if (doc.is_object()) {
        for (const Member& m : svc.StructMembers(shape)) {
          if (body_members_only && m.location != model::Location::kBody) continue;
          auto it = doc.as_object().find(m.name);
          if (it == doc.as_object().end() || it->value().is_null()) continue;
          if (!first) out.push_back(',');
          first = false;
          AppendJsonQuoted(out, WireMemberName(m));
          out.push_back(':');
          AppendDocumentJson(svc, m.shape, it->value(), false, out);
        }
      }
      out.push_back('}');
      return;
    }
    case ShapeType::kList: {
      out.push_back('[');
      if (doc.is_array()) {
        const Member& elem = svc.members[shape.first_member];
        bool first = true;
        for (const auto& item : doc.as_array()) {
          if (!first) out.push_back(',');
          first = false;
          AppendDocumentJson(svc, elem.shape, item, false, out);
        }
      }
      out.push_back(']');
      return;
    }
    case ShapeType::kMap: {
      out.push_back('{');
      if (doc.is_object()) {
        const Member& val = svc.members[shape.first_member + 1];
        bool first = true;
        for (const auto& kv : doc.as_object()) {
          if (!first) out.push_back(',');
          first = false;
          AppendJsonQuoted(out, kv.key());
          out.push_back(':');
          AppendDocumentJson(svc, val.shape, kv.value(), false, out);
        }
      }
      out.push_back('}');
      return;
    }
    case ShapeType::kBlob:
      if (doc.is_string()) {
        // Base64 needs no escaping.
        out.push_back('"');
        out += crypto::Base64Encode(doc.as_string());
        out.push_back('"');
        return;
      }
      return AppendPlain(doc, out);
    case ShapeType::kTimestamp:
    case ShapeType::kFloat:
    case ShapeType::kDouble:
      return AppendPlain(LeafToJson(shape, doc), out);
    default:
      return AppendPlain(doc, out);
  }
}

Result<json::value> JsonDecode(const Exchange& ex, std::string_view body) {
  if (ex.operation->input == model::kNoShape) return json::value(json::object());
  json::value parsed;
  if (Trim(body).empty()) {
    parsed = json::object();
  } else {
    boost::system::error_code ec;
    json::parse_options opts;
    opts.max_depth = 64;
    parsed = ParseJson(body, ec, opts);
    if (ec) {
      return SerializationFailure(ex, "The request body is not valid JSON: " + ec.message());
    }
  }
  return JsonToDocument(ex, ex.operation->input, parsed, "");
}

WireResponse JsonEncode(const Exchange& ex, const json::value& output, std::string_view rid) {
  WireResponse r;
  r.status = 200;
  r.headers.push_back({"Content-Type", ex.wire == Wire::kJson10 ? "application/x-amz-json-1.0"
                                                                : "application/x-amz-json-1.1"});
  r.headers.push_back({"x-amzn-RequestId", std::string(rid)});
  if (ex.operation->output == model::kNoShape) {
    r.body = "{}";
  } else {
    r.body.reserve(256);
    AppendDocumentJson(*ex.service, ex.operation->output, output, true, r.body);
  }
  return r;
}

WireResponse JsonEncodeError(const Exchange& ex, const Error& e, std::string_view rid) {
  WireResponse r;
  r.status = e.http_status;
  r.headers.push_back({"Content-Type", ex.wire == Wire::kJson10 ? "application/x-amz-json-1.0"
                                                                : "application/x-amz-json-1.1"});
  r.headers.push_back({"x-amzn-RequestId", std::string(rid)});
  if (ex.query_compatible) {
    r.headers.push_back(
        {"x-amzn-query-error", e.code + ";" + (e.sender_fault ? "Sender" : "Receiver")});
  }
  json::object body;
  body["__type"] = e.code;
  body["message"] = e.message;
  r.body = json::serialize(body);
  return r;
}

}  // namespace rampart::protocol::internal
