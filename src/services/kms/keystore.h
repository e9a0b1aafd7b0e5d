#pragma once
// The key-store seam of KMS: where key material lives and where the cryptography with it
// happens. The service never sees raw key material; it keeps an opaque handle per material
// version (in the key's document) and asks the store to encrypt, sign, MAC... with it.
//
// The software store (NewSoftwareKeyStore) keeps the material itself in the handle, sealed under
// the server's root key (Store::Seal, AES-256-GCM with the binding "<key ARN>#<version>" as AAD)
// and does the cryptography with OpenSSL 3 EVP. A PKCS#11 store (SoftHSM2, an HSM) would keep an
// object label in the handle and call C_Encrypt / C_Sign... instead.
//
// Thread-safe. Errors: KMSInternalException for a handle that does not open (wrong root key,
// tampered document); InvalidCiphertextException for an authentication failure on decrypt;
// ValidationException for input the algorithm refuses (too long for RSA-OAEP, wrong digest
// length).

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"
#include "store/store.h"

namespace rampart::services::kms {

enum class KeySpec {
  kSymmetricDefault,
  kRsa2048, kRsa3072, kRsa4096,
  kEccNistP256, kEccNistP384, kEccNistP521, kEccSecgP256k1,
  kHmac224, kHmac256, kHmac384, kHmac512,
};
std::optional<KeySpec> ParseKeySpec(std::string_view name);
std::string_view KeySpecName(KeySpec spec);
bool IsRsa(KeySpec s);
bool IsEcc(KeySpec s);
bool IsHmac(KeySpec s);
int RsaBits(KeySpec s);  // 0 if not RSA

class KeyStore {
 public:
  virtual ~KeyStore() = default;

  // New random material of `spec`. `binding` ("<key ARN>#<version>") ties the handle to its key:
  // every later call must pass the same binding.
  virtual Result<std::string> Generate(KeySpec spec, std::string_view binding) = 0;
  // Material supplied by the caller (ImportKeyMaterial): 32 raw bytes for SYMMETRIC_DEFAULT.
  virtual Result<std::string> Import(KeySpec spec, std::string_view raw,
                                     std::string_view binding) = 0;

  // AES-256-GCM: returns iv(12) || ciphertext || tag(16).
  virtual Result<std::string> Encrypt(std::string_view handle, std::string_view binding,
                                      std::string_view plaintext, std::string_view aad) = 0;
  virtual Result<std::string> Decrypt(std::string_view handle, std::string_view binding,
                                      std::string_view sealed, std::string_view aad) = 0;
  // RSAES_OAEP_SHA_1 / RSAES_OAEP_SHA_256.
  virtual Result<std::string> AsymmetricEncrypt(std::string_view handle, std::string_view binding,
                                                std::string_view algorithm,
                                                std::string_view plaintext) = 0;
  virtual Result<std::string> AsymmetricDecrypt(std::string_view handle, std::string_view binding,
                                                std::string_view algorithm,
                                                std::string_view ciphertext) = 0;
  // RSASSA_PSS_SHA_*, RSASSA_PKCS1_V1_5_SHA_*, ECDSA_SHA_* (DER signatures). `is_digest`: the
  // message is already the digest (MessageType DIGEST).
  virtual Result<std::string> Sign(std::string_view handle, std::string_view binding,
                                   std::string_view algorithm, std::string_view message,
                                   bool is_digest) = 0;
  virtual Result<bool> Verify(std::string_view handle, std::string_view binding,
                              std::string_view algorithm, std::string_view message, bool is_digest,
                              std::string_view signature) = 0;
  // DER SubjectPublicKeyInfo of an asymmetric key.
  virtual Result<std::string> PublicKey(std::string_view handle, std::string_view binding) = 0;
  // HMAC_SHA_224/256/384/512.
  virtual Result<std::string> Mac(std::string_view handle, std::string_view binding,
                                  std::string_view algorithm, std::string_view message) = 0;
};

// The software store described above. `store` must outlive it.
std::unique_ptr<KeyStore> NewSoftwareKeyStore(store::Store& store);

// ---- Pure helpers (no key store): data key pairs and import wrapping ----
struct KeyPair {
  std::string private_der;  // PKCS#8
  std::string public_der;   // SubjectPublicKeyInfo
};
Result<KeyPair> GenerateKeyPair(KeySpec spec);
// Decrypts key material wrapped by GetParametersForImport's public key.
// algorithm: RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256 or RSAES_PKCS1_V1_5.
Result<std::string> UnwrapImport(std::string_view private_der, std::string_view algorithm,
                                 std::string_view wrapped);

}  // namespace rampart::services::kms
