#include "policy/pattern.h"

#include <array>

namespace rampart::policy {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

std::optional<Pattern> Pattern::Compile(std::string_view text, PatternOptions options) {
  Pattern p;
  p.source_ = std::string(text);
  p.ignore_case_ = options.ignore_case;
  auto add_char = [&p](char c) {
    p.units_.push_back({Kind::kChar, p.ignore_case_ ? Lower(c) : c, 0});
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (options.variables && c == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      std::size_t close = text.find('}', i + 2);
      if (close != std::string_view::npos) {
        std::string_view body = Trim(text.substr(i + 2, close - i - 2));
        if (body == "*" || body == "?" || body == "$") {
          add_char(body[0]);  // escapes produce the literal character
          i = close;
          continue;
        }
        Variable var;
        std::size_t comma = body.find(',');
        std::string_view key = Trim(body.substr(0, comma));
        bool ok = !key.empty();
        if (ok && comma != std::string_view::npos) {
          std::string_view def = Trim(body.substr(comma + 1));
          if (def.size() >= 2 && def.front() == '\'' && def.back() == '\'') {
            var.default_value = std::string(def.substr(1, def.size() - 2));
            var.has_default = true;
          } else {
            ok = false;
          }
        }
        if (ok) {
          if (p.variables_.size() >= kMaxVariables) return std::nullopt;
          var.key_lower = ToLower(key);
          p.units_.push_back({Kind::kVar, 0, static_cast<std::uint16_t>(p.variables_.size())});
          p.variables_.push_back(std::move(var));
          i = close;
          continue;
        }
        // A malformed variable is literal text, as AWS treats unknown syntax.
      }
    }
    if (options.wildcards && c == '*') {
      p.units_.push_back({Kind::kStar, 0, 0});
      p.has_wildcards_ = true;
    } else if (options.wildcards && c == '?') {
      p.units_.push_back({Kind::kQuestion, 0, 0});
      p.has_wildcards_ = true;
    } else {
      add_char(c);
    }
  }
  if (p.is_literal()) {
    p.literal_.reserve(p.units_.size());
    for (const Unit& u : p.units_) p.literal_.push_back(u.ch);
  }
  p.is_any_ = p.units_.size() == 1 && p.units_[0].kind == Kind::kStar;
  return p;
}

bool Pattern::Matches(std::string_view value, const VariableSource* vars) const {
  if (is_any_) return true;
  if (is_literal()) {
    return ignore_case_ ? EqualsIgnoreCase(literal_, value) : literal_ == value;
  }
  std::array<std::string_view, kMaxVariables> resolved{};
  for (std::size_t i = 0; i < variables_.size(); ++i) {
    std::optional<std::string_view> v;
    if (vars != nullptr) v = vars->SingleValue(variables_[i].key_lower);
    if (v) {
      resolved[i] = *v;
    } else if (variables_[i].has_default) {
      resolved[i] = variables_[i].default_value;
    } else {
      return false;  // an unresolved variable matches nothing
    }
  }

  // Classic glob matching with single-star backtracking over a cursor that walks units and,
  // inside a variable unit, the characters of its resolved (literal) value.
  struct Cursor {
    std::size_t unit = 0;
    std::size_t off = 0;
  };
  const std::size_t n_units = units_.size();
  auto normalize = [&](Cursor& c) {
    while (c.unit < n_units && units_[c.unit].kind == Kind::kVar &&
           c.off >= resolved[units_[c.unit].var].size()) {
      ++c.unit;
      c.off = 0;
    }
  };
  auto advance = [&](Cursor& c) {
    if (units_[c.unit].kind == Kind::kVar) {
      ++c.off;
    } else {
      ++c.unit;
      c.off = 0;
    }
    normalize(c);
  };
  auto eq = [&](char pc, char vc) { return ignore_case_ ? Lower(pc) == Lower(vc) : pc == vc; };

  Cursor p;
  normalize(p);
  std::size_t s = 0;
  bool have_star = false;
  Cursor star_p;
  std::size_t star_s = 0;
  while (s < value.size()) {
    if (p.unit < n_units) {
      const Unit& u = units_[p.unit];
      if (u.kind == Kind::kStar) {
        have_star = true;
        star_p = p;
        advance(star_p);
        star_s = s;
        p = star_p;
        continue;
      }
      bool ok;
      if (u.kind == Kind::kQuestion) {
        ok = true;
      } else if (u.kind == Kind::kChar) {
        ok = eq(u.ch, value[s]);
      } else {
        ok = resolved[u.var][p.off] == value[s] ||
             (ignore_case_ && Lower(resolved[u.var][p.off]) == Lower(value[s]));
      }
      if (ok) {
        advance(p);
        ++s;
        continue;
      }
    }
    if (!have_star) return false;
    p = star_p;
    s = ++star_s;
  }
  while (p.unit < n_units && units_[p.unit].kind == Kind::kStar) advance(p);
  return p.unit >= n_units;
}

}  // namespace rampart::policy
