// CORS: a bucket's CORS configuration (Put/Get/DeleteBucketCors), the preflight answer to a
// browser's OPTIONS request, and the headers an actual cross-origin request gets, matched as S3
// documents: the first rule whose AllowedOrigins, AllowedMethods and (preflight)
// AllowedHeaders all match decides.
#include <boost/json.hpp>

#include "common/strings.h"
#include "services/s3/s3.h"

namespace rampart::services::s3 {

namespace {

constexpr std::string_view kMethods[] = {"GET", "PUT", "HEAD", "POST", "DELETE"};

std::vector<std::string> Strings(const json::object& o, std::string_view member) {
  std::vector<std::string> out;
  auto* v = o.if_contains(member);
  if (!v || !v->is_array()) return out;
  for (const auto& s : v->as_array()) {
    if (s.is_string()) out.emplace_back(s.as_string());
  }
  return out;
}

// `pattern` with at most one '*' (any run of characters), case-sensitive for origins and
// case-insensitive for header names.
bool WildMatch(std::string_view pattern, std::string_view text, bool ignore_case) {
  auto eq = [ignore_case](std::string_view a, std::string_view b) {
    return ignore_case ? IEquals(a, b) : a == b;
  };
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return eq(pattern, text);
  std::string_view head = pattern.substr(0, star), tail = pattern.substr(star + 1);
  return text.size() >= head.size() + tail.size() && eq(text.substr(0, head.size()), head) &&
         eq(text.substr(text.size() - tail.size()), tail);
}

Status CheckRule(const json::object& rule) {
  auto methods = Strings(rule, "AllowedMethods");
  auto origins = Strings(rule, "AllowedOrigins");
  if (methods.empty() || origins.empty()) return MalformedXml();
  for (const auto& m : methods) {
    if (std::find(std::begin(kMethods), std::end(kMethods), m) == std::end(kMethods)) {
      return Error{"InvalidRequest",
                   "Found unsupported HTTP method in CORS config. Unsupported method is " + m, 400,
                   true};
    }
  }
  for (const auto& o : origins) {
    if (std::count(o.begin(), o.end(), '*') > 1) {
      return Error{"InvalidRequest",
                   "AllowedOrigin \"" + o + "\" can not have more than one wildcard.", 400, true};
    }
  }
  for (const auto& h : Strings(rule, "AllowedHeaders")) {
    if (std::count(h.begin(), h.end(), '*') > 1) {
      return Error{"InvalidRequest",
                   "AllowedHeader \"" + h + "\" can not have more than one wildcard.", 400, true};
    }
  }
  return {};
}

Result<json::value> PutBucketCors(S3Service& s3, const Call&, const json::object& in) {
  auto* c = in.if_contains("CORSConfiguration");
  if (!c || !c->is_object()) return MalformedXml();
  auto* rules = c->as_object().if_contains("CORSRules");
  if (!rules || !rules->is_array() || rules->as_array().empty() || rules->as_array().size() > 100) {
    return MalformedXml();
  }
  for (const auto& r : rules->as_array()) {
    if (!r.is_object()) return MalformedXml();
    RAMPART_RETURN_IF_ERROR(CheckRule(r.as_object()));
  }
  json::array kept = rules->as_array();
  RAMPART_RETURN_IF_ERROR(s3.UpdateBucket(Str(in, "Bucket"), [&](json::object& doc) -> Status {
    doc["Cors"] = kept;
    return {};
  }));
  return json::value(json::object());
}

Result<json::value> GetBucketCors(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(Str(in, "Bucket")));
  auto* c = b.doc.if_contains("Cors");
  if (!c || !c->is_array()) {
    return Error{"NoSuchCORSConfiguration", "The CORS configuration does not exist", 404, true};
  }
  return json::value(json::object{{"CORSRules", *c}});
}

Result<json::value> DeleteBucketCors(S3Service& s3, const Call&, const json::object& in) {
  RAMPART_RETURN_IF_ERROR(s3.UpdateBucket(Str(in, "Bucket"), [](json::object& doc) -> Status {
    doc.erase("Cors");
    return {};
  }));
  return json::value(json::object());
}

// The first rule that allows `origin`, `method` and every one of `headers`; null if none.
const json::object* MatchRule(const json::array& rules, std::string_view origin,
                              std::string_view method, const std::vector<std::string>& headers) {
  for (const auto& r : rules) {
    if (!r.is_object()) continue;
    const json::object& rule = r.as_object();
    auto origins = Strings(rule, "AllowedOrigins");
    auto methods = Strings(rule, "AllowedMethods");
    auto allowed_headers = Strings(rule, "AllowedHeaders");
    bool origin_ok = std::any_of(origins.begin(), origins.end(),
                                 [&](const std::string& o) { return WildMatch(o, origin, false); });
    bool method_ok = std::find(methods.begin(), methods.end(), method) != methods.end();
    bool headers_ok = std::all_of(headers.begin(), headers.end(), [&](const std::string& h) {
      return std::any_of(allowed_headers.begin(), allowed_headers.end(),
                         [&](const std::string& a) { return WildMatch(a, h, true); });
    });
    if (origin_ok && method_ok && headers_ok) return &rule;
  }
  return nullptr;
}

std::vector<HttpHeader> AnswerHeaders(const json::object& rule, std::string_view origin,
                                      const std::vector<std::string>& headers, bool preflight) {
  auto origins = Strings(rule, "AllowedOrigins");
  bool any = std::find(origins.begin(), origins.end(), "*") != origins.end();
  std::vector<HttpHeader> out;
  out.push_back({"Access-Control-Allow-Origin", any ? "*" : std::string(origin)});
  std::string methods;
  for (const auto& m : Strings(rule, "AllowedMethods")) methods += (methods.empty() ? "" : ", ") + m;
  out.push_back({"Access-Control-Allow-Methods", methods});
  if (preflight && !headers.empty()) {
    std::string list;
    for (const auto& h : headers) list += (list.empty() ? "" : ", ") + h;
    out.push_back({"Access-Control-Allow-Headers", list});
  }
  std::string expose;
  for (const auto& e : Strings(rule, "ExposeHeaders")) expose += (expose.empty() ? "" : ", ") + e;
  if (!expose.empty()) out.push_back({"Access-Control-Expose-Headers", expose});
  if (auto age = Int(rule, "MaxAgeSeconds")) {
    out.push_back({"Access-Control-Max-Age", std::to_string(*age)});
  }
  if (!any) out.push_back({"Access-Control-Allow-Credentials", "true"});
  out.push_back({"Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"});
  return out;
}

std::vector<std::string> HeaderList(std::string_view value) {
  std::vector<std::string> out;
  for (std::string_view h : Split(value, ',')) {
    h = Trim(h);
    if (!h.empty()) out.push_back(ToLower(h));
  }
  return out;
}

}  // namespace

Result<std::vector<HttpHeader>> CorsPreflight(S3Service& s3, std::string_view bucket,
                                              std::string_view origin, std::string_view method,
                                              std::string_view request_headers) {
  Error forbidden{"AccessForbidden",
                  "CORSResponse: This CORS request is not allowed. This is usually because the "
                  "evalution of Origin, request method / Access-Control-Request-Method or "
                  "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
                  403, true};
  if (origin.empty() || method.empty()) {
    return Error{"BadRequest", "Insufficient information. Origin request header needed.", 400,
                 true};
  }
  RAMPART_ASSIGN_OR_RETURN(Bucket b, s3.GetBucket(bucket));
  auto* c = b.doc.if_contains("Cors");
  if (!c || !c->is_array()) {
    return Error{"AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.", 403, true};
  }
  auto headers = HeaderList(request_headers);
  const json::object* rule = MatchRule(c->as_array(), origin, method, headers);
  if (!rule) return forbidden;
  return AnswerHeaders(*rule, origin, headers, true);
}

std::vector<HttpHeader> CorsHeaders(S3Service& s3, std::string_view bucket,
                                    std::string_view origin, std::string_view method) {
  auto b = s3.GetBucket(bucket);
  if (!b.ok() || origin.empty()) return {};
  auto* c = b->doc.if_contains("Cors");
  if (!c || !c->is_array()) return {};
  const json::object* rule = MatchRule(c->as_array(), origin, method, {});
  if (!rule) return {};
  return AnswerHeaders(*rule, origin, {}, false);
}

void AddCorsOperations(std::vector<OperationEntry>& out, S3Service& s3) {
  static constexpr std::pair<std::string_view, ObjectHandler<S3Service>> kOps[] = {
      {"PutBucketCors", PutBucketCors},
      {"GetBucketCors", GetBucketCors},
      {"DeleteBucketCors", DeleteBucketCors},
  };
  AddOperations(out, s3, kOps);
}

}  // namespace rampart::services::s3
