#pragma once
// Secrets at rest, engine-neutral: AES-256-GCM under the root key, stored as base64 TEXT.
//
// The AAD binds a sealed value to where it lives (e.g. the access key id), so copying one
// row's ciphertext into another row fails to decrypt instead of silently moving a secret.

#include <string>
#include <string_view>

#include "common/result.h"

namespace rampart::store {

// base64(nonce || ciphertext || tag).
Result<std::string> SealSecret(std::string_view root_key, std::string_view aad,
                               std::string_view plaintext);
// Inverse of SealSecret. `what` names the value in the error ("secret of access key AKIA...").
// A wrong key or tampered value is an InternalFailure saying so, never garbage.
Result<std::string> OpenSecret(std::string_view root_key, std::string_view aad,
                               std::string_view sealed_base64, std::string_view what);

// The key check stored once per database (store_meta): lets open() tell "wrong root key" apart
// from anything else before any request touches a secret.
inline constexpr std::string_view kRootKeyCheckAad = "rampart/store_meta/root_key_check";
inline constexpr std::string_view kRootKeyCheckPlaintext = "rampart root key check v1";
// Verifies a stored check value against `root_key`; `location` names the database.
Status VerifyRootKeyCheck(std::string_view root_key, std::string_view sealed_base64,
                          std::string_view location);

}  // namespace rampart::store
