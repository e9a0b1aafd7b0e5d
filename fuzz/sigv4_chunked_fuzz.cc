// libFuzzer target: aws-chunked bodies -> DecodeChunked in the three streaming modes. Must never
// crash, hang or trip a sanitizer.
//
// Input format: byte 0 picks the mode (% 3: kSigned, kSignedTrailer, kUnsignedTrailer), bytes
// 1-4 are x-amz-decoded-content-length (little-endian uint32), the rest is the body. Signed
// bodies are checked against the S3 documentation's example key, date and seed signature (the
// seeds are signed with them, so the fuzzer starts from bodies that verify).
// Oracle: whatever decodes has exactly decoded-content-length bytes; re-encoding the decoded
// data and trailers (8 KiB chunks, same mode and signer) decodes back to the same data and
// trailers.
// Seed corpus: fuzz/corpus/sigv4_chunked/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/sigv4/chunked.h"
#include "http/sigv4/sigv4.h"

namespace {

const rampart::sigv4::ChunkSigner& Signer() {
  static const rampart::sigv4::ChunkSigner signer{
      rampart::sigv4::DeriveSigningKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524",
                                       "us-east-1", "s3"),
      "20130524T000000Z", "20130524/us-east-1/s3/aws4_request",
      "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"};
  return signer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rampart::sigv4;
  if (size < 5) return 0;
  const ChunkedMode modes[] = {ChunkedMode::kSigned, ChunkedMode::kSignedTrailer,
                               ChunkedMode::kUnsignedTrailer};
  ChunkedMode mode = modes[data[0] % 3];
  uint64_t decoded_length = uint64_t{data[1]} | uint64_t{data[2]} << 8 | uint64_t{data[3]} << 16 |
                            uint64_t{data[4]} << 24;
  std::string_view body(reinterpret_cast<const char*>(data) + 5, size - 5);

  auto decoded = DecodeChunked(body, mode, &Signer(), decoded_length);
  if (!decoded.ok()) return 0;
  if (decoded->data.size() != decoded_length) std::abort();

  std::string again =
      EncodeChunked(decoded->data, kMinChunkSize, mode, &Signer(), decoded->trailers);
  auto round = DecodeChunked(again, mode, &Signer(), decoded_length);
  if (!round.ok() || round->data != decoded->data) std::abort();
  if (mode != ChunkedMode::kSigned && round->trailers != decoded->trailers) std::abort();
  return 0;
}
