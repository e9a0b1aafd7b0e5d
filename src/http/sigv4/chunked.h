#pragma once
// aws-chunked request bodies (Content-Encoding: aws-chunked), as S3 receives them from SDKs that
// stream: decoding, chunk- and trailer-signature verification, and an encoder for tests and
// clients.
//
// Pure: no I/O, no clock, no globals; every function is thread-safe. The caller has already
// verified the request's Authorization header (whose signature seeds the chain) and read the
// whole body.
//
// Wire format (S3 API Reference, sigv4-streaming and sigv4-streaming-trailers):
//   signed chunk    hex(size) ";chunk-signature=" 64-hex CRLF data CRLF
//   unsigned chunk  hex(size) CRLF data CRLF
//   end             a chunk of size 0 (no data), then
//                   kSigned:          CRLF
//                   kSignedTrailer:   ("name:value" CRLF)* "x-amz-trailer-signature:" 64-hex CRLF
//                   CRLF kUnsignedTrailer: ("name:value" CRLF)* CRLF
//   chunk string to sign   "AWS4-HMAC-SHA256-PAYLOAD\n" amz-date "\n" scope "\n" previous-signature
//                          "\n" hex(SHA256("")) "\n" hex(SHA256(chunk data))
//   trailer string to sign "AWS4-HMAC-SHA256-TRAILER\n" amz-date "\n" scope "\n"
//   final-chunk-signature
//                          "\n" hex(SHA256(concatenation of "name:value\n" per trailer, in order))
// The first chunk's previous signature is the seed: the Authorization header's signature.
//
// Errors (what S3 answers; rampart::Error, sender fault):
//   SignatureDoesNotMatch 403  a chunk or trailer signature differs (reordered, altered or
//                              dropped chunks included), or a signed trailer has no signature:
//       "The request signature we calculated does not match the signature you provided. Check
//        your key and signing method."
//   InvalidChunkSizeError 403  a chunk other than the last non-empty one is under 8192 bytes:
//       "Only the last chunk is allowed to have a size less than 8192 bytes"
//       (S3 also sends <Chunk> (1-based) and <BadChunkSize>; Error cannot carry them.)
//   IncompleteBody 400         bad framing (size not 1-16 hex digits, missing CRLF, missing or
//                              malformed chunk-signature, chunk longer than the rest of the
//                              body, bad trailer line, bytes after the end), or decoded size
//                              different from x-amz-decoded-content-length:
//       "The request body terminated unexpectedly"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/crypto.h"
#include "common/result.h"

namespace rampart::sigv4 {

inline constexpr std::string_view kStreamingSignedPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
inline constexpr std::string_view kStreamingSignedPayloadTrailer =
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
inline constexpr std::string_view kStreamingUnsignedPayloadTrailer =
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
// S3's minimum size of every chunk but the last non-empty one.
inline constexpr uint64_t kMinChunkSize = 8192;

enum class ChunkedMode {
  kSigned,           // STREAMING-AWS4-HMAC-SHA256-PAYLOAD
  kSignedTrailer,    // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
  kUnsignedTrailer,  // STREAMING-UNSIGNED-PAYLOAD-TRAILER
};

// The mode an x-amz-content-sha256 value names (exact, case-sensitive match); nullopt for every
// other value, the SigV4a STREAMING-AWS4-ECDSA-P256-SHA256-* ones included.
std::optional<ChunkedMode> StreamingMode(std::string_view content_sha256);

// What chained chunk signatures need, all from the verified Authorization header.
struct ChunkSigner {
  crypto::Sha256Digest signing_key;  // DeriveSigningKey(secret, date, region, "s3")
  std::string amz_date;              // X-Amz-Date of the request, YYYYMMDDTHHMMSSZ
  std::string scope;                 // date/region/s3/aws4_request
  std::string seed_signature;        // the Authorization header's signature (lowercase hex)
};

struct DecodedChunks {
  std::string data;  // the object bytes
  // Trailing headers in the order sent: name lower-cased, value with surrounding blanks
  // trimmed, e.g. {"x-amz-checksum-crc32", "AAAAAA=="}. Never includes x-amz-trailer-signature
  // in kSignedTrailer mode. Whether they match the x-amz-trailer header is the caller's check.
  std::vector<std::pair<std::string, std::string>> trailers;
};

// Decodes a whole aws-chunked body. REQUIRES: signer non-null unless mode is kUnsignedTrailer
// (a null signer for a signed mode is an InternalFailure). decoded_length is the request's
// x-amz-decoded-content-length; the result's data has exactly that size or the call fails.
// Reads nothing outside `body`; allocates at most min(decoded_length, body.size()) for data.
Result<DecodedChunks> DecodeChunked(std::string_view body, ChunkedMode mode,
                                    const ChunkSigner* signer, uint64_t decoded_length);

// ---- Building blocks (exposed for tests and for clients that upload) ----

// hex(HMAC(signing_key, chunk string to sign)).
std::string ChunkSignature(const ChunkSigner& signer, std::string_view previous_signature,
                           std::string_view chunk_data);
// hex(HMAC(signing_key, trailer string to sign)); `trailers` as they appear on the wire.
std::string TrailerSignature(const ChunkSigner& signer, std::string_view final_chunk_signature,
                             const std::vector<std::pair<std::string, std::string>>& trailers);

// Encodes `data` in chunks of chunk_size bytes (the last may be shorter; REQUIRES chunk_size >
// 0), the final empty chunk and, for the trailer modes, `trailers` (signed for kSignedTrailer).
// `trailers` is ignored for kSigned. REQUIRES: signer non-null for the signed modes.
std::string EncodeChunked(std::string_view data, size_t chunk_size, ChunkedMode mode,
                          const ChunkSigner* signer,
                          const std::vector<std::pair<std::string, std::string>>& trailers = {});

}  // namespace rampart::sigv4
