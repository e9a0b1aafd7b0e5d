// S3 POST Object: a browser's upload through an HTML form whose policy was signed with SigV4
// (services/s3/post_form.h parses and checks the form). The upload is stored as a PutObject by
// the signer: the signature over the policy is verified with the signer's key, the policy's
// conditions are checked, and the signer needs s3:PutObject as for any PutObject.

#include <boost/json.hpp>

#include "common/crypto.h"
#include "common/strings.h"
#include "http/gateway.h"
#include "http/gateway_outcome.h"
#include "http/sigv4/sigv4.h"
#include "protocol/codec.h"
#include "services/s3/post_form.h"

namespace rampart::http {

namespace json = boost::json;

namespace {

Error Invalid(std::string message) { return Error{"InvalidArgument", std::move(message), 400, true}; }

std::string_view Field(const services::s3::PostForm& f, std::string_view name) {
  auto it = f.fields.find(std::string(name));
  return it == f.fields.end() ? std::string_view() : std::string_view(it->second);
}

// The PutObject input a form describes: key (with ${filename}), the file, the headers S3 takes
// from form fields, user metadata.
json::object PutInput(std::string_view bucket, const services::s3::PostForm& f) {
  std::string key(Field(f, "key"));
  if (size_t at = key.find("${filename}"); at != std::string::npos) {
    key.replace(at, 11, f.file_name);
  }
  json::object in{{"Bucket", bucket}, {"Key", key}, {"Body", f.file}};
  static constexpr std::pair<std::string_view, std::string_view> kHeaders[] = {
      {"content-type", "ContentType"},     {"cache-control", "CacheControl"},
      {"content-disposition", "ContentDisposition"}, {"content-encoding", "ContentEncoding"},
      {"expires", "Expires"},              {"acl", "ACL"},
      {"x-amz-server-side-encryption", "ServerSideEncryption"},
      {"x-amz-storage-class", "StorageClass"}, {"tagging", "Tagging"}};
  for (const auto& [field, member] : kHeaders) {
    if (std::string_view v = Field(f, field); !v.empty()) in[member] = v;
  }
  json::object meta;
  for (const auto& [name, value] : f.fields) {
    if (StartsWith(name, "x-amz-meta-")) meta[name.substr(11)] = value;
  }
  if (!meta.empty()) in["Metadata"] = std::move(meta);
  return in;
}

}  // namespace

bool Gateway::IsPostObject(const Request& req, std::string_view path, std::string_view query) {
  if (req.method != "POST" || !query.empty()) return false;
  std::string_view ct = FindHeader(req.headers, "content-type");
  if (ct.size() < 19 || ToLower(ct.substr(0, 19)) != "multipart/form-data") return false;
  std::string_view p = path.substr(path.empty() || path[0] != '/' ? 0 : 1);
  if (!p.empty() && p.back() == '/') p.remove_suffix(1);
  return !p.empty() && p.find('/') == std::string_view::npos;
}

Response Gateway::HandlePostObject(Request& req, std::string_view path, Outcome& outcome) {
  const std::string& rid = outcome.request_id;
  protocol::Exchange ex;
  ex.service = model::FindService("s3");
  ex.operation = ex.service->FindOperation("PutObject");
  ex.wire = protocol::Wire::kRestXml;
  outcome.service = ex.service;
  outcome.operation = ex.operation;
  auto fail = [&](const Error& e) {
    outcome.error_code = e.code;
    outcome.error = e;
    return FromWire(protocol::EncodeError(ex, e, rid));
  };
  std::string_view p = path.substr(path.empty() || path[0] != '/' ? 0 : 1);
  std::string bucket(p.substr(0, p.find('/')));
  auto form = services::s3::ParsePostForm(FindHeader(req.headers, "content-type"), req.body);
  if (!form.ok()) return fail(form.error());
  for (std::string_view need : {"key", "policy", "x-amz-algorithm", "x-amz-credential",
                                "x-amz-date", "x-amz-signature"}) {
    if (Field(*form, need).empty()) {
      return fail(Invalid("Bucket POST must contain a field named '" + std::string(need) +
                          "'.  If it is specified, please check the order of the fields."));
    }
  }
  if (Field(*form, "x-amz-algorithm") != "AWS4-HMAC-SHA256") {
    return fail(Invalid("Only AWS4-HMAC-SHA256 is supported for x-amz-algorithm."));
  }
  // x-amz-credential: <key id>/<date>/<region>/s3/aws4_request
  auto parts = Split(Field(*form, "x-amz-credential"), '/');
  if (parts.size() != 5 || parts[3] != "s3" || parts[4] != "aws4_request") {
    return fail(Invalid("Invalid credential: " + std::string(Field(*form, "x-amz-credential"))));
  }
  int64_t now = outcome.now;
  outcome.region = std::string(parts[2]);
  auto rc = credentials_.Resolve(parts[0]);
  if (!rc.ok()) return fail(rc.error());
  if (!rc->has_value() || !(*rc)->active || (*rc)->principal.session) {
    // Temporary credentials would need x-amz-security-token in the form: not served.
    return fail(Error{"InvalidAccessKeyId",
                      "The AWS Access Key Id you provided does not exist in our records.", 403,
                      true});
  }
  crypto::Sha256Digest key = sigv4::DeriveSigningKey((*rc)->secret_access_key, parts[1], parts[2], "s3");
  std::string_view policy64 = Field(*form, "policy");
  auto mac = crypto::HmacSha256(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()),
                                policy64);
  if (!crypto::ConstantTimeEquals(crypto::HexEncode(mac), Field(*form, "x-amz-signature"))) {
    return fail(Error{"SignatureDoesNotMatch",
                      "The request signature we calculated does not match the signature you "
                      "provided. Check your key and signing method.",
                      403, true});
  }
  auto policy = crypto::Base64Decode(policy64);
  if (!policy.ok()) return fail(Error{"InvalidPolicyDocument", "Invalid Policy: Invalid Base64", 400, true});
  Status checked = services::s3::CheckPostPolicy(*policy, *form, bucket, now);
  if (!checked.ok()) return fail(checked.error());

  // Stored as a PutObject by the signer, authorized as one.
  services::Principal principal = (*rc)->principal;
  outcome.principal = principal;
  outcome.principal_arn = principal.arn;
  outcome.presented_key = std::string(parts[0]);
  outcome.input = PutInput(bucket, *form);
  services::Call call{principal, rid, outcome.region, outcome.source_ip, now, 0, {}};
  call.auth_type = "POST";
  call.secure_transport = req.tls;
  if (AuthEnforced() && authorizer_) {
    services::AuthzRequest az{call, *ex.service, *ex.operation, outcome.input, req.tls};
    if (Status st = authorizer_->Authorize(az); !st.ok()) return fail(st.error());
  }
  const services::OperationFn* fn = dispatch_.Find(*ex.service, *ex.operation);
  if (!fn) return fail(protocol::NotImplementedError(ex));
  Result<json::value> out = (*fn)(call, outcome.input);
  if (!out.ok()) return fail(out.error());
  const json::object& o = out->as_object();
  std::string etag(o.contains("ETag") ? std::string_view(o.at("ETag").as_string()) : "");
  std::string key_name(outcome.input.as_object().at("Key").as_string());
  std::string location = "/" + bucket + "/" + key_name;
  Response r;
  r.headers.push_back({"x-amz-request-id", rid});
  r.headers.push_back({"ETag", etag});
  r.headers.push_back({"Location", location});
  if (std::string_view redirect = Field(*form, "success_action_redirect"); !redirect.empty()) {
    std::string to(redirect);
    to += (to.find('?') == std::string::npos ? "?" : "&");
    to += "bucket=" + UrlEncode(bucket) + "&key=" + UrlEncode(key_name) + "&etag=" + UrlEncode(etag);
    r.status = 303;
    r.headers.back() = {"Location", to};
  } else if (Field(*form, "success_action_status") == "201") {
    r.status = 201;
    r.headers.push_back({"Content-Type", "application/xml"});
    std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PostResponse><Location>";
    AppendXmlEscaped(body, location);
    body += "</Location><Bucket>";
    AppendXmlEscaped(body, bucket);
    body += "</Bucket><Key>";
    AppendXmlEscaped(body, key_name);
    body += "</Key><ETag>";
    AppendXmlEscaped(body, etag);
    body += "</ETag></PostResponse>";
    r.body = std::move(body);
  } else {
    r.status = Field(*form, "success_action_status") == "200" ? 200 : 204;
  }
  if (opts_.audit) outcome.output.emplace(std::move(*out));
  return r;
}

}  // namespace rampart::http
