// ParseJson must read every number exactly (Boost 1.81's own parser does not), and otherwise
// build the same value boost::json::parse builds.
#include "common/json_parse.h"

#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cstring>
#include <random>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace rampart {
namespace {

namespace json = boost::json;

json::value Parse(std::string_view text) {
  boost::system::error_code ec;
  json::value v = ParseJson(text, ec);
  EXPECT_FALSE(ec) << text << ": " << ec.message();
  return v;
}

double FromChars(std::string_view text) {
  double d = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), d);
  EXPECT_EQ(r.ec, std::errc()) << text;
  return d;
}

// The fuzzer's finding (issue 24): Boost alone reads this one ulp high.
TEST(JsonParse, LargeDecimalIsCorrectlyRounded) {
  const char* text = "66666666666666666666666666666666666666666661.0";
  json::value v = Parse(text);
  ASSERT_TRUE(v.is_double());
  EXPECT_EQ(v.get_double(), FromChars(text));
  EXPECT_NE(json::parse(text).as_double(), FromChars(text)) << "Boost got it right: drop the "
                                                              "workaround (common/json_parse.h)";
  // And the shortest text Boost writes for it reads back as the same double.
  EXPECT_EQ(Parse(json::serialize(v)).get_double(), v.get_double());
}

TEST(JsonParse, HardDecimalsMatchFromChars) {
  for (std::string_view t :
       {"0.1", "0.3", "2.2250738585072011e-308", "2.2250738585072014e-308",
        "1.7976931348623157e308", "4.9e-324", "9007199254740993.0", "1.00000000000000011102230246251565404236316680908203125",
        "123456789012345678901234567890e-10", "-0.0", "7.0e-10", "8.41e21"}) {
    json::value v = Parse(t);
    ASSERT_TRUE(v.is_double()) << t;
    EXPECT_EQ(std::bit_cast<uint64_t>(v.get_double()), std::bit_cast<uint64_t>(FromChars(t)))
        << t;
  }
}

TEST(JsonParse, IntegersStayExact) {
  EXPECT_EQ(Parse("9007199254740993").as_int64(), 9007199254740993LL);
  EXPECT_EQ(Parse("-9223372036854775808").as_int64(), INT64_MIN);
  EXPECT_EQ(Parse("18446744073709551615").as_uint64(), UINT64_MAX);
  EXPECT_EQ(Parse("18446744073709551616").as_double(), 18446744073709551616.0);
}

TEST(JsonParse, OverflowIsAnErrorUnderflowIsZero) {
  boost::system::error_code ec;
  ParseJson("1e400", ec);
  EXPECT_TRUE(ec);
  ec = {};
  ParseJson("[-1.5e999]", ec);
  EXPECT_TRUE(ec);
  EXPECT_EQ(Parse("1e-400").as_double(), 0.0);
  // Found by common_json_fuzz: Boost alone reads zero with a huge exponent as NaN.
  EXPECT_EQ(Parse("0e400").as_double(), 0.0);
  EXPECT_EQ(Parse("-0.0e99999").as_double(), 0.0);
}

TEST(JsonParse, SameValueAsBoostOtherwise) {
  const char* doc =
      R"({"a":[1,-2,true,false,null,"s\u00e9\n",{"k":{}}],"b":"x","c":[],"d":0.5,"e":1e3})";
  EXPECT_EQ(Parse(doc), json::parse(doc));
  std::string big = "[";
  for (int i = 0; i < 5000; ++i) big += "\"" + std::string(100, 'x') + "\",";
  big += "1]";
  EXPECT_EQ(Parse(big), json::parse(big));
}

TEST(JsonParse, ErrorsAsBoost) {
  for (std::string_view bad : {"", "{", "[1,]", "{\"a\":1}x", "01", "1.", "nan", "\"\\x\""}) {
    boost::system::error_code ec;
    ParseJson(bad, ec);
    EXPECT_TRUE(ec) << bad;
  }
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 3;
  ParseJson("[[[[1]]]]", ec, opts);
  EXPECT_TRUE(ec);
  EXPECT_EQ(Parse("  {\"a\" : 1 }\n"), json::parse("{\"a\":1}"));
}

// Any double, written the shortest way (as the JSON codec writes it), reads back bit for bit.
TEST(JsonParse, ShortestTextRoundTripsRandomDoubles) {
  std::mt19937_64 rng(20261207);
  for (int i = 0; i < 200000; ++i) {
    double d = std::bit_cast<double>(rng());
    if (!std::isfinite(d)) continue;
    std::string text = json::serialize(json::value(d));
    json::value back = Parse(text);
    ASSERT_TRUE(back.is_double()) << text;
    ASSERT_EQ(std::bit_cast<uint64_t>(back.get_double()), std::bit_cast<uint64_t>(d)) << text;
  }
}

}  // namespace
}  // namespace rampart
