// BlobStore: S3 object bytes encrypted at rest in 64 KiB AES-256-GCM segments, written
// atomically; ranges decrypt only what they cover; any change to a file is detected.
#include "services/s3/blob_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "common/crypto.h"

namespace rampart::services::s3 {
namespace {

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("blob-test-" + crypto::HexEncode(crypto::RandomBytes(6)));
    auto opened = BlobStore::Open(dir_.string());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_.emplace(std::move(*opened));
    key_ = crypto::RandomBytes(32);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string PathOf(const std::string& id) { return (dir_ / id.substr(0, 2) / id).string(); }

  std::filesystem::path dir_;
  std::optional<BlobStore> store_;
  std::string key_;
};

std::string Bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

TEST_F(BlobStoreTest, RoundTripsEverySizeAroundSegmentBoundaries) {
  constexpr size_t kSeg = BlobStore::kSegment;
  for (size_t n : {size_t{0}, size_t{1}, kSeg - 1, kSeg, kSeg + 1, 3 * kSeg + 17}) {
    std::string data = Bytes(n, static_cast<uint32_t>(n));
    auto id = store_->Write(key_, data);
    ASSERT_TRUE(id.ok());
    auto back = store_->Read(key_, *id, 0, UINT64_MAX);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, data) << n;
    EXPECT_EQ(BlobStore::PlainSize(std::filesystem::file_size(PathOf(*id))), n);
  }
}

TEST_F(BlobStoreTest, RangesAcrossSegments) {
  std::string data = Bytes(5 * BlobStore::kSegment + 100, 7);
  auto id = store_->Write(key_, data);
  ASSERT_TRUE(id.ok());
  for (auto [off, len] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, 1}, {65535, 2}, {65536, 65536}, {100, 300000}, {data.size() - 1, 10},
           {data.size(), 5}, {data.size() + 10, 5}}) {
    auto part = store_->Read(key_, *id, off, len);
    ASSERT_TRUE(part.ok());
    std::string want = off >= data.size() ? "" : data.substr(off, len);
    EXPECT_EQ(*part, want) << off << "+" << len;
  }
}

TEST_F(BlobStoreTest, TheFileHoldsNoPlaintextAndAnyChangeIsDetected) {
  std::string data(200000, 'A');
  auto id = store_->Write(key_, data);
  ASSERT_TRUE(id.ok());
  std::string path = PathOf(*id);
  std::string raw;
  {
    std::ifstream in(path, std::ios::binary);
    raw.assign(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_EQ(raw.find(std::string(64, 'A')), std::string::npos);
  // A flipped bit in any segment, a cut at a segment boundary, the wrong key: all refused.
  for (size_t at : {size_t{20}, size_t{70000}, raw.size() - 1}) {
    std::string bad = raw;
    bad[at] ^= 1;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bad;
    EXPECT_FALSE(store_->Read(key_, *id, 0, UINT64_MAX).ok()) << at;
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc) << raw.substr(0, 16 + 2 * (65536 + 16));
  EXPECT_FALSE(store_->Read(key_, *id, 0, UINT64_MAX).ok());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << raw;
  EXPECT_TRUE(store_->Read(key_, *id, 0, UINT64_MAX).ok());
  EXPECT_FALSE(store_->Read(crypto::RandomBytes(32), *id, 0, UINT64_MAX).ok());
}

TEST_F(BlobStoreTest, RemoveAndLeftoversOfACrashGo) {
  auto id = store_->Write(key_, "x");
  ASSERT_TRUE(id.ok());
  store_->Remove(*id);
  EXPECT_FALSE(std::filesystem::exists(PathOf(*id)));
  std::ofstream(dir_ / "tmp" / "half-written") << "partial";
  ASSERT_TRUE(BlobStore::Open(dir_.string()).ok());
  EXPECT_TRUE(std::filesystem::is_empty(dir_ / "tmp"));
}

}  // namespace
}  // namespace rampart::services::s3
