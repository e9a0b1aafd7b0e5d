// rest-json and rest-xml: URI labels, query string, headers, payload members.
#include <algorithm>

#include "common/json_parse.h"
#include "common/strings.h"
#include "protocol/internal.h"
#include "protocol/xml.h"

namespace rampart::protocol::internal {

namespace {
using model::Location;
using model::Member;
using model::Service;
using model::Shape;
using model::ShapeType;

struct UriTemplate {
  std::vector<std::string_view> segments;  // "{Bucket}", "{Key+}", or literal
  std::vector<std::pair<std::string_view, std::string_view>> required_query;  // key, value or ""
};

UriTemplate ParseTemplate(std::string_view uri) {
  UriTemplate t;
  size_t q = uri.find('?');
  std::string_view path = uri.substr(0, q);
  if (q != std::string_view::npos) {
    for (std::string_view part : Split(uri.substr(q + 1), '&')) {
      if (part.empty()) continue;
      size_t eq = part.find('=');
      t.required_query.emplace_back(part.substr(0, eq),
                                    eq == std::string_view::npos ? "" : part.substr(eq + 1));
    }
  }
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty()) t.segments = Split(path, '/');
  return t;
}

bool IsLabel(std::string_view seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

// Returns a score (higher is more specific) or -1 if no match. Labels are captured raw.
int Match(const UriTemplate& t, const std::vector<std::string_view>& segs,
          const std::vector<std::pair<std::string, std::string>>& query,
          std::vector<std::pair<std::string_view, std::string>>* labels) {
  int score = 0;
  size_t i = 0;
  for (size_t s = 0; s < t.segments.size(); ++s) {
    std::string_view seg = t.segments[s];
    if (IsLabel(seg)) {
      std::string_view name = seg.substr(1, seg.size() - 2);
      if (!name.empty() && name.back() == '+') {
        name.remove_suffix(1);
        if (i >= segs.size()) return -1;
        std::string joined;
        for (size_t k = i; k < segs.size(); ++k) {
          if (k > i) joined.push_back('/');
          joined.append(segs[k]);
        }
        if (labels) labels->emplace_back(name, std::move(joined));
        i = segs.size();
        score += 1;
        continue;
      }
      if (i >= segs.size() || segs[i].empty()) return -1;
      if (labels) labels->emplace_back(name, std::string(segs[i]));
      ++i;
      score += 2;
    } else {
      if (i >= segs.size() || segs[i] != seg) return -1;
      ++i;
      score += 10;
    }
  }
  // Allow one trailing empty segment ("/bucket/").
  if (i < segs.size() && !(i + 1 == segs.size() && segs[i].empty())) return -1;
  for (const auto& required : t.required_query) {
    // Not a structured binding: clang < 16 cannot capture those in the lambda below.
    std::string_view k = required.first, v = required.second;
    auto it = std::find_if(query.begin(), query.end(), [&](const auto& p) { return p.first == k; });
    if (it == query.end() || (!v.empty() && it->second != v)) return -1;
    score += 5;
  }
  return score;
}

std::vector<std::string_view> PathSegments(std::string_view path) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return {};
  return Split(path, '/');
}

Result<json::value> XmlToDocument(const Exchange& ex, uint32_t shape_idx, const xml::Element& e,
                                  const std::string& path);

Result<json::value> XmlStruct(const Exchange& ex, const Shape& shape, const xml::Element& e,
                              const std::string& path) {
  const Service& svc = *ex.service;
  json::object obj;
  for (const Member& m : svc.StructMembers(shape)) {
    if (m.location != Location::kBody) continue;
    std::string_view wire = WireMemberName(m);
    std::string mpath = path.empty() ? LowerFirst(m.name) : path + "." + LowerFirst(m.name);
    const Shape& ms = svc.shape(m.shape);
    if (m.flags & model::kMemberXmlAttribute) {
      // The parser keeps attributes by local name: "xsi:type" arrives as "type".
      size_t colon = wire.rfind(':');
      std::string_view local = colon == std::string_view::npos ? wire : wire.substr(colon + 1);
      for (const auto& [k, v] : e.attributes) {
        if (k == local) {
          auto sv = ScalarFromText(ms, v, mpath, false);
          if (!sv.ok()) return ValidationFailure(ex, sv.error().message);
          obj.emplace(m.name, std::move(*sv));
        }
      }
      continue;
    }
    if (ms.type == ShapeType::kList &&
        ((ms.flags & model::kShapeFlattened) || (m.flags & model::kMemberFlattened))) {
      json::array arr;
      const Member& elem = svc.members[ms.first_member];
      std::string_view ename = elem.location_name.empty() ? wire : elem.location_name;
      for (const auto& c : e.children) {
        if (c.name != ename && c.name != wire) continue;
        auto v = XmlToDocument(ex, elem.shape, c, mpath);
        if (!v.ok()) return v;
        arr.push_back(std::move(*v));
      }
      if (!arr.empty()) obj.emplace(m.name, std::move(arr));
      continue;
    }
    const xml::Element* c = e.Child(wire);
    if (!c) continue;
    auto v = XmlToDocument(ex, m.shape, *c, mpath);
    if (!v.ok()) return v;
    obj.emplace(m.name, std::move(*v));
  }
  return json::value(std::move(obj));
}

Result<json::value> XmlToDocument(const Exchange& ex, uint32_t shape_idx, const xml::Element& e,
                                  const std::string& path) {
  const Service& svc = *ex.service;
  const Shape& shape = svc.shape(shape_idx);
  switch (shape.type) {
    case ShapeType::kStructure: return XmlStruct(ex, shape, e, path);
    case ShapeType::kList: {
      json::array arr;
      const Member& elem = svc.members[shape.first_member];
      std::string_view ename = elem.location_name.empty() ? "member" : elem.location_name;
      for (const auto& c : e.children) {
        if (c.name != ename) continue;
        auto v = XmlToDocument(ex, elem.shape, c, path);
        if (!v.ok()) return v;
        arr.push_back(std::move(*v));
      }
      return json::value(std::move(arr));
    }
    case ShapeType::kMap: {
      json::object obj;
      const Member& k = svc.members[shape.first_member];
      const Member& val = svc.members[shape.first_member + 1];
      std::string_view kname = k.location_name.empty() ? "key" : k.location_name;
      std::string_view vname = val.location_name.empty() ? "value" : val.location_name;
      for (const auto& entry : e.children) {
        const xml::Element* ke = entry.Child(kname);
        const xml::Element* ve = entry.Child(vname);
        if (!ke || !ve) continue;
        auto v = XmlToDocument(ex, val.shape, *ve, path);
        if (!v.ok()) return v;
        obj.insert_or_assign(ke->text, std::move(*v));
      }
      return json::value(std::move(obj));
    }
    default: {
      auto v = ScalarFromText(shape, Trim(e.text), path, false);
      if (!v.ok()) return ValidationFailure(ex, v.error().message);
      return v;
    }
  }
}

// Operations sharing a URI template differ by required header and querystring members (S3:
// PutObject, CopyObject (x-amz-copy-source), UploadPart (partNumber, uploadId), UploadPartCopy
// (both)). Counts the present ones (the most specific operation wins) and tells whether any is
// missing. An unparsable query string counts as present: decoding then reports it.
struct Bindings {
  int present = 0;
  bool complete = true;
};
Bindings RequiredBindings(const Service& svc, const model::Operation& op, const WireRequest& req,
                          const std::optional<std::vector<std::pair<std::string, std::string>>>&
                              query) {
  Bindings b;
  if (op.input == model::kNoShape) return b;
  for (const Member& m : svc.StructMembers(svc.shape(op.input))) {
    if (!(m.flags & model::kMemberRequired)) continue;
    if (svc.shape(m.shape).type == ShapeType::kMap) continue;  // headers/query maps: any name
    std::string_view wire = WireMemberName(m);
    bool present = true;
    if (m.location == Location::kHeader) {
      present = req.headers && HasHeader(*req.headers, wire);
    } else if (m.location == Location::kQueryString) {
      present = !query || std::any_of(query->begin(), query->end(),
                                      [&](const auto& p) { return p.first == wire; });
    } else {
      continue;
    }
    if (present) {
      ++b.present;
    } else {
      b.complete = false;
    }
  }
  return b;
}

// Request bodies nest at most this deep (the models need about a dozen levels).
json::parse_options JsonOptions() {
  json::parse_options opts;
  opts.max_depth = 64;
  return opts;
}

// Header values come from documents that may carry user data (S3 metadata, content
// disposition): CR, LF and NUL would split or truncate the response, so they become spaces.
std::string HeaderSafe(std::string_view v) {
  std::string out(v);
  for (char& c : out) {
    if (c == '\r' || c == '\n' || c == '\0') c = ' ';
  }
  return out;
}

// The S3 model sets its namespace per member, not in the metadata; S3 puts it on every root.
std::string_view ResponseNamespace(const Service& svc) {
  if (svc.xml_namespace.empty() && svc.id == "s3") return "http://s3.amazonaws.com/doc/2006-03-01/";
  if (svc.xml_namespace.empty() && svc.id == "s3control") {
    return "http://awss3control.amazonaws.com/doc/2018-08-20/";
  }
  return svc.xml_namespace;
}

}  // namespace

const model::Operation* MatchRestOperation(const Service& svc, const WireRequest& req) {
  auto segs = PathSegments(req.path);
  auto parsed = ParseForm(req.query);
  const auto& query = parsed ? *parsed : std::vector<std::pair<std::string, std::string>>{};
  // Best candidate by (all required header/query members present, template score + 3 per
  // present one). An incomplete candidate still beats no match, so a request that only lacks a
  // required member gets the validation error naming it, not "no such operation".
  const model::Operation* best = nullptr;
  bool best_complete = false;
  int best_score = -1;
  for (const model::Operation& op : svc.operations) {
    if (op.http_method != req.method) continue;
    int score = Match(ParseTemplate(op.request_uri), segs, query, nullptr);
    if (score < 0) continue;
    Bindings b = RequiredBindings(svc, op, req, parsed);
    score += 3 * b.present;
    bool better = !best || (b.complete && !best_complete) ||
                  (b.complete == best_complete && score > best_score);
    // The only ties left in the models are S3 operations and their deprecated predecessors on
    // the same URI (GetBucketLifecycle / GetBucketLifecycleConfiguration, ...Notification...):
    // the successor's name extends the predecessor's, and current SDKs call the successor.
    bool successor = best && b.complete == best_complete && score == best_score &&
                     op.name.size() > best->name.size() && StartsWith(op.name, best->name);
    if (better || successor) {
      best = &op;
      best_complete = b.complete;
      best_score = score;
    }
  }
  return best;
}

Result<json::value> RestDecode(const Exchange& ex, const WireRequest& req) {
  const Service& svc = *ex.service;
  const model::Operation& op = *ex.operation;
  if (op.input == model::kNoShape) return json::value(json::object());
  const Shape& input = svc.shape(op.input);
  std::vector<std::pair<std::string_view, std::string>> labels;
  auto query = ParseForm(req.query);
  if (!query) return SerializationFailure(ex, "The query string is not valid URL encoding");
  Match(ParseTemplate(op.request_uri), PathSegments(req.path), *query, &labels);

  static const std::vector<HttpHeader> kNoHeaders;
  const std::vector<HttpHeader>& headers = req.headers ? *req.headers : kNoHeaders;
  json::object doc;
  bool has_body_members = false;
  for (const Member& m : svc.StructMembers(input)) {
    const Shape& ms = svc.shape(m.shape);
    std::string path = LowerFirst(m.name);
    std::string_view wire = WireMemberName(m);
    switch (m.location) {
      case Location::kUri: {
        for (auto& [name, raw] : labels) {
          if (name != wire) continue;
          auto decoded = UrlDecode(raw, false);
          if (!decoded) return SerializationFailure(ex, "Bad percent-encoding in the URI");
          auto v = ScalarFromText(ms, *decoded, path, false);
          if (!v.ok()) return ValidationFailure(ex, v.error().message);
          doc.emplace(m.name, std::move(*v));
        }
        break;
      }
      case Location::kQueryString: {
        if (ms.type == ShapeType::kMap) {
          json::object params;
          for (auto& [k, v] : *query) params.insert_or_assign(k, json::string(v));
          if (!params.empty()) doc.emplace(m.name, std::move(params));
          break;
        }
        if (ms.type == ShapeType::kList) {
          json::array arr;
          const Shape& es = svc.shape(svc.members[ms.first_member].shape);
          for (auto& [k, v] : *query) {
            if (k != wire) continue;
            auto sv = ScalarFromText(es, v, path, false);
            if (!sv.ok()) return ValidationFailure(ex, sv.error().message);
            arr.push_back(std::move(*sv));
          }
          if (!arr.empty()) doc.emplace(m.name, std::move(arr));
          break;
        }
        for (auto& [k, v] : *query) {
          if (k != wire) continue;
          auto sv = ScalarFromText(ms, v, path, false);
          if (!sv.ok()) return ValidationFailure(ex, sv.error().message);
          doc.insert_or_assign(m.name, std::move(*sv));
        }
        break;
      }
      case Location::kHeader: {
        if (!HasHeader(headers, wire)) break;
        std::string_view hv = FindHeader(headers, wire);
        if (ms.type == ShapeType::kList) {
          json::array arr;
          const Shape& es = svc.shape(svc.members[ms.first_member].shape);
          for (std::string_view part : Split(hv, ',')) {
            auto sv = ScalarFromText(es, Trim(part), path, true);
            if (!sv.ok()) return ValidationFailure(ex, sv.error().message);
            arr.push_back(std::move(*sv));
          }
          doc.emplace(m.name, std::move(arr));
          break;
        }
        auto sv = ScalarFromText(ms, hv, path, true);
        if (!sv.ok()) return ValidationFailure(ex, sv.error().message);
        doc.emplace(m.name, std::move(*sv));
        break;
      }
      case Location::kHeaders: {
        json::object map;
        std::string prefix = ToLower(wire);
        for (const auto& h : headers) {
          std::string lname = ToLower(h.name);
          if (StartsWith(lname, prefix)) map.insert_or_assign(lname.substr(prefix.size()), h.value);
        }
        if (!map.empty()) doc.emplace(m.name, std::move(map));
        break;
      }
      case Location::kBody:
        has_body_members = true;
        break;
      case Location::kStatusCode:
        break;
    }
  }

  if (!input.payload.empty()) {
    const Member* pm = nullptr;
    for (const Member& m : svc.StructMembers(input)) {
      if (m.name == input.payload) pm = &m;
    }
    if (pm && !req.body.empty()) {
      const Shape& ps = svc.shape(pm->shape);
      if (ps.type == ShapeType::kBlob || ps.type == ShapeType::kString) {
        doc.insert_or_assign(pm->name, json::string(req.body));
      } else if (ex.wire == Wire::kRestXml) {
        auto root = xml::Parse(req.body);
        if (!root.ok()) return std::move(root).error();
        auto v = XmlToDocument(ex, pm->shape, *root, LowerFirst(pm->name));
        if (!v.ok()) return v;
        doc.insert_or_assign(pm->name, std::move(*v));
      } else {
        boost::system::error_code ec;
        json::value parsed = ParseJson(req.body, ec, JsonOptions());
        if (ec) return SerializationFailure(ex, "The request body is not valid JSON");
        auto v = JsonToDocument(ex, pm->shape, parsed, LowerFirst(pm->name));
        if (!v.ok()) return v;
        doc.insert_or_assign(pm->name, std::move(*v));
      }
    }
  } else if (has_body_members && !Trim(req.body).empty()) {
    json::value body_doc;
    if (ex.wire == Wire::kRestXml) {
      auto root = xml::Parse(req.body);
      if (!root.ok()) return std::move(root).error();
      auto v = XmlStruct(ex, input, *root, "");
      if (!v.ok()) return v;
      body_doc = std::move(*v);
    } else {
      boost::system::error_code ec;
      json::value parsed = ParseJson(req.body, ec, JsonOptions());
      if (ec) return SerializationFailure(ex, "The request body is not valid JSON");
      auto v = JsonToDocument(ex, op.input, parsed, "");
      if (!v.ok()) return v;
      body_doc = std::move(*v);
    }
    for (auto& kv : body_doc.as_object()) doc.insert_or_assign(kv.key(), std::move(kv.value()));
  }
  return json::value(std::move(doc));
}

WireResponse RestEncode(const Exchange& ex, const json::value& output, std::string_view rid) {
  const Service& svc = *ex.service;
  const model::Operation& op = *ex.operation;
  WireResponse r;
  r.status = op.success_code ? op.success_code : 200;
  bool xml = ex.wire == Wire::kRestXml;
  r.headers.push_back({xml ? "x-amz-request-id" : "x-amzn-RequestId", std::string(rid)});
  if (op.output == model::kNoShape || !output.is_object()) {
    if (!xml) {
      r.headers.push_back({"Content-Type", "application/json"});
      r.body = "{}";
    }
    return r;
  }
  const Shape& out_shape = svc.shape(op.output);
  const json::object& obj = output.as_object();
  for (const Member& m : svc.StructMembers(out_shape)) {
    auto it = obj.find(m.name);
    if (it == obj.end() || it->value().is_null()) continue;
    const Shape& ms = svc.shape(m.shape);
    if (m.location == Location::kHeader) {
      r.headers.push_back({std::string(WireMemberName(m)),
                           HeaderSafe(ScalarToText(ms, it->value(), "rfc822"))});
    } else if (m.location == Location::kHeaders && it->value().is_object()) {
      for (const auto& kv : it->value().as_object()) {
        r.headers.push_back({HeaderSafe(std::string(WireMemberName(m)) + std::string(kv.key())),
                             kv.value().is_string() ? HeaderSafe(kv.value().as_string()) : ""});
      }
    } else if (m.location == Location::kStatusCode && it->value().is_int64()) {
      int64_t status = it->value().as_int64();
      if (status >= 100 && status <= 599) r.status = static_cast<int>(status);
    }
  }
  // A ranged GetObject answers 206 Partial Content (the model has no status member for it).
  if (xml && svc.id == "s3" && op.name == "GetObject" && obj.contains("ContentRange")) r.status = 206;
  if (!out_shape.payload.empty()) {
    for (const Member& m : svc.StructMembers(out_shape)) {
      if (m.name != out_shape.payload) continue;
      auto it = obj.find(m.name);
      if (it == obj.end()) break;
      const Shape& ps = svc.shape(m.shape);
      if (ps.type == ShapeType::kBlob || ps.type == ShapeType::kString) {
        r.body = it->value().is_string() ? std::string(it->value().as_string()) : "";
      } else if (xml) {
        r.headers.push_back({"Content-Type", "application/xml"});
        std::string name(ps.location_name.empty() ? WireMemberName(m) : ps.location_name);
        XmlEncodeValue(svc, m.shape, it->value(), name, r.body);
      } else {
        r.headers.push_back({"Content-Type", "application/json"});
        AppendDocumentJson(svc, m.shape, it->value(), false, r.body);
      }
    }
    return r;
  }
  if (xml && svc.id == "s3" && op.name == "GetBucketLocation") {
    // The one S3 body the model cannot describe: the root element itself carries the value
    // (<LocationConstraint xmlns=...>eu-west-1</LocationConstraint>), and every SDK special-cases
    // it (botocore's parse_get_bucket_location reads the root's text).
    r.headers.push_back({"Content-Type", "application/xml"});
    r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"" +
             std::string(ResponseNamespace(svc)) + "\">";
    auto it = obj.find("LocationConstraint");
    if (it != obj.end() && it->value().is_string()) AppendXmlEscaped(r.body, it->value().as_string());
    r.body += "</LocationConstraint>";
    return r;
  }
  // An output whose members all travel in headers (S3 HeadObject) has no body, and so no
  // Content-Type of its own: a stored object's Content-Type header is the only one.
  bool body_members = false;
  for (const Member& m : svc.StructMembers(out_shape)) {
    body_members = body_members || m.location == Location::kBody;
  }
  if (xml && !body_members) return r;
  if (xml) {
    r.headers.push_back({"Content-Type", "application/xml"});
    std::string name(out_shape.location_name.empty() ? out_shape.name : out_shape.location_name);
    std::string inner;
    XmlEncodeValue(svc, op.output, output, name, inner);
    // Add the namespace to the root element.
    std::string_view ns = ResponseNamespace(svc);
    if (!ns.empty() && inner.size() > name.size() + 1) {
      inner.insert(name.size() + 1, " xmlns=\"" + std::string(ns) + "\"");
    }
    r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + inner;
  } else {
    r.headers.push_back({"Content-Type", "application/json"});
    AppendDocumentJson(svc, op.output, output, true, r.body);
  }
  return r;
}

WireResponse RestEncodeError(const Exchange& ex, const Error& e, std::string_view rid) {
  WireResponse r;
  r.status = e.http_status;
  if (ex.wire == Wire::kRestXml) {
    r.headers.push_back({"Content-Type", "application/xml"});
    r.headers.push_back({"x-amz-request-id", std::string(rid)});
    r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>";
    AppendXmlEscaped(r.body, e.code);
    r.body += "</Code><Message>";
    AppendXmlEscaped(r.body, e.message);
    r.body += "</Message><RequestId>";
    AppendXmlEscaped(r.body, rid);
    r.body += "</RequestId></Error>";
    return r;
  }
  r.headers.push_back({"Content-Type", "application/json"});
  r.headers.push_back({"x-amzn-RequestId", std::string(rid)});
  r.headers.push_back({"X-Amzn-ErrorType", e.code});
  json::object body;
  body["message"] = e.message;
  body["__type"] = e.code;
  r.body = json::serialize(body);
  return r;
}

}  // namespace rampart::protocol::internal
