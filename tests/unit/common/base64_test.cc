// Base64 is hand-written for speed (common/crypto.cc); OpenSSL's EVP_EncodeBlock is the oracle.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <random>
#include <string>

#include "common/crypto.h"

namespace rampart::crypto {
namespace {

std::string EvpEncode(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<std::string, std::string> v[] = {{"", ""},         {"f", "Zg=="},
                                                   {"fo", "Zm8="},     {"foo", "Zm9v"},
                                                   {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                   {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, enc] : v) {
    EXPECT_EQ(Base64Encode(plain), enc);
    auto d = Base64Decode(enc);
    ASSERT_TRUE(d.ok()) << enc;
    EXPECT_EQ(*d, plain);
  }
}

TEST(Base64Test, MatchesOpenSslAndRoundTripsRandomBytes) {
  std::mt19937 rng(7);
  for (size_t len = 0; len < 300; ++len) {
    std::string in(len, '\0');
    for (char& c : in) c = static_cast<char>(rng());
    std::string enc = Base64Encode(in);
    ASSERT_EQ(enc, EvpEncode(in)) << len;
    auto dec = Base64Decode(enc);
    ASSERT_TRUE(dec.ok()) << len;
    ASSERT_EQ(*dec, in) << len;
  }
}

TEST(Base64Test, RejectsWhatIsNotStrictBase64) {
  for (const char* bad : {"A", "AB", "ABC", "Zm9v\n", "Zm 9", "Zm9v====", "Z===", "=Zm9",
                          "Zm=v", "Zm9-", "Zm9_", "Zm9v\xc3\xa9==", "Zg==Zg=="}) {
    EXPECT_FALSE(Base64Decode(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace rampart::crypto
