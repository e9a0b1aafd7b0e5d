// ParsePolicy: JSON text -> validated, compiled Policy. Messages follow IAM's wording for
// MalformedPolicyDocument where IAM has one, prefixed with where the problem is.

#include <cassert>
#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <map>

#include "policy/policy.h"

namespace rampart::policy {
namespace {

namespace json = boost::json;

Error Malformed(std::string message) {
  return Error{"MalformedPolicyDocument", std::move(message), 400, true};
}

bool IsIamType(PolicyType t) {
  return t == PolicyType::kManaged || t == PolicyType::kUserInline ||
         t == PolicyType::kGroupInline || t == PolicyType::kRoleInline ||
         t == PolicyType::kTrust || t == PolicyType::kSession;
}

bool PrincipalRequired(PolicyType t) {
  return t == PolicyType::kTrust || t == PolicyType::kResource || t == PolicyType::kKeyPolicy ||
         t == PolicyType::kRcp;
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

PolicyTextScan ScanPolicyText(std::string_view text, PolicyType type) {
  PolicyTextScan scan;
  const bool ignores_whitespace = SizeLimitFor(type).ignores_whitespace;
  auto refuse = [&](std::size_t at, std::uint32_t cp) {
    scan.text_ok = false;
    scan.bad_offset = at;
    scan.bad_code_point = cp;
    return scan;
  };
  for (std::size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    std::uint32_t cp;
    std::size_t len;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F;
      len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F;
      len = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07;
      len = 4;
    } else {
      return refuse(i, 0xFFFFFFFF);
    }
    if (i + len > text.size()) return refuse(i, 0xFFFFFFFF);
    for (std::size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return refuse(i, 0xFFFFFFFF);
      cp = (cp << 6) | (cc & 0x3F);
    }
    bool ws = cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r';
    if (IsIamType(type) && !(cp == '\t' || cp == '\n' || cp == '\r' || (cp >= 0x20 && cp <= 0xFF))) {
      return refuse(i, cp);
    }
    if (!(ws && ignores_whitespace)) ++scan.count;
    i += len;
  }
  return scan;
}

namespace {

// Size and characters, with Rampart's messages (ValidateAsAws gives AWS's on the API path).
Status CheckSizeAndCharacters(std::string_view text, PolicyType type) {
  PolicyTextScan scan = ScanPolicyText(text, type);
  if (!scan.text_ok && scan.bad_code_point == 0xFFFFFFFF) {
    return Malformed("Syntax errors in policy: the document is not valid UTF-8 (byte " +
                     std::to_string(scan.bad_offset) + ")");
  }
  if (!scan.text_ok) {
    char buf[16];
    auto r = std::to_chars(buf, buf + sizeof(buf), scan.bad_code_point, 16);
    std::string hex(buf, r.ptr);
    while (hex.size() < 4) hex.insert(hex.begin(), '0');
    return Malformed("Syntax errors in policy: character U+" + hex + " at byte " +
                     std::to_string(scan.bad_offset) +
                     " is not allowed (policy documents may contain tab, line feed, carriage "
                     "return and U+0020 to U+00FF)");
  }
  PolicySizeLimit limit = SizeLimitFor(type);
  if (scan.count > limit.max_chars) {
    return Error{"LimitExceeded",
                 "Cannot exceed quota for " + std::string(limit.quota_name) + ": " +
                     std::to_string(limit.max_chars),
                 409, true};
  }
  return {};
}

// A scalar JSON value as policy text; nullopt for arrays, objects and null.
std::optional<std::string> ScalarText(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string: return std::string(v.get_string());
    case json::kind::bool_: return std::string(v.get_bool() ? "true" : "false");
    case json::kind::int64: return std::to_string(v.get_int64());
    case json::kind::uint64: return std::to_string(v.get_uint64());
    case json::kind::double_: {
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof(buf), v.get_double());
      return std::string(buf, r.ptr);
    }
    default: return std::nullopt;
  }
}

class StatementParser {
 public:
  StatementParser(PolicyType type, bool variables, std::size_t index)
      : type_(type), variables_(variables), index_(index) {}

  Result<Statement> Parse(const json::value& v) {
    if (!v.is_object()) return Fail("each statement must be a JSON object");
    const json::object& o = v.get_object();
    if (auto it = o.find("Sid"); it != o.end()) {
      if (!it->value().is_string()) return Fail("Sid must be a string");
      st_.sid = std::string(it->value().get_string());
    }
    for (const auto& kv : o) {
      static constexpr std::string_view kKnown[] = {"Sid", "Effect", "Principal", "NotPrincipal",
                                                    "Action", "NotAction", "Resource",
                                                    "NotResource", "Condition"};
      if (std::find(std::begin(kKnown), std::end(kKnown), std::string_view(kv.key())) ==
          std::end(kKnown)) {
        return Fail("Syntax errors in policy: unknown field \"" + std::string(kv.key()) +
                    "\" (a statement has Sid, Effect, Principal, NotPrincipal, Action, NotAction, "
                    "Resource, NotResource, Condition)");
      }
    }
    if (IsIamType(type_) && !std::all_of(st_.sid.begin(), st_.sid.end(), [](char c) {
          return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        })) {
      return Fail(
          "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular "
          "expression [0-9A-Za-z]*");
    }

    // Effect
    auto eff = o.find("Effect");
    if (eff == o.end()) return Fail("Missing required field Effect");
    if (!eff->value().is_string()) return Fail("Effect must be the string Allow or Deny");
    std::string_view e = eff->value().get_string();
    if (e == "Allow") {
      st_.effect = Effect::kAllow;
    } else if (e == "Deny") {
      st_.effect = Effect::kDeny;
    } else {
      return Fail("Invalid effect: " + std::string(e) + " (expected Allow or Deny)");
    }

    RAMPART_RETURN_IF_ERROR(ParseActions(o));
    RAMPART_RETURN_IF_ERROR(ParseResources(o));
    RAMPART_RETURN_IF_ERROR(ParsePrincipals(o));
    RAMPART_RETURN_IF_ERROR(ParseConditions(o));
    return std::move(st_);
  }

 private:
  Error Fail(std::string what) const {
    std::string where = "Statement[" + std::to_string(index_) + "]";
    if (!st_.sid.empty()) where += " (Sid \"" + st_.sid + "\")";
    return Malformed(where + ": " + what);
  }

  // A string or a non-empty list of strings.
  Result<std::vector<std::string>> StringList(const json::value& v, std::string_view field) {
    std::vector<std::string> out;
    if (v.is_string()) {
      out.emplace_back(v.get_string());
    } else if (v.is_array()) {
      for (const json::value& x : v.get_array()) {
        if (!x.is_string()) {
          return Fail(std::string(field) + " must be a string or a list of strings");
        }
        out.emplace_back(x.get_string());
      }
    } else {
      return Fail(std::string(field) + " must be a string or a list of strings");
    }
    return out;
  }

  Status ParseActions(const json::object& o) {
    auto a = o.find("Action");
    auto na = o.find("NotAction");
    if (a != o.end() && na != o.end()) {
      return Fail("Syntax errors in policy: a statement has Action or NotAction, not both");
    }
    if (a == o.end() && na == o.end()) {
      // KMS keeps such a statement; it grants and denies nothing (no action matches).
      if (type_ == PolicyType::kKeyPolicy) return {};
      return Fail("Policy statement must contain actions.");
    }
    st_.not_action = na != o.end();
    const char* field = st_.not_action ? "NotAction" : "Action";
    RAMPART_ASSIGN_OR_RETURN(auto list, StringList((a != o.end() ? a : na)->value(), field));
    if (list.empty() && type_ != PolicyType::kKeyPolicy) {
      return Fail("Policy statement must contain actions.");
    }
    for (const std::string& s : list) {
      if (s != "*") {
        std::size_t colon = s.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == s.size()) {
          return Fail("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. "
                      "(" + std::string(field) + " \"" + s + "\" is not service:action)");
        }
      }
      auto p = Pattern::Compile(s, {true, false, true});
      if (!p) return Fail("invalid action \"" + s + "\"");
      st_.actions.push_back(std::move(*p));
    }
    return {};
  }

  Status ParseResources(const json::object& o) {
    auto r = o.find("Resource");
    auto nr = o.find("NotResource");
    if (type_ == PolicyType::kTrust) {
      if (r != o.end()) return Fail("Has prohibited field Resource");
      if (nr != o.end()) return Fail("Has prohibited field NotResource");
      return {};
    }
    if (r != o.end() && nr != o.end()) {
      return Fail("Syntax errors in policy: a statement has Resource or NotResource, not both");
    }
    if (r == o.end() && nr == o.end()) {
      if (type_ == PolicyType::kKeyPolicy) {
        st_.actions.clear();  // KMS keeps it, ineffective: it matches no request
        st_.not_action = false;
        return {};
      }
      return Fail("Policy statement must contain resources.");
    }
    st_.has_resource = true;
    st_.not_resource = nr != o.end();
    const char* field = st_.not_resource ? "NotResource" : "Resource";
    RAMPART_ASSIGN_OR_RETURN(auto list, StringList((r != o.end() ? r : nr)->value(), field));
    if (list.empty()) return Fail("Policy statement must contain resources.");
    // ARN shapes are IAM's business when a document is written (ValidateAsAws); here every entry
    // compiles, and one that is no ARN matches no ARN.
    for (const std::string& s : list) {
      auto p = Pattern::Compile(s, {true, variables_, false});
      if (!p) return Fail("Resource " + s + " uses more than 16 policy variables");
      st_.resources.push_back(std::move(*p));
    }
    return {};
  }

  Result<PrincipalEntry> AwsPrincipal(const std::string& s, std::string_view shown) {
    PrincipalEntry e;
    e.value = s;
    if (s == "*") {
      e.kind = PrincipalEntry::Kind::kAny;
      return e;
    }
    auto invalid = [&](std::string_view why) {
      return Fail("Invalid principal in policy: " + std::string(shown) + " (" + std::string(why) +
                  ")");
    };
    if (IsDigits(s)) {
      if (s.size() != 12) return invalid("an account id has 12 digits");
      e.kind = PrincipalEntry::Kind::kAccount;
      e.account = s;
      return e;
    }
    if (s.find_first_of("*?") != std::string::npos) {
      return invalid("wildcards are not allowed in principal ARNs; use \"*\" with a condition on "
                     "aws:PrincipalArn");
    }
    std::string_view parts[6];
    std::string_view rest = s;
    for (int i = 0; i < 5; ++i) {
      std::size_t c = rest.find(':');
      if (c == std::string_view::npos) return invalid("not an account id or ARN");
      parts[i] = rest.substr(0, c);
      rest.remove_prefix(c + 1);
    }
    parts[5] = rest;
    if (parts[0] != "arn" || !IsDigits(parts[4]) || parts[4].size() != 12) {
      return invalid("not an account id or ARN");
    }
    e.account = std::string(parts[4]);
    std::string_view res = parts[5];
    if (parts[2] == "iam" && res == "root") {
      e.kind = PrincipalEntry::Kind::kAccount;
    } else if (parts[2] == "iam" && res.starts_with("user/") && res.size() > 5) {
      e.kind = PrincipalEntry::Kind::kExactArn;
    } else if (parts[2] == "iam" && res.starts_with("role/") && res.size() > 5) {
      e.kind = PrincipalEntry::Kind::kRole;
      e.name = std::string(res.substr(res.rfind('/') + 1));
    } else if (parts[2] == "sts" &&
               (res.starts_with("assumed-role/") || res.starts_with("federated-user/"))) {
      e.kind = PrincipalEntry::Kind::kExactArn;
    } else {
      return invalid("a principal is an account, user, role, role session or federated user");
    }
    return e;
  }

  Status ParsePrincipals(const json::object& o) {
    auto p = o.find("Principal");
    auto np = o.find("NotPrincipal");
    if (p == o.end() && np == o.end()) {
      if (PrincipalRequired(type_)) return Fail("Missing required field Principal");
      return {};
    }
    if (!PrincipalRequired(type_)) {
      return Fail("Policy document should not specify a principal.");
    }
    if (p != o.end() && np != o.end()) {
      return Fail("Syntax errors in policy: a statement has Principal or NotPrincipal, not both");
    }
    st_.has_principal = true;
    st_.not_principal = np != o.end();
    if (st_.not_principal && st_.effect != Effect::kDeny) {
      return Fail("NotPrincipal is supported only with \"Effect\": \"Deny\"");
    }
    if (st_.not_principal && type_ == PolicyType::kRcp) {
      return Fail("Has prohibited field NotPrincipal (resource control policies use "
                  "\"Principal\": \"*\")");
    }
    const json::value& v = (p != o.end() ? p : np)->value();
    const char* field = st_.not_principal ? "NotPrincipal" : "Principal";
    if (v.is_string()) {
      if (v.get_string() != "*") {
        return Fail("Invalid principal in policy: " + std::string(field) +
                    " is \"*\" or an object with AWS, Service, Federated or CanonicalUser");
      }
      st_.principals.push_back({PrincipalEntry::Kind::kAny, "*", {}, {}});
    } else if (v.is_object()) {
      for (const auto& kv : v.get_object()) {
        std::string_view k = kv.key();
        RAMPART_ASSIGN_OR_RETURN(auto list, StringList(kv.value(), field));
        if (list.empty()) return Fail("Invalid principal in policy: \"" + std::string(k) + "\" is empty");
        for (const std::string& s : list) {
          std::string shown = "\"" + std::string(k) + "\":\"" + s + "\"";
          if (k == "AWS") {
            RAMPART_ASSIGN_OR_RETURN(auto e, AwsPrincipal(s, shown));
            st_.principals.push_back(std::move(e));
          } else if (k == "Service" || k == "Federated" || k == "CanonicalUser") {
            if (s.empty()) return Fail("Invalid principal in policy: " + shown);
            PrincipalEntry e;
            e.kind = k == "Service"     ? PrincipalEntry::Kind::kService
                     : k == "Federated" ? PrincipalEntry::Kind::kFederated
                                        : PrincipalEntry::Kind::kCanonicalUser;
            e.value = s;
            st_.principals.push_back(std::move(e));
          } else {
            return Fail("Invalid principal in policy: unknown principal type \"" + std::string(k) +
                        "\" (expected AWS, Service, Federated or CanonicalUser)");
          }
        }
      }
      if (st_.principals.empty()) return Fail("Invalid principal in policy: " + std::string(field) + " is empty");
    } else {
      return Fail("Invalid principal in policy: " + std::string(field) +
                  " is \"*\" or an object with AWS, Service, Federated or CanonicalUser");
    }
    if (type_ == PolicyType::kRcp &&
        !(st_.principals.size() == 1 && st_.principals[0].kind == PrincipalEntry::Kind::kAny)) {
      return Fail("Invalid principal in policy: a resource control policy must use "
                  "\"Principal\": \"*\" (restrict principals with conditions)");
    }
    return {};
  }

  Status ParseConditions(const json::object& o) {
    auto c = o.find("Condition");
    if (c == o.end()) return {};
    if (!c->value().is_object()) {
      return Fail("Syntax errors in policy: Condition must be an object of operators");
    }
    for (const auto& op : c->value().get_object()) {
      // IAM accepts an operator it does not know when its block is empty: nothing to compile.
      if (op.value().is_object() && op.value().get_object().empty()) continue;
      if (!op.value().is_object()) {
        return Fail("Syntax errors in policy: Condition operator " + std::string(op.key()) +
                    " must map condition keys to values");
      }
      for (const auto& kv : op.value().get_object()) {
        std::vector<std::string> values;
        auto bad = [&] {
          return Fail("Syntax errors in policy: Condition " + std::string(op.key()) + " key " +
                      std::string(kv.key()) + " must have a string, number or boolean value or a "
                      "list of them");
        };
        if (kv.value().is_array()) {
          for (const json::value& x : kv.value().get_array()) {
            auto t = ScalarText(x);
            if (!t) return bad();
            values.push_back(std::move(*t));
          }
        } else {
          auto t = ScalarText(kv.value());
          if (!t) return bad();
          values.push_back(std::move(*t));
        }
        // A key with no values does not affect the policy (IAM accepts it).
        if (values.empty()) continue;
        auto clause = CompileCondition(op.key(), kv.key(), values, variables_);
        if (!clause.ok()) return Fail(clause.error().message);
        st_.conditions.push_back(std::move(clause).value());
      }
    }
    return {};
  }

  PolicyType type_;
  bool variables_;
  std::size_t index_;
  Statement st_;
};

}  // namespace

PolicySizeLimit SizeLimitFor(PolicyType type) {
  switch (type) {
    case PolicyType::kManaged: return {6144, true, "PolicySize"};
    case PolicyType::kUserInline: return {2048, true, "UserPolicySize"};
    case PolicyType::kGroupInline: return {5120, true, "GroupPolicySize"};
    case PolicyType::kRoleInline: return {10240, true, "RolePolicySize"};
    case PolicyType::kTrust: return {2048, true, "AssumeRolePolicySize"};
    case PolicyType::kResource: return {20480, false, "PolicySize"};
    case PolicyType::kKeyPolicy: return {32768, false, "PolicySize"};
    case PolicyType::kSession: return {2048, false, "PolicySize"};
    case PolicyType::kScp: return {5120, false, "PolicySize"};
    case PolicyType::kRcp: return {5120, false, "PolicySize"};
  }
  return {6144, true, "PolicySize"};
}

Result<Policy> ParsePolicy(std::string_view text, PolicyType type, std::string id) {
  RAMPART_RETURN_IF_ERROR(CheckSizeAndCharacters(text, type));

  json::stream_parser parser;
  boost::system::error_code ec;
  std::size_t consumed = parser.write(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    return Malformed("Syntax errors in policy: invalid JSON near byte " + std::to_string(consumed) +
                     " (" + ec.message() + ")");
  }
  json::value doc = parser.release();
  if (!doc.is_object()) return Malformed("Syntax errors in policy: the document must be a JSON object");
  const json::object& o = doc.get_object();

  Policy policy;
  policy.id_ = std::move(id);
  policy.type_ = type;
  for (const auto& kv : o) {
    std::string_view k = kv.key();
    if (k != "Version" && k != "Id" && k != "Statement") {
      return Malformed("Syntax errors in policy: unknown top-level field \"" + std::string(k) +
                       "\" (a policy has Version, Id and Statement)");
    }
  }
  if (auto it = o.find("Version"); it != o.end()) {
    if (!it->value().is_string()) return Malformed("Syntax errors in policy: Version must be a string");
    policy.version_ = std::string(it->value().get_string());
    if (policy.version_ != "2012-10-17" && policy.version_ != "2008-10-17") {
      return Malformed("The policy failed legacy parsing: Version \"" + policy.version_ +
                       "\" is not 2012-10-17 or 2008-10-17");
    }
  }
  if (auto it = o.find("Id"); it != o.end()) {
    if (!it->value().is_string()) return Malformed("Syntax errors in policy: Id must be a string");
    policy.id_element_ = std::string(it->value().get_string());
  }
  auto st = o.find("Statement");
  if (st == o.end()) return Malformed("Missing required field Statement");
  const bool variables = policy.version_ == "2012-10-17";
  std::vector<const json::value*> items;
  if (st->value().is_object()) {
    items.push_back(&st->value());
  } else if (st->value().is_array()) {
    for (const json::value& v : st->value().get_array()) items.push_back(&v);
  } else {
    return Malformed("Syntax errors in policy: Statement must be an object or a list of objects");
  }
  if (items.size() > 0xFFFF) return Malformed("Syntax errors in policy: too many statements");
  for (std::size_t i = 0; i < items.size(); ++i) {
    StatementParser sp(type, variables, i);
    RAMPART_ASSIGN_OR_RETURN(Statement s, sp.Parse(*items[i]));
    if (!s.sid.empty()) {
      for (const Statement& prev : policy.statements_) {
        if (prev.sid == s.sid) {
          return Malformed("Statement[" + std::to_string(i) + "] (Sid \"" + s.sid +
                           "\"): Statement IDs (SID) in a single policy must be unique.");
        }
      }
    }
    policy.statements_.push_back(std::move(s));
  }
  policy.BuildIndex();
  return policy;
}

void Policy::BuildIndex() {
  std::map<std::string, Postings, std::less<>> actions, services;
  auto add = [](Postings& p, std::uint32_t i) {
    if (p.empty() || p.back() != i) p.push_back(i);
  };
  for (std::uint32_t i = 0; i < statements_.size(); ++i) {
    const Statement& s = statements_[i];
    if (s.not_action) {
      add(any_service_, i);
      continue;
    }
    for (const Pattern& a : s.actions) {
      std::string lower = ToLower(a.source());
      std::size_t colon = lower.find(':');
      std::string_view svc = std::string_view(lower).substr(0, colon);
      if (colon == std::string::npos || svc.find_first_of("*?") != std::string_view::npos) {
        add(any_service_, i);
      } else if (a.is_literal()) {
        add(actions[lower], i);
      } else {
        add(services[std::string(svc)], i);
      }
    }
  }
  auto flatten = [](std::map<std::string, Postings, std::less<>>& m) {
    std::vector<IndexEntry> out;
    for (auto& [k, v] : m) out.push_back({HashKey(k), k, std::move(v)});
    std::sort(out.begin(), out.end(),
              [](const IndexEntry& a, const IndexEntry& b) { return a.hash < b.hash; });
    return out;
  };
  by_action_ = flatten(actions);
  by_service_ = flatten(services);
}

const Policy::Postings* Policy::Lookup(const std::vector<IndexEntry>& table, std::uint64_t hash,
                                       std::string_view key) {
  auto it = std::lower_bound(table.begin(), table.end(), hash,
                             [](const IndexEntry& e, std::uint64_t h) { return e.hash < h; });
  for (; it != table.end() && it->hash == hash; ++it) {
    if (it->key == key) return &it->postings;
  }
  return nullptr;
}

Policy UnreadablePolicy(PolicyType type, std::string id) {
  bool principal = type == PolicyType::kTrust || type == PolicyType::kResource ||
                   type == PolicyType::kKeyPolicy || type == PolicyType::kRcp;
  std::string_view text =
      type == PolicyType::kTrust
          ? R"({"Version":"2012-10-17","Statement":[{"Sid":"PolicyNoLongerParses","Effect":"Deny","Principal":"*","Action":"*"}]})"
      : principal
          ? R"({"Version":"2012-10-17","Statement":[{"Sid":"PolicyNoLongerParses","Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]})"
          : R"({"Version":"2012-10-17","Statement":[{"Sid":"PolicyNoLongerParses","Effect":"Deny","Action":"*","Resource":"*"}]})";
  auto parsed = ParsePolicy(text, type, std::move(id));
  assert(parsed.ok());
  return std::move(*parsed);
}

}  // namespace rampart::policy
