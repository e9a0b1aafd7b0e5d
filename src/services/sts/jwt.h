#pragma once
// JSON Web Tokens (RFC 7519) in JWS compact form and JSON Web Keys (RFC 7517), as
// AssumeRoleWithWebIdentity needs them: parse, and verify the signature with a key of the
// provider's JWKS. Pure (no I/O, no clock) and thread-safe.
//
// Signature algorithms: RS256, RS384, RS512, PS256, PS384, PS512 (RSA keys) and ES256, ES384
// (EC keys on P-256 / P-384; the JWS signature is the raw r||s pair). "none" and the HMAC
// algorithms are refused: a provider never shares a secret with IAM.

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "common/result.h"

namespace rampart::services::sts {

struct Jwt {
  boost::json::object header;
  boost::json::object claims;
  std::string signing_input;  // base64url(header) "." base64url(payload), as received
  std::string signature;      // decoded bytes
  std::string alg, kid;
};

// RFC 4648 §5 without padding (padding tolerated).
Result<std::string> Base64UrlDecode(std::string_view in);

// Splits and decodes; code "Malformed" if it is not three base64url parts of JSON objects.
Result<Jwt> ParseJwt(std::string_view token);

// True if `jwk` (one entry of a JWKS "keys" array) can verify `jwt` and the signature verifies.
// An error (code "Unsupported") for algorithms and key types outside the list above, or a key
// whose "alg"/"use" say it is not for this purpose.
Result<bool> VerifyJwtSignature(const Jwt& jwt, const boost::json::object& jwk);

}  // namespace rampart::services::sts
