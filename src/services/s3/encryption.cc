// Object encryption modes (SSE-S3, SSE-C): see encryption.h.

#include "services/s3/encryption.h"

#include "common/crypto.h"
#include "common/strings.h"

namespace rampart::services::s3 {
namespace {

constexpr std::string_view kCheckLabel = "rampart/s3/sse-c/check";

Error SseCError(std::string code, std::string message, int status = 400) {
  return Error{std::move(code), std::move(message), status, true};
}

bool FromThisMachine(std::string_view ip) {
  return StartsWith(ip, "127.") || ip == "::1" || StartsWith(ip, "::ffff:127.");
}

std::string CheckOf(std::string_view salt, std::string_view key) {
  auto mac = crypto::HmacSha256(salt, std::string(kCheckLabel) + std::string(key));
  return crypto::Base64Encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

bool IsSseC(const json::object& obj) {
  auto* s = obj.if_contains("SSEC");
  return s && s->is_object();
}

}  // namespace

Result<std::optional<std::string>> PresentedCustomerKey(const Call& call, const json::object& in,
                                                        bool copy_source) {
  std::string prefix = copy_source ? "CopySourceSSECustomer" : "SSECustomer";
  std::string_view algo = Str(in, prefix + "Algorithm");
  std::string_view key64 = Str(in, prefix + "Key");
  std::string_view md5 = Str(in, prefix + "KeyMD5");
  if (algo.empty() && key64.empty() && md5.empty()) return std::optional<std::string>();
  if (!call.secure_transport && !FromThisMachine(call.source_ip)) {
    return SseCError("InvalidRequest",
                     "Requests specifying Server Side Encryption with Customer provided keys must "
                     "be made over a secure connection.");
  }
  if (algo.empty()) {
    return InvalidArgument("Requests specifying Server Side Encryption with Customer provided keys "
                           "must provide a valid encryption algorithm.");
  }
  if (algo != "AES256") {
    return SseCError("InvalidEncryptionAlgorithmError",
                     "The encryption request you specified is not valid. The valid value is AES256.");
  }
  if (key64.empty()) {
    return InvalidArgument("Requests specifying Server Side Encryption with Customer provided keys "
                           "must provide an appropriate secret key.");
  }
  auto key = crypto::Base64Decode(key64);
  if (!key.ok() || key->size() != 32) {
    return InvalidArgument("The secret key was invalid for the specified algorithm.");
  }
  if (md5.empty()) {
    return InvalidArgument("Requests specifying Server Side Encryption with Customer provided keys "
                           "must provide the client calculated MD5 of the secret key.");
  }
  if (md5 != crypto::Base64Encode(crypto::Md5(*key))) {
    return InvalidArgument("The calculated MD5 hash of the key did not match the hash that was "
                           "provided.");
  }
  return std::optional<std::string>(std::move(*key));
}

Result<DataKey> NewDataKey(S3Service& s3, const Call& call, const Bucket& b,
                           const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(std::optional<std::string> customer, PresentedCustomerKey(call, in));
  std::string_view sse = Str(in, "ServerSideEncryption");
  if (customer) {
    if (!sse.empty()) {
      return InvalidArgument("Server Side Encryption with Customer provided key is incompatible "
                             "with the encryption method specified");
    }
    std::string salt = crypto::RandomBytes(16);
    json::object ssec{{"KeyMD5", crypto::Base64Encode(crypto::Md5(*customer))},
                      {"Salt", crypto::Base64Encode(salt)},
                      {"Check", CheckOf(salt, *customer)}};
    return DataKey{std::move(*customer), json::object{{"SSEC", std::move(ssec)}}};
  }
  if (!sse.empty() && sse != "AES256") {
    if (sse == "aws:kms" || sse == "aws:kms:dsse") {
      return Error{"NotImplemented",
                   "SSE-KMS is not implemented in Rampart yet; use AES256 (SSE-S3) or SSE-C", 501,
                   true};
    }
    return InvalidArgument("The encryption method specified is not supported");
  }
  RAMPART_ASSIGN_OR_RETURN(std::string key, s3.BucketKey(b));
  return DataKey{std::move(key), {}};
}

Result<std::string> ExistingDataKey(S3Service& s3, const Call& call, const Bucket& b,
                                    const json::object& obj, const json::object& in,
                                    bool copy_source) {
  RAMPART_ASSIGN_OR_RETURN(std::optional<std::string> customer,
                           PresentedCustomerKey(call, in, copy_source));
  if (!IsSseC(obj)) {
    if (customer) {
      return SseCError("InvalidRequest", "The encryption parameters are not applicable to this object.");
    }
    return s3.BucketKey(b);
  }
  if (!customer) {
    return SseCError("InvalidRequest",
                     "The object was stored using a form of Server Side Encryption. The correct "
                     "parameters must be provided to retrieve the object.");
  }
  const json::object& ssec = obj.at("SSEC").as_object();
  auto salt = crypto::Base64Decode(Str(ssec, "Salt"));
  if (!salt.ok()) return Error::Internal("the stored object metadata is damaged");
  if (!crypto::ConstantTimeEquals(CheckOf(*salt, *customer), Str(ssec, "Check"))) {
    return SseCError("AccessDenied",
                     "Requests specifying Server Side Encryption with Customer provided keys must "
                     "provide the correct secret key.",
                     403);
  }
  return std::move(*customer);
}

void AddEncryptionHeaders(const json::object& obj, json::object& out) {
  if (IsSseC(obj)) {
    out["SSECustomerAlgorithm"] = "AES256";
    out["SSECustomerKeyMD5"] = Str(obj.at("SSEC").as_object(), "KeyMD5");
    out.erase("ServerSideEncryption");
    return;
  }
  out["ServerSideEncryption"] = "AES256";
}

std::string EtagOf(const DataKey& dk, std::string_view data) {
  if (dk.stored.empty()) return crypto::HexEncode(crypto::Md5(data));
  auto mac = crypto::HmacSha256(dk.key, data);
  return crypto::HexEncode(mac.data(), 16);
}

}  // namespace rampart::services::s3
