// Constraint checks from the model: required, enum, length, range, pattern.
#include <re2/re2.h>

#include <cmath>
#include <memory>
#include <mutex>
#include <map>

#include "common/strings.h"
#include "protocol/internal.h"

namespace rampart::protocol {

namespace json = boost::json;
using internal::LowerFirst;
using model::Member;
using model::Service;
using model::Shape;
using model::ShapeType;

namespace {

// Java-style patterns from the models, translated to RE2 (\uXXXX -> \x{XXXX}). A pattern RE2
// cannot compile is skipped (recorded as nullptr) rather than rejecting valid input.
class PatternCache {
 public:
  const RE2* Get(std::string_view pattern) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(pattern);
    if (it != cache_.end()) return it->second.get();
    std::string translated;
    for (size_t i = 0; i < pattern.size(); ++i) {
      if (pattern[i] == '\\' && i + 5 < pattern.size() && pattern[i + 1] == 'u') {
        translated += "\\x{" + std::string(pattern.substr(i + 2, 4)) + "}";
        i += 5;
      } else if (pattern[i] == '\\' && i + 1 < pattern.size()) {
        translated += pattern.substr(i, 2);
        ++i;
      } else {
        translated.push_back(pattern[i]);
      }
    }
    RE2::Options opts;
    opts.set_log_errors(false);
    auto re = std::make_unique<RE2>(translated, opts);
    if (!re->ok()) re.reset();
    const RE2* raw = re.get();
    cache_.emplace(std::string(pattern), std::move(re));
    return raw;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<RE2>, std::less<>> cache_;  // GUARDED_BY(mu_)
};

PatternCache& Patterns() {
  static PatternCache* cache = new PatternCache();  // never destroyed: used until exit
  return *cache;
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string Shown(const json::value& v) {
  if (v.is_string()) return "'" + std::string(v.as_string()) + "'";
  return "'" + json::serialize(v) + "'";
}

std::string FormatLimit(double d) {
  if (d == std::floor(d) && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
  return std::to_string(d);
}

class Validator {
 public:
  // IAM leaves the rejected value out of its constraint messages ("Value at 'tags' failed to
  // satisfy constraint: ..."; every IAM response recorded in 2026); STS, KMS and the others
  // show it.
  explicit Validator(const Service& svc) : svc_(svc), show_values_(svc.id != "iam") {}

  void Check(uint32_t shape_idx, const json::value& v, const std::string& path, bool sensitive) {
    const Shape& shape = svc_.shape(shape_idx);
    bool hide = sensitive || (shape.flags & model::kShapeSensitive);
    switch (shape.type) {
      case ShapeType::kStructure: {
        if (!v.is_object()) return;
        const auto& obj = v.as_object();
        for (const Member& m : svc_.StructMembers(shape)) {
          std::string mpath = path.empty() ? LowerFirst(m.name) : path + "." + LowerFirst(m.name);
          auto it = obj.find(m.name);
          if (it == obj.end() || it->value().is_null()) {
            if (m.flags & model::kMemberRequired) {
              Fail("Value null at '" + mpath + "' failed to satisfy constraint: Member must not "
                   "be null");
            }
            continue;
          }
          Check(m.shape, it->value(), mpath, hide);
        }
        return;
      }
      case ShapeType::kList: {
        if (!v.is_array()) return;
        CheckLength(shape, v, static_cast<double>(v.as_array().size()), path, hide);
        const Member& elem = svc_.members[shape.first_member];
        if (IsScalar(svc_.shape(elem.shape).type)) return CheckScalarList(elem.shape, v, path, hide);
        size_t i = 0;
        for (const auto& item : v.as_array()) {
          ++i;
          Check(elem.shape, item, path + "." + std::to_string(i) + ".member", hide);
        }
        return;
      }
      case ShapeType::kMap: {
        if (!v.is_object()) return;
        CheckLength(shape, v, static_cast<double>(v.as_object().size()), path, hide);
        const Member& key = svc_.members[shape.first_member];
        const Member& val = svc_.members[shape.first_member + 1];
        for (const auto& kv : v.as_object()) {
          Check(key.shape, json::value(kv.key()), path + ".key", hide);
          Check(val.shape, kv.value(), path + "." + std::string(kv.key()) + ".member", hide);
        }
        return;
      }
      case ShapeType::kString: {
        if (!v.is_string()) return;
        std::string_view s = v.as_string();
        if (!IsValidUtf8(s)) {  // never shown: an error body must stay well-formed
          Fail("Value at '" + path + "' failed to satisfy constraint: Member must be valid UTF-8");
          return;
        }
        CheckLength(shape, v, static_cast<double>(CodePoints(s)), path, hide);
        if (shape.enum_count > 0) {
          bool found = false;
          for (std::string_view e : svc_.EnumValues(shape)) found |= (e == s);
          if (!found) {
            std::string set;
            for (std::string_view e : svc_.EnumValues(shape)) {
              set += set.empty() ? "" : ", ";
              set += e;
            }
            Fail(ValueAt(v, hide) + path +
                 "' failed to satisfy constraint: Member must satisfy enum value set: [" + set +
                 "]");
          }
        }
        if (!shape.pattern.empty()) {
          const RE2* re = Patterns().Get(shape.pattern);
          if (re && !RE2::FullMatch(re2::StringPiece(s.data(), s.size()), *re)) {
            Fail(ValueAt(v, hide) + path +
                 "' failed to satisfy constraint: Member must satisfy regular expression "
                 "pattern: " + std::string(shape.pattern));
          }
        }
        return;
      }
      case ShapeType::kBlob:
        if (v.is_string()) {
          CheckLength(shape, v, static_cast<double>(v.as_string().size()), path, true);
        }
        return;
      case ShapeType::kInteger:
      case ShapeType::kLong:
      case ShapeType::kFloat:
      case ShapeType::kDouble: {
        double d = v.is_int64() ? static_cast<double>(v.as_int64())
                   : v.is_double() ? v.as_double()
                                   : 0.0;
        if ((shape.flags & model::kShapeHasMin) && d < shape.min) {
          Fail(ValueAt(v, hide) + path +
               "' failed to satisfy constraint: Member must have value greater than or equal to " +
               FormatLimit(shape.min));
        }
        if ((shape.flags & model::kShapeHasMax) && d > shape.max) {
          Fail(ValueAt(v, hide) + path +
               "' failed to satisfy constraint: Member must have value less than or equal to " +
               FormatLimit(shape.max));
        }
        return;
      }
      default:
        return;
    }
  }

  const std::vector<std::string>& failures() const { return failures_; }

 private:
  static bool IsScalar(ShapeType t) {
    return t == ShapeType::kString || t == ShapeType::kInteger || t == ShapeType::kLong ||
           t == ShapeType::kFloat || t == ShapeType::kDouble;
  }
  // A list of scalars is reported once, under the list's name, with every constraint of its
  // members: "Member must satisfy constraint: [<each>, Member must not be null]" (AWS's form).
  void CheckScalarList(uint32_t elem_shape, const json::value& v, const std::string& path,
                       bool hide) {
    bool bad = false;
    for (const auto& item : v.as_array()) {
      Validator one(svc_);
      if (!item.is_null()) one.Check(elem_shape, item, path, hide);
      bad |= item.is_null() || !one.failures().empty();
    }
    if (!bad) return;
    const Shape& es = svc_.shape(elem_shape);
    bool sized = es.type == ShapeType::kString;
    std::string all;
    auto add = [&all](const std::string& c) { all += c + ", "; };
    if (es.flags & model::kShapeHasMax) {
      add(std::string("Member must have ") + (sized ? "length" : "value") +
          " less than or equal to " + FormatLimit(es.max));
    }
    if (es.flags & model::kShapeHasMin) {
      add(std::string("Member must have ") + (sized ? "length" : "value") +
          " greater than or equal to " + FormatLimit(es.min));
    }
    if (es.enum_count > 0) {
      std::string set;
      for (std::string_view e : svc_.EnumValues(es)) set += (set.empty() ? "" : ", ") + std::string(e);
      add("Member must satisfy enum value set: [" + set + "]");
    }
    if (!es.pattern.empty()) {
      add("Member must satisfy regular expression pattern: " + std::string(es.pattern));
    }
    Fail(ValueAt(v, hide) + path + "' failed to satisfy constraint: Member must satisfy "
         "constraint: [" + all + "Member must not be null]");
  }
  static std::string Shown(const json::value& v, bool hide) {
    return hide ? std::string("'***'") : protocol::Shown(v);
  }
  // "Value 'x' at '" or, for IAM, "Value at '".
  std::string ValueAt(const json::value& v, bool hide) const {
    return show_values_ ? "Value " + Shown(v, hide) + " at '" : std::string("Value at '");
  }
  void CheckLength(const Shape& shape, const json::value& v, double len, const std::string& path,
                   bool hide) {
    if ((shape.flags & model::kShapeHasMin) && len < shape.min) {
      Fail(ValueAt(v, hide) + path +
           "' failed to satisfy constraint: Member must have length greater than or equal to " +
           FormatLimit(shape.min));
    }
    if ((shape.flags & model::kShapeHasMax) && len > shape.max) {
      Fail(ValueAt(v, hide) + path +
           "' failed to satisfy constraint: Member must have length less than or equal to " +
           FormatLimit(shape.max));
    }
  }
  void Fail(std::string msg) { failures_.push_back(std::move(msg)); }

  const Service& svc_;
  bool show_values_;
  std::vector<std::string> failures_;
};

}  // namespace

Status ValidateInput(const Exchange& ex, const json::value& input) {
  if (!ex.operation || ex.operation->input == model::kNoShape) return {};
  // S3 has no ValidationException: it checks its inputs itself with its own errors
  // (InvalidArgument, InvalidBucketName, ...), and its model's patterns are documentation
  // (x-amz-copy-source "\/.+\/.+" is sent without the leading slash by every SDK).
  if (ex.service->id == "s3") return {};
  Validator v(*ex.service);
  v.Check(ex.operation->input, input, "", false);
  const auto& f = v.failures();
  if (f.empty()) return {};
  std::string msg = std::to_string(f.size()) +
                    (f.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t i = 0; i < f.size(); ++i) {
    if (i) msg += "; ";
    msg += f[i];
  }
  return internal::ValidationFailure(ex, std::move(msg));
}

}  // namespace rampart::protocol
