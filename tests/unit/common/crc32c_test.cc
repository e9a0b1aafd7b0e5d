#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/crc32c.h"

namespace rampart {
namespace {

TEST(Crc32cTest, KnownVectors) {
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32c("123456789"), 0xe3069283u);                     // the check value
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8a9136aau);           // RFC 3720 B.4
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62a8ab43u);         // RFC 3720 B.4
  std::string inc(32, '\0');
  for (int i = 0; i < 32; ++i) inc[i] = static_cast<char>(i);
  EXPECT_EQ(Crc32c(inc), 0x46dd794eu);                             // RFC 3720 B.4
}

TEST(Crc32cTest, EveryLengthAndAlignmentAgreesWithBitwiseDefinition) {
  auto bitwise = [](std::string_view s) {
    uint32_t c = ~0u;
    for (unsigned char b : s) {
      c ^= b;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
    }
    return ~c;
  };
  std::mt19937 rng(3);
  std::string buf(200, '\0');
  for (char& c : buf) c = static_cast<char>(rng());
  for (size_t off = 0; off < 9; ++off) {
    for (size_t len = 0; off + len <= buf.size(); len += 7) {
      std::string_view s(buf.data() + off, len);
      ASSERT_EQ(Crc32c(s), bitwise(s)) << off << "+" << len;
    }
  }
}

}  // namespace
}  // namespace rampart
