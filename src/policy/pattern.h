#pragma once
// Pattern: a policy string compiled once for matching, with optional wildcards (`*` any run of
// characters, `?` exactly one) and optional policy variables (`${aws:username}`,
// `${aws:PrincipalTag/team, 'default'}`, and the escapes `${*}`, `${?}`, `${$}`).
//
// Semantics (IAM User Guide, "Policy variables" and "Resource"):
// - `*` matches any run of characters, including `:` and `/`; `?` matches exactly one.
// - A variable is replaced by the request's single value for the key; the substituted text is
//   literal (a `*` in a tag value is not a wildcard). A variable that resolves to nothing
//   (absent key, multivalued key) and has no default makes the whole pattern match nothing.
// - Matching is case-sensitive unless compiled with `ignore_case` (actions,
//   StringEqualsIgnoreCase).
//
// A Pattern is immutable after Compile and safe to share across threads. Match allocates nothing.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::policy {

// Where variables come from at match time (implemented by Request). Keys are passed lowercased.
class VariableSource {
 public:
  virtual ~VariableSource() = default;
  // The single value of `key_lower`, or nullopt when absent or multivalued.
  virtual std::optional<std::string_view> SingleValue(std::string_view key_lower) const = 0;
};

struct PatternOptions {
  bool wildcards = false;  // `*` and `?` are wildcards (else literal)
  bool variables = false;  // `${...}` is a variable (else literal)
  bool ignore_case = false;
};

class Pattern {
 public:
  // Most variables one pattern may use; a documented limit of this implementation (keeps matching
  // allocation-free). Compile reports more as an error.
  static constexpr std::size_t kMaxVariables = 16;

  Pattern() = default;
  // Returns nullopt (never throws) if the text uses more than kMaxVariables variables.
  static std::optional<Pattern> Compile(std::string_view text, PatternOptions options);

  // True if `value` matches. `vars` may be null when the pattern has no variables.
  bool Matches(std::string_view value, const VariableSource* vars) const;

  const std::string& source() const { return source_; }
  bool is_any() const { return is_any_; }  // exactly "*" with wildcards on
  bool has_variables() const { return !variables_.empty(); }
  bool has_wildcards() const { return has_wildcards_; }
  // For patterns with neither wildcards nor variables: the literal text (lowercased if
  // ignore_case), for exact-match indexes.
  bool is_literal() const { return !has_wildcards_ && variables_.empty(); }
  const std::string& literal() const { return literal_; }

 private:
  enum class Kind : std::uint8_t { kChar, kStar, kQuestion, kVar };
  struct Unit {
    Kind kind;
    char ch;
    std::uint16_t var;
  };
  struct Variable {
    std::string key_lower;
    std::string default_value;
    bool has_default = false;
  };

  std::string source_;
  std::string literal_;
  std::vector<Unit> units_;
  std::vector<Variable> variables_;
  bool ignore_case_ = false;
  bool has_wildcards_ = false;
  bool is_any_ = false;
};

// ASCII lowercase copy.
std::string ToLower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace rampart::policy
