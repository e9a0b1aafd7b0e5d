#include "policy/lint.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <tuple>

#include <boost/json.hpp>

namespace rampart::policy {
namespace {

namespace json = boost::json;

// ---- Where a path points in the text: a small scanner over the JSON tokens ----

struct Span {
  std::size_t start = 0, end = 0;  // byte offsets, end exclusive
};

class Locator {
 public:
  explicit Locator(std::string_view text) : t_(text) {}

  // The span of the value at `path` (index steps into a non-array are skipped, as a single
  // Statement object is addressed), or nullopt.
  std::optional<Span> Find(const std::vector<PathStep>& path) {
    std::size_t pos = SkipWs(0);
    for (const PathStep& step : path) {
      if (pos >= t_.size()) return std::nullopt;
      if (step.index) {
        if (t_[pos] != '[') continue;
        auto at = Element(pos, *step.index);
        if (!at) return std::nullopt;
        pos = *at;
      } else {
        if (t_[pos] != '{') return std::nullopt;
        auto at = Member(pos, step.key);
        if (!at) return std::nullopt;
        pos = *at;
      }
    }
    auto end = SkipValue(pos);
    if (!end) return std::nullopt;
    return Span{pos, *end};
  }

 private:
  std::size_t SkipWs(std::size_t p) const {
    while (p < t_.size() && (t_[p] == ' ' || t_[p] == '\t' || t_[p] == '\n' || t_[p] == '\r')) ++p;
    return p;
  }
  std::optional<std::size_t> SkipString(std::size_t p) const {
    for (++p; p < t_.size(); ++p) {
      if (t_[p] == '\\') {
        ++p;
      } else if (t_[p] == '"') {
        return p + 1;
      }
    }
    return std::nullopt;
  }
  std::optional<std::size_t> SkipValue(std::size_t p) const {
    if (p >= t_.size()) return std::nullopt;
    char c = t_[p];
    if (c == '"') return SkipString(p);
    if (c == '{' || c == '[') {
      char close = c == '{' ? '}' : ']';
      p = SkipWs(p + 1);
      if (p < t_.size() && t_[p] == close) return p + 1;
      while (p < t_.size()) {
        if (c == '{') {
          auto k = SkipString(p);
          if (!k) return std::nullopt;
          p = SkipWs(*k);
          if (p >= t_.size() || t_[p] != ':') return std::nullopt;
          p = SkipWs(p + 1);
        }
        auto v = SkipValue(p);
        if (!v) return std::nullopt;
        p = SkipWs(*v);
        if (p < t_.size() && t_[p] == ',') {
          p = SkipWs(p + 1);
        } else if (p < t_.size() && t_[p] == close) {
          return p + 1;
        } else {
          return std::nullopt;
        }
      }
      return std::nullopt;
    }
    while (p < t_.size() && std::string_view(",}] \t\r\n").find(t_[p]) == std::string_view::npos) ++p;
    return p;
  }
  // The start of member `key`'s value in the object at p.
  std::optional<std::size_t> Member(std::size_t p, std::string_view key) const {
    p = SkipWs(p + 1);
    while (p < t_.size() && t_[p] == '"') {
      auto k = SkipString(p);
      if (!k) return std::nullopt;
      boost::system::error_code ec;
      json::value name = json::parse(t_.substr(p, *k - p), ec);
      p = SkipWs(*k);
      if (p >= t_.size() || t_[p] != ':') return std::nullopt;
      p = SkipWs(p + 1);
      if (!ec && name.is_string() && name.get_string() == key) return p;
      auto v = SkipValue(p);
      if (!v) return std::nullopt;
      p = SkipWs(*v);
      if (p < t_.size() && t_[p] == ',') p = SkipWs(p + 1);
    }
    return std::nullopt;
  }
  std::optional<std::size_t> Element(std::size_t p, std::size_t index) const {
    p = SkipWs(p + 1);
    for (std::size_t i = 0; p < t_.size() && t_[p] != ']'; ++i) {
      if (i == index) return p;
      auto v = SkipValue(p);
      if (!v) return std::nullopt;
      p = SkipWs(*v);
      if (p < t_.size() && t_[p] == ',') p = SkipWs(p + 1);
    }
    return std::nullopt;
  }

  std::string_view t_;
};

json::object Position(std::string_view text, std::size_t byte) {
  std::size_t line = 1, column = 0, offset = 0;
  for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: same character
    ++offset;
    if (c == '\n') {
      ++line;
      column = 0;
    } else {
      ++column;
    }
  }
  return {{"line", line}, {"column", column}, {"offset", offset}};
}

json::object Location(std::string_view text, const std::vector<PathStep>& path) {
  Locator loc(text);
  Span span = loc.Find(path).value_or(Span{0, text.size()});
  json::array steps;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const PathStep& s = path[i];
    if (s.index) {
      // A single Statement object is addressed without an index.
      std::vector<PathStep> up(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(i));
      auto at = loc.Find(up);
      if (at && text[at->start] != '[') continue;
      steps.push_back(json::object{{"index", *s.index}});
    } else {
      steps.push_back(json::object{{"value", s.key}});
    }
  }
  return {{"path", std::move(steps)},
          {"span", json::object{{"start", Position(text, span.start)},
                                {"end", Position(text, span.end)}}}};
}

// ---- Findings ----

struct Check {
  std::string_view code, type, details;  // details: "{}" is the subject
};

// Access Analyzer's issue codes, finding types and details (IAM User Guide, "IAM policy
// validation check reference").
constexpr Check kChecks[] = {
    {"JSON_SYNTAX_ERROR", "ERROR", "Fix the JSON syntax error."},
    {"DATA_TYPE_MISMATCH", "ERROR", "The text does not match the expected JSON data type {}."},
    {"INVALID_POLICY_ELEMENT", "ERROR", "The policy element {} is not valid."},
    {"MISSING_STATEMENT", "ERROR", "Add a statement to the policy"},
    {"UNSUPPORTED_ELEMENT_COMBINATION", "ERROR",
     "The policy elements {} can not be used in the same statement. Remove one of these "
     "elements."},
    {"MISSING_EFFECT", "ERROR",
     "Add an Effect element to the policy statement with a value of Allow or Deny."},
    {"INVALID_EFFECT", "ERROR", "The effect {} is not valid. Use Allow or Deny."},
    {"INVALID_PRINCIPAL_FORMAT", "ERROR",
     "The Principal element contents are not valid. Specify a key-value pair in the Principal "
     "element."},
    {"INVALID_PRINCIPAL_KEY", "ERROR", "The principal key {} is not valid."},
    {"INVALID_CONDITION_OPERATOR", "ERROR",
     "The condition operator {} is not valid. Use a valid condition operator."},
    {"NULL_WITH_IF_EXISTS", "ERROR",
     "The Null condition operator cannot be used with the IfExists suffix. Update the operator "
     "or the suffix."},
    {"UNSUPPORTED_PRINCIPAL", "ERROR",
     "The policy type {} does not support the Principal element. Remove the Principal element."},
    {"SCP_SYNTAX_ERROR_PRINCIPAL", "ERROR",
     "SCPs do not support specifying principals. Remove the Principal or NotPrincipal element."},
    {"RCP_SYNTAX_ERROR_PRINCIPAL", "ERROR",
     "The Principal element contents are not valid. RCPs only support specifying all principals "
     "(\"*\") in the Principal element. The NotPrincipal element is not supported for RCPs."},
    {"ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE", "ERROR",
     "Role trust policies apply to the role that they are attached to. You cannot specify a "
     "resource. Remove the Resource or NotResource element."},
    {"INVALID_VERSION", "ERROR",
     "The version {} is not valid. Use one of the following versions: 2012-10-17"},
    {"MISSING_ARN_FIELD", "ERROR",
     "Resource ARNs must include at least 6 fields and include the following structure: "
     "arn:partition:service:region:account:resource."},
    {"UNIQUE_SIDS_REQUIRED", "ERROR",
     "Duplicate statement IDs are not supported for this policy type. Update the Sid value."},
    {"MISSING_ACTION", "ERROR", "Add an Action or NotAction element to the policy statement."},
    {"MISSING_RESOURCE", "ERROR",
     "Add a Resource or NotResource element to the policy statement."},
    {"INVALID_ACTION", "ERROR", "The action {} does not exist."},
    {"INVALID_SERVICE_IN_ACTION", "ERROR", "The service {} specified in the action does not exist."},
    {"MISMATCHED_ACTION_FOR_PRINCIPAL", "ERROR",
     "The {} action is invalid with the following principal(s): the principals of this "
     "statement. Use a SAML provider principal with the sts:AssumeRoleWithSAML action or use an "
     "OIDC provider principal with the sts:AssumeRoleWithWebIdentity action. Ensure the provider "
     "is Federated if you use either of the two options."},
    {"MISSING_PRINCIPAL", "ERROR", "Add a Principal element to the policy statement."},
    {"UNSUPPORTED_SID", "ERROR",
     "Update the characters in the Sid element to use one of the following character types: "
     "[a-z, A-Z, 0-9]"},
    {"TYPE_MISMATCH_DATE", "ERROR",
     "The date condition operator is used with an invalid value. Specify a valid date using "
     "YYYY-MM-DD or other ISO 8601 date/time format."},
    {"POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA", "ERROR",
     "The characters in the policy, excluding whitespace, exceed the character maximum for "
     "this policy type. We recommend that you use multiple granular policies."},
    {"MISSING_VERSION", "WARNING",
     "We recommend that you specify the Version element to help you with debugging permission "
     "issues."},
    {"EMPTY_SID_VALUE", "SUGGESTION", "Add a value to the empty string in the Sid element."},
    {"ALLOW_WITH_NOT_PRINCIPAL", "SECURITY_WARNING",
     "Using Allow with NotPrincipal can be overly permissive. We recommend that you use "
     "Principal instead."},
    {"PASS_ROLE_WITH_STAR_IN_RESOURCE", "SECURITY_WARNING",
     "Using the iam:PassRole action with wildcards (*) in the resource can be overly permissive "
     "because it allows iam:PassRole permissions on multiple resources. We recommend that you "
     "specify resource ARNs or add the iam:PassedToService condition key to your statement."},
    {"PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE", "SECURITY_WARNING",
     "Using wildcards (*) in the action and the resource can be overly permissive because it "
     "allows iam:PassRole permissions on all resources. We recommend that you specify resource "
     "ARNs or add the iam:PassedToService condition key to your statement."},
    {"CREATE_SLR_WITH_STAR_IN_RESOURCE", "WARNING",
     "Using the iam:CreateServiceLinkedRole action with wildcards (*) in the resource can allow "
     "creation of unintended service-linked roles. We recommend that you specify resource ARNs "
     "instead."},
    {"CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE", "WARNING",
     "Using wildcards (*) in the action and the resource can allow creation of unintended "
     "service-linked roles because it allows iam:CreateServiceLinkedRole permissions on all "
     "resources. We recommend that you specify resource ARNs instead."},
    {"WILDCARD_WITHOUT_LIKE_OPERATOR", "WARNING",
     "Your condition value includes a * or ? character. If you meant to use a wildcard (*, ?), "
     "update the condition operator to include Like."},
    {"DEPRECATED_GLOBAL_CONDITION_KEY", "WARNING",
     "We recommend that you update aws:ARN to use the newer condition key aws:PrincipalArn."},
    {"EMPTY_OBJECT_CONDITION", "SUGGESTION",
     "This condition block is empty and it does not affect the policy. Specify conditions."},
    {"NULL_WITH_QUALIFIER", "SUGGESTION",
     "Avoid using the Null condition operator with the ForAllValues or ForAnyValue qualifiers "
     "because they always return a true or false respectively."},
    {"WILDCARD_IN_SERVICE_NAME", "SUGGESTION",
     "Avoid using wildcards (*, ?) in the service name because it might grant unintended access "
     "to other AWS services with similar names."},
};

const Check* FindCheck(std::string_view code) {
  for (const Check& c : kChecks) {
    if (c.code == code) return &c;
  }
  return nullptr;
}

std::string LearnMoreLink(const Check& c) {
  std::string kind = c.type == "ERROR"              ? "error"
                     : c.type == "SECURITY_WARNING" ? "security-warning"
                     : c.type == "WARNING"          ? "general-warning"
                                                    : "suggestion";
  std::string slug(c.code);
  for (char& ch : slug) ch = ch == '_' ? '-' : static_cast<char>(std::tolower(ch));
  return "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
         "access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-" +
         kind + "-" + slug;
}

class Linter {
 public:
  Linter(std::string_view text, PolicyType type) : text_(text), type_(type) {}

  // `as_error`: the problem the API refuses the document for is an ERROR whatever Access
  // Analyzer's own type for the check (a managed policy without Version: IAM refuses it).
  void Add(std::string_view code, std::string subject, std::vector<PathStep> path,
           bool as_error = false) {
    const Check* c = FindCheck(code);
    if (!c) return;
    std::string details(c->details);
    if (auto at = details.find("{}"); at != std::string::npos) details.replace(at, 2, subject);
    out_.push_back(json::object{{"findingDetails", details},
                                {"findingType", as_error ? "ERROR" : c->type},
                                {"issueCode", c->code},
                                {"learnMoreLink", LearnMoreLink(*c)},
                                {"locations", json::array{Location(text_, path)}}});
  }

  // The subject of an error finding: the offending element, value or operator.
  std::string Subject(const PolicyIssue& issue) const {
    if (issue.path.empty()) return {};
    const PathStep& last = issue.path.back();
    if (issue.issue_code == "INVALID_EFFECT" || issue.issue_code == "INVALID_VERSION") {
      if (auto span = Locator(text_).Find(issue.path)) {
        std::string token(text_.substr(span->start, span->end - span->start));
        if (token.size() >= 2 && token.front() == '"') token = token.substr(1, token.size() - 2);
        return token;
      }
    }
    if (issue.issue_code == "UNSUPPORTED_PRINCIPAL") return "IDENTITY_POLICY";
    return last.key;
  }

  void Checks(const json::value& doc) {
    if (!doc.is_object()) return;
    const json::object& o = doc.get_object();
    bool identity = type_ == PolicyType::kManaged || type_ == PolicyType::kUserInline ||
                    type_ == PolicyType::kGroupInline || type_ == PolicyType::kRoleInline;
    if (!o.contains("Version") && type_ != PolicyType::kManaged) {
      Add("MISSING_VERSION", "", {});
    }
    const json::value* st = o.if_contains("Statement");
    if (!st) return;
    std::vector<const json::object*> list;
    if (st->is_object()) list.push_back(&st->get_object());
    if (st->is_array()) {
      for (const auto& s : st->get_array()) {
        if (s.is_object()) list.push_back(&s.get_object());
      }
    }
    for (std::size_t i = 0; i < list.size(); ++i) Statement(i, *list[i], identity);
  }

 private:
  static std::vector<PathStep> At(std::size_t i, std::string_view key = {}) {
    std::vector<PathStep> p{{"Statement", std::nullopt}, {"", i}};
    if (!key.empty()) p.push_back({std::string(key), std::nullopt});
    return p;
  }
  static std::vector<std::string> Strings(const json::value* v) {
    std::vector<std::string> out;
    if (!v) return out;
    if (v->is_string()) out.emplace_back(v->get_string());
    if (v->is_array()) {
      for (const auto& x : v->get_array()) {
        if (x.is_string()) out.emplace_back(x.get_string());
      }
    }
    return out;
  }
  static bool Covers(const std::string& pattern, std::string_view action) {
    auto p = Pattern::Compile(ToLower(pattern), {true, false, true});
    return p && p->MatchesLowercase(action);
  }

  void Statement(std::size_t i, const json::object& s, bool identity) {
    if (auto* sid = s.if_contains("Sid"); sid && sid->is_string() && sid->get_string().empty()) {
      Add("EMPTY_SID_VALUE", "", At(i, "Sid"));
    }
    bool allow = s.contains("Effect") && s.at("Effect").is_string() &&
                 s.at("Effect").get_string() == "Allow";
    if (allow && s.contains("NotPrincipal")) Add("ALLOW_WITH_NOT_PRINCIPAL", "", At(i, "NotPrincipal"));
    auto actions = Strings(s.if_contains("Action"));
    for (std::size_t k = 0; k < actions.size(); ++k) {
      std::string_view vendor = std::string_view(actions[k]).substr(0, actions[k].find(':'));
      if (actions[k] != "*" && vendor.find_first_of("*?") != std::string_view::npos) {
        auto path = At(i, "Action");
        if (s.at("Action").is_array()) path.push_back({"", k});
        Add("WILDCARD_IN_SERVICE_NAME", "", path);
      }
    }
    auto resources = Strings(s.if_contains("Resource"));
    bool star_resource = std::any_of(resources.begin(), resources.end(), [](const std::string& r) {
      return r.find('*') != std::string::npos;
    });
    const json::value* cond = s.if_contains("Condition");
    bool passed_to_service = cond && json::serialize(*cond).find("iam:PassedToService") !=
                                         std::string::npos;
    if (allow && identity && star_resource) {
      for (const auto& [action_name, exact, wild] :
           {std::tuple{"iam:passrole", "PASS_ROLE_WITH_STAR_IN_RESOURCE",
                       "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE"},
            std::tuple{"iam:createservicelinkedrole", "CREATE_SLR_WITH_STAR_IN_RESOURCE",
                       "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE"}}) {
        const char* action = action_name;  // clang 14 cannot capture structured bindings
        if (passed_to_service && std::string_view(action) == "iam:passrole") continue;
        bool literal = std::any_of(actions.begin(), actions.end(), [&](const std::string& a) {
          return ToLower(a) == action;
        });
        bool pattern = !literal && std::any_of(actions.begin(), actions.end(),
                                               [&](const std::string& a) { return Covers(a, action); });
        if (literal) Add(exact, "", At(i, "Resource"));
        if (pattern) Add(wild, "", At(i, "Action"));
      }
    }
    if (cond && cond->is_object()) Conditions(i, cond->get_object());
  }

  void Conditions(std::size_t i, const json::object& cond) {
    if (cond.empty()) Add("EMPTY_OBJECT_CONDITION", "", At(i, "Condition"));
    for (const auto& op : cond) {
      std::string_view name = op.key();
      auto where = At(i, "Condition");
      where.push_back({std::string(name), std::nullopt});
      bool qualified = name.starts_with("ForAllValues:") || name.starts_with("ForAnyValue:");
      std::string_view base = name.substr(qualified ? name.find(':') + 1 : 0);
      if (base.ends_with("IfExists")) base.remove_suffix(8);
      if (qualified && base == "Null") Add("NULL_WITH_QUALIFIER", "", where);
      if (!op.value().is_object()) continue;
      bool exact = base == "StringEquals" || base == "StringNotEquals" || base == "ArnEquals" ||
                   base == "ArnNotEquals" || base == "StringEqualsIgnoreCase" ||
                   base == "StringNotEqualsIgnoreCase";
      for (const auto& kv : op.value().get_object()) {
        auto at = where;
        at.push_back({std::string(kv.key()), std::nullopt});
        if (ToLower(kv.key()) == "aws:arn") Add("DEPRECATED_GLOBAL_CONDITION_KEY", "", at);
        std::string values = json::serialize(kv.value());
        if (exact && values.find_first_of("*?") != std::string::npos) {
          Add("WILDCARD_WITHOUT_LIKE_OPERATOR", "", at);
        }
      }
    }
  }

 public:
  json::array out_;

 private:
  std::string_view text_;
  PolicyType type_;
};

}  // namespace

LintReport LintPolicy(std::string_view text, PolicyType type) {
  LintReport report;
  report.error = ValidateAsAws(text, type);
  Linter linter(text, type);
  if (report.error) {
    linter.Add(report.error->issue_code, linter.Subject(*report.error), report.error->path, true);
  }
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (!ec) linter.Checks(doc);
  report.findings = std::move(linter.out_);
  return report;
}

std::string_view FindingType(const json::value& finding) {
  if (!finding.is_object()) return {};
  const json::value* t = finding.get_object().if_contains("findingType");
  return t && t->is_string() ? std::string_view(t->get_string()) : std::string_view();
}

}  // namespace rampart::policy
