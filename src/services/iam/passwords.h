#pragma once
// Console passwords: Argon2id hashing and the account password policy (password_policy.cc), shared
// by the login-profile operations (login_profiles.cc).
//
// Storage: the policy is the document "password-policy" [account] shaped like the model's
// PasswordPolicy; hashes are Argon2id PHC strings ($argon2id$v=19$m=...,t=...,p=...$salt$hash),
// salted per password, so they are stored as they are (not sealed).

#include <optional>
#include <string>
#include <string_view>

#include "services/iam/common.h"

namespace rampart::services::iam {

// An Argon2id PHC string for `password` with a fresh random salt. Thread-safe.
Result<std::string> HashPassword(std::string_view password);
// Whether `password` matches the PHC string `hash` (constant-time compare inside libargon2).
bool VerifyPassword(std::string_view hash, std::string_view password);

// The account's password policy document, or nullopt if none was set.
Result<std::optional<json::object>> LoadPasswordPolicy(store::EntityTx& tx,
                                                       std::string_view account);

// PasswordPolicyViolation unless `password` satisfies `policy`; with no policy, AWS's default
// (at least 8 characters and three of: uppercase, lowercase, numbers, symbols).
Status CheckPasswordStrength(const std::optional<json::object>& policy, std::string_view password);

// The policy's PasswordReusePrevention (0 = none) and MaxPasswordAge in days (0 = never expires).
int64_t ReusePrevention(const std::optional<json::object>& policy);
int64_t MaxPasswordAgeDays(const std::optional<json::object>& policy);

Error PasswordPolicyViolation(std::string message);  // 400

}  // namespace rampart::services::iam
