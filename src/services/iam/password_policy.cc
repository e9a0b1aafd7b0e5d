// The account password policy (UpdateAccountPasswordPolicy, GetAccountPasswordPolicy,
// DeleteAccountPasswordPolicy) and the password primitives shared with login_profiles.cc.
#include <argon2.h>

#include <cstring>

#include "common/crypto.h"
#include "services/iam/passwords.h"

namespace rampart::services::iam {

namespace {

constexpr std::string_view kKind = "password-policy";
constexpr std::string_view kKey = "account";

// OWASP's Argon2id minimum (19 MiB, 2 passes, 1 lane): a few tens of milliseconds per hash, so
// checking the 24 remembered passwords of PasswordReusePrevention stays well under a second.
constexpr uint32_t kTimeCost = 2;
constexpr uint32_t kMemoryKiB = 19 * 1024;
constexpr uint32_t kLanes = 1;
constexpr size_t kSaltLen = 16;
constexpr size_t kHashLen = 32;

// AWS's definition of a symbol in a password policy.
constexpr std::string_view kSymbols = "!@#$%^&*()_+-=[]{}|'";

Result<json::value> UpdateAccountPasswordPolicy(IamService& svc, const Call& call,
                                                const json::object& in) {
  // Members left out revert to their defaults, as in AWS: the call replaces the whole policy.
  json::object policy{
      {"MinimumPasswordLength", Int(in, "MinimumPasswordLength").value_or(6)},
      {"RequireSymbols", Bool(in, "RequireSymbols")},
      {"RequireNumbers", Bool(in, "RequireNumbers")},
      {"RequireUppercaseCharacters", Bool(in, "RequireUppercaseCharacters")},
      {"RequireLowercaseCharacters", Bool(in, "RequireLowercaseCharacters")},
      {"AllowUsersToChangePassword", Bool(in, "AllowUsersToChangePassword")},
      {"HardExpiry", Bool(in, "HardExpiry")},
  };
  auto age = Int(in, "MaxPasswordAge");
  policy["ExpirePasswords"] = age.has_value();
  if (age) policy["MaxPasswordAge"] = *age;
  if (auto reuse = Int(in, "PasswordReusePrevention")) policy["PasswordReusePrevention"] = *reuse;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    return Save(tx, call.principal.account_id, kKind, kKey, policy);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> GetAccountPasswordPolicy(IamService& svc, const Call& call,
                                             const json::object&) {
  std::optional<json::object> policy;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(policy, LoadPasswordPolicy(tx, call.principal.account_id));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  if (!policy) {
    return NoSuchEntity("The Password Policy with domain name " + call.principal.account_id +
                        " cannot be found.");
  }
  return json::value(json::object{{"PasswordPolicy", std::move(*policy)}});
}

Result<json::value> DeleteAccountPasswordPolicy(IamService& svc, const Call& call,
                                                const json::object&) {
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(MustExist(tx, call.principal.account_id, kKind, kKey,
                                      "The account policy with name PasswordPolicy cannot be "
                                      "found."));
    return tx.Delete(call.principal.account_id, kKind, kKey);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

}  // namespace

Error PasswordPolicyViolation(std::string message) {
  return {"PasswordPolicyViolation", std::move(message), 400, true};
}

Result<std::string> HashPassword(std::string_view password) {
  std::string salt = crypto::RandomBytes(kSaltLen);
  size_t len = argon2_encodedlen(kTimeCost, kMemoryKiB, kLanes, kSaltLen, kHashLen, Argon2_id);
  std::string encoded(len, '\0');
  int rc = argon2id_hash_encoded(kTimeCost, kMemoryKiB, kLanes, password.data(), password.size(),
                                 salt.data(), salt.size(), kHashLen, encoded.data(), len);
  if (rc != ARGON2_OK) {
    return Error::Internal(std::string("argon2id hashing failed: ") + argon2_error_message(rc));
  }
  encoded.resize(std::strlen(encoded.c_str()));
  return encoded;
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  std::string h(hash);  // NUL-terminated for libargon2
  return argon2id_verify(h.c_str(), password.data(), password.size()) == ARGON2_OK;
}

Result<std::optional<json::object>> LoadPasswordPolicy(store::EntityTx& tx,
                                                       std::string_view account) {
  return Load(tx, account, kKind, kKey);
}

Status CheckPasswordStrength(const std::optional<json::object>& policy, std::string_view password) {
  bool upper = false, lower = false, digit = false, symbol = false;
  for (char c : password) {
    if (c >= 'A' && c <= 'Z')
      upper = true;
    else if (c >= 'a' && c <= 'z')
      lower = true;
    else if (c >= '0' && c <= '9')
      digit = true;
    else if (kSymbols.find(c) != std::string_view::npos)
      symbol = true;
  }
  if (!policy) {
    int classes = upper + lower + digit + symbol;
    if (password.size() < 8 || classes < 3) {
      return PasswordPolicyViolation(
          "Password does not conform to the account password policy: it must be at least 8 "
          "characters long and contain at least three of uppercase letters, lowercase letters, "
          "numbers and symbols.");
    }
    return {};
  }
  const json::object& p = *policy;
  std::string problems;
  auto add = [&](std::string_view s) {
    if (!problems.empty()) problems += "; ";
    problems += s;
  };
  int64_t min_len = Int(p, "MinimumPasswordLength").value_or(6);
  if (static_cast<int64_t>(password.size()) < min_len) {
    add("Password should have a minimum length of " + std::to_string(min_len));
  }
  if (Bool(p, "RequireUppercaseCharacters") && !upper) {
    add("Password should have at least one uppercase letter");
  }
  if (Bool(p, "RequireLowercaseCharacters") && !lower) {
    add("Password should have at least one lowercase letter");
  }
  if (Bool(p, "RequireNumbers") && !digit) add("Password should have at least one number");
  if (Bool(p, "RequireSymbols") && !symbol) add("Password should have at least one symbol");
  if (!problems.empty()) return PasswordPolicyViolation(problems);
  return {};
}

int64_t ReusePrevention(const std::optional<json::object>& policy) {
  return policy ? Int(*policy, "PasswordReusePrevention").value_or(0) : 0;
}

int64_t MaxPasswordAgeDays(const std::optional<json::object>& policy) {
  return policy ? Int(*policy, "MaxPasswordAge").value_or(0) : 0;
}

void AddPasswordPolicyOps(std::vector<IamOp>& ops) {
  ops.insert(ops.end(), {{"UpdateAccountPasswordPolicy", UpdateAccountPasswordPolicy},
                         {"GetAccountPasswordPolicy", GetAccountPasswordPolicy},
                         {"DeleteAccountPasswordPolicy", DeleteAccountPasswordPolicy}});
}

}  // namespace rampart::services::iam
