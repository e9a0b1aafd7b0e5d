// Numbers through every codec (issue 24): metric values keep every bit, Long members every digit,
// and a value a member's type cannot hold is refused rather than bent.
#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <random>

#include "protocol/internal.h"
#include "protocol_test_util.h"

namespace rampart::protocol {
namespace {

using namespace testutil;  // NOLINT(google-build-using-namespace): test file

const char kBigSampleCount[] = "66666666666666666666666666666666666666666661.0";

double Exact(std::string_view text) {
  double d = 0;
  std::from_chars(text.data(), text.data() + text.size(), d);
  return d;
}

std::string PutMetricJson(std::string_view sample_count) {
  return R"({"Namespace":"ns","MetricData":[{"MetricName":"m","StatisticValues":{"SampleCount":)" +
         std::string(sample_count) + R"(,"Sum":1,"Minimum":0.1,"Maximum":2.5}}]})";
}

const json::value& SampleCount(const json::value& input) {
  return input.at("MetricData").at(0).at("StatisticValues").at("SampleCount");
}

// The protocol_json_fuzz finding: decode -> encode -> decode changed the document.
TEST(Numbers, JsonDoubleSurvivesDecodeEncodeDecode) {
  Pipeline p = RunPipeline(
      Json("GraniteServiceVersion20100801.PutMetricData", PutMetricJson(kBigSampleCount), "1.0"),
      "monitoring");
  ASSERT_FALSE(p.error) << p.error->message;
  EXPECT_EQ(SampleCount(p.input).as_double(), Exact(kBigSampleCount));

  model::Operation mirror = *p.exchange.operation;
  mirror.output = mirror.input;
  Exchange ex = p.exchange;
  ex.operation = &mirror;
  WireResponse encoded = EncodeOutput(ex, p.input, "rid");
  OwnedRequest again = Json("GraniteServiceVersion20100801.PutMetricData", encoded.body, "1.0");
  auto doc2 = DecodeInput(ex, again.View());
  ASSERT_TRUE(doc2.ok()) << encoded.body;
  EXPECT_EQ(*doc2, p.input) << encoded.body;
}

TEST(Numbers, QueryDoubleIsExactAndDecimalOnly) {
  std::string base =
      "Action=PutMetricData&Version=2010-08-01&Namespace=ns&MetricData.member.1.MetricName=m"
      "&MetricData.member.1.Value=";
  Pipeline p = RunPipeline(Query(base + kBigSampleCount), "monitoring");
  ASSERT_FALSE(p.error) << p.error->message;
  EXPECT_EQ(p.input.at("MetricData").at(0).at("Value").as_double(), Exact(kBigSampleCount));

  for (std::string bad : {"0x1p3", "%201", "inf", "nan", "1e999", "-1e400", "", "1.5abc", "e5"}) {
    Pipeline q = RunPipeline(Query(base + bad), "monitoring");
    ASSERT_TRUE(q.error) << bad << " decoded to " << json::serialize(q.input);
    EXPECT_EQ(q.error->code, "ValidationError") << bad;
    EXPECT_EQ(q.error->http_status, 400);
  }
  // What the SDKs write for the special values (Smithy's awsQuery protocol tests).
  Pipeline nan = RunPipeline(Query(base + "NaN"), "monitoring");
  ASSERT_FALSE(nan.error && nan.failed_step == "decode") << nan.error->message;
  EXPECT_TRUE(std::isnan(nan.input.at("MetricData").at(0).at("Value").as_double()));
  Pipeline inf = RunPipeline(Query(base + "-Infinity"), "monitoring");
  ASSERT_FALSE(inf.error && inf.failed_step == "decode") << inf.error->message;
  EXPECT_EQ(inf.input.at("MetricData").at(0).at("Value").as_double(), -INFINITY);
}

TEST(Numbers, QuerySpecialDoublesEncodeAsAwsWritesThem) {
  model::Shape shape;
  shape.type = model::ShapeType::kDouble;
  EXPECT_EQ(internal::ScalarToText(shape, json::value(NAN), "iso8601"), "NaN");
  EXPECT_EQ(internal::ScalarToText(shape, json::value(-INFINITY), "iso8601"), "-Infinity");
  EXPECT_EQ(internal::ScalarToText(shape, json::value(Exact(kBigSampleCount)), "iso8601"),
            "6.666666666666666e+43");
}

std::string LogEvent(std::string_view timestamp) {
  return R"({"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":)" +
         std::string(timestamp) + R"(,"message":"m"}]})";
}

TEST(Numbers, JsonLongKeepsEveryDigit) {
  for (auto [text, want] : std::initializer_list<std::pair<const char*, int64_t>>{
           {"9007199254740993", 9007199254740993LL},
           {"9223372036854775807", INT64_MAX},
           {"-9223372036854775808", INT64_MIN}}) {
    Pipeline p = RunPipeline(Json("Logs_20140328.PutLogEvents", LogEvent(text)), "logs");
    ASSERT_FALSE(p.error && p.failed_step == "decode") << text << ": " << p.error->message;
    const json::value& ts = p.input.at("logEvents").at(0).at("timestamp");
    ASSERT_TRUE(ts.is_int64()) << text;
    EXPECT_EQ(ts.as_int64(), want) << text;
  }
}

TEST(Numbers, JsonLongRefusesWhatItCannotHold) {
  for (const char* text : {"9223372036854775808", "18446744073709551616", "-9223372036854775809",
                           "1.5", "1e19", "9007199254740993.0", "5.0", "1e3", "\"12\"", "1e400",
                           "true", "NaN"}) {
    Pipeline p = RunPipeline(Json("Logs_20140328.PutLogEvents", LogEvent(text)), "logs");
    ASSERT_TRUE(p.error) << text << " decoded to " << json::serialize(p.input);
    EXPECT_EQ(p.failed_step, "decode") << text;
    EXPECT_EQ(p.error->code, "SerializationException") << text;
  }
}

TEST(Numbers, IntegerRangeRefusedInEveryCodec) {
  Pipeline q = RunPipeline(Query("Action=ListUsers&Version=2010-05-08&MaxItems=2147483648"), "iam");
  ASSERT_TRUE(q.error);
  EXPECT_EQ(q.error->code, "ValidationError");
  Pipeline j = RunPipeline(Json("TrentService.GenerateRandom", R"({"NumberOfBytes":2147483648})"),
                           "kms");
  ASSERT_TRUE(j.error);
  EXPECT_EQ(j.error->code, "SerializationException");
}

}  // namespace
}  // namespace rampart::protocol

namespace rampart::protocol {
namespace {

// The query and XML codecs write scalars with ScalarToText and read them with ScalarFromText:
// every double and every int64 must come back bit for bit.
TEST(Numbers, QueryAndXmlScalarsRoundTrip) {
  model::Shape dbl, lng;
  dbl.type = model::ShapeType::kDouble;
  lng.type = model::ShapeType::kLong;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    uint64_t bits = rng();
    double d = std::bit_cast<double>(bits);
    std::string text = internal::ScalarToText(dbl, json::value(d), "iso8601");
    auto back = internal::ScalarFromText(dbl, text, "v", false);
    ASSERT_TRUE(back.ok()) << text;
    if (std::isnan(d)) {
      ASSERT_TRUE(std::isnan(back->as_double())) << text;
    } else {
      ASSERT_EQ(std::bit_cast<uint64_t>(back->as_double()), bits) << text;
    }
    auto n = static_cast<int64_t>(bits);
    std::string ntext = internal::ScalarToText(lng, json::value(n), "iso8601");
    auto nback = internal::ScalarFromText(lng, ntext, "v", false);
    ASSERT_TRUE(nback.ok()) << ntext;
    ASSERT_EQ(nback->as_int64(), n);
  }
}

}  // namespace
}  // namespace rampart::protocol
