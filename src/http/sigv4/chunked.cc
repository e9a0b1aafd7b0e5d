#include "http/sigv4/chunked.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "common/strings.h"

namespace rampart::sigv4 {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kSignatureExtension = ";chunk-signature=";
constexpr std::string_view kTrailerSignatureName = "x-amz-trailer-signature";
constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr size_t kMaxSizeDigits = 16;  // 16 hex digits fit uint64_t: no overflow possible
constexpr size_t kSignatureHexLength = 64;
// Longest chunk header line: 16 digits, the extension and a signature.
constexpr size_t kUnbounded = SIZE_MAX;  // trailer lines: bounded by the body only
constexpr size_t kMaxChunkHeader =
    kMaxSizeDigits + kSignatureExtension.size() + kSignatureHexLength;

Error IncompleteBody() {
  return {"IncompleteBody", "The request body terminated unexpectedly", 400, true};
}
Error SignatureMismatch() {
  return {"SignatureDoesNotMatch",
          "The request signature we calculated does not match the signature you provided. Check "
          "your key and signing method.",
          403, true};
}
Error InvalidChunkSize() {
  return {"InvalidChunkSizeError",
          "Only the last chunk is allowed to have a size less than 8192 bytes", 403, true};
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return HexValue(c) >= 0; });
}

// 1 to 16 hex digits, nothing else.
std::optional<uint64_t> ParseChunkSize(std::string_view s) {
  if (s.empty() || s.size() > kMaxSizeDigits) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    int d = HexValue(c);
    if (d < 0) return std::nullopt;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v;
}

std::string_view AsView(const crypto::Sha256Digest& d) {
  return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

std::string Hmac(const ChunkSigner& signer, std::string_view string_to_sign) {
  return crypto::HexEncode(crypto::HmacSha256(AsView(signer.signing_key), string_to_sign));
}

// Cursor over the body; never reads past it.
class Reader {
 public:
  explicit Reader(std::string_view body) : body_(body) {}

  // The line up to the next CRLF (which is consumed) if one ends within max_length bytes.
  std::optional<std::string_view> Line(size_t max_length) {
    std::string_view rest = body_.substr(pos_);
    if (max_length < rest.size()) rest = rest.substr(0, max_length + kCrlf.size());
    size_t end = rest.find(kCrlf);
    if (end == std::string_view::npos) return std::nullopt;
    std::string_view line = rest.substr(0, end);
    if (line.find_first_of("\r\n") != std::string_view::npos) return std::nullopt;
    pos_ += end + kCrlf.size();
    return line;
  }
  std::optional<std::string_view> Take(uint64_t n) {
    if (n > body_.size() - pos_) return std::nullopt;
    std::string_view out = body_.substr(pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return out;
  }
  bool Consume(std::string_view expected) {
    if (body_.substr(pos_, expected.size()) != expected) return false;
    pos_ += expected.size();
    return true;
  }
  bool AtEnd() const { return pos_ == body_.size(); }

 private:
  std::string_view body_;
  size_t pos_ = 0;
};

struct ChunkHeader {
  uint64_t size = 0;
  std::string_view signature;  // empty in unsigned mode
};

Result<ChunkHeader> ReadChunkHeader(Reader& in, bool is_signed) {
  auto line = in.Line(kMaxChunkHeader);
  if (!line) return IncompleteBody();
  size_t semi = line->find(';');
  if (is_signed != (semi != std::string_view::npos)) return IncompleteBody();
  auto size = ParseChunkSize(line->substr(0, semi));
  if (!size) return IncompleteBody();
  ChunkHeader h{*size, {}};
  if (is_signed) {
    std::string_view ext = line->substr(semi);
    if (!StartsWith(ext, kSignatureExtension)) return IncompleteBody();
    h.signature = ext.substr(kSignatureExtension.size());
    if (h.signature.size() != kSignatureHexLength || !IsHex(h.signature)) return IncompleteBody();
  }
  return h;
}

bool SignatureMatches(std::string_view expected, std::string_view given) {
  return crypto::ConstantTimeEquals(expected, ToLower(given));
}

// Trailer lines after the final chunk, up to and including the empty line. In kSignedTrailer
// mode the last line before the empty one must be the trailer signature, checked here.
Status ReadTrailers(Reader& in, ChunkedMode mode, const ChunkSigner* signer,
                    std::string_view final_signature, DecodedChunks& out) {
  if (mode == ChunkedMode::kSigned) {
    return in.Consume(kCrlf) ? Status() : Status(IncompleteBody());
  }
  std::optional<std::string_view> trailer_signature;
  while (true) {
    auto line = in.Line(kUnbounded);
    if (!line) return IncompleteBody();
    if (line->empty()) break;
    if (trailer_signature) return IncompleteBody();  // nothing may follow the signature
    size_t colon = line->find(':');
    if (colon == 0 || colon == std::string_view::npos) return IncompleteBody();
    std::string name = ToLower(line->substr(0, colon));
    if (name.find_first_of(" \t") != std::string::npos) return IncompleteBody();
    std::string_view value = Trim(line->substr(colon + 1));
    if (mode == ChunkedMode::kSignedTrailer && name == kTrailerSignatureName) {
      if (value.size() != kSignatureHexLength || !IsHex(value)) return IncompleteBody();
      trailer_signature = value;
      continue;
    }
    out.trailers.emplace_back(std::move(name), std::string(value));
  }
  if (mode == ChunkedMode::kSignedTrailer) {
    if (!trailer_signature) return SignatureMismatch();
    std::string expected = TrailerSignature(*signer, final_signature, out.trailers);
    if (!SignatureMatches(expected, *trailer_signature)) return SignatureMismatch();
  }
  return Status();
}

}  // namespace

std::optional<ChunkedMode> StreamingMode(std::string_view content_sha256) {
  if (content_sha256 == kStreamingSignedPayload) return ChunkedMode::kSigned;
  if (content_sha256 == kStreamingSignedPayloadTrailer) return ChunkedMode::kSignedTrailer;
  if (content_sha256 == kStreamingUnsignedPayloadTrailer) return ChunkedMode::kUnsignedTrailer;
  return std::nullopt;
}

std::string ChunkSignature(const ChunkSigner& signer, std::string_view previous_signature,
                           std::string_view chunk_data) {
  std::string sts;
  sts.reserve(200);
  sts.append("AWS4-HMAC-SHA256-PAYLOAD\n")
      .append(signer.amz_date)
      .append("\n")
      .append(signer.scope)
      .append("\n")
      .append(previous_signature)
      .append("\n")
      .append(kEmptySha256)
      .append("\n")
      .append(crypto::Sha256Hex(chunk_data));
  return Hmac(signer, sts);
}

std::string TrailerSignature(const ChunkSigner& signer, std::string_view final_chunk_signature,
                             const std::vector<std::pair<std::string, std::string>>& trailers) {
  std::string canonical;
  for (const auto& [name, value] : trailers)
    canonical.append(name).append(":").append(value).append("\n");
  std::string sts;
  sts.append("AWS4-HMAC-SHA256-TRAILER\n")
      .append(signer.amz_date)
      .append("\n")
      .append(signer.scope)
      .append("\n")
      .append(final_chunk_signature)
      .append("\n")
      .append(crypto::Sha256Hex(canonical));
  return Hmac(signer, sts);
}

Result<DecodedChunks> DecodeChunked(std::string_view body, ChunkedMode mode,
                                    const ChunkSigner* signer, uint64_t decoded_length) {
  const bool is_signed = mode != ChunkedMode::kUnsignedTrailer;
  if (is_signed && signer == nullptr)
    return Error::Internal("aws-chunked: no signer for a signed body");
  DecodedChunks out;
  // decoded_length is the client's claim: reserve no more than the body could hold.
  out.data.reserve(static_cast<size_t>(std::min<uint64_t>(decoded_length, body.size())));
  Reader in(body);
  std::string previous = is_signed ? signer->seed_signature : std::string();
  std::optional<uint64_t> last_size;  // size of the previous non-empty chunk
  while (true) {
    RAMPART_ASSIGN_OR_RETURN(ChunkHeader header, ReadChunkHeader(in, is_signed));
    if (header.size > 0) {
      // The previous chunk was not the last: S3 wants it at least 8 KiB.
      if (last_size && *last_size < kMinChunkSize) return InvalidChunkSize();
      if (header.size > decoded_length - out.data.size()) return IncompleteBody();
    }
    auto chunk = in.Take(header.size);
    if (!chunk) return IncompleteBody();
    if (header.size > 0 && !in.Consume(kCrlf)) return IncompleteBody();
    if (is_signed) {
      std::string expected = ChunkSignature(*signer, previous, *chunk);
      if (!SignatureMatches(expected, header.signature)) return SignatureMismatch();
      previous = std::move(expected);
    }
    if (header.size == 0) break;
    out.data.append(*chunk);
    last_size = header.size;
  }
  RAMPART_RETURN_IF_ERROR(ReadTrailers(in, mode, signer, previous, out));
  if (!in.AtEnd() || out.data.size() != decoded_length) return IncompleteBody();
  return out;
}

std::string EncodeChunked(std::string_view data, size_t chunk_size, ChunkedMode mode,
                          const ChunkSigner* signer,
                          const std::vector<std::pair<std::string, std::string>>& trailers) {
  const bool is_signed = mode != ChunkedMode::kUnsignedTrailer;
  std::string out;
  std::string previous = is_signed ? signer->seed_signature : std::string();
  auto append_chunk = [&](std::string_view piece) {
    char size_hex[17];
    int n = std::snprintf(size_hex, sizeof size_hex, "%zx", piece.size());
    out.append(size_hex, static_cast<size_t>(n));
    if (is_signed) {
      previous = ChunkSignature(*signer, previous, piece);
      out.append(kSignatureExtension).append(previous);
    }
    out.append(kCrlf);
    if (!piece.empty()) out.append(piece).append(kCrlf);
  };
  for (size_t pos = 0; pos < data.size(); pos += chunk_size) {
    append_chunk(data.substr(pos, chunk_size));
  }
  append_chunk({});
  if (mode != ChunkedMode::kSigned) {
    for (const auto& [name, value] : trailers)
      out.append(name).append(":").append(value).append(kCrlf);
    if (mode == ChunkedMode::kSignedTrailer) {
      out.append(kTrailerSignatureName).append(":");
      out.append(TrailerSignature(*signer, previous, trailers)).append(kCrlf);
    }
  }
  out.append(kCrlf);
  return out;
}

}  // namespace rampart::sigv4
