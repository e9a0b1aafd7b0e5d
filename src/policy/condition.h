#pragma once
// Condition operators (IAM User Guide, "Condition operators" and "Multiple context keys or
// values"). One ConditionClause is one (operator, key) pair of a Condition block with its values.
//
// Semantics encoded here:
// - The policy values of one key are ORed; a negated operator (StringNotEquals, NotIpAddress,
//   ArnNotLike, ...) is true only if the request value matches none of them (NOR).
// - A key absent from the request (or present with an empty list): positive operators are
//   false, negated operators true, `...IfExists` true, `ForAllValues:` true, `ForAnyValue:`
//   false. `Null: true` is true exactly when the key is absent.
// - `ForAllValues:` every request value satisfies the operator; `ForAnyValue:` at least one does.
//   Without a qualifier, a multivalued request key satisfies a positive operator if any value
//   matches and a negated operator if no value matches (see docs/POLICY.md).
// - Request values are typed by the operator: a value that does not parse as a number, date,
//   bool, IP or base64 matches no policy value.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "policy/pattern.h"
#include "policy/request.h"
#include "policy/values.h"

namespace rampart::policy {

enum class ConditionFamily : std::uint8_t {
  kString,            // StringEquals / StringNotEquals
  kStringIgnoreCase,  // StringEqualsIgnoreCase / StringNotEqualsIgnoreCase
  kStringLike,        // StringLike / StringNotLike
  kNumeric,
  kDate,
  kBool,
  kBinary,
  kIpAddress,  // IpAddress / NotIpAddress
  kArn,        // ArnEquals / ArnLike / ArnNotEquals / ArnNotLike (Equals is Like)
  kNull,
};

enum class Comparison : std::uint8_t { kEquals, kLessThan, kLessThanEquals, kGreaterThan, kGreaterThanEquals };
enum class SetQualifier : std::uint8_t { kNone, kForAllValues, kForAnyValue };

// One policy value, pre-parsed for its operator.
struct ConditionValue {
  std::string text;                   // as written
  Pattern pattern;                    // string families
  std::vector<Pattern> arn_segments;  // kArn: the value split at its first five colons
  double number = 0;
  std::int64_t date_ms = 0;
  bool boolean = false;
  IpRange ip;
  std::string bytes;  // kBinary: decoded
};

struct ConditionClause {
  std::string op;  // as written, e.g. "ForAnyValue:StringLikeIfExists"
  ConditionFamily family = ConditionFamily::kString;
  Comparison comparison = Comparison::kEquals;
  bool negated = false;
  bool if_exists = false;
  SetQualifier qualifier = SetQualifier::kNone;
  std::string key;        // as written
  std::string key_lower;  // for lookup
  std::vector<ConditionValue> values;
};

// Compiles one (operator, key, values) triple. `variables` enables `${...}` in string and ARN
// values (policy Version 2012-10-17). Errors are messages without a location; the parser adds
// the statement and key.
Result<ConditionClause> CompileCondition(std::string_view op, std::string_view key,
                                         const std::vector<std::string>& values, bool variables);

struct ClauseOutcome {
  bool result = false;
  bool key_missing = false;  // the request does not carry the key (for MissingContextValues)
};

// Evaluates a compiled clause against a request. Allocates nothing.
ClauseOutcome EvaluateCondition(const ConditionClause& clause, const Request& request);

}  // namespace rampart::policy
