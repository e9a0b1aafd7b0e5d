#include "spine/trail_keys.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <boost/json.hpp>
#include <memory>

#include "common/crypto.h"

namespace rampart::spine {

namespace json = boost::json;

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

std::string KeyAad(std::string_view account, std::string_view row_key) {
  return fmt::format("cloudtrail-signing-key/{}/{}", account, row_key);
}

std::string RowKey(std::string_view region, int64_t start_ms) {
  return fmt::format("{}/{:015d}", region, start_ms);
}

Result<PublicKeyInfo> ParseRow(std::string_view doc, std::string* sealed) {
  boost::system::error_code ec;
  json::value v = json::parse(doc, ec);
  if (ec || !v.is_object()) return Error::Internal("corrupt signing key row");
  const json::object& o = v.as_object();
  PublicKeyInfo info;
  auto str = [&](std::string_view k) -> std::string {
    const json::value* x = o.if_contains(k);
    return x && x->is_string() ? std::string(x->as_string()) : std::string();
  };
  auto num = [&](std::string_view k) -> int64_t {
    const json::value* x = o.if_contains(k);
    return x && x->is_int64() ? x->as_int64() : 0;
  };
  info.region = str("Region");
  auto der = crypto::Base64Decode(str("PublicKeyDer"));
  if (!der.ok()) return Error::Internal("corrupt signing key row");
  info.der = *der;
  info.fingerprint = str("Fingerprint");
  info.validity_start_ms = num("ValidityStartMs");
  info.validity_end_ms = num("ValidityEndMs");
  if (sealed) *sealed = str("SealedPrivateKey");
  return info;
}

}  // namespace

std::string Md5Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  size_t n = 0;
  EVP_Q_digest(nullptr, "MD5", nullptr, data.data(), data.size(), md, &n);
  return crypto::HexEncode(md, n);
}

Result<std::string> RsaPkcs1Der(std::string_view der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  PkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!key) return std::string(der);  // already PKCS#1
  unsigned char* buf = nullptr;
  int n = i2d_PublicKey(key.get(), &buf);
  if (n <= 0) return Error::Internal("cannot encode the public key as PKCS#1");
  std::string out(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
  OPENSSL_free(buf);
  return out;
}

Result<SigningKey> GenerateSigningKey() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
  if (!key) return Error::Internal("RSA key generation failed");
  SigningKey out;
  unsigned char* buf = nullptr;
  int n = i2d_PUBKEY(key.get(), &buf);
  if (n <= 0) return Error::Internal("cannot encode public key");
  out.pub.der.assign(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
  OPENSSL_free(buf);
  buf = nullptr;
  n = i2d_PrivateKey(key.get(), &buf);
  if (n <= 0) return Error::Internal("cannot encode private key");
  out.private_der.assign(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
  OPENSSL_cleanse(buf, static_cast<size_t>(n));
  OPENSSL_free(buf);
  // The fingerprint is the MD5 of the key as ListPublicKeys hands it out (PKCS#1 DER). Keys made
  // before 2026-12-07 keep their stored fingerprint (the MD5 of the SubjectPublicKeyInfo).
  RAMPART_ASSIGN_OR_RETURN(std::string pkcs1, RsaPkcs1Der(out.pub.der));
  out.pub.fingerprint = Md5Hex(pkcs1);
  return out;
}

Result<std::string> SignSha256Rsa(std::string_view private_der, std::string_view message) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(private_der.data());
  PkeyPtr key(d2i_PrivateKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(private_der.size())));
  if (!key) return Error::Internal("cannot load signing key");
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return Error::Internal("cannot initialise signing");
  }
  size_t len = 0;
  const auto* msg = reinterpret_cast<const unsigned char*>(message.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, msg, message.size()) != 1) {
    return Error::Internal("signing failed");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, msg,
                     message.size()) != 1) {
    return Error::Internal("signing failed");
  }
  sig.resize(len);
  return sig;
}

bool VerifySha256Rsa(std::string_view public_der, std::string_view message,
                     std::string_view signature) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(public_der.data());
  PkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(public_der.size())));
  if (!key) {
    p = reinterpret_cast<const unsigned char*>(public_der.data());
    key.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(public_der.size())));
  }
  if (!key) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

Result<SigningKey> CurrentSigningKey(store::Store& store, std::string_view account,
                                     std::string_view region, int64_t now_ms) {
  // Newest key of the region: the last row under the region prefix.
  std::optional<store::EntityRow> newest;
  std::string prefix = std::string(region) + "/";
  RAMPART_RETURN_IF_ERROR(store.entities().Transact([&](store::EntityTx& tx) -> Status {
    std::string after;
    for (;;) {
      RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(account, kSigningKeyKind, prefix, after, 100));
      if (rows.empty()) break;
      after = rows.back().key;
      newest = rows.back();
      if (rows.size() < 100) break;
    }
    return {};
  }));
  if (newest) {
    std::string sealed;
    RAMPART_ASSIGN_OR_RETURN(PublicKeyInfo info, ParseRow(newest->doc, &sealed));
    if (info.validity_start_ms <= now_ms && now_ms < info.validity_end_ms) {
      RAMPART_ASSIGN_OR_RETURN(std::string priv,
                               store.Open(KeyAad(account, newest->key), sealed,
                                          "CloudTrail signing key " + newest->key));
      return SigningKey{std::move(info), std::move(priv)};
    }
  }
  RAMPART_ASSIGN_OR_RETURN(SigningKey key, GenerateSigningKey());
  key.pub.region = std::string(region);
  key.pub.validity_start_ms = now_ms;
  key.pub.validity_end_ms = now_ms + kKeyValidityMs;
  std::string row_key = RowKey(region, now_ms);
  RAMPART_ASSIGN_OR_RETURN(std::string sealed,
                           store.Seal(KeyAad(account, row_key), key.private_der));
  json::object doc{{"Region", key.pub.region},
                   {"PublicKeyDer", crypto::Base64Encode(key.pub.der)},
                   {"Fingerprint", key.pub.fingerprint},
                   {"ValidityStartMs", key.pub.validity_start_ms},
                   {"ValidityEndMs", key.pub.validity_end_ms},
                   {"SealedPrivateKey", sealed}};
  RAMPART_RETURN_IF_ERROR(store.entities().Transact([&](store::EntityTx& tx) -> Status {
    return tx.Put(account, kSigningKeyKind, row_key, json::serialize(doc));
  }));
  return key;
}

Result<std::vector<PublicKeyInfo>> ListPublicKeys(store::Store& store, std::string_view account,
                                                  std::string_view region, int64_t start_ms,
                                                  int64_t end_ms) {
  std::vector<PublicKeyInfo> out;
  std::string prefix = std::string(region) + "/";
  RAMPART_RETURN_IF_ERROR(store.entities().Transact([&](store::EntityTx& tx) -> Status {
    std::string after;
    for (;;) {
      RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(account, kSigningKeyKind, prefix, after, 100));
      for (const auto& row : rows) {
        RAMPART_ASSIGN_OR_RETURN(PublicKeyInfo info, ParseRow(row.doc, nullptr));
        if (info.validity_start_ms <= end_ms && info.validity_end_ms >= start_ms) {
          out.push_back(std::move(info));
        }
      }
      if (rows.size() < 100) break;
      after = rows.back().key;
    }
    return {};
  }));
  return out;
}

}  // namespace rampart::spine
