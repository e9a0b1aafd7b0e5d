#include "common/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>

#include <array>
#include <cstring>
#include <memory>
#include <cstdlib>

namespace rampart::crypto {

Sha256Digest Sha256(std::string_view data) {
  Sha256Digest out{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

Sha256Digest HmacSha256(std::string_view key, std::string_view data) {
  Sha256Digest out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return out;
}

namespace {
// Every byte's two lowercase hex digits: one 2-byte copy a byte instead of two table lookups,
// shifts and masks (HexEncode was ~17 instructions a byte; three hex digests a signed call).
constexpr std::array<char, 512> kHexPairs = [] {
  std::array<char, 512> t{};
  constexpr char kHex[] = "0123456789abcdef";
  for (int b = 0; b < 256; ++b) {
    t[2 * b] = kHex[b >> 4];
    t[2 * b + 1] = kHex[b & 0xf];
  }
  return t;
}();
}  // namespace

void WriteHex(char* out, const uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i) std::memcpy(out + 2 * i, &kHexPairs[2 * data[i]], 2);
}

namespace {
// Lowercase hex digit values; 0x10 marks every other byte.
constexpr auto kHexValue = [] {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = 0x10;
  for (int c = 0; c < 10; ++c) t['0' + c] = static_cast<uint8_t>(c);
  for (int c = 0; c < 6; ++c) t['a' + c] = static_cast<uint8_t>(10 + c);
  return t;
}();
}  // namespace

bool ParseUuid(std::string_view s, uint8_t out[16]) {
  if (s.size() != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') {
    return false;
  }
  static constexpr uint8_t kAt[16] = {0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  uint8_t bad = 0;
  for (int k = 0; k < 16; ++k) {
    uint8_t hi = kHexValue[p[kAt[k]]], lo = kHexValue[p[kAt[k] + 1]];
    bad |= hi | lo;
    out[k] = static_cast<uint8_t>(hi << 4 | (lo & 0x0f));
  }
  return (bad & 0x10) == 0;
}

void FormatUuid(const uint8_t b[16], char* out) {
  WriteHex(out, b, 4);
  out[8] = '-';
  WriteHex(out + 9, b + 4, 2);
  out[13] = '-';
  WriteHex(out + 14, b + 6, 2);
  out[18] = '-';
  WriteHex(out + 19, b + 8, 2);
  out[23] = '-';
  WriteHex(out + 24, b + 10, 6);
}

std::string RandomUuid() {
  std::string b = RandomBytes(16);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);  // variant 10
  std::string out(36, '-');
  FormatUuid(reinterpret_cast<const uint8_t*>(b.data()), out.data());
  return out;
}

std::string HexEncode(const uint8_t* data, size_t size) {
  std::string out(size * 2, '\0');
  WriteHex(out.data(), data, size);
  return out;
}

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {
void FillRandom(char* out, size_t n) {
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out), static_cast<int>(n)) != 1) {
    // The CSPRNG failing is unrecoverable; never hand out predictable secrets.
    std::abort();
  }
}

// Small requests (nonces, ids, data keys) are served from a per-thread block of CSPRNG output
// drawn 4 KiB at a time: each RAND_bytes call takes the DRBG's lock and makes a getpid()
// syscall (OpenSSL's fork check), once per KMS Encrypt before this. Bytes are wiped from the
// block as they are handed out. Rampart never forks after its threads start, so a block is
// never shared between processes.
struct RandomPool {
  static constexpr size_t kBlock = 4096;
  static constexpr size_t kMaxPooled = 64;
  std::array<char, kBlock> bytes;
  size_t used = kBlock;
  ~RandomPool() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
  void Take(char* out, size_t n) {
    if (kBlock - used < n) {
      FillRandom(bytes.data(), kBlock);
      used = 0;
    }
    std::memcpy(out, bytes.data() + used, n);
    OPENSSL_cleanse(bytes.data() + used, n);
    used += n;
  }
};
}  // namespace

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n <= RandomPool::kMaxPooled) {
    thread_local RandomPool pool;
    pool.Take(out.data(), n);
  } else {
    FillRandom(out.data(), n);
  }
  return out;
}

std::string RandomId(std::string_view prefix, size_t n) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string r = RandomBytes(n);
  std::string id(prefix);
  for (char c : r) id.push_back(kAlphabet[static_cast<uint8_t>(c) % 32]);
  return id;
}

std::string RandomSecretKey() { return Base64Encode(RandomBytes(30)); }

// Base64 by table rather than EVP_EncodeBlock/EVP_DecodeBlock: with the validation pass the
// EVP pair cost ~19 instructions per input byte, a quarter of the work of a 1 KiB KMS Encrypt
// (callgrind, bench/server/instr_per_request.sh --kms encrypt). Encoding looks up 12 bits (two
// characters) at a time; decoding ORs four pre-shifted table entries into the three output bytes
// and a flag bit for characters outside the alphabet. ~3 instructions per byte either way.
namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr uint32_t kBad = 1u << 24;  // a fourth byte no valid quantum sets

struct B64Tables {
  uint16_t pair[4096];  // 12 bits -> two characters, first one in the low byte
  uint32_t dec[4][256];  // character at position k of a quantum -> its bits, little-endian
  constexpr B64Tables() : pair(), dec() {
    for (int i = 0; i < 4096; ++i) {
      pair[i] = static_cast<uint16_t>(static_cast<uint8_t>(kB64[i >> 6]) |
                                      (static_cast<uint8_t>(kB64[i & 63]) << 8));
    }
    for (int k = 0; k < 4; ++k) {
      for (int c = 0; c < 256; ++c) dec[k][c] = kBad;
    }
    for (uint32_t v = 0; v < 64; ++v) {
      auto c = static_cast<uint8_t>(kB64[v]);
      dec[0][c] = v << 2;                                  // byte 0, high six bits
      dec[1][c] = (v >> 4) | ((v & 15) << 12);             // byte 0 low two, byte 1 high four
      dec[2][c] = ((v >> 2) << 8) | ((v & 3) << 22);       // byte 1 low four, byte 2 high two
      dec[3][c] = v << 16;                                 // byte 2, low six bits
    }
  }
};
constexpr B64Tables kB64Tables;

inline uint32_t DecodeQuantum(const uint8_t* q) {
  return kB64Tables.dec[0][q[0]] | kB64Tables.dec[1][q[1]] | kB64Tables.dec[2][q[2]] |
         kB64Tables.dec[3][q[3]];
}
}  // namespace

std::string Base64Encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  const auto* in = reinterpret_cast<const uint8_t*>(data.data());
  char* o = out.data();
  size_t i = 0, n = data.size();
  for (; i + 3 <= n; i += 3, o += 4) {
    uint32_t w = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
    uint16_t hi = kB64Tables.pair[w >> 12], lo = kB64Tables.pair[w & 4095];
    std::memcpy(o, &hi, 2);
    std::memcpy(o + 2, &lo, 2);
  }
  if (n - i == 1) {
    uint32_t w = uint32_t{in[i]} << 16;
    o[0] = kB64[w >> 18];
    o[1] = kB64[(w >> 12) & 63];
    o[2] = o[3] = '=';
  } else if (n - i == 2) {
    uint32_t w = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8);
    o[0] = kB64[w >> 18];
    o[1] = kB64[(w >> 12) & 63];
    o[2] = kB64[(w >> 6) & 63];
    o[3] = '=';
  }
  return out;
}

// Strict RFC 4648 (standard alphabet, padded, no whitespace): '=' only as the last one or two
// characters.
Result<std::string> Base64Decode(std::string_view data) {
  auto invalid = [] { return Error::Validation("Invalid base64: input is not valid base64"); };
  if (data.size() % 4 != 0) return invalid();
  if (data.empty()) return std::string();
  size_t pad = data.back() == '=' ? (data[data.size() - 2] == '=' ? 2 : 1) : 0;
  size_t full = data.size() / 4 - (pad ? 1 : 0);  // quanta without padding
  // One spare byte: each quantum is stored as four bytes, the fourth overwritten by the next.
  std::string out(3 * full + 3, '\0');
  const auto* in = reinterpret_cast<const uint8_t*>(data.data());
  auto* o = reinterpret_cast<uint8_t*>(out.data());
  uint32_t bad = 0;
  for (size_t q = 0; q < full; ++q) {
    uint32_t w = DecodeQuantum(in + 4 * q);
    bad |= w;
    std::memcpy(o + 3 * q, &w, 4);
  }
  if (bad & kBad) return invalid();
  size_t len = 3 * full;
  if (pad) {
    uint8_t last[4] = {in[4 * full], in[4 * full + 1], pad == 1 ? in[4 * full + 2] : uint8_t{'A'},
                       uint8_t{'A'}};
    uint32_t w = DecodeQuantum(last);
    if (w & kBad) return invalid();
    o[len] = static_cast<uint8_t>(w);
    if (pad == 1) o[len + 1] = static_cast<uint8_t>(w >> 8);
    len += 3 - pad;
  }
  out.resize(len);
  return out;
}

namespace {
struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;
constexpr size_t kNonce = 12, kTag = 16;
// Fetched once: EVP_aes_256_gcm() makes every init do an implicit fetch under OpenSSL's global
// property lock (the same cost SigV4's SHA-256 had).
const EVP_CIPHER* AesGcm() {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

// One cipher context per thread and direction, re-keyed by every call, instead of a context
// allocated and freed per call (~200 instructions of a 1 KiB KMS Encrypt's ~8.5k in AES-GCM).
// The context keeps the last key schedule until the next call re-keys it; EVP_CIPHER_CTX_free
// wipes it when the thread ends.
EVP_CIPHER_CTX* ThreadCtx(bool encrypt) {
  thread_local CipherCtx enc(EVP_CIPHER_CTX_new()), dec(EVP_CIPHER_CTX_new());
  return encrypt ? enc.get() : dec.get();
}
}  // namespace

Status AeadSealTo(std::string_view key, std::string_view nonce, std::string_view plaintext,
                  std::string_view aad, std::string& out) {
  if (key.size() != 32) return Error::Internal("AEAD key must be 32 bytes");
  if (nonce.size() != kNonce) return Error::Internal("AEAD nonce must be 12 bytes");
  EVP_CIPHER_CTX* ctx = ThreadCtx(true);
  size_t at = out.size();
  out.resize(at + plaintext.size() + kTag);
  int len = 0;
  auto* k = reinterpret_cast<const unsigned char*>(key.data());
  auto* iv = reinterpret_cast<const unsigned char*>(nonce.data());
  if (EVP_EncryptInit_ex(ctx, AesGcm(), nullptr, k, iv) != 1 ||
      (!aad.empty() && EVP_EncryptUpdate(ctx, nullptr, &len,
                                         reinterpret_cast<const unsigned char*>(aad.data()),
                                         static_cast<int>(aad.size())) != 1) ||
      EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()) + at, &len,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx, nullptr, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTag, out.data() + at + plaintext.size()) !=
          1) {
    out.resize(at);
    return Error::Internal("AES-GCM encryption failed");
  }
  return {};
}

Status AeadOpenTo(std::string_view key, std::string_view nonce, std::string_view sealed,
                  std::string_view aad, std::string& out) {
  if (key.size() != 32) return Error::Internal("AEAD key must be 32 bytes");
  if (nonce.size() != kNonce) return Error::Internal("AEAD nonce must be 12 bytes");
  if (sealed.size() < kTag) return Error::Internal("sealed data is truncated");
  size_t ct_len = sealed.size() - kTag;
  EVP_CIPHER_CTX* ctx = ThreadCtx(false);
  size_t at = out.size();
  out.resize(at + ct_len);
  int len = 0;
  auto* k = reinterpret_cast<const unsigned char*>(key.data());
  auto* iv = reinterpret_cast<const unsigned char*>(nonce.data());
  unsigned char tag[kTag];
  std::memcpy(tag, sealed.data() + ct_len, kTag);
  if (EVP_DecryptInit_ex(ctx, AesGcm(), nullptr, k, iv) != 1 ||
      (!aad.empty() && EVP_DecryptUpdate(ctx, nullptr, &len,
                                         reinterpret_cast<const unsigned char*>(aad.data()),
                                         static_cast<int>(aad.size())) != 1) ||
      EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()) + at, &len,
                        reinterpret_cast<const unsigned char*>(sealed.data()),
                        static_cast<int>(ct_len)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTag, tag) != 1 ||
      EVP_DecryptFinal_ex(ctx, nullptr, &len) != 1) {
    out.resize(at);
    return Error::Internal("AES-GCM authentication failed");
  }
  return {};
}

Result<std::string> AeadSeal(std::string_view key, std::string_view plaintext,
                             std::string_view aad) {
  std::string nonce = RandomBytes(kNonce);
  std::string out = nonce;
  RAMPART_RETURN_IF_ERROR(AeadSealTo(key, nonce, plaintext, aad, out));
  return out;
}

Result<std::string> AeadOpen(std::string_view key, std::string_view sealed,
                             std::string_view aad) {
  if (sealed.size() < kNonce + kTag) return Error::Internal("sealed data is truncated");
  std::string out;
  RAMPART_RETURN_IF_ERROR(
      AeadOpenTo(key, sealed.substr(0, kNonce), sealed.substr(kNonce), aad, out));
  return out;
}

std::optional<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return out;
}

std::string Md5(std::string_view data) {
  unsigned char d[16];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), d, &n, EVP_md5(), nullptr);
  return std::string(reinterpret_cast<char*>(d), 16);
}

std::string Sha1(std::string_view data) {
  unsigned char d[20];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), d, &n, EVP_sha1(), nullptr);
  return std::string(reinterpret_cast<char*>(d), 20);
}

}  // namespace rampart::crypto
