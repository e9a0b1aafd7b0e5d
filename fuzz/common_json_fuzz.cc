// libFuzzer target: ParseJson (common/json_parse.h) against Boost.JSON's own parser, the
// independent implementation it wraps. Checked:
//   - both accept the same texts, except numbers beyond a double's range, which only ParseJson
//     refuses (exponent_overflow);
//   - where both accept, the values are equal, doubles within 16 ulps of Boost's (Boost 1.81's
//     fast path is not correctly rounded; ParseJson must be), or finite where Boost says NaN;
//   - a document that is a single number reads as std::strtod reads that text;
//   - every double ParseJson reads, written the shortest way (boost::json::serialize), reads
//     back bit for bit, and equals std::strtod of the text Boost wrote: the round trip that
//     protocol_json_fuzz found broken (issue 24).
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "common/json_parse.h"

namespace json = boost::json;

namespace {

// `a` ours, `b` Boost's: Boost 1.81 is off by up to a few ulps (3 seen), and reads "0e400" as
// NaN (zero times an infinite power of ten), where ours must be finite (CheckDoubles then holds
// it to strtod).
bool NearlySame(double a, double b) {
  if (a == b) return true;
  if (!std::isfinite(b)) return std::isfinite(a);
  if (std::signbit(a) != std::signbit(b)) return false;
  auto ia = static_cast<int64_t>(std::bit_cast<uint64_t>(a));
  auto ib = static_cast<int64_t>(std::bit_cast<uint64_t>(b));
  return (ia > ib ? ia - ib : ib - ia) <= 16;
}

void CheckDoubles(const json::value& v) {
  switch (v.kind()) {
    case json::kind::double_: {
      double d = v.get_double();
      std::string text = json::serialize(v);
      boost::system::error_code ec;
      json::value back = rampart::ParseJson(text, ec);
      if (ec || !back.is_double() ||
          std::bit_cast<uint64_t>(back.get_double()) != std::bit_cast<uint64_t>(d)) {
        abort();
      }
      if (std::bit_cast<uint64_t>(std::strtod(text.c_str(), nullptr)) !=
          std::bit_cast<uint64_t>(d)) {
        abort();
      }
      return;
    }
    case json::kind::array:
      for (const auto& x : v.get_array()) CheckDoubles(x);
      return;
    case json::kind::object:
      for (const auto& kv : v.get_object()) CheckDoubles(kv.value());
      return;
    default: return;
  }
}

bool Same(const json::value& ours, const json::value& boost) {
  if (ours.kind() != boost.kind()) return false;
  switch (ours.kind()) {
    case json::kind::double_: return NearlySame(ours.get_double(), boost.get_double());
    case json::kind::array: {
      const auto &a = ours.get_array(), &b = boost.get_array();
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!Same(a[i], b[i])) return false;
      }
      return true;
    }
    case json::kind::object: {
      const auto &a = ours.get_object(), &b = boost.get_object();
      if (a.size() != b.size()) return false;
      for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
        if (ia->key() != ib->key() || !Same(ia->value(), ib->value())) return false;
      }
      return true;
    }
    default: return ours == boost;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  json::parse_options opts;
  opts.max_depth = 64;
  boost::system::error_code ours_ec, boost_ec;
  json::value ours = rampart::ParseJson(text, ours_ec, opts);
  json::value theirs = json::parse(text, boost_ec, {}, opts);
  if (ours_ec) {
    if (!boost_ec && ours_ec != json::error::exponent_overflow) abort();
    return 0;
  }
  if (boost_ec || !Same(ours, theirs)) abort();
  CheckDoubles(ours);
  if (ours.is_double()) {
    std::string number(text);
    double want = std::strtod(number.c_str(), nullptr);
    if (std::bit_cast<uint64_t>(want) != std::bit_cast<uint64_t>(ours.get_double())) abort();
  }
  return 0;
}
