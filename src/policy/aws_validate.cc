#include "policy/aws_validate.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include <boost/json.hpp>

namespace rampart::policy {
namespace {

namespace json = boost::json;

constexpr std::string_view kSyntax = "Syntax errors in policy.";
constexpr std::string_view kLegacy = "The policy failed legacy parsing";
constexpr std::string_view kOrgMessage =
    "The provided policy document does not meet the requirements of the specified policy type.";

bool IsOrgType(PolicyType t) { return t == PolicyType::kScp || t == PolicyType::kRcp; }
bool IsInline(PolicyType t) {
  return t == PolicyType::kUserInline || t == PolicyType::kGroupInline ||
         t == PolicyType::kRoleInline;
}
// The types IAM and STS validate (their messages, their Sid rule).
bool IsIamType(PolicyType t) {
  return t == PolicyType::kManaged || IsInline(t) || t == PolicyType::kTrust ||
         t == PolicyType::kSession;
}
// Types whose statements name no principal.
bool IsIdentityType(PolicyType t) {
  return t == PolicyType::kManaged || IsInline(t) || t == PolicyType::kSession ||
         t == PolicyType::kScp;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
bool HasWildcard(std::string_view s) {
  return s.find_first_of("*?") != std::string_view::npos || s.find("${") != std::string_view::npos;
}

// What follows the n-th colon ("" if there are fewer).
std::string_view AfterField(std::string_view s, int n) {
  std::size_t pos = 0;
  for (int i = 0; i < n; ++i) {
    pos = s.find(':', pos);
    if (pos == std::string_view::npos) return {};
    ++pos;
  }
  return s.substr(pos);
}

std::vector<std::string_view> SplitColons(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == ':') {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

// Python's int() of the text, within [lo, hi]: digits with an optional sign.
bool IntIn(std::string_view s, std::int64_t lo, std::int64_t hi) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size() && v >= lo && v <= hi;
}

// IAM's legacy reading of a date condition value: epoch seconds in [0, 2^63), or a loose ISO
// 8601 form (year in Java's range, month, day, hh:mm:ss[.fraction][z|+hh[:mm]]).
bool LegacyDateOk(std::string_view value) {
  std::string v(value);
  std::transform(v.begin(), v.end(), v.begin(), [](char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  if (v.find('t') == std::string::npos && v.find('-') == std::string::npos) {
    return IntIn(v, 0, INT64_MAX);
  }
  std::string_view all(v);
  std::size_t t = all.find('t');
  std::string_view date = all.substr(0, t);
  std::string_view time = t == std::string_view::npos ? std::string_view() : all.substr(t + 1);
  bool negative = !date.empty() && date.front() == '-';
  if (negative) date.remove_prefix(1);
  std::vector<std::string_view> d;
  for (std::size_t start = 0;;) {
    std::size_t dash = date.find('-', start);
    d.push_back(date.substr(start, dash == std::string_view::npos ? dash : dash - start));
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  std::string year = (negative ? "-" : "") + std::string(d[0]);
  if (!IntIn(year, -292275054, 292278993) || d.size() > 3) return false;
  if (d.size() > 1 && !IntIn(d[1], 1, 12)) return false;
  if (d.size() > 2 && !IntIn(d[2], 1, 31)) return false;
  auto tp = SplitColons(time);
  if (!tp[0].empty() && !IntIn(tp[0], 0, 23)) return false;
  if (tp.size() > 1 && !IntIn(tp[1], 0, 59)) return false;
  if (tp.size() > 2) {
    // Seconds and zone: "ss[.f]z" or "ss[.f]+hh[:mm]"; tp[3] is a zone's minutes.
    std::string_view sec = tp[2];
    if (std::size_t z = sec.find('z'); z != std::string_view::npos) {
      if (z + 1 != sec.size() || tp.size() > 3) return false;
      sec = sec.substr(0, z);
    } else if (std::size_t plus = sec.find('+'); plus != std::string_view::npos) {
      std::string_view zh = sec.substr(plus + 1);
      if (zh.size() != 2 || !IntIn(zh, 0, 23)) return false;
      if (tp.size() > 3 && (tp[3].size() != 2 || !IntIn(tp[3], 0, 59))) return false;
      sec = sec.substr(0, plus);
    }
    std::size_t dot = sec.find('.');
    if (!IntIn(sec.substr(0, dot), 0, 59)) return false;
    if (dot != std::string_view::npos && !IntIn(sec.substr(dot + 1), 0, 999999999)) return false;
  }
  return true;
}

bool KnownPartition(std::string_view p) {
  static constexpr std::string_view kPartitions[] = {"aws",       "aws-cn",    "aws-us-gov",
                                                     "aws-iso",   "aws-iso-b", "aws-iso-e",
                                                     "aws-iso-f", "aws-eusc"};
  return HasWildcard(p) ||
         std::find(std::begin(kPartitions), std::end(kPartitions), p) != std::end(kPartitions);
}

// The format error IAM reports for one Resource/NotResource entry, or "".
std::string ResourceFormatError(std::string_view r) {
  if (r == "*") return {};
  auto parts = SplitColons(r);
  if (parts.size() == 1) return "Resource " + std::string(r) + " must be in ARN format or \"*\".";
  std::string_view partition = parts[1];
  if (!KnownPartition(partition)) {
    auto seg = [&](std::size_t i) -> std::string {
      if (i >= parts.size()) return "*";
      if (i == 2 && parts[2].empty() && parts.size() == 3) return "*";
      return std::string(parts[i]);
    };
    std::string rest = "*";
    if (parts.size() > 5) {
      rest.clear();
      for (std::size_t i = 5; i < parts.size(); ++i) rest += (i > 5 ? ":" : "") + std::string(parts[i]);
    }
    return "Partition \"" + std::string(partition) + "\" is not valid for resource \"arn:" +
           std::string(partition) + ":" + seg(2) + ":" + seg(3) + ":" + seg(4) + ":" + rest +
           "\".";
  }
  if (parts.size() == 2 || parts[2].find_first_of("*?") != std::string_view::npos) {
    return "Resource vendor must be fully qualified and cannot contain regexes.";
  }
  std::string_view service = parts[2];
  bool region = parts.size() < 4 || !parts[3].empty();
  if (service == "iam" && region) {
    return "IAM resource " + std::string(r) + " cannot contain region information.";
  }
  // S3 buckets and objects have no Region; access points and other account-scoped S3
  // resources do (an S3 ARN with an account accepts a Region).
  if (service == "s3" && region && (parts.size() < 5 || parts[4].empty())) {
    return "Resource " + std::string(r) + " can not contain region information.";
  }
  if (service == "iam") {
    std::string_view res = AfterField(r, 5);
    static constexpr std::string_view kStarts[] = {
        "user/",   "federated-user/", "role/",          "group/",         "instance-profile/",
        "mfa/",    "server-certificate/", "policy/",    "sms-mfa/",       "saml-provider/",
        "oidc-provider/", "report/", "access-report/"};
    bool ok = res == "*" || res == "root" ||
              std::any_of(std::begin(kStarts), std::end(kStarts),
                          [&](std::string_view s) { return res.starts_with(s); });
    if (!ok) {
      return "IAM resource path must either be \"*\", root, or start with user/, "
             "federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, "
             "policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.";
    }
  }
  return {};
}

// IAM's legacy parser refuses: an ARN with "::" but fewer than six fields, an empty service,
// and an IAM ARN whose account is not an account (12 digits, "aws", or a pattern).
bool LegacyResourceOk(std::string_view r) {
  if (r == "*") return true;
  auto parts = SplitColons(r);
  if (parts.size() < 6 && r.find("::") != std::string_view::npos) return false;
  if (parts.size() > 2 && parts[2].empty()) return false;
  if (parts.size() > 4 && parts[2] == "iam" && !parts[4].empty() &&
      !(parts[4] == "aws" || (AllDigits(parts[4]) && parts[4].size() == 12) || HasWildcard(parts[4]))) {
    return false;
  }
  if (parts.size() == 5 && parts[2] == "iam") return false;  // account slot holds the resource
  return true;
}

// The operator of a condition block without ForAllValues:/ForAnyValue: and IfExists.
std::string_view BaseOperator(std::string_view op, bool* if_exists) {
  if (op.starts_with("ForAnyValue:")) {
    op.remove_prefix(12);
  } else if (op.starts_with("ForAllValues:")) {
    op.remove_prefix(13);
  }
  *if_exists = op.ends_with("IfExists");
  if (*if_exists) op.remove_suffix(8);
  return op;
}

bool KnownOperator(std::string_view base) {
  static constexpr std::string_view kOps[] = {
      "StringEquals",    "StringNotEquals",          "StringEqualsIgnoreCase",
      "StringNotEqualsIgnoreCase", "StringLike",     "StringNotLike",
      "NumericEquals",   "NumericNotEquals",         "NumericLessThan",
      "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
      "DateEquals",      "DateNotEquals",            "DateLessThan",
      "DateLessThanEquals", "DateGreaterThan",       "DateGreaterThanEquals",
      "Bool",            "BinaryEquals",             "IpAddress",
      "NotIpAddress",    "ArnEquals",                "ArnLike",
      "ArnNotEquals",    "ArnNotLike",               "Null"};
  return std::find(std::begin(kOps), std::end(kOps), base) != std::end(kOps);
}

bool IsScalar(const json::value& v) { return v.is_string() || v.is_number() || v.is_bool(); }

// A string or a list of strings (Action, Resource, a principal's values).
bool StringOrList(const json::value& v) {
  if (v.is_string()) return true;
  if (!v.is_array()) return false;
  return std::all_of(v.get_array().begin(), v.get_array().end(),
                     [](const json::value& x) { return x.is_string(); });
}

std::vector<std::string_view> Strings(const json::value& v) {
  std::vector<std::string_view> out;
  if (v.is_string()) out.emplace_back(v.get_string());
  if (v.is_array()) {
    for (const auto& x : v.get_array()) {
      if (x.is_string()) out.emplace_back(x.get_string());
    }
  }
  return out;
}

class Validator {
 public:
  Validator(PolicyType type, std::string_view entity) : type_(type), entity_(entity) {}

  std::optional<PolicyIssue> Run(std::string_view text) {
    if (auto i = CheckText(text)) return i;
    boost::system::error_code ec;
    json::parse_options opts;
    opts.max_depth = 64;
    json::value doc = json::parse(text, ec, {}, opts);
    if (ec) {
      std::string_view msg = type_ == PolicyType::kTrust ? "This policy contains invalid Json"
                                                         : kSyntax;
      return Make(msg, "the document is not valid JSON (" + ec.message() + ")", {},
                  "JSON_SYNTAX_ERROR");
    }
    for (auto stage : {&Validator::Grammar, &Validator::Prohibited, &Validator::Version,
                       &Validator::Legacy, &Validator::UniqueSids, &Validator::ActionsPresent,
                       &Validator::ResourcesPresent, &Validator::ResourceFormat,
                       &Validator::ActionVendors, &Validator::TrustActions,
                       &Validator::Principals, &Validator::SidCharacters}) {
      if (auto i = (this->*stage)(doc)) return i;
    }
    return std::nullopt;
  }

 private:
  using Path = std::vector<PathStep>;

  PolicyIssue Make(std::string_view message, std::string detail, Path path,
                   std::string issue_code) const {
    PolicyIssue i;
    i.detail = std::move(detail);
    i.path = std::move(path);
    i.issue_code = std::move(issue_code);
    if (IsOrgType(type_)) {
      i.error = {"MalformedPolicyDocumentException", std::string(kOrgMessage), 400, true};
    } else if (type_ == PolicyType::kKeyPolicy) {
      i.error = {"MalformedPolicyDocumentException", std::string(message), 400, true};
    } else {
      i.error = {"MalformedPolicyDocument", std::string(message), 400, true};
    }
    return i;
  }
  PolicyIssue Syntax(std::string detail, Path path, std::string issue_code) const {
    return Make(kSyntax, std::move(detail), std::move(path), std::move(issue_code));
  }
  static Path At(std::size_t st, std::string_view key = {}) {
    Path p{{"Statement", std::nullopt}, {"", st}};
    if (!key.empty()) p.push_back({std::string(key), std::nullopt});
    return p;
  }

  std::optional<PolicyIssue> CheckText(std::string_view text) const {
    PolicyTextScan scan = ScanPolicyText(text, type_);
    if (!scan.text_ok) {
      return Make(kSyntax, "byte " + std::to_string(scan.bad_offset) +
                               " is not a character IAM accepts in a policy (tab, line feed, "
                               "carriage return, U+0020 to U+00FF)",
                  {}, "JSON_SYNTAX_ERROR");
    }
    PolicySizeLimit limit = SizeLimitFor(type_);
    if (scan.count <= limit.max_chars) return std::nullopt;
    PolicyIssue i;
    i.issue_code = "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA";
    i.detail = "the document has " + std::to_string(scan.count) +
               (limit.ignores_whitespace ? " characters other than whitespace" : " characters") +
               "; the limit is " + std::to_string(limit.max_chars);
    std::string max = std::to_string(limit.max_chars);
    if (IsOrgType(type_)) {
      i.error = {"ConstraintViolationException", "You have exceeded the maximum policy size.", 400,
                 true};
    } else if (type_ == PolicyType::kKeyPolicy) {
      i.error = {"LimitExceededException", "Cannot exceed quota for PolicySize: " + max, 400, true};
    } else if (IsInline(type_) && !entity_.empty()) {
      i.error = {"LimitExceeded",
                 "Maximum policy size of " + max + " bytes exceeded for " + std::string(entity_),
                 409, true};
    } else if (type_ == PolicyType::kTrust) {
      i.error = {"LimitExceeded", "Cannot exceed quota for ACLSizePerRole: " + max, 409, true};
    } else {
      i.error = {"LimitExceeded",
                 "Cannot exceed quota for " + std::string(limit.quota_name) + ": " + max, 409, true};
    }
    return i;
  }

  // ---- Grammar: "Syntax errors in policy." ----
  std::optional<PolicyIssue> Grammar(const json::value& doc) {
    if (!doc.is_object()) return Syntax("the document must be a JSON object", {}, "DATA_TYPE_MISMATCH");
    const json::object& o = doc.get_object();
    for (const auto& kv : o) {
      if (kv.key() != "Version" && kv.key() != "Id" && kv.key() != "Statement") {
        return Syntax("unknown element \"" + std::string(kv.key()) +
                          "\" (a policy has Version, Id and Statement)",
                      {{std::string(kv.key()), std::nullopt}}, "INVALID_POLICY_ELEMENT");
      }
    }
    if (auto* v = o.if_contains("Version")) {
      if (!v->is_string() ||
          (v->get_string() != "2012-10-17" && v->get_string() != "2008-10-17")) {
        return Syntax("Version must be \"2012-10-17\" or \"2008-10-17\"", {{"Version", std::nullopt}},
                      "INVALID_VERSION");
      }
    }
    if (auto* id = o.if_contains("Id"); id && !id->is_string()) {
      return Syntax("Id must be a string", {{"Id", std::nullopt}}, "DATA_TYPE_MISMATCH");
    }
    const json::value* st = o.if_contains("Statement");
    if (!st) return Syntax("the policy has no Statement", {}, "MISSING_STATEMENT");
    if (st->is_object()) {
      statements_.push_back(&st->get_object());
    } else if (st->is_array()) {
      for (const auto& s : st->get_array()) {
        if (!s.is_object()) {
          return Syntax("each statement must be a JSON object", At(statements_.size()),
                        "DATA_TYPE_MISMATCH");
        }
        statements_.push_back(&s.get_object());
      }
    } else {
      return Syntax("Statement must be an object or a list of objects", {{"Statement", std::nullopt}},
                    "DATA_TYPE_MISMATCH");
    }
    if (statements_.empty()) return Syntax("Statement is an empty list", {{"Statement", std::nullopt}}, "MISSING_STATEMENT");
    for (std::size_t i = 0; i < statements_.size(); ++i) {
      if (auto issue = StatementGrammar(i, *statements_[i])) return issue;
    }
    return std::nullopt;
  }

  std::optional<PolicyIssue> StatementGrammar(std::size_t i, const json::object& s) {
    static constexpr std::string_view kKnown[] = {"Sid",       "Effect",   "Principal",
                                                  "NotPrincipal", "Action", "NotAction",
                                                  "Resource",  "NotResource", "Condition"};
    for (const auto& kv : s) {
      if (std::find(std::begin(kKnown), std::end(kKnown), std::string_view(kv.key())) ==
          std::end(kKnown)) {
        return Syntax("unknown element \"" + std::string(kv.key()) + "\" in a statement",
                      At(i, kv.key()), "INVALID_POLICY_ELEMENT");
      }
    }
    for (auto [a, b] : {std::pair<std::string_view, std::string_view>{"Action", "NotAction"},
                        {"Resource", "NotResource"}, {"Principal", "NotPrincipal"}}) {
      if (s.contains(a) && s.contains(b)) {
        return Syntax("a statement has " + std::string(a) + " or " + std::string(b) + ", not both",
                      At(i, b), "UNSUPPORTED_ELEMENT_COMBINATION");
      }
    }
    if (auto* sid = s.if_contains("Sid"); sid && !sid->is_string()) {
      return Syntax("Sid must be a string", At(i, "Sid"), "DATA_TYPE_MISMATCH");
    }
    const json::value* effect = s.if_contains("Effect");
    if (!effect) return Syntax("the statement has no Effect", At(i), "MISSING_EFFECT");
    std::string e = effect->is_string() ? ToLower(effect->get_string()) : "";
    if (e != "allow" && e != "deny") {
      return Syntax("Effect must be Allow or Deny", At(i, "Effect"), "INVALID_EFFECT");
    }
    for (std::string_view k : {"Action", "NotAction", "Resource", "NotResource"}) {
      if (auto* v = s.if_contains(k); v && !StringOrList(*v)) {
        return Syntax(std::string(k) + " must be a string or a list of strings", At(i, k),
                      "DATA_TYPE_MISMATCH");
      }
    }
    for (std::string_view k : {"Principal", "NotPrincipal"}) {
      if (auto* v = s.if_contains(k)) {
        if (auto issue = PrincipalGrammar(i, k, *v)) return issue;
      }
    }
    if (auto* c = s.if_contains("Condition")) return ConditionGrammar(i, *c);
    return std::nullopt;
  }

  std::optional<PolicyIssue> PrincipalGrammar(std::size_t i, std::string_view k,
                                              const json::value& v) const {
    if (v.is_string()) {
      if (v.get_string() == "*") return std::nullopt;
      return Syntax(std::string(k) + " is \"*\" or an object of principal types", At(i, k),
                    "INVALID_PRINCIPAL_FORMAT");
    }
    if (!v.is_object()) {
      return Syntax(std::string(k) + " is \"*\" or an object of principal types", At(i, k),
                    "INVALID_PRINCIPAL_FORMAT");
    }
    for (const auto& kv : v.get_object()) {
      std::string_view key = kv.key();
      if (key != "AWS" && key != "Service" && key != "Federated" && key != "CanonicalUser") {
        return Syntax("unknown principal type \"" + std::string(key) +
                          "\" (AWS, Service, Federated or CanonicalUser)",
                      At(i, k), "INVALID_PRINCIPAL_KEY");
      }
      if (!StringOrList(kv.value())) {
        return Syntax("a principal is a string or a list of strings", At(i, k),
                      "DATA_TYPE_MISMATCH");
      }
    }
    return std::nullopt;
  }

  std::optional<PolicyIssue> ConditionGrammar(std::size_t i, const json::value& c) const {
    if (!c.is_object()) {
      return Syntax("Condition must map operators to blocks", At(i, "Condition"), "DATA_TYPE_MISMATCH");
    }
    for (const auto& op : c.get_object()) {
      Path where = At(i, "Condition");
      where.push_back({std::string(op.key()), std::nullopt});
      if (!op.value().is_object()) {
        return Syntax("the block of " + std::string(op.key()) + " must map condition keys to values",
                      where, "DATA_TYPE_MISMATCH");
      }
      for (const auto& kv : op.value().get_object()) {
        const json::value& v = kv.value();
        bool ok = IsScalar(v) ||
                  (v.is_array() && std::all_of(v.get_array().begin(), v.get_array().end(), IsScalar));
        if (!ok) {
          Path at = where;
          at.push_back({std::string(kv.key()), std::nullopt});
          return Syntax("the value of " + std::string(kv.key()) +
                            " must be a string or a list of strings",
                        at, "DATA_TYPE_MISMATCH");
        }
      }
      bool if_exists = false;
      std::string_view base = BaseOperator(op.key(), &if_exists);
      // IAM accepts an unknown operator only when its block is empty.
      if (!KnownOperator(base) && !op.value().get_object().empty()) {
        return Syntax("unknown condition operator " + std::string(op.key()), where,
                      "INVALID_CONDITION_OPERATOR");
      }
      if (base == "Null" && if_exists) {
        return Syntax("the Null operator takes no IfExists suffix", where, "NULL_WITH_IF_EXISTS");
      }
    }
    return std::nullopt;
  }

  // ---- Elements the type does not have ----
  std::optional<PolicyIssue> Prohibited(const json::value&) {
    for (std::size_t i = 0; i < statements_.size(); ++i) {
      const json::object& s = *statements_[i];
      bool principal = s.contains("Principal") || s.contains("NotPrincipal");
      if (IsIdentityType(type_) && principal) {
        return Make("Policy document should not specify a principal.",
                    "identity-based policies apply to the identity they are attached to",
                    At(i, s.contains("Principal") ? "Principal" : "NotPrincipal"),
                    type_ == PolicyType::kScp ? "SCP_SYNTAX_ERROR_PRINCIPAL" : "UNSUPPORTED_PRINCIPAL");
      }
      if (type_ == PolicyType::kTrust) {
        for (std::string_view k : {"Resource", "NotResource"}) {
          if (s.contains(k)) {
            return Make("Has prohibited field " + std::string(k),
                        "a trust policy applies to its role: it names no resource", At(i, k),
                        "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE");
          }
        }
      }
      if (type_ == PolicyType::kRcp) {
        const json::value* p = s.if_contains("Principal");
        if (s.contains("NotPrincipal") || s.contains("NotAction") ||
            !(p && p->is_string() && p->get_string() == "*")) {
          return Make(kOrgMessage, "a resource control policy names \"Principal\": \"*\" and no "
                                   "NotPrincipal or NotAction",
                      At(i), "RCP_SYNTAX_ERROR_PRINCIPAL");
        }
      }
    }
    return std::nullopt;
  }

  // ---- Version: managed policies (and permissions boundaries) need 2012-10-17 ----
  std::optional<PolicyIssue> Version(const json::value& doc) {
    if (type_ != PolicyType::kManaged) return std::nullopt;
    const json::value* v = doc.get_object().if_contains("Version");
    if (v && v->get_string() == "2012-10-17") return std::nullopt;
    return Make("Policy document must be version 2012-10-17 or greater.",
                v ? "Version is 2008-10-17" : "the policy has no Version",
                {{"Version", std::nullopt}}, v ? "INVALID_VERSION" : "MISSING_VERSION");
  }

  // ---- Legacy parsing: Effect spelled exactly, date values, ARN shapes ----
  std::optional<PolicyIssue> Legacy(const json::value&) {
    for (std::size_t i = 0; i < statements_.size(); ++i) {
      const json::object& s = *statements_[i];
      std::string_view e = s.at("Effect").get_string();
      if (e != "Allow" && e != "Deny") {
        return Make(kLegacy, "Effect is spelled \"Allow\" or \"Deny\", with that capitalization",
                    At(i, "Effect"), "INVALID_EFFECT");
      }
      if (auto* c = s.if_contains("Condition")) {
        if (auto issue = LegacyDates(i, c->get_object())) return issue;
      }
    }
    for (std::string_view key : {"Resource", "NotResource"}) {
      for (std::size_t i = 0; i < statements_.size(); ++i) {
        const json::value* v = statements_[i]->if_contains(key);
        if (!v) continue;
        std::vector<std::string_view> list = Strings(*v);
        std::vector<std::string_view> sorted = list;
        std::sort(sorted.begin(), sorted.end(), std::greater<>());
        for (std::string_view r : sorted) {
          if (std::string err = ResourceFormatError(r); !err.empty()) {
            resource_error_ = std::move(err);
            resource_error_path_ = At(i, key);
          }
        }
        if (!resource_error_.empty()) continue;
        for (std::string_view r : list) {
          if (!LegacyResourceOk(r)) {
            return Make(kLegacy, "\"" + std::string(r) + "\" is not an ARN IAM can read",
                        At(i, key), "MISSING_ARN_FIELD");
          }
        }
      }
    }
    return std::nullopt;
  }

  std::optional<PolicyIssue> LegacyDates(std::size_t i, const json::object& cond) const {
    for (const auto& op : cond) {
      bool if_exists = false;
      if (!BaseOperator(op.key(), &if_exists).starts_with("Date")) continue;
      for (const auto& kv : op.value().get_object()) {
        std::vector<std::string> values;
        auto text = [](const json::value& x) {
          return x.is_string() ? std::string(x.get_string()) : json::serialize(x);
        };
        if (kv.value().is_array()) {
          for (const auto& x : kv.value().get_array()) values.push_back(text(x));
        } else {
          values.push_back(text(kv.value()));
        }
        for (const std::string& v : values) {
          if (!LegacyDateOk(v)) {
            Path at = At(i, "Condition");
            at.push_back({std::string(op.key()), std::nullopt});
            at.push_back({std::string(kv.key()), std::nullopt});
            return Make(kLegacy, "\"" + v + "\" is not a date (ISO 8601 or epoch seconds)", at,
                        "TYPE_MISMATCH_DATE");
          }
        }
      }
    }
    return std::nullopt;
  }

  std::optional<PolicyIssue> UniqueSids(const json::value&) {
    std::vector<std::string_view> seen;
    for (std::size_t i = 0; i < statements_.size(); ++i) {
      const json::value* sid = statements_[i]->if_contains("Sid");
      if (!sid || sid->get_string().empty()) continue;
      std::string_view s = sid->get_string();
      if (std::find(seen.begin(), seen.end(), s) != seen.end()) {
        return Make("Statement IDs (SID) in a single policy must be unique.",
                    "Sid \"" + std::string(s) + "\" is used twice", At(i, "Sid"),
                    "UNIQUE_SIDS_REQUIRED");
      }
      seen.push_back(s);
    }
    return std::nullopt;
  }

  static bool Present(const json::object& s, std::string_view a, std::string_view b) {
    const json::value* v = s.if_contains(a);
    if (!v) v = s.if_contains(b);
    return v && !(v->is_array() && v->get_array().empty());
  }

  // KMS accepts statements without Action or Resource (they grant nothing).
  std::optional<PolicyIssue> ActionsPresent(const json::value&) {
    if (type_ == PolicyType::kKeyPolicy) return std::nullopt;
    for (std::size_t i = 0; i < statements_.size(); ++i) {
      if (!Present(*statements_[i], "Action", "NotAction")) {
        return Make("Policy statement must contain actions.", "the statement has no Action",
                    At(i), "MISSING_ACTION");
      }
    }
    return std::nullopt;
  }

  std::optional<PolicyIssue> ResourcesPresent(const json::value&) {
    if (type_ == PolicyType::kKeyPolicy || type_ == PolicyType::kTrust) return std::nullopt;
    for (std::size_t i = 0; i < statements_.size(); ++i) {
      if (!Present(*statements_[i], "Resource", "NotResource")) {
        return Make("Policy statement must contain resources.", "the statement has no Resource",
                    At(i), "MISSING_RESOURCE");
      }
    }
    return std::nullopt;
  }

  std::optional<PolicyIssue> ResourceFormat(const json::value&) {
    if (resource_error_.empty()) return std::nullopt;
    return Make(resource_error_, "a Resource is not an ARN of the form "
                                 "arn:partition:service:region:account:resource",
                resource_error_path_, "MISSING_ARN_FIELD");
  }

  std::optional<PolicyIssue> ActionVendors(const json::value&) {
    for (std::size_t i = 0; i < statements_.size(); ++i) {
      for (std::string_view k : {"Action", "NotAction"}) {
        const json::value* v = statements_[i]->if_contains(k);
        if (!v) continue;
        for (std::string_view a : Strings(*v)) {
          auto parts = SplitColons(a);
          if (parts.size() == 1 && a != "*") {
            return Make("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
                        "\"" + std::string(a) + "\" is not service:action", At(i, k),
                        "INVALID_ACTION");
          }
          if (parts.size() > 2) {
            return Make("Actions/Condition can contain only one colon.",
                        "\"" + std::string(a) + "\" has more than one colon", At(i, k),
                        "INVALID_ACTION");
          }
          std::string_view vendor = parts[0];
          bool bad = vendor != "*" && std::any_of(vendor.begin(), vendor.end(), [](char c) {
                       return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                (c >= '0' && c <= '9') || c == '-' || c == '.');
                     });
          if (bad) {
            return Make("Vendor " + std::string(vendor) + " is not valid",
                        "a service prefix has letters, digits, '-' and '.'", At(i, k),
                        "INVALID_SERVICE_IN_ACTION");
          }
        }
      }
    }
    return std::nullopt;
  }

  std::optional<PolicyIssue> TrustActions(const json::value&) {
    if (type_ != PolicyType::kTrust) return std::nullopt;
    for (std::size_t i = 0; i < statements_.size(); ++i) {
      const json::value* v = statements_[i]->if_contains("Action");
      if (!v) continue;
      for (std::string_view a : Strings(*v)) {
        if (!TrustAction(a)) {
          return Make("AssumeRole policy may only specify STS AssumeRole actions.",
                      "\"" + std::string(a) + "\" is not an sts: action", At(i, "Action"),
                      "MISMATCHED_ACTION_FOR_PRINCIPAL");
        }
      }
    }
    return std::nullopt;
  }

  // The actions a trust policy may name: STS's role actions, or a pattern covering one.
  static bool TrustAction(std::string_view action) {
    static constexpr std::string_view kActions[] = {
        "sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity",
        "sts:tagsession", "sts:setsourceidentity", "sts:setcontext"};
    std::string a = ToLower(action);
    if (a.find_first_of("*?") == std::string::npos) {
      return std::find(std::begin(kActions), std::end(kActions), a) != std::end(kActions);
    }
    auto p = Pattern::Compile(a, {true, false, true});
    return p && std::any_of(std::begin(kActions), std::end(kActions),
                            [&](std::string_view k) { return p->MatchesLowercase(k); });
  }

  // Principals of trust, resource and key policies: required, and well formed.
  std::optional<PolicyIssue> Principals(const json::value&) {
    if (IsIdentityType(type_) || type_ == PolicyType::kRcp) return std::nullopt;
    for (std::size_t i = 0; i < statements_.size(); ++i) {
      const json::object& s = *statements_[i];
      const json::value* p = s.if_contains("Principal");
      const char* field = "Principal";
      if (!p) {
        p = s.if_contains("NotPrincipal");
        field = "NotPrincipal";
      }
      if (!p) {
        return Make("Missing required field Principal", "the statement names no principal", At(i),
                    "MISSING_PRINCIPAL");
      }
      if (!p->is_object()) continue;  // "*"
      for (const auto& kv : p->get_object()) {
        for (std::string_view v : Strings(kv.value())) {
          if (PrincipalOk(kv.key(), v)) continue;
          std::string key(kv.key());
          std::transform(key.begin(), key.end(), key.begin(), [](char c) {
            return static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
          });
          return Make("Invalid principal in policy: \"" + key + "\":\"" + std::string(v) + "\"",
                      "a principal is \"*\", an account id, or the ARN of an account, user, "
                      "role, role session or federated user, without wildcards",
                      At(i, field), "INVALID_PRINCIPAL_FORMAT");
        }
      }
    }
    return std::nullopt;
  }

  static bool PrincipalOk(std::string_view type, std::string_view v) {
    if (v.empty()) return false;
    if (type != "AWS") return v == "*" || v.find_first_of("*?") == std::string_view::npos;
    if (v == "*") return true;
    if (AllDigits(v)) return v.size() == 12;
    if (HasWildcard(v)) return false;
    auto parts = SplitColons(v);
    if (parts.size() < 6 || parts[0] != "arn" || !KnownPartition(parts[1])) return false;
    if (!(AllDigits(parts[4]) && parts[4].size() == 12)) return false;
    std::string_view res = AfterField(v, 5);
    if (parts[2] == "iam") {
      return res == "root" || res.starts_with("user/") || res.starts_with("role/") ||
             res.starts_with("federated-user/");
    }
    if (parts[2] == "sts") return res.starts_with("assumed-role/") || res.starts_with("federated-user/");
    return false;
  }

  // IAM's own policy types: Sids are letters and digits.
  std::optional<PolicyIssue> SidCharacters(const json::value&) {
    if (!IsIamType(type_)) return std::nullopt;
    for (std::size_t i = 0; i < statements_.size(); ++i) {
      const json::value* sid = statements_[i]->if_contains("Sid");
      if (!sid) continue;
      std::string_view s = sid->get_string();
      if (!std::all_of(s.begin(), s.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
          })) {
        return Make("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies "
                    "the regular expression [0-9A-Za-z]*",
                    "Sid \"" + std::string(s) + "\" has other characters", At(i, "Sid"),
                    "UNSUPPORTED_SID");
      }
    }
    return std::nullopt;
  }

  PolicyType type_;
  std::string_view entity_;
  std::vector<const json::object*> statements_;
  std::string resource_error_;  // the resource format error IAM reports after its other checks
  Path resource_error_path_;
};

}  // namespace

std::string PathText(const std::vector<PathStep>& path) {
  std::string out;
  for (const PathStep& step : path) {
    if (step.index) {
      out += "[" + std::to_string(*step.index) + "]";
    } else {
      out += (out.empty() ? "" : ".") + step.key;
    }
  }
  return out;
}

std::string ExplainedMessage(const PolicyIssue& issue) {
  std::string where = PathText(issue.path);
  return issue.error.message + " (" + (where.empty() ? "" : where + ": ") + issue.detail + ")";
}

std::optional<PolicyIssue> ValidateAsAws(std::string_view text, PolicyType type,
                                         std::string_view entity) {
  return Validator(type, entity).Run(text);
}

}  // namespace rampart::policy
