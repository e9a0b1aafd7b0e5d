#include "policy/pattern.h"

#include <algorithm>
#include <array>
#include <cstring>

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
  p.has_question_ = std::any_of(p.units_.begin(), p.units_.end(),
                                [](const Unit& u) { return u.kind == Kind::kQuestion; });
  p.star_only_ = p.variables_.empty() && p.has_wildcards_ && !p.has_question_;
  if (!p.units_.empty()) {
    p.leading_star_ = p.units_.front().kind == Kind::kStar;
    p.trailing_star_ = p.units_.back().kind == Kind::kStar;
  }
  for (const Unit& u : p.units_) {
    if (u.kind == Kind::kChar) {
      if (p.pieces_.empty() || p.pieces_.back().kind != Kind::kChar) {
        p.pieces_.push_back({Kind::kChar, 0, static_cast<std::uint32_t>(p.piece_text_.size()), 0});
      }
      p.piece_text_.push_back(u.ch);
      ++p.pieces_.back().len;
    } else {
      p.pieces_.push_back({u.kind, u.var, 0, 0});
    }
  }
  if (p.star_only_) {
    bool open = false;
    for (const Unit& u : p.units_) {
      if (u.kind == Kind::kStar) {
        if (open) p.seg_ends_.push_back(static_cast<std::uint32_t>(p.seg_text_.size()));
        open = false;
      } else {
        p.seg_text_.push_back(u.ch);
        open = true;
      }
    }
    if (open) p.seg_ends_.push_back(static_cast<std::uint32_t>(p.seg_text_.size()));
  }
  return p;
}

bool Pattern::MatchSegments(std::string_view value, std::string_view text,
                            const std::uint32_t* ends, std::size_t n, bool leading_star,
                            bool trailing_star, bool ignore_case) const {
  auto seg = [&](std::size_t i) {
    std::uint32_t b = i == 0 ? 0 : ends[i - 1];
    return text.substr(b, ends[i] - b);
  };
  auto eq = [&](std::string_view a, std::string_view b) {
    return ignore_case ? EqualsIgnoreCase(a, b) : a == b;
  };
  std::size_t lo = 0, hi = n, pos = 0, end = value.size();
  if (n == 0) return leading_star || value.empty();
  if (!leading_star) {
    std::string_view s = seg(0);
    if (value.size() < s.size() || !eq(value.substr(0, s.size()), s)) return false;
    pos = s.size();
    lo = 1;
  }
  if (!trailing_star && hi > lo) {
    std::string_view s = seg(hi - 1);
    if (end - pos < s.size() || !eq(value.substr(end - s.size()), s)) return false;
    end -= s.size();
    --hi;
  }
  for (std::size_t i = lo; i < hi; ++i) {
    std::string_view s = seg(i);
    std::string_view window = value.substr(pos, end - pos);
    std::size_t at;
    if (ignore_case) {
      at = std::string_view::npos;
      for (std::size_t k = 0; k + s.size() <= window.size(); ++k) {
        if (EqualsIgnoreCase(window.substr(k, s.size()), s)) {
          at = k;
          break;
        }
      }
    } else {
      at = window.find(s);
    }
    if (at == std::string_view::npos) return false;
    pos += at + s.size();
  }
  return true;
}

bool Pattern::Matches(std::string_view value, const VariableSource* vars) const {
  if (is_any_) return true;
  if (is_literal()) {
    return ignore_case_ ? EqualsIgnoreCase(literal_, value) : literal_ == value;
  }
  if (star_only_) {
    return MatchSegments(value, seg_text_, seg_ends_.data(), seg_ends_.size(), leading_star_,
                         trailing_star_, ignore_case_);
  }
  return MatchGeneric(value, vars);
}

bool Pattern::MatchesLowercase(std::string_view value_lower) const {
  if (is_any_) return true;
  if (is_literal()) return literal_ == value_lower;
  if (star_only_) {
    return MatchSegments(value_lower, seg_text_, seg_ends_.data(), seg_ends_.size(), leading_star_,
                         trailing_star_, false);
  }
  return Matches(value_lower, nullptr);
}

bool Pattern::MatchGeneric(std::string_view value, const VariableSource* vars) const {
  std::string_view resolved[kMaxVariables];
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

  if (!has_question_) {
    // Substitute into a stack buffer (the values are literal text) and match by segments.
    constexpr std::size_t kBuf = 1024, kMaxSegs = 64;
    char buf[kBuf];
    std::uint32_t ends[kMaxSegs];
    std::size_t len = 0, n = 0;
    bool open = false, fits = true, leading = false, any_star = false;
    for (const Piece& pc : pieces_) {
      if (pc.kind == Kind::kStar) {
        any_star = true;
        if (len == 0) leading = true;
        if (open) {
          if (n == kMaxSegs) {
            fits = false;
            break;
          }
          ends[n++] = static_cast<std::uint32_t>(len);
        }
        open = false;
        continue;
      }
      std::string_view piece = pc.kind == Kind::kVar
                                   ? resolved[pc.var]
                                   : std::string_view(piece_text_).substr(pc.off, pc.len);
      if (piece.empty()) continue;
      if (len + piece.size() > kBuf) {
        fits = false;
        break;
      }
      std::memcpy(buf + len, piece.data(), piece.size());
      if (ignore_case_ && pc.kind == Kind::kVar) {
        for (std::size_t k = len; k < len + piece.size(); ++k) buf[k] = Lower(buf[k]);
      }
      len += piece.size();
      open = true;
    }
    if (fits && open) {
      if (n == kMaxSegs) {
        fits = false;
      } else {
        ends[n++] = static_cast<std::uint32_t>(len);
      }
    }
    if (fits) {
      if (!has_wildcards_) {
        std::string_view whole(buf, len);
        return ignore_case_ ? EqualsIgnoreCase(whole, value) : whole == value;
      }
      return MatchSegments(value, std::string_view(buf, len), ends, n, leading, any_star && !open,
                           ignore_case_);
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
