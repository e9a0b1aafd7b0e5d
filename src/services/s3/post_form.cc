// S3 POST Object form and policy (post_form.h).

#include "services/s3/post_form.h"

#include <algorithm>
#include <optional>

#include "common/strings.h"

namespace rampart::services::s3 {

namespace json = boost::json;

namespace {

constexpr size_t kMaxFields = 100;
constexpr size_t kMaxField = 20 * 1024;

// S3 words every malformed form the same way.
Error Malformed(std::string_view) {
  return Error{"MalformedPOSTRequest",
               "The body of your POST request is not well-formed multipart/form-data.", 400, true};
}
Error PolicyDenied(std::string why) {
  return Error{"AccessDenied", "Invalid according to Policy: " + why, 403, true};
}
Error BadPolicy(std::string why) {
  return Error{"InvalidPolicyDocument", "Invalid Policy: " + why, 400, true};
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A header parameter (boundary=..., name="...", filename="..."), quoted or not.
std::optional<std::string> Param(std::string_view header, std::string_view name) {
  size_t at = 0;
  while (at < header.size()) {
    size_t semi = header.find(';', at);
    std::string_view part = Trim(header.substr(at, semi == std::string_view::npos ? semi : semi - at));
    at = semi == std::string_view::npos ? header.size() : semi + 1;
    size_t eq = part.find('=');
    if (eq == std::string_view::npos || Lower(Trim(part.substr(0, eq))) != name) continue;
    std::string_view v = Trim(part.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    return std::string(v);
  }
  return std::nullopt;
}

// One part's headers (up to the blank line) and where its content starts.
struct PartHead {
  std::string name, filename;
  bool has_filename = false;
};

Result<PartHead> ParseHeaders(std::string_view head) {
  PartHead h;
  bool disposition = false;
  for (std::string_view line : Split(head, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    if (Lower(Trim(line.substr(0, colon))) != "content-disposition") continue;
    std::string_view value = line.substr(colon + 1);
    auto name = Param(value, "name");
    if (!name) return Malformed("a form part has no name");
    h.name = Lower(*name);
    if (auto f = Param(value, "filename")) {
      h.filename = *f;
      h.has_filename = true;
    }
    disposition = true;
  }
  if (!disposition) return Malformed("a form part has no Content-Disposition");
  return h;
}

std::string_view FieldValue(const PostForm& form, std::string_view name) {
  auto it = form.fields.find(std::string(name));
  return it == form.fields.end() ? std::string_view() : std::string_view(it->second);
}

// The value a condition names ("$key" -> the key field; "$bucket" -> the bucket).
std::string_view Named(const PostForm& form, std::string_view bucket, std::string_view field) {
  if (field == "bucket") return bucket;
  return FieldValue(form, field);
}

Result<int64_t> Integer(const json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64() && v.as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v.as_uint64());
  }
  if (v.is_string()) {
    std::string_view s = v.as_string();
    if (!s.empty() && s.size() <= 18 && s.find_first_not_of("0123456789") == std::string_view::npos) {
      return std::stoll(std::string(s));
    }
  }
  return BadPolicy("content-length-range bounds must be integers");
}

}  // namespace

Result<PostForm> ParsePostForm(std::string_view content_type, std::string_view body) {
  if (!StartsWith(Lower(content_type), "multipart/form-data")) {
    return Malformed("The body of your POST request is not well-formed multipart/form-data.");
  }
  auto boundary = Param(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 200) {
    return Malformed("The body of your POST request is not well-formed multipart/form-data.");
  }
  std::string delim = "--" + *boundary;
  size_t at = body.find(delim);
  if (at == std::string_view::npos) {
    return Malformed("The body of your POST request is not well-formed multipart/form-data.");
  }
  PostForm form;
  std::string next = "\r\n" + delim;
  at += delim.size();
  while (true) {
    if (body.substr(at, 2) == "--") break;  // the closing delimiter
    if (body.substr(at, 2) != "\r\n") return Malformed("a form boundary is not followed by a line end");
    at += 2;
    size_t blank = body.find("\r\n\r\n", at);
    if (blank == std::string_view::npos) return Malformed("a form part's headers do not end");
    RAMPART_ASSIGN_OR_RETURN(PartHead h, ParseHeaders(body.substr(at, blank - at)));
    size_t start = blank + 4;
    size_t end = body.find(next, start);
    if (end == std::string_view::npos) return Malformed("a form part does not end with a boundary");
    std::string_view content = body.substr(start, end - start);
    at = end + next.size();
    if (h.name == "file") {
      form.file.assign(content);
      form.file_name = h.filename;
      form.has_file = true;
      break;  // S3 ignores what follows the file
    }
    if (content.size() > kMaxField) return Malformed("the form field " + h.name + " is too long");
    if (form.fields.size() >= kMaxFields) return Malformed("the form has too many fields");
    form.fields.emplace(h.name, std::string(content));
  }
  if (!form.has_file) {
    return Error{"InvalidArgument", "POST requires exactly one file upload per request.", 400, true};
  }
  return form;
}

Status CheckPostPolicy(std::string_view policy_json, const PostForm& form, std::string_view bucket,
                       int64_t now_epoch_seconds) {
  boost::system::error_code ec;
  json::value doc = json::parse(policy_json, ec);
  if (ec || !doc.is_object()) return BadPolicy("Could not parse the policy document.");
  const json::object& p = doc.as_object();
  auto* exp = p.if_contains("expiration");
  if (!exp || !exp->is_string()) return BadPolicy("Policy missing expiration.");
  auto when = ParseTimestamp(exp->as_string());
  if (!when) return BadPolicy("Invalid expiration: " + std::string(exp->as_string()));
  if (*when <= static_cast<double>(now_epoch_seconds)) return PolicyDenied("Policy expired.");
  auto* conds = p.if_contains("conditions");
  if (!conds || !conds->is_array()) return BadPolicy("Policy missing conditions.");
  std::vector<std::string> covered;
  auto cover = [&](std::string_view field) { covered.push_back(Lower(field)); };
  for (const auto& c : conds->as_array()) {
    std::string text = json::serialize(c);
    if (c.is_object()) {  // {"field": "value"}: an exact match
      for (const auto& [k, v] : c.as_object()) {
        if (!v.is_string()) return BadPolicy("Condition values must be strings: " + text);
        cover(k);
        if (Named(form, bucket, Lower(k)) != v.as_string()) {
          return PolicyDenied("Policy Condition failed: [\"eq\", \"$" + std::string(k) + "\", " +
                              json::serialize(v) + "]");
        }
      }
      continue;
    }
    if (!c.is_array() || c.as_array().size() != 3 || !c.as_array()[0].is_string()) {
      return BadPolicy("Invalid condition: " + text);
    }
    const json::array& a = c.as_array();
    std::string op = Lower(a[0].as_string());
    if (op == "content-length-range") {
      RAMPART_ASSIGN_OR_RETURN(int64_t lo, Integer(a[1]));
      RAMPART_ASSIGN_OR_RETURN(int64_t hi, Integer(a[2]));
      auto size = static_cast<int64_t>(form.file.size());
      if (size > hi) {
        return Error{"EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400,
                     true};
      }
      if (size < lo) {
        return Error{"EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size",
                     400, true};
      }
      continue;
    }
    if ((op != "eq" && op != "starts-with") || !a[1].is_string() || !a[2].is_string() ||
        !StartsWith(a[1].as_string(), "$")) {
      return BadPolicy("Invalid condition: " + text);
    }
    std::string field = Lower(std::string_view(a[1].as_string()).substr(1));
    cover(field);
    std::string_view value = Named(form, bucket, field);
    std::string_view want = a[2].as_string();
    bool ok = op == "eq" ? value == want : StartsWith(value, want);
    if (!ok) return PolicyDenied("Policy Condition failed: " + text);
  }
  for (const auto& [name, value] : form.fields) {
    if (name == "policy" || name == "x-amz-signature" || StartsWith(name, "x-ignore-")) continue;
    if (std::find(covered.begin(), covered.end(), name) == covered.end()) {
      return PolicyDenied("Extra input fields: " + name);
    }
  }
  return {};
}

}  // namespace rampart::services::s3
