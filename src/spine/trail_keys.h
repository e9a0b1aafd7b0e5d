#pragma once
// Digest signing keys: one RSA-2048 key pair per account and region, as CloudTrail has.
//
// Stored in the entity store (account, kind "cloudtrail-signing-key", key "<region>/<start ms,
// zero-padded>") as {"Region","PublicKeyDer"(base64 SPKI DER),"Fingerprint"(hex MD5 of the DER),
// "ValidityStartMs","ValidityEndMs","SealedPrivateKey"} with the private key (PKCS#1 DER) sealed
// under the server's root key (AAD "cloudtrail-signing-key/<account>/<region>/<start>").
// A key is current for kKeyValidityMs; the next digest after that creates a new one. Old keys
// stay listed by ListPublicKeys so old digests keep validating.
//
// Thread-safe: all state is in the store; CurrentKey() may race with itself across threads and
// then two keys can exist for one period, both valid (each digest names its fingerprint).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/store.h"

namespace rampart::spine {

inline constexpr std::string_view kSigningKeyKind = "cloudtrail-signing-key";
inline constexpr int64_t kKeyValidityMs = 30LL * 24 * 3600 * 1000;

struct PublicKeyInfo {
  std::string region;
  std::string der;          // SubjectPublicKeyInfo, raw bytes
  std::string fingerprint;  // hex MD5 of der
  int64_t validity_start_ms = 0;
  int64_t validity_end_ms = 0;
};

struct SigningKey {
  PublicKeyInfo pub;
  std::string private_der;  // PKCS#1 RSAPrivateKey, raw bytes (in memory only)
};

// Pure crypto helpers (OpenSSL 3).
// The RSA public key of a SubjectPublicKeyInfo DER as PKCS#1 RSAPublicKey DER: the form
// CloudTrail's ListPublicKeys returns ("The DER encoded public key value in PKCS#1 format") and
// the AWS CLI's validate-logs loads.
Result<std::string> RsaPkcs1Der(std::string_view der);
Result<SigningKey> GenerateSigningKey();  // RSA-2048; fills der, private_der, fingerprint
std::string Md5Hex(std::string_view data);
// RSA PKCS#1 v1.5 with SHA-256; returns the raw signature.
Result<std::string> SignSha256Rsa(std::string_view private_der, std::string_view message);
// True iff `signature` is valid for `message` under the SPKI (or PKCS#1) DER public key.
bool VerifySha256Rsa(std::string_view public_der, std::string_view message,
                     std::string_view signature);

// The key that signs now for (account, region), created (and persisted) if none is current.
Result<SigningKey> CurrentSigningKey(store::Store& store, std::string_view account,
                                     std::string_view region, int64_t now_ms);
// Public keys of (account, region) whose validity overlaps [start_ms, end_ms], oldest first.
Result<std::vector<PublicKeyInfo>> ListPublicKeys(store::Store& store, std::string_view account,
                                                  std::string_view region, int64_t start_ms,
                                                  int64_t end_ms);

}  // namespace rampart::spine
