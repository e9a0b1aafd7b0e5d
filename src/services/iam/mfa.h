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
  kValid,         // the code matched a step after the last accepted one; that step is now used
  kInvalid,       // wrong code, or out of the +-1 step window (counted as a failure)
  kReused,        // the code of a step already used (wait for the next code); not a failure
  kLockedOut,     // too many failures lately: every code is refused until the lock ends
  kNoSuchDevice   // no virtual device with that serial is assigned to `user_name` in `account`
};

// After UpdateUser renamed `old_name` to `new_name` (in `tx`): the virtual MFA devices assigned
// to the user name it by its new name. The user's mfa-device rows move with the other per-user
// rows (common.h MoveUserRows).
Status RenameMfaUser(store::EntityTx& tx, std::string_view account, std::string_view old_name,
                     std::string_view new_name);

// Brute-force protection of one device: `max_failures` wrong codes within `lockout_seconds`
// lock the device for `lockout_seconds` (every code refused, the right one too). A 6-digit code
// with a 3-step window is guessed with probability 3e-6 a try: at 10 tries per 15 minutes that
// is ~1 % after 9 years.
struct MfaLimits {
  int max_failures = 10;
  int64_t lockout_seconds = 900;
};
// Verifies `code` (6 digits; SHA-1, 30 s steps, +-1 step of clock drift after any resync
// offset) for the virtual MFA device `serial` assigned to IAM user `user_name` of `account`
// (user_name "" accepts the device's assigned user, whoever it is). A match consumes its step:
// the same code, or an older one, is refused afterwards. Failures are counted on the device
// (`limits`). Thread-safe (one store transaction, committed whatever the outcome).
Result<MfaCheck> VerifyMfaCode(store::Store& store, const MfaLimits& limits,
                               std::string_view account, std::string_view user_name,
                               std::string_view serial, std::string_view code,
                               int64_t now_epoch_seconds);

// The AccessDenied message STS gives for a check that did not pass.
std::string MfaDeniedMessage(MfaCheck check);

// RFC 6238 TOTP value (6 digits, HMAC-SHA-1) of `secret` at time step `step` (epoch / 30).
std::string Totp(std::string_view secret, int64_t step);

// RFC 4648 base32 (upper case, '=' padded).
std::string Base32Encode(std::string_view data);

}  // namespace rampart::services::iam
