#include "policy/condition.h"

#include <charconv>
#include <cstring>

namespace rampart::policy {
namespace {

struct OperatorInfo {
  std::string_view name;
  ConditionFamily family;
  Comparison comparison;
  bool negated;
};

constexpr OperatorInfo kOperators[] = {
    {"StringEquals", ConditionFamily::kString, Comparison::kEquals, false},
    {"StringNotEquals", ConditionFamily::kString, Comparison::kEquals, true},
    {"StringEqualsIgnoreCase", ConditionFamily::kStringIgnoreCase, Comparison::kEquals, false},
    {"StringNotEqualsIgnoreCase", ConditionFamily::kStringIgnoreCase, Comparison::kEquals, true},
    {"StringLike", ConditionFamily::kStringLike, Comparison::kEquals, false},
    {"StringNotLike", ConditionFamily::kStringLike, Comparison::kEquals, true},
    {"NumericEquals", ConditionFamily::kNumeric, Comparison::kEquals, false},
    {"NumericNotEquals", ConditionFamily::kNumeric, Comparison::kEquals, true},
    {"NumericLessThan", ConditionFamily::kNumeric, Comparison::kLessThan, false},
    {"NumericLessThanEquals", ConditionFamily::kNumeric, Comparison::kLessThanEquals, false},
    {"NumericGreaterThan", ConditionFamily::kNumeric, Comparison::kGreaterThan, false},
    {"NumericGreaterThanEquals", ConditionFamily::kNumeric, Comparison::kGreaterThanEquals, false},
    {"DateEquals", ConditionFamily::kDate, Comparison::kEquals, false},
    {"DateNotEquals", ConditionFamily::kDate, Comparison::kEquals, true},
    {"DateLessThan", ConditionFamily::kDate, Comparison::kLessThan, false},
    {"DateLessThanEquals", ConditionFamily::kDate, Comparison::kLessThanEquals, false},
    {"DateGreaterThan", ConditionFamily::kDate, Comparison::kGreaterThan, false},
    {"DateGreaterThanEquals", ConditionFamily::kDate, Comparison::kGreaterThanEquals, false},
    {"Bool", ConditionFamily::kBool, Comparison::kEquals, false},
    {"BinaryEquals", ConditionFamily::kBinary, Comparison::kEquals, false},
    {"IpAddress", ConditionFamily::kIpAddress, Comparison::kEquals, false},
    {"NotIpAddress", ConditionFamily::kIpAddress, Comparison::kEquals, true},
    {"ArnEquals", ConditionFamily::kArn, Comparison::kEquals, false},
    {"ArnLike", ConditionFamily::kArn, Comparison::kEquals, false},
    {"ArnNotEquals", ConditionFamily::kArn, Comparison::kEquals, true},
    {"ArnNotLike", ConditionFamily::kArn, Comparison::kEquals, true},
    {"Null", ConditionFamily::kNull, Comparison::kEquals, false},
};


// Splits an ARN-like text at its first five colons, ignoring colons inside `${...}`.
// Returns the number of parts (1..6).
std::size_t SplitArnSegments(std::string_view s, bool skip_variables, std::string_view (&parts)[6]) {
  std::size_t n = 0, start = 0, depth = 0;
  for (std::size_t i = 0; i < s.size() && n < 5; ++i) {
    if (skip_variables && s[i] == '$' && i + 1 < s.size() && s[i + 1] == '{') {
      ++depth;
      ++i;
    } else if (depth > 0 && s[i] == '}') {
      --depth;
    } else if (depth == 0 && s[i] == ':') {
      parts[n++] = s.substr(start, i - start);
      start = i + 1;
    }
  }
  parts[n++] = s.substr(start);
  return n;
}

// Streaming base64 decode into a caller buffer; returns decoded length or -1 if invalid.
// Accepts standard alphabet with or without padding.
int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Calls emit(byte) for each decoded byte; false if the text is not base64.
template <typename Emit>
bool DecodeBase64(std::string_view s, Emit&& emit) {
  while (!s.empty() && s.back() == '=') s.remove_suffix(1);
  if (s.size() % 4 == 1) return false;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v = Base64Value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (!emit(static_cast<char>((acc >> bits) & 0xFF))) return false;
    }
  }
  return true;
}

bool Compare(double a, double b, Comparison c) {
  switch (c) {
    case Comparison::kEquals: return a == b;
    case Comparison::kLessThan: return a < b;
    case Comparison::kLessThanEquals: return a <= b;
    case Comparison::kGreaterThan: return a > b;
    case Comparison::kGreaterThanEquals: return a >= b;
  }
  return false;
}

bool CompareInt(std::int64_t a, std::int64_t b, Comparison c) {
  switch (c) {
    case Comparison::kEquals: return a == b;
    case Comparison::kLessThan: return a < b;
    case Comparison::kLessThanEquals: return a <= b;
    case Comparison::kGreaterThan: return a > b;
    case Comparison::kGreaterThanEquals: return a >= b;
  }
  return false;
}

// Does request value v (text and pre-parsed forms) satisfy the base (non-negated) operator for
// one policy value?
bool BaseMatch(const ConditionClause& c, const ConditionValue& pv, std::string_view v,
               const TypedValue& tv, const Request& req) {
  switch (c.family) {
    case ConditionFamily::kString:
    case ConditionFamily::kStringIgnoreCase:
    case ConditionFamily::kStringLike:
      return pv.pattern.Matches(v, &req);
    case ConditionFamily::kNumeric:
      return tv.number && Compare(*tv.number, pv.number, c.comparison);
    case ConditionFamily::kDate:
      return tv.date_ms && CompareInt(*tv.date_ms, pv.date_ms, c.comparison);
    case ConditionFamily::kBool:
      return tv.boolean && *tv.boolean == pv.boolean;
    case ConditionFamily::kBinary: {
      std::size_t i = 0;
      bool ok = DecodeBase64(v, [&](char byte) {
        if (i >= pv.bytes.size() || pv.bytes[i] != byte) return false;
        ++i;
        return true;
      });
      return ok && i == pv.bytes.size();
    }
    case ConditionFamily::kIpAddress:
      return tv.ip && IpInRange(pv.ip, *tv.ip);
    case ConditionFamily::kArn: {
      std::string_view parts[6];
      std::size_t want = pv.arn_segments.size();
      // Split the request value into as many parts as the policy value has; the last policy
      // segment absorbs the rest (so "arn:aws:iam::*" covers any IAM resource).
      std::size_t n = 0, start = 0;
      for (std::size_t i = 0; i < v.size() && n + 1 < want; ++i) {
        if (v[i] == ':') {
          parts[n++] = v.substr(start, i - start);
          start = i + 1;
        }
      }
      parts[n++] = v.substr(start);
      if (n != want) return false;
      for (std::size_t i = 0; i < want; ++i) {
        if (!pv.arn_segments[i].Matches(parts[i], &req)) return false;
      }
      return true;
    }
    case ConditionFamily::kNull:
      return false;
  }
  return false;
}

bool AnyPolicyValueMatches(const ConditionClause& c, const ContextEntry& e, std::size_t i,
                           const Request& req) {
  // Request values are parsed as numbers, dates, addresses or booleans only here, when a typed
  // operator meets them (parsing every context value up front cost ~1k instructions a key).
  bool typed = c.family == ConditionFamily::kNumeric || c.family == ConditionFamily::kDate ||
               c.family == ConditionFamily::kBool || c.family == ConditionFamily::kIpAddress;
  const TypedValue tv = typed ? TypedValue::Of(e.values[i]) : TypedValue{};
  for (const ConditionValue& pv : c.values) {
    if (BaseMatch(c, pv, e.values[i], tv, req)) return true;
  }
  return false;
}

}  // namespace

Result<ConditionClause> CompileCondition(std::string_view op, std::string_view key,
                                         const std::vector<std::string>& values, bool variables) {
  ConditionClause c;
  c.op = std::string(op);
  c.key = std::string(key);
  c.key_lower = ToLower(key);
  std::string_view base = op;
  if (base.starts_with("ForAllValues:")) {
    c.qualifier = SetQualifier::kForAllValues;
    base.remove_prefix(13);
  } else if (base.starts_with("ForAnyValue:")) {
    c.qualifier = SetQualifier::kForAnyValue;
    base.remove_prefix(12);
  }
  if (base.ends_with("IfExists")) {
    c.if_exists = true;
    base.remove_suffix(8);
  }
  const OperatorInfo* info = nullptr;
  for (const OperatorInfo& o : kOperators) {
    if (o.name == base) info = &o;
  }
  if (info == nullptr || (info->family == ConditionFamily::kNull && c.if_exists)) {
    return Error::Validation("Invalid Condition type : " + std::string(op));
  }
  c.family = info->family;
  c.comparison = info->comparison;
  c.negated = info->negated;
  if (key.empty()) return Error::Validation("a condition key is empty");
  if (values.empty()) {
    return Error::Validation("condition key " + std::string(key) + " has no values");
  }

  auto bad_value = [&](const std::string& v, std::string_view expected) {
    return Error::Validation("Invalid Condition value \"" + v + "\" for " + std::string(op) +
                             " on key " + std::string(key) + ": expected " +
                             std::string(expected));
  };
  for (const std::string& v : values) {
    ConditionValue cv;
    cv.text = v;
    switch (c.family) {
      case ConditionFamily::kString:
      case ConditionFamily::kStringIgnoreCase:
      case ConditionFamily::kStringLike: {
        PatternOptions opts;
        opts.wildcards = c.family == ConditionFamily::kStringLike;
        opts.variables = variables;
        opts.ignore_case = c.family == ConditionFamily::kStringIgnoreCase;
        auto p = Pattern::Compile(v, opts);
        if (!p) return bad_value(v, "at most 16 policy variables in one value");
        cv.pattern = std::move(*p);
        break;
      }
      case ConditionFamily::kArn: {
        std::string_view parts[6];
        std::size_t n = SplitArnSegments(v, variables, parts);
        for (std::size_t i = 0; i < n; ++i) {
          auto p = Pattern::Compile(parts[i], {true, variables, false});
          if (!p) return bad_value(v, "at most 16 policy variables in one value");
          cv.arn_segments.push_back(std::move(*p));
        }
        break;
      }
      case ConditionFamily::kNumeric: {
        auto n = ParseNumber(v);
        if (!n) return bad_value(v, "a number");
        cv.number = *n;
        break;
      }
      case ConditionFamily::kDate: {
        auto d = ParseDate(v);
        if (!d) return bad_value(v, "an ISO 8601 date (2024-01-31T12:00:00Z) or epoch seconds");
        cv.date_ms = *d;
        break;
      }
      case ConditionFamily::kBool:
      case ConditionFamily::kNull: {
        auto b = ParseBool(v);
        if (!b) return bad_value(v, "true or false");
        cv.boolean = *b;
        break;
      }
      case ConditionFamily::kBinary: {
        bool ok = DecodeBase64(v, [&](char byte) {
          cv.bytes.push_back(byte);
          return true;
        });
        if (!ok) return bad_value(v, "base64-encoded bytes");
        break;
      }
      case ConditionFamily::kIpAddress: {
        auto r = ParseIpRange(v);
        if (!r) return bad_value(v, "an IPv4 or IPv6 address or CIDR block");
        cv.ip = *r;
        break;
      }
    }
    c.values.push_back(std::move(cv));
  }
  return c;
}

ClauseOutcome EvaluateCondition(const ConditionClause& c, const Request& req) {
  const ContextEntry* e = req.Find(c.key_lower);
  bool absent = e == nullptr || e->values.empty();
  if (c.family == ConditionFamily::kNull) {
    // Null: true asks "is the key absent?"; any of several values may hold (ORed).
    for (const ConditionValue& v : c.values) {
      if (v.boolean == absent) return {true, absent};
    }
    return {false, absent};
  }
  if (absent) {
    bool r;
    if (c.qualifier == SetQualifier::kForAllValues || c.if_exists) {
      r = true;
    } else if (c.qualifier == SetQualifier::kForAnyValue) {
      r = false;
    } else {
      r = c.negated;
    }
    return {r, true};
  }
  switch (c.qualifier) {
    case SetQualifier::kNone: {
      bool any = false;
      for (std::size_t i = 0; i < e->values.size(); ++i) {
        if (AnyPolicyValueMatches(c, *e, i, req)) {
          any = true;
          break;
        }
      }
      return {c.negated ? !any : any, false};
    }
    case SetQualifier::kForAnyValue:
      for (std::size_t i = 0; i < e->values.size(); ++i) {
        if (AnyPolicyValueMatches(c, *e, i, req) != c.negated) return {true, false};
      }
      return {false, false};
    case SetQualifier::kForAllValues:
      for (std::size_t i = 0; i < e->values.size(); ++i) {
        if (AnyPolicyValueMatches(c, *e, i, req) == c.negated) return {false, false};
      }
      return {true, false};
  }
  return {false, false};
}

}  // namespace rampart::policy
