#pragma once
// Virtual MFA devices (mfa.cc): RFC 6238 TOTP verification for other services, e.g. STS
// GetSessionToken / AssumeRole with SerialNumber + TokenCode.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "store/store.h"

namespace rampart::services::iam {

// Outcome of checking one TOTP code against an assigned virtual MFA device.
enum class MfaCheck {
  kValid,        // the code matched a step after the last accepted one; that step is now used
  kInvalid,      // wrong code, replayed code, or out of the +-1 step window
  kNoSuchDevice  // no virtual device with that serial is assigned to `user_name` in `account`
};

// Verifies `code` (6 digits; SHA-1, 30 s steps, +-1 step of clock drift after any resync
// offset) for the virtual MFA device `serial` assigned to IAM user `user_name` of `account`
// (user_name "" accepts the device's assigned user, whoever it is). A match consumes its step:
// the same code, or an older one, is refused afterwards. Thread-safe (one store transaction).
Result<MfaCheck> VerifyMfaCode(store::Store& store, std::string_view account,
                               std::string_view user_name, std::string_view serial,
                               std::string_view code, int64_t now_epoch_seconds);

// RFC 6238 TOTP value (6 digits, HMAC-SHA-1) of `secret` at time step `step` (epoch / 30).
std::string Totp(std::string_view secret, int64_t step);

// RFC 4648 base32 (upper case, '=' padded).
std::string Base32Encode(std::string_view data);

}  // namespace rampart::services::iam
