#include "policy/condition.h"

#include <arpa/inet.h>

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

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

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

std::optional<bool> ParseBool(std::string_view s) {
  if (s.size() == 4 && Lower(s[0]) == 't' && Lower(s[1]) == 'r' && Lower(s[2]) == 'u' &&
      Lower(s[3]) == 'e') {
    return true;
  }
  if (s.size() == 5 && Lower(s[0]) == 'f' && Lower(s[1]) == 'a' && Lower(s[2]) == 'l' &&
      Lower(s[3]) == 's' && Lower(s[4]) == 'e') {
    return false;
  }
  return std::nullopt;
}

// Does one request value satisfy the base (non-negated) operator for one policy value?
bool BaseMatch(const ConditionClause& c, const ConditionValue& pv, std::string_view v,
               const Request& req) {
  switch (c.family) {
    case ConditionFamily::kString:
    case ConditionFamily::kStringIgnoreCase:
    case ConditionFamily::kStringLike:
      return pv.pattern.Matches(v, &req);
    case ConditionFamily::kNumeric: {
      auto n = ParseNumber(v);
      return n && Compare(*n, pv.number, c.comparison);
    }
    case ConditionFamily::kDate: {
      auto d = ParseDate(v);
      return d && CompareInt(*d, pv.date_ms, c.comparison);
    }
    case ConditionFamily::kBool: {
      auto b = ParseBool(v);
      return b && *b == pv.boolean;
    }
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
      return IpInRange(pv.ip, v);
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

bool AnyPolicyValueMatches(const ConditionClause& c, std::string_view v, const Request& req) {
  for (const ConditionValue& pv : c.values) {
    if (BaseMatch(c, pv, v, req)) return true;
  }
  return false;
}

}  // namespace

std::optional<double> ParseNumber(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double out = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return out;
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool TakeDigits(std::string_view& s, std::size_t n, int* out) {
  if (s.size() < n) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  s.remove_prefix(n);
  return true;
}

bool TakeChar(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

std::optional<std::int64_t> ParseDate(std::string_view s) {
  if (IsDigits(s) || (s.size() > 1 && s.front() == '-' && IsDigits(s.substr(1)))) {
    if (s.size() > 15) return std::nullopt;  // out of any sensible range
    std::int64_t secs = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), secs);
    if (ec != std::errc()) return std::nullopt;
    return secs * 1000;
  }
  int year, month, day, hour = 0, minute = 0, second = 0, millis = 0;
  if (!TakeDigits(s, 4, &year) || !TakeChar(s, '-') || !TakeDigits(s, 2, &month) ||
      !TakeChar(s, '-') || !TakeDigits(s, 2, &day)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  int offset_minutes = 0;
  if (!s.empty()) {
    if (!TakeChar(s, 'T') && !TakeChar(s, 't')) return std::nullopt;
    if (!TakeDigits(s, 2, &hour) || !TakeChar(s, ':') || !TakeDigits(s, 2, &minute)) {
      return std::nullopt;
    }
    if (TakeChar(s, ':')) {
      if (!TakeDigits(s, 2, &second)) return std::nullopt;
      if (TakeChar(s, '.')) {
        int digits = 0;
        while (!s.empty() && s.front() >= '0' && s.front() <= '9') {
          if (digits < 3) millis = millis * 10 + (s.front() - '0');
          ++digits;
          s.remove_prefix(1);
        }
        if (digits == 0) return std::nullopt;
        for (int i = digits; i < 3; ++i) millis *= 10;
      }
    }
    if (hour > 24 || minute > 59 || second > 60) return std::nullopt;
    if (TakeChar(s, 'Z') || TakeChar(s, 'z')) {
      // UTC
    } else if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
      int sign = s.front() == '-' ? -1 : 1;
      s.remove_prefix(1);
      int oh, om = 0;
      if (!TakeDigits(s, 2, &oh)) return std::nullopt;
      TakeChar(s, ':');
      if (!s.empty() && !TakeDigits(s, 2, &om)) return std::nullopt;
      offset_minutes = sign * (oh * 60 + om);
    }
    if (!s.empty()) return std::nullopt;
  }
  std::int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  std::int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return secs * 1000 + millis;
}

std::optional<IpRange> ParseIpRange(std::string_view s) {
  IpRange r;
  std::string_view addr = s;
  int prefix = -1;
  std::size_t slash = s.find('/');
  if (slash != std::string_view::npos) {
    addr = s.substr(0, slash);
    std::string_view p = s.substr(slash + 1);
    if (!IsDigits(p) || p.size() > 3) return std::nullopt;
    prefix = 0;
    for (char c : p) prefix = prefix * 10 + (c - '0');
  }
  char buf[64];
  if (addr.empty() || addr.size() >= sizeof(buf)) return std::nullopt;
  std::memcpy(buf, addr.data(), addr.size());
  buf[addr.size()] = '\0';
  if (inet_pton(AF_INET, buf, r.addr.data()) == 1) {
    r.v6 = false;
    if (prefix < 0) prefix = 32;
    if (prefix > 32) return std::nullopt;
  } else if (inet_pton(AF_INET6, buf, r.addr.data()) == 1) {
    r.v6 = true;
    if (prefix < 0) prefix = 128;
    if (prefix > 128) return std::nullopt;
  } else {
    return std::nullopt;
  }
  r.prefix = prefix;
  return r;
}

bool IpInRange(const IpRange& range, std::string_view address) {
  auto ip = ParseIpRange(address);
  if (!ip || ip->v6 != range.v6) return false;
  int bits = range.prefix;
  for (int i = 0; bits > 0; ++i, bits -= 8) {
    std::uint8_t mask = bits >= 8 ? 0xFF : static_cast<std::uint8_t>(0xFF << (8 - bits));
    if ((ip->addr[i] & mask) != (range.addr[i] & mask)) return false;
  }
  return true;
}

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
      for (const std::string& v : e->values) {
        if (AnyPolicyValueMatches(c, v, req)) {
          any = true;
          break;
        }
      }
      return {c.negated ? !any : any, false};
    }
    case SetQualifier::kForAnyValue:
      for (const std::string& v : e->values) {
        if (AnyPolicyValueMatches(c, v, req) != c.negated) return {true, false};
      }
      return {false, false};
    case SetQualifier::kForAllValues:
      for (const std::string& v : e->values) {
        if (AnyPolicyValueMatches(c, v, req) == c.negated) return {false, false};
      }
      return {true, false};
  }
  return {false, false};
}

}  // namespace rampart::policy
