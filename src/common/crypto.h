#pragma once
// Thin, allocation-light wrappers over OpenSSL 3 for hashing, HMAC, randomness and encoding.
// All functions are thread-safe (OpenSSL 3 one-shot APIs).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace rampart::crypto {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest Sha256(std::string_view data);
Sha256Digest HmacSha256(std::string_view key, std::string_view data);
std::string HexEncode(const uint8_t* data, size_t size);
// Writes the 2 * size lowercase hex digits of data at out.
void WriteHex(char* out, const uint8_t* data, size_t size);
inline std::string HexEncode(const Sha256Digest& d) { return HexEncode(d.data(), d.size()); }
// UUIDs in canonical lowercase form (8-4-4-4-12 hex digits). ParseUuid: the 16 bytes of `text`,
// false for anything else (uppercase included, so bytes always format back to the same text).
bool ParseUuid(std::string_view text, uint8_t out[16]);
// Writes the 36 characters of the canonical form of `bytes` at out.
void FormatUuid(const uint8_t bytes[16], char* out);
// A random (version 4) UUID from the CSPRNG, in canonical form. (The gateway's per-call ids use
// a faster per-thread generator: they must be unique, not secret.)
std::string RandomUuid();
inline std::string HexEncode(std::string_view s) {
  return HexEncode(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
std::string Sha256Hex(std::string_view data);
// Lower- or upper-case hex to bytes; nullopt for an odd length or a non-hex character.
std::optional<std::string> HexDecode(std::string_view hex);

// Constant-time equality; lengths are not secret.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Cryptographically secure random bytes.
std::string RandomBytes(size_t n);

// AWS-style identifiers: `prefix` followed by `n` random characters of [A-Z2-7] (access key ids
// "AKIA...", unique ids "AIDA...").
std::string RandomId(std::string_view prefix, size_t n);
// AWS-style secret access keys: 40 characters of the base64 alphabet (30 random bytes).
std::string RandomSecretKey();

std::string Base64Encode(std::string_view data);
// Strict RFC 4648 decoding (padding required, whitespace rejected).
Result<std::string> Base64Decode(std::string_view data);

// AES-256-GCM with a random 12-byte nonce: output is nonce || ciphertext || 16-byte tag.
// `key` must be 32 bytes. `aad` is authenticated but not encrypted.
Result<std::string> AeadSeal(std::string_view key, std::string_view plaintext,
                             std::string_view aad = {});
Result<std::string> AeadOpen(std::string_view key, std::string_view sealed,
                             std::string_view aad = {});
// The same with a nonce the caller chose (12 bytes; never reuse one under a key): appends
// ciphertext || tag (Seal) or the plaintext (Open) to `out`; on error `out` is unchanged.
Status AeadSealTo(std::string_view key, std::string_view nonce, std::string_view plaintext,
                  std::string_view aad, std::string& out);
Status AeadOpenTo(std::string_view key, std::string_view nonce, std::string_view sealed,
                  std::string_view aad, std::string& out);

// Raw digests (16 and 20 bytes): S3's Content-MD5 and ETags, and its SHA-1 checksum.
std::string Md5(std::string_view data);
std::string Sha1(std::string_view data);

}  // namespace rampart::crypto
