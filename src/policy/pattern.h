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
  // For ignore_case patterns whose value is already ASCII-lowercased (actions): compares bytes.
  bool MatchesLowercase(std::string_view value_lower) const;

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

  // Fast path for patterns whose only wildcard is `*` (most actions and resources): the text
  // between stars, as offsets into seg_text_, matched by prefix / ordered find / suffix.
  bool MatchSegments(std::string_view value, std::string_view text, const std::uint32_t* ends,
                     std::size_t n, bool leading_star, bool trailing_star, bool ignore_case) const;
  bool MatchGeneric(std::string_view value, const VariableSource* vars) const;

  std::string source_;
  std::string literal_;
  // The units grouped into runs for substitution by memcpy: a literal run (offset/length into
  // piece_text_), a variable, or a star.
  struct Piece {
    Kind kind;
    std::uint16_t var;
    std::uint32_t off;
    std::uint32_t len;
  };
  std::vector<Piece> pieces_;
  std::string piece_text_;
  std::string seg_text_;                 // star-free runs, concatenated
  std::vector<std::uint32_t> seg_ends_;  // end offset of each run in seg_text_
  bool star_only_ = false;               // no `?`, no variables: use MatchSegments
  bool has_question_ = false;
  bool leading_star_ = false;
  bool trailing_star_ = false;
  std::vector<Unit> units_;
  std::vector<Variable> variables_;
  bool ignore_case_ = false;
  bool has_wildcards_ = false;
  bool is_any_ = false;
};

// FNV-1a, for the action index (keys are lowercased before hashing).
constexpr std::uint64_t HashKey(std::string_view s) {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

// What the action index is looked up by: the lowercased action and service with their hashes.
struct ActionKey {
  std::string_view action;  // "s3:getobject"
  std::uint64_t action_hash = 0;
  std::string_view service;  // "s3"
  std::uint64_t service_hash = 0;
};

// ASCII lowercase copy.
std::string ToLower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace rampart::policy
