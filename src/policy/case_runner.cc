#include "policy/case_runner.h"

#include "policy/aws_validate.h"

#include <boost/json.hpp>

#include <memory>

#include "policy/evaluate.h"
#include "policy/policy.h"
#include "policy/request.h"

namespace rampart::policy {
namespace {

namespace json = boost::json;

struct Level {
  std::string target;
  std::vector<std::unique_ptr<Policy>> owned;
  std::vector<const Policy*> ptrs;
};

struct Case {
  std::string label;  // "case[3] (\"name\")" for messages
  std::string name;
  std::unique_ptr<Request> request;
  std::vector<std::unique_ptr<Policy>> owned;
  std::vector<const Policy*> identity, boundary, session;
  const Policy* resource = nullptr;
  std::vector<Level> scp, rcp;
  std::vector<PolicyLevel> scp_levels, rcp_levels;
};

Error Invalid(const std::string& where, const std::string& what) {
  return Error::Validation(where + ": " + what);
}

Status CheckKeys(const json::object& o, std::initializer_list<std::string_view> known,
                 const std::string& where) {
  for (const auto& kv : o) {
    bool ok = false;
    for (std::string_view k : known) ok |= k == kv.key();
    if (!ok) {
      std::string list;
      for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return Invalid(where, "unknown field \"" + std::string(kv.key()) + "\" (expected " + list + ")");
    }
  }
  return {};
}

Result<std::string> GetString(const json::object& o, std::string_view key, const std::string& where,
                              bool required) {
  auto it = o.find(key);
  if (it == o.end()) {
    if (required) return Invalid(where, "\"" + std::string(key) + "\" is required");
    return std::string();
  }
  if (!it->value().is_string()) return Invalid(where, "\"" + std::string(key) + "\" must be a string");
  return std::string(it->value().get_string());
}

std::optional<std::string> Scalar(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string: return std::string(v.get_string());
    case json::kind::bool_: return std::string(v.get_bool() ? "true" : "false");
    case json::kind::int64: return std::to_string(v.get_int64());
    case json::kind::uint64: return std::to_string(v.get_uint64());
    case json::kind::double_: return json::serialize(v);
    default: return std::nullopt;
  }
}

Result<std::unique_ptr<Policy>> LoadPolicy(const json::value& v, PolicyType type, std::string id,
                                           const std::string& where) {
  std::string text = v.is_string() ? std::string(v.get_string()) : json::serialize(v);
  // Refused as IAM refuses it when it is written: AWS's message, then where and why.
  if (auto issue = ValidateAsAws(text, type)) {
    Error e = issue->error;
    std::string path = PathText(issue->path);
    e.message += " (" + where + (path.empty() ? "" : "." + path) + ": " + issue->detail + ")";
    return e;
  }
  auto p = ParsePolicy(text, type, id);
  if (!p.ok()) {
    Error e = std::move(p).error();
    e.message = where + ": " + e.message;
    return e;
  }
  return std::make_unique<Policy>(std::move(p).value());
}

Status LoadList(const json::object& pol, std::string_view key, PolicyType type, Case& c,
                std::vector<const Policy*>& out, const std::string& where) {
  auto it = pol.find(key);
  if (it == pol.end()) return {};
  std::string w = where + ".policies." + std::string(key);
  std::vector<const json::value*> items;
  if (it->value().is_array()) {
    for (const json::value& v : it->value().get_array()) items.push_back(&v);
  } else if (it->value().is_object()) {
    items.push_back(&it->value());
  } else {
    return Invalid(w, "must be a list of policy documents");
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string id = std::string(key) + "[" + std::to_string(i) + "]";
    RAMPART_ASSIGN_OR_RETURN(auto p, LoadPolicy(*items[i], type, id, w + "[" + std::to_string(i) + "]"));
    out.push_back(p.get());
    c.owned.push_back(std::move(p));
  }
  return {};
}

Status LoadChain(const json::object& pol, std::string_view key, PolicyType type,
                 std::vector<Level>& out, const std::string& where) {
  auto it = pol.find(key);
  if (it == pol.end()) return {};
  std::string w = where + ".policies." + std::string(key);
  if (!it->value().is_array()) return Invalid(w, "must be a list of {\"target\", \"policies\"} levels");
  const json::array& levels = it->value().get_array();
  for (std::size_t l = 0; l < levels.size(); ++l) {
    std::string lw = w + "[" + std::to_string(l) + "]";
    if (!levels[l].is_object()) return Invalid(lw, "a level is {\"target\": ..., \"policies\": [...]}");
    const json::object& lo = levels[l].get_object();
    RAMPART_RETURN_IF_ERROR(CheckKeys(lo, {"target", "policies"}, lw));
    Level level;
    RAMPART_ASSIGN_OR_RETURN(level.target, GetString(lo, "target", lw, false));
    if (auto ps = lo.find("policies"); ps != lo.end()) {
      if (!ps->value().is_array()) return Invalid(lw, "\"policies\" must be a list");
      const json::array& arr = ps->value().get_array();
      for (std::size_t i = 0; i < arr.size(); ++i) {
        std::string id = std::string(key) + "[" + std::to_string(l) + "][" + std::to_string(i) + "]";
        RAMPART_ASSIGN_OR_RETURN(auto p, LoadPolicy(arr[i], type, id, lw + ".policies[" + std::to_string(i) + "]"));
        level.ptrs.push_back(p.get());
        level.owned.push_back(std::move(p));
      }
    }
    out.push_back(std::move(level));
  }
  return {};
}

Status LoadRequest(const json::object& o, Case& c) {
  std::string where = c.label + ".request";
  auto it = o.find("request");
  if (it == o.end() || !it->value().is_object()) return Invalid(c.label, "\"request\" (an object) is required");
  const json::object& r = it->value().get_object();
  RAMPART_RETURN_IF_ERROR(
      CheckKeys(r, {"principal", "action", "resource", "resourceAccount", "context"}, where));
  RAMPART_ASSIGN_OR_RETURN(std::string principal, GetString(r, "principal", where, true));
  RAMPART_ASSIGN_OR_RETURN(std::string action, GetString(r, "action", where, true));
  RAMPART_ASSIGN_OR_RETURN(std::string resource, GetString(r, "resource", where, false));
  RAMPART_ASSIGN_OR_RETURN(std::string account, GetString(r, "resourceAccount", where, false));
  if (resource.empty()) resource = "*";
  auto req = Request::Create(principal, action, resource, account);
  if (!req.ok()) return Invalid(where, req.error().message);
  c.request = std::make_unique<Request>(std::move(req).value());
  if (auto ctx = r.find("context"); ctx != r.end()) {
    if (!ctx->value().is_object()) return Invalid(where, "\"context\" must be an object of keys");
    for (const auto& kv : ctx->value().get_object()) {
      if (kv.value().is_array()) {
        std::vector<std::string> values;
        for (const json::value& x : kv.value().get_array()) {
          auto s = Scalar(x);
          if (!s) return Invalid(where, "context key " + std::string(kv.key()) + " must hold strings");
          values.push_back(std::move(*s));
        }
        c.request->SetContextValues(kv.key(), std::move(values));
      } else {
        auto s = Scalar(kv.value());
        if (!s) return Invalid(where, "context key " + std::string(kv.key()) + " must be a string or a list of strings");
        c.request->SetContext(kv.key(), *s);
      }
    }
  }
  return {};
}

Status LoadPolicies(const json::object& o, Case& c) {
  auto it = o.find("policies");
  if (it == o.end()) return {};
  std::string where = c.label;
  if (!it->value().is_object()) return Invalid(where, "\"policies\" must be an object");
  const json::object& pol = it->value().get_object();
  RAMPART_RETURN_IF_ERROR(CheckKeys(
      pol, {"identity", "resource", "boundary", "session", "scp", "rcp"}, where + ".policies"));
  // Identity policies are read as inline ones (IAM keeps Version 2008-10-17 and documents
  // without a Version there); boundaries are managed policies.
  RAMPART_RETURN_IF_ERROR(LoadList(pol, "identity", PolicyType::kRoleInline, c, c.identity, where));
  RAMPART_RETURN_IF_ERROR(LoadList(pol, "boundary", PolicyType::kManaged, c, c.boundary, where));
  RAMPART_RETURN_IF_ERROR(LoadList(pol, "session", PolicyType::kSession, c, c.session, where));
  if (auto rp = pol.find("resource"); rp != pol.end() && !rp->value().is_null()) {
    PolicyType type = PolicyType::kResource;
    if (RequiresResourcePolicyGrant(*c.request)) {
      type = c.request->service_lower() == "kms" ? PolicyType::kKeyPolicy : PolicyType::kTrust;
    }
    RAMPART_ASSIGN_OR_RETURN(auto p, LoadPolicy(rp->value(), type, "resource", where + ".policies.resource"));
    c.resource = p.get();
    c.owned.push_back(std::move(p));
  }
  RAMPART_RETURN_IF_ERROR(LoadChain(pol, "scp", PolicyType::kScp, c.scp, where));
  RAMPART_RETURN_IF_ERROR(LoadChain(pol, "rcp", PolicyType::kRcp, c.rcp, where));
  for (const Level& l : c.scp) c.scp_levels.push_back({l.target, l.ptrs});
  for (const Level& l : c.rcp) c.rcp_levels.push_back({l.target, l.ptrs});
  return {};
}

// A case that could not be evaluated: its name and the AWS error ("Code: message"), no
// decision.
std::string ErrorLine(const std::string& name, const Error& e) {
  json::object out;
  out["name"] = name;
  out["error"] = e.code + ": " + e.message;
  return json::serialize(out);
}

std::string ResultLine(const Case& c, const EvaluationResult& r) {
  json::object out;
  out["name"] = c.name;
  out["decision"] = ToString(r.decision);
  out["decidedBy"] = ToString(r.decided_by);
  json::array matched;
  for (const MatchedStatement& m : r.matched) {
    json::object s;
    s["type"] = ToString(m.type);
    if (m.type == PolicyKind::kScp || m.type == PolicyKind::kRcp) s["level"] = m.level;
    s["policy"] = m.policy;
    s["statement"] = m.statement;
    s["sid"] = m.sid;
    s["effect"] = m.effect == Effect::kAllow ? "Allow" : "Deny";
    matched.push_back(std::move(s));
  }
  out["matched"] = std::move(matched);
  if (!r.missing_context_keys.empty()) {
    json::array keys;
    for (std::string_view k : r.missing_context_keys) keys.emplace_back(k);
    out["missingContextKeys"] = std::move(keys);
  }
  if (r.decision != Decision::kAllow) out["message"] = DenialMessage(r, *c.request);
  return json::serialize(out);
}

struct Expected {
  bool present = false;
  std::string decision, decided_by, error, message_contains;
};

Result<Expected> LoadExpected(const json::object& o, const std::string& label) {
  Expected e;
  auto it = o.find("expected");
  if (it == o.end()) return e;
  std::string where = label + ".expected";
  if (!it->value().is_object()) return Invalid(where, "must be an object");
  const json::object& x = it->value().get_object();
  RAMPART_RETURN_IF_ERROR(CheckKeys(x, {"decision", "decidedBy", "error", "messageContains"}, where));
  e.present = true;
  RAMPART_ASSIGN_OR_RETURN(e.decision, GetString(x, "decision", where, false));
  RAMPART_ASSIGN_OR_RETURN(e.decided_by, GetString(x, "decidedBy", where, false));
  RAMPART_ASSIGN_OR_RETURN(e.error, GetString(x, "error", where, false));
  RAMPART_ASSIGN_OR_RETURN(e.message_contains, GetString(x, "messageContains", where, false));
  if (e.decision.empty() == e.error.empty()) {
    return Invalid(where, "give exactly one of \"decision\" or \"error\"");
  }
  if (!e.decision.empty() && e.decision != "Allow" && e.decision != "ExplicitDeny" &&
      e.decision != "ImplicitDeny") {
    return Invalid(where, "\"decision\" is Allow, ExplicitDeny or ImplicitDeny");
  }
  return e;
}

// A case whose structure is wrong (not an object, unknown fields, a bad "expected"): an error
// line, so that a batch of N cases still prints N lines.
CaseOutcome BrokenCase(std::string name, const Error& e) {
  CaseOutcome out;
  out.name = std::move(name);
  out.output = ErrorLine(out.name, e);
  out.error = true;
  out.passed = false;
  out.mismatch = e.code + ": " + e.message;
  return out;
}

CaseOutcome RunCase(const json::value& v, std::size_t index) {
  std::string label = "case[" + std::to_string(index) + "]";
  if (!v.is_object()) return BrokenCase("", Invalid(label, "a case is a JSON object"));
  const json::object& o = v.get_object();
  Case c;
  auto name = GetString(o, "name", label, false);
  if (!name.ok()) return BrokenCase("", name.error());
  c.name = *name;
  Status keys = CheckKeys(o, {"name", "rule", "comment", "request", "policies", "expected"}, label);
  if (!keys.ok()) return BrokenCase(c.name, keys.error());
  c.label = c.name.empty() ? label : label + " (\"" + c.name + "\")";
  auto expected = LoadExpected(o, c.label);
  if (!expected.ok()) return BrokenCase(c.name, expected.error());
  const Expected& exp = *expected;

  CaseOutcome out;
  out.name = c.name;
  out.has_expected = exp.present;
  Status loaded = LoadRequest(o, c);
  if (loaded.ok()) loaded = LoadPolicies(o, c);
  if (!loaded.ok()) {
    const Error& e = loaded.error();
    out.output = ErrorLine(c.name, e);
    out.error = true;
    if (exp.error.empty()) {
      out.passed = false;
      out.mismatch = e.code + ": " + e.message;
    } else if (e.code != exp.error) {
      out.passed = false;
      out.mismatch = "expected error " + exp.error + ", got " + e.code + ": " + e.message;
    } else if (!exp.message_contains.empty() && e.message.find(exp.message_contains) == std::string::npos) {
      out.passed = false;
      out.mismatch = "error message \"" + e.message + "\" lacks \"" + exp.message_contains + "\"";
    }
    return out;
  }

  PolicySet set;
  set.identity = c.identity;
  set.resource = c.resource;
  set.boundary = c.boundary;
  set.session = c.session;
  set.scp = c.scp_levels;
  set.rcp = c.rcp_levels;
  EvaluationResult r = Evaluate(*c.request, set);
  out.output = ResultLine(c, r);
  if (exp.present) {
    if (!exp.error.empty()) {
      out.passed = false;
      out.mismatch = "expected error " + exp.error + ", but the case evaluated to " +
                     std::string(ToString(r.decision));
    } else if (exp.decision != ToString(r.decision) ||
               (!exp.decided_by.empty() && exp.decided_by != ToString(r.decided_by))) {
      out.passed = false;
      out.mismatch = "expected " + exp.decision +
                     (exp.decided_by.empty() ? "" : " by " + exp.decided_by) + ", got " +
                     std::string(ToString(r.decision)) + " by " + std::string(ToString(r.decided_by));
    } else if (!exp.message_contains.empty() &&
               DenialMessage(r, *c.request).find(exp.message_contains) == std::string::npos) {
      out.passed = false;
      out.mismatch = "message \"" + DenialMessage(r, *c.request) + "\" lacks \"" +
                     exp.message_contains + "\"";
    }
  }
  return out;
}

}  // namespace

Result<std::vector<CaseOutcome>> EvaluateCases(std::string_view case_json) {
  boost::system::error_code ec;
  json::stream_parser parser;
  std::size_t consumed = parser.write(case_json.data(), case_json.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    return Error::Validation("the case document is not valid JSON near byte " +
                             std::to_string(consumed) + " (" + ec.message() + ")");
  }
  json::value doc = parser.release();
  std::vector<CaseOutcome> outcomes;
  if (doc.is_array()) {
    const json::array& arr = doc.get_array();
    for (std::size_t i = 0; i < arr.size(); ++i) outcomes.push_back(RunCase(arr[i], i));
  } else {
    outcomes.push_back(RunCase(doc, 0));
  }
  return outcomes;
}

Result<CaseLines> EvaluateCaseJson(std::string_view case_json) {
  RAMPART_ASSIGN_OR_RETURN(auto outcomes, EvaluateCases(case_json));
  CaseLines out;
  for (const CaseOutcome& o : outcomes) {
    out.text += o.output;
    out.text += '\n';
    if (o.error) ++out.errors;
  }
  return out;
}

}  // namespace rampart::policy
