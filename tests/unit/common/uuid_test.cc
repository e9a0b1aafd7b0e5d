// UUID text <-> bytes (common/crypto.h): only the canonical lowercase form parses, and bytes
// format back to exactly the text they came from.
#include <gtest/gtest.h>

#include <string>

#include "common/crypto.h"

namespace rampart::crypto {
namespace {

TEST(UuidTest, CanonicalTextRoundTrips) {
  const std::string text = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
  uint8_t b[16];
  ASSERT_TRUE(ParseUuid(text, b));
  EXPECT_EQ(b[0], 0x0f);
  EXPECT_EQ(b[15], 0xf9);
  std::string back(36, '?');
  FormatUuid(b, back.data());
  EXPECT_EQ(back, text);
}

TEST(UuidTest, EveryOtherFormIsRefused) {
  uint8_t b[16];
  for (const char* bad : {"", "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f",
                          "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f99",
                          "0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9",  // uppercase
                          "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0fg",
                          "0f1e2d3c 4b5a-4978-8695-a4b3c2d1e0f9",
                          "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0-9",
                          "0f1e2d3c4b5a-4978-8695-a4b3c2d1e0f9-"}) {
    EXPECT_FALSE(ParseUuid(bad, b)) << bad;
  }
  // Each digit position rejects a non-hex byte.
  std::string text = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '-') continue;
    std::string t = text;
    t[i] = 'x';
    EXPECT_FALSE(ParseUuid(t, b)) << i;
  }
}

}  // namespace
}  // namespace rampart::crypto
