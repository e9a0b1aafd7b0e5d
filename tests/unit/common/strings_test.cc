// FormatIso8601 and AppendXmlEscaped are hand-written for speed; strftime and a per-character
// reference are the oracles.
#include <gtest/gtest.h>

#include <cmath>
#include <ctime>
#include <random>
#include <string>

#include "common/strings.h"

namespace rampart {
namespace {

std::string Reference(double t) {
  time_t whole = static_cast<time_t>(std::floor(t));
  int millis = static_cast<int>(std::lround((t - static_cast<double>(whole)) * 1000));
  if (millis >= 1000) {
    whole += 1;
    millis -= 1000;
  }
  std::tm tm{};
  gmtime_r(&whole, &tm);
  char base[32], buf[64];
  std::strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  if (millis == 0) {
    std::snprintf(buf, sizeof buf, "%sZ", base);
  } else {
    std::snprintf(buf, sizeof buf, "%s.%03dZ", base, millis % 1000);
  }
  return buf;
}

TEST(StringsTest, FormatIso8601MatchesStrftime) {
  EXPECT_EQ(FormatIso8601(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatIso8601(1700000000.5), "2023-11-14T22:13:20.500Z");
  EXPECT_EQ(FormatIso8601(951782400), "2000-02-29T00:00:00Z");  // a leap day
  EXPECT_EQ(FormatIso8601(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatIso8601(1.9996), "1970-01-01T00:00:02Z");     // rounds up into the next second
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20000; ++i) {
    double t = static_cast<double>(static_cast<int64_t>(rng() % 8000000000ull) - 1000000000);
    if (i % 3 == 0) t += static_cast<double>(rng() % 1000) / 1000.0;
    ASSERT_EQ(FormatIso8601(t), Reference(t)) << static_cast<int64_t>(t);
  }
}

TEST(StringsTest, AppendXmlEscapedMatchesPerCharacterReference) {
  auto reference = [](std::string_view s) {
    std::string out;
    for (char c : s) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        case '\r': out += "&#xD;"; break;
        default:
          if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') continue;
          out.push_back(c);
      }
    }
    return out;
  };
  std::mt19937 rng(5);
  const std::string alphabet = std::string("ab<>&\"'\r\n\t\x01\x1f\xc3\xa9 ", 16);
  for (int i = 0; i < 5000; ++i) {
    std::string s(rng() % 40, ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    std::string got = "prefix:";
    AppendXmlEscaped(got, s);
    ASSERT_EQ(got, "prefix:" + reference(s)) << s;
  }
}

}  // namespace
}  // namespace rampart

namespace rampart {
namespace {

// Timestamps are accepted only where they can be written back (years 1-9999): a 140-digit
// epoch number once decoded, then could not be encoded to the same value (fuzz finding).
TEST(StringsTest, ParseTimestampKeepsToWritableYears) {
  EXPECT_EQ(ParseTimestamp("1700000000"), 1700000000.0);
  EXPECT_EQ(ParseTimestamp("253402300799"), 253402300799.0);  // 9999-12-31T23:59:59Z
  EXPECT_EQ(ParseTimestamp("253402300800"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("-62135596801"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("17000000201111111111111111111111111111111111111111"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2024-01-02T03:04:05Z"), 1704164645.0);
  EXPECT_FALSE(InTimestampRange(std::nan("")));
}

}  // namespace
}  // namespace rampart
