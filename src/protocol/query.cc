// The query protocol: form parameters in, XML out (IAM, STS, SNS, legacy CloudWatch).
#include "common/strings.h"
#include "protocol/internal.h"

namespace rampart::protocol::internal {

namespace {

using model::Member;
using model::Service;
using model::Shape;
using model::ShapeType;

// True if any parameter equals `key` or starts with `key.`.
bool HasPrefix(const FormMap& form, const std::string& key) {
  auto it = form.lower_bound(key);
  if (it == form.end()) return false;
  if (it->first == key) return true;
  return it->first.size() > key.size() && StartsWith(it->first, key) && it->first[key.size()] == '.';
}

bool IsFlattened(const Shape& shape, const Member* ref) {
  return (shape.flags & model::kShapeFlattened) || (ref && (ref->flags & model::kMemberFlattened));
}

// Upper bound on list/map elements read from one request; keeps hostile input bounded.
constexpr int kMaxElements = 10000;

Result<json::value> DecodeAt(const Exchange& ex, uint32_t shape_idx, const Member* ref,
                             const std::string& key, const FormMap& form, const std::string& path);

Result<json::value> DecodeStruct(const Exchange& ex, const Shape& shape, const std::string& prefix,
                                 const FormMap& form, const std::string& path) {
  const Service& svc = *ex.service;
  json::object obj;
  for (const Member& m : svc.StructMembers(shape)) {
    std::string key = prefix.empty() ? std::string(WireMemberName(m))
                                     : prefix + "." + std::string(WireMemberName(m));
    if (!HasPrefix(form, key)) continue;
    std::string mpath = path.empty() ? LowerFirst(m.name) : path + "." + LowerFirst(m.name);
    auto v = DecodeAt(ex, m.shape, &m, key, form, mpath);
    if (!v.ok()) return std::move(v).error();
    obj.emplace(m.name, std::move(*v));
  }
  return json::value(std::move(obj));
}

Result<json::value> DecodeAt(const Exchange& ex, uint32_t shape_idx, const Member* ref,
                             const std::string& key, const FormMap& form, const std::string& path) {
  const Service& svc = *ex.service;
  const Shape& shape = svc.shape(shape_idx);
  switch (shape.type) {
    case ShapeType::kStructure:
      return DecodeStruct(ex, shape, key, form, path);
    case ShapeType::kList: {
      json::array arr;
      auto it = form.find(key);
      if (it != form.end() && it->second.empty()) return json::value(std::move(arr));  // Name=
      const Member& elem = svc.members[shape.first_member];
      std::string base;
      if (IsFlattened(shape, ref)) {
        base = key;
        if (!elem.location_name.empty()) {
          size_t dot = key.rfind('.');
          base = (dot == std::string::npos ? "" : key.substr(0, dot + 1)) +
                 std::string(elem.location_name);
        }
      } else {
        base = key + "." + std::string(elem.location_name.empty() ? "member" : elem.location_name);
      }
      for (int i = 1; i <= kMaxElements; ++i) {
        std::string ekey = base + "." + std::to_string(i);
        if (!HasPrefix(form, ekey)) break;
        auto v = DecodeAt(ex, elem.shape, &elem, ekey, form, path + "." + std::to_string(i) +
                                                                 ".member");
        if (!v.ok()) return std::move(v).error();
        arr.push_back(std::move(*v));
      }
      return json::value(std::move(arr));
    }
    case ShapeType::kMap: {
      json::object obj;
      const Member& k = svc.members[shape.first_member];
      const Member& val = svc.members[shape.first_member + 1];
      std::string base = IsFlattened(shape, ref) ? key : key + ".entry";
      std::string kname(k.location_name.empty() ? "key" : k.location_name);
      std::string vname(val.location_name.empty() ? "value" : val.location_name);
      for (int i = 1; i <= kMaxElements; ++i) {
        std::string ekey = base + "." + std::to_string(i);
        if (!HasPrefix(form, ekey)) break;
        auto kit = form.find(ekey + "." + kname);
        if (kit == form.end()) {
          return ValidationFailure(ex, "Map entry " + ekey + " has no key (" + ekey + "." + kname +
                                           ")");
        }
        auto v = DecodeAt(ex, val.shape, &val, ekey + "." + vname, form, path + "." + kit->second);
        if (!v.ok()) return std::move(v).error();
        obj.insert_or_assign(kit->second, std::move(*v));
      }
      return json::value(std::move(obj));
    }
    default: {
      auto it = form.find(key);
      if (it == form.end()) {
        return ValidationFailure(ex, "Parameter " + key + " must be a scalar value");
      }
      auto v = ScalarFromText(shape, it->second, path, false);
      if (!v.ok()) return ValidationFailure(ex, std::move(v).error().message);
      return v;
    }
  }
}

void AppendOpen(std::string& out, std::string_view name) {
  out.push_back('<');
  out.append(name);
  out.push_back('>');
}
void AppendClose(std::string& out, std::string_view name) {
  out.append("</");
  out.append(name);
  out.push_back('>');
}

void EncodeMembers(const Service& svc, const Shape& shape, const json::object& obj,
                   std::string& out);

void EncodeElement(const Service& svc, const Member& m, const json::value& v, std::string& out) {
  const Shape& shape = svc.shape(m.shape);
  std::string_view name = WireMemberName(m);
  if (shape.type == ShapeType::kList && IsFlattened(shape, &m) && v.is_array()) {
    const Member& elem = svc.members[shape.first_member];
    std::string_view ename = elem.location_name.empty() ? name : elem.location_name;
    for (const auto& item : v.as_array()) XmlEncodeValue(svc, elem.shape, item, ename, out);
    return;
  }
  XmlEncodeValue(svc, m.shape, v, name, out);
}

void EncodeMembers(const Service& svc, const Shape& shape, const json::object& obj,
                   std::string& out) {
  for (const Member& m : svc.StructMembers(shape)) {
    if (m.flags & model::kMemberXmlAttribute) continue;
    auto it = obj.find(m.name);
    if (it == obj.end() || it->value().is_null()) continue;
    EncodeElement(svc, m, it->value(), out);
  }
}

}  // namespace

// Opens a structure's element with its attribute members (S3's Grantee xsi:type), declaring the
// xsi namespace an attribute uses.
static void OpenWithAttributes(const Service& svc, const Shape& shape, const json::value& v,
                        std::string_view name, std::string& out) {
  std::string attrs;
  if (v.is_object()) {
    for (const Member& m : svc.StructMembers(shape)) {
      if (!(m.flags & model::kMemberXmlAttribute)) continue;
      auto* a = v.as_object().if_contains(m.name);
      if (!a || !a->is_string()) continue;
      std::string_view wire = WireMemberName(m);
      if (StartsWith(wire, "xsi:") && attrs.find("xmlns:xsi=") == std::string::npos) {
        attrs += " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";
      }
      attrs += " ";
      attrs += wire;
      attrs += "=\"";
      AppendXmlEscaped(attrs, a->as_string());
      attrs += "\"";
    }
  }
  if (attrs.empty()) return AppendOpen(out, name);
  out.push_back('<');
  out.append(name);
  out.append(attrs);
  out.push_back('>');
}

void XmlEncodeValue(const Service& svc, uint32_t shape_idx, const json::value& v,
                    std::string_view name, std::string& out) {
  const Shape& shape = svc.shape(shape_idx);
  switch (shape.type) {
    case ShapeType::kStructure:
      OpenWithAttributes(svc, shape, v, name, out);
      if (v.is_object()) EncodeMembers(svc, shape, v.as_object(), out);
      AppendClose(out, name);
      return;
    case ShapeType::kList: {
      const Member& elem = svc.members[shape.first_member];
      std::string_view ename = elem.location_name.empty() ? "member" : elem.location_name;
      AppendOpen(out, name);
      if (v.is_array()) {
        for (const auto& item : v.as_array()) XmlEncodeValue(svc, elem.shape, item, ename, out);
      }
      AppendClose(out, name);
      return;
    }
    case ShapeType::kMap: {
      const Member& k = svc.members[shape.first_member];
      const Member& val = svc.members[shape.first_member + 1];
      std::string_view kname = k.location_name.empty() ? "key" : k.location_name;
      std::string_view vname = val.location_name.empty() ? "value" : val.location_name;
      bool flat = shape.flags & model::kShapeFlattened;
      if (!flat) AppendOpen(out, name);
      if (v.is_object()) {
        for (const auto& kv : v.as_object()) {
          AppendOpen(out, flat ? name : std::string_view("entry"));
          AppendOpen(out, kname);
          AppendXmlEscaped(out, kv.key());
          AppendClose(out, kname);
          XmlEncodeValue(svc, val.shape, kv.value(), vname, out);
          AppendClose(out, flat ? name : std::string_view("entry"));
        }
      }
      if (!flat) AppendClose(out, name);
      return;
    }
    default:
      AppendOpen(out, name);
      AppendXmlEscaped(out, ScalarToText(shape, v, "iso8601"));
      AppendClose(out, name);
  }
}

Result<json::value> QueryDecode(const Exchange& ex, const FormMap& form) {
  if (ex.operation->input == model::kNoShape) return json::value(json::object());
  const Shape& shape = ex.service->shape(ex.operation->input);
  return DecodeStruct(ex, shape, "", form, "");
}

WireResponse QueryEncode(const Exchange& ex, const json::value& output, std::string_view rid) {
  const Service& svc = *ex.service;
  const model::Operation& op = *ex.operation;
  WireResponse r;
  r.status = op.success_code ? op.success_code : 200;
  r.headers.push_back({"Content-Type", "text/xml"});
  r.headers.push_back({"x-amzn-RequestId", std::string(rid)});
  std::string& out = r.body;
  out.reserve(512);
  std::string root = std::string(op.name) + "Response";
  out += "<" + root + " xmlns=\"" + std::string(svc.xml_namespace) + "\">";
  if (op.output != model::kNoShape) {
    std::string wrapper =
        op.result_wrapper.empty() ? std::string(op.name) + "Result" : std::string(op.result_wrapper);
    AppendOpen(out, wrapper);
    if (output.is_object()) EncodeMembers(svc, svc.shape(op.output), output.as_object(), out);
    AppendClose(out, wrapper);
  }
  out += "<ResponseMetadata><RequestId>";
  AppendXmlEscaped(out, rid);
  out += "</RequestId></ResponseMetadata></" + root + ">";
  return r;
}

WireResponse QueryEncodeError(const Exchange& ex, const Error& e, std::string_view rid) {
  WireResponse r;
  r.status = e.http_status;
  r.headers.push_back({"Content-Type", "text/xml"});
  r.headers.push_back({"x-amzn-RequestId", std::string(rid)});
  std::string ns = ex.service ? std::string(ex.service->xml_namespace) : "";
  std::string& out = r.body;
  out = "<ErrorResponse xmlns=\"" + ns + "\"><Error><Type>";
  out += e.sender_fault ? "Sender" : "Receiver";
  out += "</Type><Code>";
  AppendXmlEscaped(out, e.code);
  out += "</Code><Message>";
  AppendXmlEscaped(out, e.message);
  out += "</Message></Error><RequestId>";
  AppendXmlEscaped(out, rid);
  out += "</RequestId></ErrorResponse>";
  return r;
}

}  // namespace rampart::protocol::internal
