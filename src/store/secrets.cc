#include "store/secrets.h"

#include "common/crypto.h"

namespace rampart::store {

Result<std::string> SealSecret(std::string_view root_key, std::string_view aad,
                               std::string_view plaintext) {
  RAMPART_ASSIGN_OR_RETURN(std::string sealed, crypto::AeadSeal(root_key, plaintext, aad));
  return crypto::Base64Encode(sealed);
}

Result<std::string> OpenSecret(std::string_view root_key, std::string_view aad,
                               std::string_view sealed_base64, std::string_view what) {
  Result<std::string> sealed = crypto::Base64Decode(sealed_base64);
  if (!sealed.ok()) {
    return Error::Internal("stored " + std::string(what) + " is corrupt (not base64)");
  }
  Result<std::string> plain = crypto::AeadOpen(root_key, *sealed, aad);
  if (!plain.ok()) {
    return Error::Internal("cannot decrypt " + std::string(what) +
                           ": the root key does not match the one it was written with, or the "
                           "stored value was tampered with");
  }
  return plain;
}

Status VerifyRootKeyCheck(std::string_view root_key, std::string_view sealed_base64,
                          std::string_view location) {
  Result<std::string> sealed = crypto::Base64Decode(sealed_base64);
  Result<std::string> plain =
      sealed.ok() ? crypto::AeadOpen(root_key, *sealed, kRootKeyCheckAad) : sealed;
  if (!plain.ok() || *plain != kRootKeyCheckPlaintext) {
    return Error::Internal("wrong root key for " + std::string(location) +
                           ": the database was created with a different root key (check "
                           "root.key / --root-key-file); refusing to open it");
  }
  return {};
}

}  // namespace rampart::store
