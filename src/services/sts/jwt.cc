#include "services/sts/jwt.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <boost/json.hpp>
#include <memory>

namespace rampart::services::sts {

namespace json = boost::json;

namespace {

Error Malformed(std::string m) { return {"Malformed", std::move(m), 400, true}; }
Error Unsupported(std::string m) { return {"Unsupported", std::move(m), 400, true}; }

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using BldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using PctxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using SigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

std::string_view StrOf(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}

BnPtr Bn(std::string_view bytes) {
  return BnPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                         static_cast<int>(bytes.size()), nullptr));
}

Result<PkeyPtr> FromData(const char* type, OSSL_PARAM_BLD* bld) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PctxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return Malformed("the JWK does not describe a valid public key");
  }
  return PkeyPtr(raw);
}

Result<PkeyPtr> RsaKey(const json::object& jwk) {
  RAMPART_ASSIGN_OR_RETURN(std::string n, Base64UrlDecode(StrOf(jwk, "n")));
  RAMPART_ASSIGN_OR_RETURN(std::string e, Base64UrlDecode(StrOf(jwk, "e")));
  BnPtr bn_n = Bn(n), bn_e = Bn(e);
  if (!bn_n || !bn_e) return Malformed("bad RSA JWK");
  // Counted in bits, not bytes: leading zero bytes do not make a short modulus long.
  int bits = BN_num_bits(bn_n.get());
  if (bits < 2048) return Unsupported("RSA keys shorter than 2048 bits are refused");
  if (bits > 16384) return Unsupported("RSA keys longer than 16384 bits are refused");
  // The public exponent: odd, at least 3, and far shorter than the modulus (65537 in practice).
  if (!BN_is_odd(bn_e.get()) || BN_num_bits(bn_e.get()) < 2 || BN_num_bits(bn_e.get()) > 256) {
    return Unsupported("the RSA public exponent must be odd, at least 3 and at most 256 bits");
  }
  BldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get())) {
    return Malformed("bad RSA JWK");
  }
  return FromData("RSA", bld.get());
}

Result<PkeyPtr> EcKey(const json::object& jwk, std::string_view crv) {
  RAMPART_ASSIGN_OR_RETURN(std::string x, Base64UrlDecode(StrOf(jwk, "x")));
  RAMPART_ASSIGN_OR_RETURN(std::string y, Base64UrlDecode(StrOf(jwk, "y")));
  size_t len = crv == "P-256" ? 32 : 48;
  if (x.size() != len || y.size() != len) return Malformed("bad EC JWK coordinates");
  std::string point = "\x04" + x + y;
  BldPtr bld(OSSL_PARAM_BLD_new());
  const char* group = crv == "P-256" ? "prime256v1" : "secp384r1";
  if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size())) {
    return Malformed("bad EC JWK");
  }
  return FromData("EC", bld.get());
}

}  // namespace

Result<std::string> Base64UrlDecode(std::string_view in) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-') v = 62;
    else if (c == '_') v = 63;
    else return Malformed("invalid base64url character");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (bits >= 6) return Malformed("truncated base64url");
  return out;
}

Result<Jwt> ParseJwt(std::string_view token) {
  size_t a = token.find('.');
  size_t b = a == std::string_view::npos ? a : token.find('.', a + 1);
  if (b == std::string_view::npos || token.find('.', b + 1) != std::string_view::npos) {
    return Malformed("not a JWS compact serialization");
  }
  Jwt jwt;
  jwt.signing_input = std::string(token.substr(0, b));
  RAMPART_ASSIGN_OR_RETURN(std::string header, Base64UrlDecode(token.substr(0, a)));
  RAMPART_ASSIGN_OR_RETURN(std::string payload, Base64UrlDecode(token.substr(a + 1, b - a - 1)));
  RAMPART_ASSIGN_OR_RETURN(jwt.signature, Base64UrlDecode(token.substr(b + 1)));
  boost::system::error_code ec;
  json::value h = json::parse(header, ec);
  if (ec || !h.is_object()) return Malformed("the JWT header is not a JSON object");
  json::value p = json::parse(payload, ec);
  if (ec || !p.is_object()) return Malformed("the JWT payload is not a JSON object");
  jwt.header = std::move(h.as_object());
  jwt.claims = std::move(p.as_object());
  jwt.alg = std::string(StrOf(jwt.header, "alg"));
  jwt.kid = std::string(StrOf(jwt.header, "kid"));
  return jwt;
}

Result<bool> VerifyJwtSignature(const Jwt& jwt, const json::object& jwk) {
  const std::string& alg = jwt.alg;
  std::string_view kty = StrOf(jwk, "kty");
  if (std::string_view use = StrOf(jwk, "use"); !use.empty() && use != "sig") return false;
  if (std::string_view kalg = StrOf(jwk, "alg"); !kalg.empty() && kalg != alg) return false;
  const EVP_MD* md = nullptr;
  bool rsa = false, pss = false, ec = false;
  if (alg == "RS256" || alg == "PS256" || alg == "ES256") md = EVP_sha256();
  else if (alg == "RS384" || alg == "PS384" || alg == "ES384") md = EVP_sha384();
  else if (alg == "RS512" || alg == "PS512") md = EVP_sha512();
  else return Unsupported("unsupported JWT signature algorithm '" + alg + "'");
  rsa = alg[0] == 'R' || alg[0] == 'P';
  pss = alg[0] == 'P';
  ec = alg[0] == 'E';
  PkeyPtr key;
  std::string sig = jwt.signature;
  if (rsa) {
    if (kty != "RSA") return false;
    RAMPART_ASSIGN_OR_RETURN(key, RsaKey(jwk));
  } else {
    std::string_view crv = StrOf(jwk, "crv");
    if (kty != "EC" || crv != (alg == "ES256" ? "P-256" : "P-384")) return false;
    RAMPART_ASSIGN_OR_RETURN(key, EcKey(jwk, crv));
    size_t half = alg == "ES256" ? 32 : 48;
    if (sig.size() != 2 * half) return false;
    SigPtr es(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()), static_cast<int>(half), nullptr);
    BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data() + half), static_cast<int>(half), nullptr);
    if (!es || !r || !s || ECDSA_SIG_set0(es.get(), r, s) != 1) {
      BN_free(r);
      BN_free(s);
      return Malformed("bad ECDSA signature");
    }
    unsigned char* der = nullptr;
    int der_len = i2d_ECDSA_SIG(es.get(), &der);
    if (der_len <= 0) return Malformed("bad ECDSA signature");
    sig.assign(reinterpret_cast<char*>(der), static_cast<size_t>(der_len));
    OPENSSL_free(der);
  }
  (void)ec;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key.get()) != 1) {
    return Malformed("cannot initialise signature verification");
  }
  if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
              EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
              EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1)) {
    return Malformed("cannot set RSA-PSS parameters");
  }
  int ok = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                            reinterpret_cast<const unsigned char*>(jwt.signing_input.data()),
                            jwt.signing_input.size());
  return ok == 1;
}

}  // namespace rampart::services::sts
