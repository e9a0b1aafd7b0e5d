// aws-chunked bodies: the S3 API Reference's worked example (sigv4-streaming), signed trailers,
// unsigned trailers, and refusal of tampered, reordered, truncated, oversized and mis-sized bodies.
#include "http/sigv4/chunked.h"

#include <gtest/gtest.h>

#include <cctype>

#include "http/sigv4/sigv4.h"
#include "sigv4_test_util.h"

namespace rampart::sigv4 {
namespace {

using Trailers = std::vector<std::pair<std::string, std::string>>;

// The example of the sigv4-streaming page: PUT of 66,560 bytes of 'a' in a 64 KiB and a 1 KiB
// chunk, signed on 2013-05-24 in us-east-1 with the documentation's example key.
constexpr std::string_view kDocSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kDocAmzDate = "20130524T000000Z";
constexpr std::string_view kDocSeed =
    "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
constexpr std::string_view kDocChunk1 =
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648";
constexpr std::string_view kDocChunk2 =
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497";
constexpr std::string_view kDocFinal =
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9";

ChunkSigner DocSigner(std::string_view seed = kDocSeed) {
  return ChunkSigner{DeriveSigningKey(kDocSecret, "20130524", "us-east-1", "s3"),
                     std::string(kDocAmzDate), "20130524/us-east-1/s3/aws4_request",
                     std::string(seed)};
}

std::string DocBody() {
  std::string body;
  body.append("10000;chunk-signature=").append(kDocChunk1).append("\r\n");
  body.append(65536, 'a').append("\r\n");
  body.append("400;chunk-signature=").append(kDocChunk2).append("\r\n");
  body.append(1024, 'a').append("\r\n");
  body.append("0;chunk-signature=").append(kDocFinal).append("\r\n\r\n");
  return body;
}

// Deterministic bytes that differ from chunk to chunk.
std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 977) & 0xff);
  return s;
}

void ExpectError(const Result<DecodedChunks>& r, std::string_view code, int status) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, code);
  EXPECT_EQ(r.error().http_status, status);
  EXPECT_TRUE(r.error().sender_fault);
}

// ---------------- the documentation's example ----------------

TEST(Chunked, DocExampleDecodes) {
  std::string body = DocBody();
  EXPECT_EQ(body.size(), 66824u);  // the page's Content-Length
  ChunkSigner signer = DocSigner();
  auto r = DecodeChunked(body, ChunkedMode::kSigned, &signer, 66560);
  ASSERT_TRUE(r.ok()) << r.error().code;
  EXPECT_EQ(r->data, std::string(66560, 'a'));
  EXPECT_TRUE(r->trailers.empty());
}

TEST(Chunked, DocExampleChunkSignatures) {
  ChunkSigner signer = DocSigner();
  std::string c1 = ChunkSignature(signer, kDocSeed, std::string(65536, 'a'));
  EXPECT_EQ(c1, kDocChunk1);
  std::string c2 = ChunkSignature(signer, c1, std::string(1024, 'a'));
  EXPECT_EQ(c2, kDocChunk2);
  EXPECT_EQ(ChunkSignature(signer, c2, ""), kDocFinal);
  // The encoder reproduces the page's body byte for byte.
  EXPECT_EQ(EncodeChunked(std::string(66560, 'a'), 65536, ChunkedMode::kSigned, &signer),
            DocBody());
}

// The seed is the Authorization signature of the example's headers with the STREAMING literal
// as payload hash.
TEST(Chunked, DocExampleSeedSignature) {
  std::vector<Header> headers = {{"Host", "s3.amazonaws.com"},
                                 {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                                 {"x-amz-content-sha256", std::string(kStreamingSignedPayload)},
                                 {"Content-Encoding", "aws-chunked"},
                                 {"x-amz-decoded-content-length", "66560"},
                                 {"Content-Length", "66824"}};
  SignRequest("PUT", "/examplebucket/chunkObject.txt", headers, "", "AKIAIOSFODNN7EXAMPLE",
              kDocSecret, "us-east-1", "s3", kDocAmzDate, {}, /*normalize_path=*/false);
  std::string auth;
  for (const auto& h : headers) {
    if (h.name == "Authorization") auth = h.value;
  }
  EXPECT_NE(auth.find(std::string("Signature=").append(kDocSeed)), std::string::npos) << auth;
}

TEST(Chunked, DocExampleWrongSeedRefused) {
  ChunkSigner signer = DocSigner(kDocChunk1);
  auto r = DecodeChunked(DocBody(), ChunkedMode::kSigned, &signer, 66560);
  ExpectError(r, "SignatureDoesNotMatch", 403);
  EXPECT_EQ(r.error().message,
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.");
}

// ---------------- modes ----------------

TEST(Chunked, StreamingModeNames) {
  EXPECT_EQ(StreamingMode("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"), ChunkedMode::kSigned);
  EXPECT_EQ(StreamingMode("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"),
            ChunkedMode::kSignedTrailer);
  EXPECT_EQ(StreamingMode("STREAMING-UNSIGNED-PAYLOAD-TRAILER"), ChunkedMode::kUnsignedTrailer);
  EXPECT_EQ(StreamingMode("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"), std::nullopt);
  EXPECT_EQ(StreamingMode("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"), std::nullopt);
  EXPECT_EQ(StreamingMode("UNSIGNED-PAYLOAD"), std::nullopt);
  EXPECT_EQ(StreamingMode("streaming-aws4-hmac-sha256-payload"), std::nullopt);
  EXPECT_EQ(StreamingMode(""), std::nullopt);
}

TEST(Chunked, SignedModeWithoutSignerIsInternal) {
  auto r = DecodeChunked(DocBody(), ChunkedMode::kSigned, nullptr, 66560);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InternalFailure");
}

// ---------------- signed trailer ----------------

TEST(Chunked, SignedTrailerRoundTrip) {
  ChunkSigner signer = DocSigner();
  std::string data = Pattern(20000);  // 8192 + 8192 + 3616
  Trailers trailers = {{"x-amz-checksum-crc32", "sOO8/Q=="}};
  std::string body = EncodeChunked(data, 8192, ChunkedMode::kSignedTrailer, &signer, trailers);
  auto r = DecodeChunked(body, ChunkedMode::kSignedTrailer, &signer, data.size());
  ASSERT_TRUE(r.ok()) << r.error().code;
  EXPECT_EQ(r->data, data);
  EXPECT_EQ(r->trailers, trailers);
}

// The trailer's string to sign, written out here rather than through TrailerSignature.
TEST(Chunked, SignedTrailerStringToSign) {
  ChunkSigner signer = DocSigner();
  std::string data(100, 'b');
  std::string c1 = ChunkSignature(signer, kDocSeed, data);
  std::string c0 = ChunkSignature(signer, c1, "");
  std::string sts =
      "AWS4-HMAC-SHA256-TRAILER\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n" + c0 +
      "\n" + crypto::Sha256Hex("x-amz-checksum-crc32c:sOO8/Q==\n");
  std::string trailer_sig = crypto::HexEncode(crypto::HmacSha256(
      std::string_view(reinterpret_cast<const char*>(signer.signing_key.data()), 32), sts));
  std::string body = "64;chunk-signature=" + c1 + "\r\n" + data + "\r\n" +
                     "0;chunk-signature=" + c0 + "\r\n" + "x-amz-checksum-crc32c:sOO8/Q==\r\n" +
                     "x-amz-trailer-signature:" + trailer_sig + "\r\n\r\n";
  auto r = DecodeChunked(body, ChunkedMode::kSignedTrailer, &signer, 100);
  ASSERT_TRUE(r.ok()) << r.error().code;
  EXPECT_EQ(r->data, data);
  EXPECT_EQ(r->trailers, (Trailers{{"x-amz-checksum-crc32c", "sOO8/Q=="}}));
}

TEST(Chunked, SignedTrailerTamperedOrMissingRefused) {
  ChunkSigner signer = DocSigner();
  std::string data = Pattern(300);
  std::string body = EncodeChunked(data, 8192, ChunkedMode::kSignedTrailer, &signer,
                                   {{"x-amz-checksum-crc32", "AAAAAA=="}});
  // Another checksum value.
  std::string tampered = body;
  tampered.replace(tampered.find("AAAAAA=="), 8, "AAAAAB==");
  ExpectError(DecodeChunked(tampered, ChunkedMode::kSignedTrailer, &signer, 300),
              "SignatureDoesNotMatch", 403);
  // The signature line dropped.
  std::string stripped = body;
  size_t sig = stripped.find("x-amz-trailer-signature:");
  stripped.erase(sig, stripped.find("\r\n", sig) + 2 - sig);
  ExpectError(DecodeChunked(stripped, ChunkedMode::kSignedTrailer, &signer, 300),
              "SignatureDoesNotMatch", 403);
  // A trailer after the signature.
  std::string after = body;
  after.insert(after.size() - 2, "x-amz-meta-late:1\r\n");
  ExpectError(DecodeChunked(after, ChunkedMode::kSignedTrailer, &signer, 300), "IncompleteBody",
              400);
}

// ---------------- unsigned trailer ----------------

TEST(Chunked, UnsignedTrailerDecodes) {
  std::string first = Pattern(8192);
  std::string body =
      "2000\r\n" + first + "\r\n5\r\nhello\r\n0\r\n" + "X-Amz-Checksum-CRC32: \tsOO8/Q== \r\n\r\n";
  auto r = DecodeChunked(body, ChunkedMode::kUnsignedTrailer, nullptr, 8197);
  ASSERT_TRUE(r.ok()) << r.error().code;
  EXPECT_EQ(r->data, first + "hello");
  EXPECT_EQ(r->trailers, (Trailers{{"x-amz-checksum-crc32", "sOO8/Q=="}}));
}

TEST(Chunked, UnsignedWithoutTrailersAndEmptyObject) {
  auto r = DecodeChunked("3\r\nabc\r\n0\r\n\r\n", ChunkedMode::kUnsignedTrailer, nullptr, 3);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data, "abc");
  auto empty = DecodeChunked("0\r\n\r\n", ChunkedMode::kUnsignedTrailer, nullptr, 0);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->data, "");
  // Upper-case size digits are hex too.
  auto upper =
      DecodeChunked("A\r\n0123456789\r\n0\r\n\r\n", ChunkedMode::kUnsignedTrailer, nullptr, 10);
  ASSERT_TRUE(upper.ok());
}

TEST(Chunked, UnsignedRoundTrip) {
  std::string data = Pattern(50000);
  std::string body = EncodeChunked(data, 16384, ChunkedMode::kUnsignedTrailer, nullptr,
                                   {{"x-amz-checksum-crc64nvme", "AAAAAAAAAAA="}});
  auto r = DecodeChunked(body, ChunkedMode::kUnsignedTrailer, nullptr, data.size());
  ASSERT_TRUE(r.ok()) << r.error().code;
  EXPECT_EQ(r->data, data);
}

TEST(Chunked, UnsignedRefusesChunkSignatures) {
  ChunkSigner signer = DocSigner();
  std::string signed_body = EncodeChunked("abc", 8192, ChunkedMode::kSignedTrailer, &signer);
  ExpectError(DecodeChunked(signed_body, ChunkedMode::kUnsignedTrailer, nullptr, 3),
              "IncompleteBody", 400);
  // And the reverse: bare chunks where signatures are required.
  ExpectError(DecodeChunked("3\r\nabc\r\n0\r\n\r\n", ChunkedMode::kSigned, &signer, 3),
              "IncompleteBody", 400);
}

// ---------------- refusals ----------------

TEST(Chunked, TamperedChunkRefused) {
  ChunkSigner signer = DocSigner();
  std::string body = DocBody();
  body[1000] = 'b';  // inside the first chunk's data
  ExpectError(DecodeChunked(body, ChunkedMode::kSigned, &signer, 66560), "SignatureDoesNotMatch",
              403);
  std::string sig = DocBody();
  sig[22] = sig[22] == '0' ? '1' : '0';  // first digit of the first chunk signature
  ExpectError(DecodeChunked(sig, ChunkedMode::kSigned, &signer, 66560), "SignatureDoesNotMatch",
              403);
  // Upper-case signature hex is the same signature.
  std::string upper = DocBody();
  for (size_t i = 22; i < 22 + 64; ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  EXPECT_TRUE(DecodeChunked(upper, ChunkedMode::kSigned, &signer, 66560).ok());
}

TEST(Chunked, ReorderedChunksRefused) {
  ChunkSigner signer = DocSigner();
  std::string a(8192, 'x'), b(8192, 'y');
  std::string body = EncodeChunked(a + b, 8192, ChunkedMode::kSigned, &signer);
  size_t frame = body.find("\r\n") + 2 + 8192 + 2;  // the first chunk's frame length
  std::string swapped = body.substr(frame, frame) + body.substr(0, frame) + body.substr(2 * frame);
  ASSERT_EQ(swapped.size(), body.size());
  ExpectError(DecodeChunked(swapped, ChunkedMode::kSigned, &signer, 16384), "SignatureDoesNotMatch",
              403);
  // A chunk dropped (and the length claim adjusted) breaks the chain too.
  std::string dropped = body.substr(frame);
  ExpectError(DecodeChunked(dropped, ChunkedMode::kSigned, &signer, 8192), "SignatureDoesNotMatch",
              403);
}

TEST(Chunked, EveryTruncationRefused) {
  ChunkSigner signer = DocSigner();
  std::string data = Pattern(9000);
  for (ChunkedMode mode :
       {ChunkedMode::kSigned, ChunkedMode::kSignedTrailer, ChunkedMode::kUnsignedTrailer}) {
    std::string body =
        EncodeChunked(data, 8192, mode, &signer, {{"x-amz-checksum-crc32", "AAAAAA=="}});
    ASSERT_TRUE(DecodeChunked(body, mode, &signer, data.size()).ok());
    for (size_t n = 0; n < body.size(); ++n) {
      auto r = DecodeChunked(std::string_view(body).substr(0, n), mode, &signer, data.size());
      ASSERT_FALSE(r.ok()) << "prefix " << n;
      EXPECT_NE(r.error().code, "InternalFailure");
    }
  }
}

TEST(Chunked, OversizedHexRefused) {
  // 17 digits, even with a small value.
  ExpectError(DecodeChunked("00000000000000003\r\nabc\r\n0\r\n\r\n", ChunkedMode::kUnsignedTrailer,
                            nullptr, 3),
              "IncompleteBody", 400);
  // 16 digits of the largest value: no overflow, refused against the declared length.
  ExpectError(DecodeChunked("ffffffffffffffff\r\nabc\r\n0\r\n\r\n", ChunkedMode::kUnsignedTrailer,
                            nullptr, UINT64_MAX),
              "IncompleteBody", 400);
  // A size beyond the rest of the body.
  ExpectError(DecodeChunked("10\r\nabc\r\n0\r\n\r\n", ChunkedMode::kUnsignedTrailer, nullptr, 16),
              "IncompleteBody", 400);
  // Not hex, empty, signs and spaces.
  for (std::string_view bad :
       {"x\r\nabc\r\n0\r\n\r\n", "\r\nabc\r\n0\r\n\r\n", "+3\r\nabc\r\n0\r\n\r\n",
        " 3\r\nabc\r\n0\r\n\r\n", "3 \r\nabc\r\n0\r\n\r\n"}) {
    ExpectError(DecodeChunked(bad, ChunkedMode::kUnsignedTrailer, nullptr, 3), "IncompleteBody",
                400);
  }
}

TEST(Chunked, LengthMismatchRefused) {
  ChunkSigner signer = DocSigner();
  ExpectError(DecodeChunked(DocBody(), ChunkedMode::kSigned, &signer, 66561), "IncompleteBody",
              400);
  ExpectError(DecodeChunked(DocBody(), ChunkedMode::kSigned, &signer, 66559), "IncompleteBody",
              400);
  ExpectError(DecodeChunked(DocBody(), ChunkedMode::kSigned, &signer, 0), "IncompleteBody", 400);
  ExpectError(DecodeChunked("3\r\nabc\r\n0\r\n\r\n", ChunkedMode::kUnsignedTrailer, nullptr, 2),
              "IncompleteBody", 400);
  ExpectError(DecodeChunked("3\r\nabc\r\n0\r\n\r\n", ChunkedMode::kUnsignedTrailer, nullptr, 4),
              "IncompleteBody", 400);
}

TEST(Chunked, SmallChunkBeforeTheLastRefused) {
  ChunkSigner signer = DocSigner();
  std::string data = Pattern(9000);
  for (ChunkedMode mode :
       {ChunkedMode::kSigned, ChunkedMode::kSignedTrailer, ChunkedMode::kUnsignedTrailer}) {
    auto r = DecodeChunked(EncodeChunked(data, 8191, mode, &signer), mode, &signer, data.size());
    ExpectError(r, "InvalidChunkSizeError", 403);
    EXPECT_EQ(r.error().message,
              "Only the last chunk is allowed to have a size less than 8192 bytes");
    // Exactly 8192 is enough; a lone small chunk is the last one.
    EXPECT_TRUE(
        DecodeChunked(EncodeChunked(data, 8192, mode, &signer), mode, &signer, data.size()).ok());
    EXPECT_TRUE(DecodeChunked(EncodeChunked("tiny", 8192, mode, &signer), mode, &signer, 4).ok());
  }
}

TEST(Chunked, FramingErrorsRefused) {
  ChunkSigner signer = DocSigner();
  auto unsigned_body = [](std::string_view b, uint64_t n) {
    return DecodeChunked(b, ChunkedMode::kUnsignedTrailer, nullptr, n);
  };
  ExpectError(unsigned_body("3\r\nabcX\r\n0\r\n\r\n", 3), "IncompleteBody",
              400);  // no CRLF after data
  ExpectError(unsigned_body("3\nabc\r\n0\r\n\r\n", 3), "IncompleteBody", 400);  // bare LF
  ExpectError(unsigned_body("3\r\nabc\r\n0\r\n\r\nextra", 3), "IncompleteBody",
              400);                                                           // after the end
  ExpectError(unsigned_body("3\r\nabc\r\n0\r\n", 3), "IncompleteBody", 400);  // no final CRLF
  ExpectError(unsigned_body("3\r\nabc\r\n", 3), "IncompleteBody", 400);       // no final chunk
  ExpectError(unsigned_body("3\r\nabc\r\n0\r\nnocolon\r\n\r\n", 3), "IncompleteBody", 400);
  ExpectError(unsigned_body("3\r\nabc\r\n0\r\n:v\r\n\r\n", 3), "IncompleteBody", 400);
  ExpectError(unsigned_body("3\r\nabc\r\n0\r\nbad name:v\r\n\r\n", 3), "IncompleteBody", 400);
  ExpectError(unsigned_body("3;ext=1\r\nabc\r\n0\r\n\r\n", 3), "IncompleteBody", 400);
  // Signed: a short signature, another extension, trailers where none are allowed.
  std::string body = EncodeChunked("abc", 8192, ChunkedMode::kSigned, &signer);
  std::string short_sig = body;
  short_sig.erase(short_sig.find("\r\n") - 1, 1);
  ExpectError(DecodeChunked(short_sig, ChunkedMode::kSigned, &signer, 3), "IncompleteBody", 400);
  std::string other_ext = body;
  other_ext.replace(other_ext.find("chunk-signature"), 15, "chunk-signaturX");
  ExpectError(DecodeChunked(other_ext, ChunkedMode::kSigned, &signer, 3), "IncompleteBody", 400);
  std::string with_trailer = body;
  with_trailer.insert(with_trailer.size() - 2, "x-amz-checksum-crc32:AAAAAA==\r\n");
  ExpectError(DecodeChunked(with_trailer, ChunkedMode::kSigned, &signer, 3), "IncompleteBody", 400);
}

}  // namespace
}  // namespace rampart::sigv4
