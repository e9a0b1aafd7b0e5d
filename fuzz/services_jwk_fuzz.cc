// libFuzzer target: a JWK as an OIDC provider's JWKS serves it (services/sts/jwt.h,
// VerifyJwtSignature), with a fixed, well-formed RS256 and ES256 token. The key's members
// (kty, n, e, crv, x, y, alg, use) are untrusted bytes: whatever they hold, no crash, no read out
// of bounds, no hang on huge or degenerate keys, and no signature verifies (the tokens'
// signatures were made with no key at all). Input: a JSON object (one JWK).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "common/json_parse.h"
#include "services/sts/jwt.h"

using namespace rampart::services::sts;

namespace {

// header.payload.signature with a random-looking signature of each algorithm's size.
const Jwt& Token(bool ec) {
  static const Jwt rsa = [] {
    // {"alg":"RS256","kid":"k"} . {"iss":"https://idp.example.com","aud":"a","sub":"s"}
    std::string t =
        "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ."
        "eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6ImEiLCJzdWIiOiJzIn0." +
        std::string(341, 'B') + "Q";
    return ParseJwt(t).value();
  }();
  static const Jwt es = [] {
    // {"alg":"ES256","kid":"k"} . same claims
    std::string t =
        "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsifQ."
        "eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6ImEiLCJzdWIiOiJzIn0." +
        std::string(85, 'B') + "A";
    return ParseJwt(t).value();
  }();
  return ec ? es : rsa;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 32 * 1024) return 0;
  boost::system::error_code ec;
  boost::json::value v =
      rampart::ParseJson(std::string_view(reinterpret_cast<const char*>(data), size), ec);
  if (ec || !v.is_object()) return 0;
  for (bool use_ec : {false, true}) {
    auto r = VerifyJwtSignature(Token(use_ec), v.as_object());
    if (r.ok() && *r) abort();  // nobody holds a key for these signatures
  }
  return 0;
}
