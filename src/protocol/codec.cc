#include "protocol/codec.h"

#include <cfloat>
#include <charconv>
#include <cmath>
#include <limits>

#include "common/crypto.h"
#include "common/strings.h"
#include "protocol/internal.h"

namespace rampart::protocol {

namespace json = boost::json;
using namespace internal;  // NOLINT(google-build-using-namespace): implementation file

namespace {

// Newer SDKs call CloudWatch over awsJson 1.0 with this target prefix (the model in Debian's
// botocore still says query). Requests carry x-amzn-query-mode: true and expect query error codes.
constexpr std::string_view kCloudWatchJsonPrefix = "GraniteServiceVersion20100801";

std::string_view TargetPrefix(std::string_view target) {
  size_t dot = target.rfind('.');
  return dot == std::string_view::npos ? std::string_view{} : target.substr(0, dot);
}

bool IsFormBody(const WireRequest& req) {
  std::string_view ct = req.headers ? FindHeader(*req.headers, "content-type") : "";
  return StartsWith(ToLower(ct), "application/x-www-form-urlencoded");
}

// Query parameters from the URL and, for form posts, the body. nullopt on bad encoding.
std::optional<FormMap> CollectForm(const WireRequest& req) {
  FormMap out;
  auto q = ParseForm(req.query);
  if (!q) return std::nullopt;
  for (auto& [k, v] : *q) out.insert_or_assign(std::move(k), std::move(v));
  if (!req.body.empty() && (IsFormBody(req) || req.method == "POST")) {
    auto b = ParseForm(req.body);
    if (!b) return std::nullopt;
    for (auto& [k, v] : *b) out.insert_or_assign(std::move(k), std::move(v));
  }
  return out;
}

std::string_view FormValue(const WireRequest& req, std::string_view key, std::string& storage) {
  auto form = CollectForm(req);
  if (!form) return {};
  auto it = form->find(key);
  if (it == form->end()) return {};
  storage = it->second;
  return storage;
}

}  // namespace

std::string_view WireName(Wire w) {
  switch (w) {
    case Wire::kQuery: return "query";
    case Wire::kJson10: return "json1.0";
    case Wire::kJson11: return "json1.1";
    case Wire::kRestJson: return "rest-json";
    case Wire::kRestXml: return "rest-xml";
  }
  return "?";
}

const model::Service* RouteService(const WireRequest& req, std::string_view scope_service) {
  std::string_view target = req.headers ? FindHeader(*req.headers, "x-amz-target") : "";
  if (!target.empty()) {
    std::string_view prefix = TargetPrefix(target);
    if (prefix == kCloudWatchJsonPrefix) return model::FindService("cloudwatch");
    for (const model::Service* s : model::AllServices()) {
      if (!s->target_prefix.empty() && s->target_prefix == prefix) return s;
    }
  }
  if (!scope_service.empty()) {
    // S3 Control shares S3's signing name; its API lives under /v20180820/ (its own host in AWS,
    // "<account>.s3-control.<region>.amazonaws.com", which an endpoint URL replaces).
    if (scope_service == "s3" && StartsWith(req.path, "/v20180820/")) {
      if (const model::Service* control = model::FindService("s3control")) return control;
    }
    for (const model::Service* s : model::AllServices()) {
      if (s->signing_name == scope_service) return s;
    }
    return nullptr;
  }
  // Unsigned: a query Action names the service (Version disambiguates shared names).
  std::string action_storage, version_storage;
  std::string_view action = FormValue(req, "Action", action_storage);
  if (!action.empty()) {
    std::string_view version = FormValue(req, "Version", version_storage);
    const model::Service* found = nullptr;
    int matches = 0;
    for (const model::Service* s : model::AllServices()) {
      if (s->protocol != model::Protocol::kQuery) continue;
      if (!version.empty() && s->api_version != version) continue;
      if (s->FindOperation(action)) {
        found = s;
        ++matches;
      }
    }
    if (matches == 1) return found;
    if (matches > 1) {
      // Prefer an operation that is callable without a signature (STS federation calls).
      for (const model::Service* s : model::AllServices()) {
        const model::Operation* op = s->FindOperation(action);
        if (s->protocol == model::Protocol::kQuery && op && (op->flags & model::kOpUnsigned))
          return s;
      }
    }
    return nullptr;
  }
  for (const model::Service* s : model::AllServices()) {
    if ((s->protocol == model::Protocol::kRestJson) && MatchRestOperation(*s, req)) return s;
  }
  return nullptr;
}

bool NamesQueryAction(const WireRequest& req) {
  std::string storage;
  return !FormValue(req, "Action", storage).empty();
}

Resolved ResolveOperation(const model::Service& service, const WireRequest& req) {
  Resolved r;
  r.exchange.service = &service;
  std::string_view target = req.headers ? FindHeader(*req.headers, "x-amz-target") : "";
  switch (service.protocol) {
    case model::Protocol::kQuery: {
      if (!target.empty() && TargetPrefix(target) == kCloudWatchJsonPrefix) {
        r.exchange.wire = Wire::kJson10;
        r.exchange.query_compatible = true;
        break;
      }
      r.exchange.wire = Wire::kQuery;
      auto form = CollectForm(req);
      if (!form) {
        r.status = Error{"MalformedQueryString", "The request body or query string is not valid "
                         "application/x-www-form-urlencoded data", 400, true};
        return r;
      }
      auto found = form->find("Action");
      std::string_view action = found == form->end() ? std::string_view() : found->second;
      if (action.empty()) {
        r.status = Error{"MissingAction", "The request must contain the parameter Action", 400,
                         true};
        return r;
      }
      // The API version is part of the request: an operation exists only in a version.
      auto v = form->find("Version");
      std::string_view version = v == form->end() ? std::string_view() : v->second;
      r.exchange.operation = version == service.api_version ? service.FindOperation(action)
                                                            : nullptr;
      if (!r.exchange.operation) {
        r.status = Error{"InvalidAction",
                         "Could not find operation " + std::string(action) + " for version " +
                             std::string(version.empty() ? "NO_VERSION_SPECIFIED" : version),
                         400, true};
      }
      return r;
    }
    case model::Protocol::kJson:
      r.exchange.wire = service.json_version == "1.0" ? Wire::kJson10 : Wire::kJson11;
      break;
    case model::Protocol::kRestJson:
    case model::Protocol::kRestXml:
      r.exchange.wire =
          service.protocol == model::Protocol::kRestJson ? Wire::kRestJson : Wire::kRestXml;
      r.exchange.operation = MatchRestOperation(service, req);
      if (!r.exchange.operation) {
        if (r.exchange.wire == Wire::kRestXml) {
          r.status = Error{"MethodNotAllowed",
                           "The specified method is not allowed against this resource.", 405, true};
        } else {
          r.status = Error{"UnknownOperationException",
                           "No operation matches " + std::string(req.method) + " " +
                               std::string(req.path),
                           404, true};
        }
      }
      return r;
  }
  // awsJson (and CloudWatch over JSON): POST with X-Amz-Target exactly <prefix>.<Operation>.
  if (target.empty()) {
    r.status = Error{"UnknownOperationException", "Missing X-Amz-Target header", 400, true};
    return r;
  }
  if (req.method != "POST") {
    r.status = Error{"UnknownOperationException",
                     std::string(req.method) + " is not a method of this JSON service: use POST",
                     400, true};
    return r;
  }
  std::string_view want_prefix =
      r.exchange.query_compatible ? kCloudWatchJsonPrefix : service.target_prefix;
  std::string_view op_name = target.substr(target.rfind('.') + 1);
  r.exchange.operation =
      TargetPrefix(target) == want_prefix ? service.FindOperation(op_name) : nullptr;
  if (!r.exchange.operation) {
    r.status = Error{"UnknownOperationException",
                     "Unknown operation " + std::string(target), 400, true};
  }
  return r;
}

Result<json::value> DecodeInput(const Exchange& ex, const WireRequest& req) {
  switch (ex.wire) {
    case Wire::kQuery: {
      auto form = CollectForm(req);
      if (!form) {
        return Error{"MalformedQueryString", "The request body is not valid form data", 400,
                     true};
      }
      return QueryDecode(ex, *form);
    }
    case Wire::kJson10:
    case Wire::kJson11: {
      // botocore's presigner moves a JSON operation's members into the (signed) query string.
      if (req.presigned && req.body.empty()) {
        auto form = CollectForm(req);
        if (!form) {
          return Error{"SerializationException", "The query string is not valid form data", 400,
                       true};
        }
        return QueryDecode(ex, *form);
      }
      return JsonDecode(ex, req.body);
    }
    case Wire::kRestJson:
    case Wire::kRestXml:
      return RestDecode(ex, req);
  }
  return Error::Internal("unknown wire");
}

WireResponse EncodeOutput(const Exchange& ex, const json::value& output,
                          std::string_view request_id) {
  if (!ex.service || !ex.operation) {
    // A caller bug (encoding a result for a request that never resolved): answer 500 rather
    // than dereference null.
    return EncodeError(ex, Error::Internal("no operation to encode a result for"), request_id);
  }
  switch (ex.wire) {
    case Wire::kQuery: return QueryEncode(ex, output, request_id);
    case Wire::kJson10:
    case Wire::kJson11: return JsonEncode(ex, output, request_id);
    case Wire::kRestJson:
    case Wire::kRestXml: return RestEncode(ex, output, request_id);
  }
  return {};
}

WireResponse EncodeError(const Exchange& ex, const Error& error, std::string_view request_id) {
  // A message may quote the request (an unknown Action, a bad value): bytes that are not UTF-8
  // never reach an error body raw, so the XML or JSON stays well-formed.
  if (!IsValidUtf8(error.message) || !IsValidUtf8(error.code)) {
    Error clean = error;
    clean.code = ToValidUtf8(error.code);
    clean.message = ToValidUtf8(error.message) +
                    " (the request held bytes that are not valid UTF-8, shown as U+FFFD)";
    return EncodeError(ex, clean, request_id);
  }
  switch (ex.wire) {
    case Wire::kQuery: return QueryEncodeError(ex, error, request_id);
    case Wire::kJson10:
    case Wire::kJson11: return JsonEncodeError(ex, error, request_id);
    case Wire::kRestJson:
    case Wire::kRestXml: return RestEncodeError(ex, error, request_id);
  }
  return {};
}

Error NotImplementedError(const Exchange& ex) {
  std::string op = ex.operation ? std::string(ex.operation->name) : "this operation";
  std::string svc = ex.service ? std::string(ex.service->id) : "this service";
  std::string message = "Rampart does not implement " + svc + ":" + op + " yet";
  if (ex.query_compatible) return {"InvalidAction", message, 400, true};
  switch (ex.wire) {
    case Wire::kQuery: return {"InvalidAction", message, 400, true};
    case Wire::kRestXml: return {"NotImplemented", message, 501, false};
    default: return {"UnknownOperationException", message, 400, true};
  }
}

namespace internal {

std::string LowerFirst(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z') out[0] = static_cast<char>(out[0] + 32);
  return out;
}

Error ValidationFailure(const Exchange& ex, std::string message) {
  if (ex.wire == Wire::kQuery || ex.query_compatible) {
    return {"ValidationError", std::move(message), 400, true};
  }
  return {"ValidationException", std::move(message), 400, true};
}

Error SerializationFailure(const Exchange& ex, std::string message) {
  if (ex.wire == Wire::kQuery) return {"MalformedInput", std::move(message), 400, true};
  if (ex.wire == Wire::kRestXml) return {"MalformedXML", std::move(message), 400, true};
  return {"SerializationException", std::move(message), 400, true};
}

Result<json::value> ScalarFromText(const model::Shape& shape, std::string_view text,
                                   std::string_view path, bool header_timestamps) {
  auto bad = [&](std::string_view what) {
    return Error{"ValidationError",
                 "Value '" + std::string(text) + "' at '" + std::string(path) +
                     "' failed to satisfy constraint: Member must be " + std::string(what),
                 400, true};
  };
  switch (shape.type) {
    case model::ShapeType::kString: return json::value(json::string(text));
    case model::ShapeType::kInteger:
    case model::ShapeType::kLong: {
      int64_t v = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || ptr != text.data() + text.size()) return bad("an integer");
      if (shape.type == model::ShapeType::kInteger && (v > INT32_MAX || v < INT32_MIN))
        return bad("a 32-bit integer");
      return json::value(v);
    }
    case model::ShapeType::kFloat:
    case model::ShapeType::kDouble: {
      if (text == "NaN") return json::value(std::numeric_limits<double>::quiet_NaN());
      if (text == "Infinity") return json::value(std::numeric_limits<double>::infinity());
      if (text == "-Infinity") return json::value(-std::numeric_limits<double>::infinity());
      // Decimal only: strtod alone would also take spaces, hex floats, "inf" and "nan".
      bool decimal = !text.empty() && text.find_first_not_of("0123456789.eE+-") == text.npos &&
                     text.find_first_of("0123456789") != text.npos;
      std::string tmp(text);
      char* end = nullptr;
      double d = decimal ? std::strtod(tmp.c_str(), &end) : 0.0;
      // Overflow (HUGE_VAL) is a value a double cannot hold; underflow rounds to zero as in
      // every AWS SDK.
      if (!decimal || end != tmp.c_str() + tmp.size() || std::isinf(d)) return bad("a number");
      if (shape.type == model::ShapeType::kFloat && std::fabs(d) > FLT_MAX) {
        return bad("a number a 32-bit float holds");
      }
      return json::value(d);
    }
    case model::ShapeType::kBoolean:
      if (IEquals(text, "true")) return json::value(true);
      if (IEquals(text, "false")) return json::value(false);
      return bad("a boolean (true or false)");
    case model::ShapeType::kTimestamp: {
      std::optional<double> t;
      if (header_timestamps && text.find(',') != std::string_view::npos) {
        std::tm tm{};
        std::string tmp(text);
        if (strptime(tmp.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) {
          t = static_cast<double>(timegm(&tm));
        }
      } else {
        t = ParseTimestamp(text);
      }
      if (!t) return bad("a timestamp (ISO 8601 or epoch seconds)");
      return json::value(*t);
    }
    case model::ShapeType::kBlob: {
      auto raw = crypto::Base64Decode(text);
      if (!raw.ok()) return bad("base64-encoded binary data");
      return json::value(json::string(*raw));
    }
    default: return bad("a scalar");
  }
}

std::string ScalarToText(const model::Shape& shape, const json::value& v,
                         std::string_view default_timestamp_format) {
  switch (shape.type) {
    case model::ShapeType::kString:
      return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
    case model::ShapeType::kInteger:
    case model::ShapeType::kLong:
      if (v.is_double()) {
        double d = v.as_double();
        // Casting NaN, infinities or |d| >= 2^63 to int64 is undefined behaviour.
        if (std::isfinite(d) && std::fabs(d) < 9.2e18) {
          return std::to_string(static_cast<int64_t>(d));
        }
        return "0";
      }
      if (v.is_string()) return std::string(v.as_string());
      return v.is_int64() || v.is_uint64() ? json::serialize(v) : "0";
    case model::ShapeType::kFloat:
    case model::ShapeType::kDouble: {
      double d = v.is_double() ? v.as_double() : v.is_int64() ? static_cast<double>(v.as_int64())
                                                              : 0.0;
      if (std::isnan(d)) return "NaN";
      if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
      char buf[64];
      auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, d);
      (void)ec;
      return std::string(buf, ptr);
    }
    case model::ShapeType::kBoolean:
      return v.is_bool() && v.as_bool() ? "true" : "false";
    case model::ShapeType::kTimestamp: {
      double t = v.is_double() ? v.as_double() : v.is_int64() ? static_cast<double>(v.as_int64())
                                                              : 0.0;
      std::string_view fmt =
          shape.timestamp_format.empty() ? default_timestamp_format : shape.timestamp_format;
      if (fmt == "unixTimestamp") {
        char buf[64];
        auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, t);
        (void)ec;
        return std::string(buf, ptr);
      }
      if (fmt == "rfc822") return FormatRfc822(t);
      return FormatIso8601(t);
    }
    case model::ShapeType::kBlob:
      return v.is_string() ? crypto::Base64Encode(std::string_view(v.as_string())) : "";
    default: return "";
  }
}

}  // namespace internal
}  // namespace rampart::protocol
