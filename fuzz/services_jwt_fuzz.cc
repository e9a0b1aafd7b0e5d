// libFuzzer target: an OIDC ID token (services/sts/jwt.h) as AssumeRoleWithWebIdentity receives
// it, verified against fixed RSA and EC keys. Whatever the bytes: no crash, no read out of
// bounds (ASan/UBSan), and nothing but a genuine signature verifies (none can: the keys'
// private halves are not in the input).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <boost/json.hpp>
#include <string>

#include "services/sts/jwt.h"

using namespace rampart::services::sts;

namespace {

std::string B64Url(const unsigned char* p, size_t n) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    acc = (acc << 8) | p[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(k[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(k[(acc << (6 - bits)) & 63]);
  return out;
}

std::string BnB64Url(const BIGNUM* bn, int len) {
  std::string raw(static_cast<size_t>(len), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(raw.data()), len);
  return B64Url(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

// Fresh public keys (made once per process): a 2048-bit RSA key and a P-256 key, as JWKs.
const boost::json::object& RsaJwk() {
  static const boost::json::object k = [] {
    EVP_PKEY* key = EVP_RSA_gen(2048);
    BIGNUM *n = nullptr, *e = nullptr;
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n);
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e);
    boost::json::object o{{"kty", "RSA"}, {"n", BnB64Url(n, 256)}, {"e", BnB64Url(e, 3)}};
    BN_free(n);
    BN_free(e);
    EVP_PKEY_free(key);
    return o;
  }();
  return k;
}

const boost::json::object& EcJwk() {
  static const boost::json::object k = [] {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    BIGNUM *x = nullptr, *y = nullptr;
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x);
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
    boost::json::object o{{"kty", "EC"}, {"crv", "P-256"}, {"x", BnB64Url(x, 32)},
                          {"y", BnB64Url(y, 32)}};
    BN_free(x);
    BN_free(y);
    EVP_PKEY_free(key);
    return o;
  }();
  return k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view token(reinterpret_cast<const char*>(data), size);
  auto jwt = ParseJwt(token);
  if (!jwt.ok()) return 0;
  for (const auto* jwk : {&RsaJwk(), &EcJwk()}) {
    auto verified = VerifyJwtSignature(*jwt, *jwk);
    if (verified.ok() && *verified) std::abort();  // forged without the private key
  }
  return 0;
}
