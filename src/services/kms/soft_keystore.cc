// The software key store: material sealed under the root key, cryptography by OpenSSL 3 EVP.
// Opened material is cached in memory per handle (a handle is immutable, so the cache never
// goes stale); the cache holds parsed EVP_PKEYs so RSA and ECC keys are not re-parsed per call.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "common/crypto.h"
#include "services/kms/keystore.h"

namespace rampart::services::kms {

namespace {

struct SpecName {
  KeySpec spec;
  std::string_view name;
};
constexpr SpecName kSpecs[] = {
    {KeySpec::kSymmetricDefault, "SYMMETRIC_DEFAULT"}, {KeySpec::kRsa2048, "RSA_2048"},
    {KeySpec::kRsa3072, "RSA_3072"},                   {KeySpec::kRsa4096, "RSA_4096"},
    {KeySpec::kEccNistP256, "ECC_NIST_P256"},          {KeySpec::kEccNistP384, "ECC_NIST_P384"},
    {KeySpec::kEccNistP521, "ECC_NIST_P521"},          {KeySpec::kEccSecgP256k1, "ECC_SECG_P256K1"},
    {KeySpec::kHmac224, "HMAC_224"},                   {KeySpec::kHmac256, "HMAC_256"},
    {KeySpec::kHmac384, "HMAC_384"},                   {KeySpec::kHmac512, "HMAC_512"},
};

Error Internal(std::string m) { return {"KMSInternalException", std::move(m), 500, false}; }
Error Invalid(std::string m) { return {"ValidationException", std::move(m), 400, true}; }
Error BadCiphertext() { return {"InvalidCiphertextException", "", 400, true}; }

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
using Pkey = std::shared_ptr<EVP_PKEY>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, CtxFree>;

const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

Result<Pkey> Generate(KeySpec spec) {
  EVP_PKEY* k = nullptr;
  if (IsRsa(spec)) {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(RsaBits(spec)));
  } else {
    const char* curve = spec == KeySpec::kEccNistP256   ? "P-256"
                        : spec == KeySpec::kEccNistP384 ? "P-384"
                        : spec == KeySpec::kEccNistP521 ? "P-521"
                                                        : "secp256k1";
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve);
  }
  if (!k) return Internal("key generation failed");
  return Pkey(k, PkeyFree{});
}

Result<std::string> PrivateDer(EVP_PKEY* k) {
  PKCS8_PRIV_KEY_INFO* p8 = EVP_PKEY2PKCS8(k);
  if (!p8) return Internal("cannot encode a private key");
  unsigned char* out = nullptr;
  int n = i2d_PKCS8_PRIV_KEY_INFO(p8, &out);
  PKCS8_PRIV_KEY_INFO_free(p8);
  if (n <= 0) return Internal("cannot encode a private key");
  std::string der(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  OPENSSL_clear_free(out, static_cast<size_t>(n));
  return der;
}

Result<std::string> PublicDer(EVP_PKEY* k) {
  unsigned char* out = nullptr;
  int n = i2d_PUBKEY(k, &out);
  if (n <= 0) return Internal("cannot encode a public key");
  std::string der(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  OPENSSL_free(out);
  return der;
}

Result<Pkey> ParsePrivate(std::string_view der) {
  const unsigned char* p = U(der);
  PKCS8_PRIV_KEY_INFO* p8 = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size()));
  if (!p8) return Internal("stored private key does not parse");
  EVP_PKEY* k = EVP_PKCS82PKEY(p8);
  PKCS8_PRIV_KEY_INFO_free(p8);
  if (!k) return Internal("stored private key does not parse");
  return Pkey(k, PkeyFree{});
}

const EVP_MD* HashOf(std::string_view algorithm) {
  if (algorithm.ends_with("SHA_1")) return EVP_sha1();
  if (algorithm.ends_with("SHA_224")) return EVP_sha224();
  if (algorithm.ends_with("SHA_256")) return EVP_sha256();
  if (algorithm.ends_with("SHA_384")) return EVP_sha384();
  if (algorithm.ends_with("SHA_512")) return EVP_sha512();
  return nullptr;
}

Status SetOaep(EVP_PKEY_CTX* ctx, std::string_view algorithm) {
  const EVP_MD* md = algorithm == "RSAES_OAEP_SHA_1"     ? EVP_sha1()
                     : algorithm == "RSAES_OAEP_SHA_256" ? EVP_sha256()
                                                         : nullptr;
  if (algorithm == "RSAES_PKCS1_V1_5") {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0) return Internal("padding");
    return {};
  }
  if (!md) return Invalid("Unsupported encryption algorithm " + std::string(algorithm));
  if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) <= 0 || EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) <= 0) {
    return Internal("cannot set OAEP parameters");
  }
  return {};
}

// Padding for a signing algorithm (RSA); ECDSA needs none.
Status SetSignPadding(EVP_PKEY_CTX* ctx, std::string_view algorithm) {
  if (algorithm.starts_with("RSASSA_PSS_")) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) <= 0) {
      return Internal("cannot set PSS parameters");
    }
  } else if (algorithm.starts_with("RSASSA_PKCS1_V1_5_")) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0) return Internal("padding");
  }
  return {};
}

Result<std::string> RsaDecrypt(EVP_PKEY* k, std::string_view algorithm, std::string_view ct) {
  PkeyCtx ctx(EVP_PKEY_CTX_new(k, nullptr));
  if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) <= 0) return Internal("decrypt init");
  RAMPART_RETURN_IF_ERROR(SetOaep(ctx.get(), algorithm));
  size_t n = 0;
  if (EVP_PKEY_decrypt(ctx.get(), nullptr, &n, U(ct), ct.size()) <= 0) return BadCiphertext();
  std::string out(n, '\0');
  if (EVP_PKEY_decrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &n, U(ct),
                       ct.size()) <= 0) {
    return BadCiphertext();
  }
  out.resize(n);
  return out;
}

class SoftwareKeyStore final : public KeyStore {
 public:
  explicit SoftwareKeyStore(store::Store& store) : store_(store) {}

  Result<std::string> Generate(KeySpec spec, std::string_view binding) override {
    std::string raw;
    if (spec == KeySpec::kSymmetricDefault) {
      raw = crypto::RandomBytes(32);
    } else if (IsHmac(spec)) {
      int bits = spec == KeySpec::kHmac224   ? 224
                 : spec == KeySpec::kHmac256 ? 256
                 : spec == KeySpec::kHmac384 ? 384
                                             : 512;
      raw = crypto::RandomBytes(static_cast<size_t>(bits / 8));
    } else {
      RAMPART_ASSIGN_OR_RETURN(Pkey k, kms::Generate(spec));
      RAMPART_ASSIGN_OR_RETURN(raw, PrivateDer(k.get()));
    }
    return Seal(binding, raw);
  }

  Result<std::string> Import(KeySpec spec, std::string_view raw, std::string_view binding) override {
    if (spec != KeySpec::kSymmetricDefault) return Invalid("only symmetric material is importable");
    if (raw.size() != 32) {
      return Error{"IncorrectKeyMaterialException",
                   "The key material must be 256 bits (32 bytes) for SYMMETRIC_DEFAULT keys.", 400,
                   true};
    }
    return Seal(binding, raw);
  }

  Result<std::string> Encrypt(std::string_view handle, std::string_view binding,
                              std::string_view plaintext, std::string_view aad) override {
    RAMPART_ASSIGN_OR_RETURN(auto m, Open(handle, binding, false));
    return crypto::AeadSeal(m->raw, plaintext, aad);
  }

  Result<std::string> Decrypt(std::string_view handle, std::string_view binding,
                              std::string_view sealed, std::string_view aad) override {
    RAMPART_ASSIGN_OR_RETURN(auto m, Open(handle, binding, false));
    auto out = crypto::AeadOpen(m->raw, sealed, aad);
    if (!out.ok()) return BadCiphertext();
    return out;
  }

  Result<std::string> AsymmetricEncrypt(std::string_view handle, std::string_view binding,
                                        std::string_view algorithm,
                                        std::string_view plaintext) override {
    RAMPART_ASSIGN_OR_RETURN(auto m, Open(handle, binding, true));
    PkeyCtx ctx(EVP_PKEY_CTX_new(m->pkey.get(), nullptr));
    if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) <= 0) return Internal("encrypt init");
    RAMPART_RETURN_IF_ERROR(SetOaep(ctx.get(), algorithm));
    size_t n = 0;
    if (EVP_PKEY_encrypt(ctx.get(), nullptr, &n, U(plaintext), plaintext.size()) <= 0) {
      return Invalid("The plaintext is too long for " + std::string(algorithm) + " with this key.");
    }
    std::string out(n, '\0');
    if (EVP_PKEY_encrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &n,
                         U(plaintext), plaintext.size()) <= 0) {
      return Invalid("The plaintext is too long for " + std::string(algorithm) + " with this key.");
    }
    out.resize(n);
    return out;
  }

  Result<std::string> AsymmetricDecrypt(std::string_view handle, std::string_view binding,
                                        std::string_view algorithm,
                                        std::string_view ciphertext) override {
    RAMPART_ASSIGN_OR_RETURN(auto m, Open(handle, binding, true));
    return RsaDecrypt(m->pkey.get(), algorithm, ciphertext);
  }

  Result<std::string> Sign(std::string_view handle, std::string_view binding,
                           std::string_view algorithm, std::string_view message,
                           bool is_digest) override {
    RAMPART_ASSIGN_OR_RETURN(auto m, Open(handle, binding, true));
    const EVP_MD* md = HashOf(algorithm);
    if (!md) return Invalid("Unsupported signing algorithm " + std::string(algorithm));
    std::string sig(static_cast<size_t>(EVP_PKEY_get_size(m->pkey.get())), '\0');
    size_t n = sig.size();
    if (is_digest) {
      if (message.size() != static_cast<size_t>(EVP_MD_get_size(md))) {
        return Invalid("Digest is invalid length for algorithm " + std::string(algorithm) + ".");
      }
      PkeyCtx ctx(EVP_PKEY_CTX_new(m->pkey.get(), nullptr));
      if (!ctx || EVP_PKEY_sign_init(ctx.get()) <= 0) return Internal("sign init");
      RAMPART_RETURN_IF_ERROR(SetSignPadding(ctx.get(), algorithm));
      if (EVP_PKEY_CTX_set_signature_md(ctx.get(), md) <= 0 ||
          EVP_PKEY_sign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &n, U(message),
                        message.size()) <= 0) {
        return Internal("signing failed");
      }
    } else {
      std::unique_ptr<EVP_MD_CTX, MdCtxFree> mctx(EVP_MD_CTX_new());
      EVP_PKEY_CTX* pctx = nullptr;
      if (!mctx || EVP_DigestSignInit(mctx.get(), &pctx, md, nullptr, m->pkey.get()) <= 0) {
        return Internal("sign init");
      }
      RAMPART_RETURN_IF_ERROR(SetSignPadding(pctx, algorithm));
      if (EVP_DigestSign(mctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &n, U(message),
                         message.size()) <= 0) {
        return Internal("signing failed");
      }
    }
    sig.resize(n);
    return sig;
  }

  Result<bool> Verify(std::string_view handle, std::string_view binding, std::string_view algorithm,
                      std::string_view message, bool is_digest,
                      std::string_view signature) override {
    RAMPART_ASSIGN_OR_RETURN(auto m, Open(handle, binding, true));
    const EVP_MD* md = HashOf(algorithm);
    if (!md) return Invalid("Unsupported signing algorithm " + std::string(algorithm));
    if (is_digest) {
      if (message.size() != static_cast<size_t>(EVP_MD_get_size(md))) {
        return Invalid("Digest is invalid length for algorithm " + std::string(algorithm) + ".");
      }
      PkeyCtx ctx(EVP_PKEY_CTX_new(m->pkey.get(), nullptr));
      if (!ctx || EVP_PKEY_verify_init(ctx.get()) <= 0) return Internal("verify init");
      RAMPART_RETURN_IF_ERROR(SetSignPadding(ctx.get(), algorithm));
      if (EVP_PKEY_CTX_set_signature_md(ctx.get(), md) <= 0) return Internal("verify init");
      return EVP_PKEY_verify(ctx.get(), U(signature), signature.size(), U(message),
                             message.size()) == 1;
    }
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> mctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (!mctx || EVP_DigestVerifyInit(mctx.get(), &pctx, md, nullptr, m->pkey.get()) <= 0) {
      return Internal("verify init");
    }
    RAMPART_RETURN_IF_ERROR(SetSignPadding(pctx, algorithm));
    return EVP_DigestVerify(mctx.get(), U(signature), signature.size(), U(message),
                            message.size()) == 1;
  }

  Result<std::string> PublicKey(std::string_view handle, std::string_view binding) override {
    RAMPART_ASSIGN_OR_RETURN(auto m, Open(handle, binding, true));
    return PublicDer(m->pkey.get());
  }

  Result<std::string> Mac(std::string_view handle, std::string_view binding,
                          std::string_view algorithm, std::string_view message) override {
    RAMPART_ASSIGN_OR_RETURN(auto m, Open(handle, binding, false));
    const EVP_MD* md = HashOf(algorithm);
    if (!md || !algorithm.starts_with("HMAC_SHA_")) {
      return Invalid("Unsupported MAC algorithm " + std::string(algorithm));
    }
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!HMAC(md, m->raw.data(), static_cast<int>(m->raw.size()), U(message), message.size(), out,
              &n)) {
      return Internal("HMAC failed");
    }
    return std::string(reinterpret_cast<char*>(out), n);
  }

 private:
  struct Material {
    std::string raw;  // symmetric / HMAC bytes, or PKCS#8 DER
    Pkey pkey;        // asymmetric keys
    ~Material() { OPENSSL_cleanse(raw.data(), raw.size()); }
  };

  Result<std::string> Seal(std::string_view binding, std::string_view raw) {
    return store_.Seal("kms/" + std::string(binding), raw);
  }

  Result<std::shared_ptr<const Material>> Open(std::string_view handle, std::string_view binding,
                                               bool asymmetric) {
    std::string cache_key = std::string(binding) + '\n' + std::string(handle);
    {
      std::shared_lock lock(mu_);
      if (auto it = cache_.find(cache_key); it != cache_.end()) {
        if (asymmetric && !it->second->pkey) return Invalid("not an asymmetric key");
        return it->second;
      }
    }
    auto raw = store_.Open("kms/" + std::string(binding), handle, "KMS key material");
    if (!raw.ok()) return Internal("key material does not open: " + raw.error().message);
    auto m = std::make_shared<Material>();
    m->raw = std::move(*raw);
    if (m->raw.size() > 64) {  // DER private key (symmetric and HMAC material is <= 64 bytes)
      RAMPART_ASSIGN_OR_RETURN(m->pkey, ParsePrivate(m->raw));
    }
    if (asymmetric && !m->pkey) return Invalid("not an asymmetric key");
    std::unique_lock lock(mu_);
    if (cache_.size() > 100000) cache_.clear();
    cache_.emplace(std::move(cache_key), m);
    return std::shared_ptr<const Material>(m);
  }

  store::Store& store_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const Material>> cache_;  // GUARDED_BY(mu_)
};

}  // namespace

std::optional<KeySpec> ParseKeySpec(std::string_view name) {
  for (const auto& s : kSpecs) {
    if (s.name == name) return s.spec;
  }
  return std::nullopt;
}
std::string_view KeySpecName(KeySpec spec) {
  for (const auto& s : kSpecs) {
    if (s.spec == spec) return s.name;
  }
  return "";
}
bool IsRsa(KeySpec s) { return RsaBits(s) != 0; }
bool IsEcc(KeySpec s) {
  return s == KeySpec::kEccNistP256 || s == KeySpec::kEccNistP384 || s == KeySpec::kEccNistP521 ||
         s == KeySpec::kEccSecgP256k1;
}
bool IsHmac(KeySpec s) {
  return s == KeySpec::kHmac224 || s == KeySpec::kHmac256 || s == KeySpec::kHmac384 ||
         s == KeySpec::kHmac512;
}
int RsaBits(KeySpec s) {
  return s == KeySpec::kRsa2048 ? 2048 : s == KeySpec::kRsa3072 ? 3072 : s == KeySpec::kRsa4096 ? 4096 : 0;
}

std::unique_ptr<KeyStore> NewSoftwareKeyStore(store::Store& store) {
  return std::make_unique<SoftwareKeyStore>(store);
}

Result<KeyPair> GenerateKeyPair(KeySpec spec) {
  if (!IsRsa(spec) && !IsEcc(spec)) return Invalid("not a key pair spec");
  RAMPART_ASSIGN_OR_RETURN(Pkey k, Generate(spec));
  KeyPair kp;
  RAMPART_ASSIGN_OR_RETURN(kp.private_der, PrivateDer(k.get()));
  RAMPART_ASSIGN_OR_RETURN(kp.public_der, PublicDer(k.get()));
  return kp;
}

Result<std::string> UnwrapImport(std::string_view private_der, std::string_view algorithm,
                                 std::string_view wrapped) {
  RAMPART_ASSIGN_OR_RETURN(Pkey k, ParsePrivate(private_der));
  return RsaDecrypt(k.get(), algorithm, wrapped);
}

}  // namespace rampart::services::kms
