#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.h"

namespace rampart::crypto {
namespace {

// Small draws come from a per-thread block of CSPRNG output; large ones straight from OpenSSL.
TEST(RandomBytesTest, SizesAcrossThePoolLimitAndBlockBoundaries) {
  for (size_t n : {0, 1, 12, 16, 32, 63, 64, 65, 144, 5000}) {
    EXPECT_EQ(RandomBytes(n).size(), n);
  }
  // 1,000 draws of 12 bytes cross the 4 KiB block boundary twice; no two may be equal (a
  // repeated or zeroed region of the block would show up here).
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string r = RandomBytes(12);
    EXPECT_NE(r, std::string(12, '\0'));
    EXPECT_TRUE(seen.insert(r).second) << "repeated nonce at draw " << i;
  }
}

TEST(RandomBytesTest, ThreadsDrawDifferentBytes) {
  std::vector<std::string> got(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&got, t] {
      for (int i = 0; i < 50; ++i) got[t] += RandomBytes(16);
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> blocks;
  for (const std::string& g : got) {
    for (size_t i = 0; i < g.size(); i += 16) EXPECT_TRUE(blocks.insert(g.substr(i, 16)).second);
  }
}

TEST(RandomBytesTest, BytesLookUniform) {
  // 64 KiB in 32-byte draws: every byte value appears (expected ~256 times each).
  std::vector<int> counts(256);
  for (int i = 0; i < 2048; ++i) {
    for (unsigned char c : RandomBytes(32)) ++counts[c];
  }
  for (int v = 0; v < 256; ++v) {
    EXPECT_GT(counts[v], 150) << v;
    EXPECT_LT(counts[v], 380) << v;
  }
}

}  // namespace
}  // namespace rampart::crypto

namespace rampart::crypto {
namespace {

TEST(HexTest, EveryByteValue) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  std::string hex = HexEncode(all);
  ASSERT_EQ(hex.size(), 512u);
  static constexpr char kHex[] = "0123456789abcdef";
  for (int b = 0; b < 256; ++b) {
    EXPECT_EQ(hex[2 * b], kHex[b >> 4]) << b;
    EXPECT_EQ(hex[2 * b + 1], kHex[b & 15]) << b;
  }
  EXPECT_EQ(HexEncode(std::string_view()), "");
  char out[6] = {'x', 'x', 'x', 'x', 'x', 'x'};
  const uint8_t in[2] = {0xab, 0x01};
  WriteHex(out + 1, in, 2);
  EXPECT_EQ(std::string(out, 6), "xab01x");
}

}  // namespace
}  // namespace rampart::crypto

namespace rampart::crypto {
namespace {

// AES-GCM reuses one cipher context per thread: a failed open (tampered data, wrong AAD or
// key) must not affect the calls after it.
TEST(AeadTest, FailuresDoNotLeakIntoLaterCalls) {
  std::string k1 = RandomBytes(32), k2 = RandomBytes(32);
  auto a = AeadSeal(k1, "first plaintext", "aad-1");
  auto b = AeadSeal(k2, std::string(1024, 'b'), "");
  ASSERT_TRUE(a.ok() && b.ok());
  std::string tampered = *a;
  tampered[14] ^= 1;
  EXPECT_FALSE(AeadOpen(k1, tampered, "aad-1").ok());
  EXPECT_FALSE(AeadOpen(k1, *a, "aad-2").ok());
  EXPECT_FALSE(AeadOpen(k2, *a, "aad-1").ok());
  auto pa = AeadOpen(k1, *a, "aad-1");
  ASSERT_TRUE(pa.ok());
  EXPECT_EQ(*pa, "first plaintext");
  auto pb = AeadOpen(k2, *b, "");
  ASSERT_TRUE(pb.ok());
  EXPECT_EQ(*pb, std::string(1024, 'b'));
  // Same plaintext twice: different nonces, both open.
  auto c1 = AeadSeal(k1, "x", ""), c2 = AeadSeal(k1, "x", "");
  EXPECT_NE(*c1, *c2);
  EXPECT_EQ(*AeadOpen(k1, *c2, ""), "x");
}

}  // namespace
}  // namespace rampart::crypto
