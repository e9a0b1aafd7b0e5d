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

const json::object* KmsOf(const json::object& obj) {
  auto* s = obj.if_contains("SSEKMS");
  return s && s->is_object() ? &s->as_object() : nullptr;
}

Error NotServed(std::string_view what) {
  return Error{"NotImplemented", std::string(what) + " is not implemented in Rampart yet", 501,
               true};
}

// A KMS error as S3 passes it on: AccessDenied as it is, the others as "KMS.<code>" (400).
Error FromKms(const Error& e) {
  if (e.http_status == 403 || e.code == "AccessDenied" || e.code == "AccessDeniedException") {
    return Error{"AccessDenied", e.message, 403, true};
  }
  if (e.http_status >= 500) return e;
  return Error{"KMS." + e.code, e.message, 400, true};
}

// The encryption context of an SSE-KMS object: the caller's (base64 of a JSON object of
// strings), plus aws:s3:arn.
Result<json::object> KmsContext(const json::object& in, const Bucket& b,
                                std::string_view object_key, bool bucket_key) {
  json::object ctx;
  if (std::string_view given = Str(in, "SSEKMSEncryptionContext"); !given.empty()) {
    auto text = crypto::Base64Decode(given);
    boost::system::error_code ec;
    json::value v = text.ok() ? json::parse(*text, ec) : json::value();
    bool strings = !ec && v.is_object();
    if (strings) {
      for (const auto& kv : v.as_object()) strings = strings && kv.value().is_string();
    }
    if (!strings) {
      return InvalidArgument("The header 'x-amz-server-side-encryption-context' shall be a "
                             "base64-encoded UTF-8 string holding JSON which represents a "
                             "string-string map");
    }
    ctx = std::move(v.as_object());
  }
  std::string arn = "arn:aws:s3:::" + b.name;
  if (!bucket_key) arn += "/" + std::string(object_key);
  ctx["aws:s3:arn"] = arn;
  return ctx;
}

Result<DataKey> NewKmsKey(S3Service& s3, const Call& call, const Bucket& b, const json::object& in,
                          std::string key_id, bool bucket_key, std::string_view object_key) {
  if (!s3.kms()) return NotServed("SSE-KMS");
  if (key_id.empty()) {
    RAMPART_ASSIGN_OR_RETURN(key_id, s3.ManagedKey(call));
  }
  RAMPART_ASSIGN_OR_RETURN(json::object ctx, KmsContext(in, b, object_key, bucket_key));
  auto out = s3.kms()(call, "GenerateDataKey",
                      json::object{{"KeyId", key_id}, {"KeySpec", "AES_256"},
                                   {"EncryptionContext", ctx}});
  if (!out.ok()) return FromKms(out.error());
  const json::object& o = out->as_object();
  std::string plaintext(Str(o, "Plaintext"));
  if (plaintext.size() != 32) return Error::Internal("KMS returned a data key of the wrong size");
  json::object kms{{"KeyId", Str(o, "KeyId")},
                   {"Blob", crypto::Base64Encode(Str(o, "CiphertextBlob"))},
                   {"Context", std::move(ctx)},
                   {"BucketKey", bucket_key}};
  return DataKey{std::move(plaintext), json::object{{"SSEKMS", std::move(kms)}}};
}

Result<std::string> OpenKmsKey(S3Service& s3, const Call& call, const json::object& kms) {
  if (!s3.kms()) return NotServed("SSE-KMS");
  auto blob = crypto::Base64Decode(Str(kms, "Blob"));
  if (!blob.ok()) return Error::Internal("the stored object metadata is damaged");
  json::object in{{"CiphertextBlob", *blob}, {"KeyId", Str(kms, "KeyId")}};
  if (auto* c = kms.if_contains("Context")) in["EncryptionContext"] = *c;
  auto out = s3.kms()(call, "Decrypt", in);
  if (!out.ok()) return FromKms(out.error());
  std::string plaintext(Str(out->as_object(), "Plaintext"));
  if (plaintext.size() != 32) return Error::Internal("KMS returned a data key of the wrong size");
  return plaintext;
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
                           const json::object& in, std::string_view object_key) {
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
  std::string_view kms_key = Str(in, "SSEKMSKeyId");
  if (sse.empty()) {
    if (!kms_key.empty()) {
      return InvalidArgument("x-amz-server-side-encryption header is not supported for this "
                             "operation.");
    }
    // The bucket's default encryption.
    auto* enc = b.doc.if_contains("Encryption");
    if (enc && enc->is_object()) {
      auto* rules = enc->as_object().if_contains("Rules");
      if (rules && rules->is_array() && !rules->as_array().empty() &&
          rules->as_array()[0].is_object()) {
        const json::object& rule = rules->as_array()[0].as_object();
        auto* a = rule.if_contains("ApplyServerSideEncryptionByDefault");
        if (a && a->is_object() && Str(a->as_object(), "SSEAlgorithm") == "aws:kms") {
          return NewKmsKey(s3, call, b, in, std::string(Str(a->as_object(), "KMSMasterKeyID")),
                           Flag(rule, "BucketKeyEnabled"), object_key);
        }
      }
    }
  } else if (sse == "aws:kms") {
    return NewKmsKey(s3, call, b, in, std::string(kms_key), Flag(in, "BucketKeyEnabled"),
                     object_key);
  } else if (sse == "aws:kms:dsse") {
    return NotServed("DSSE-KMS (aws:kms:dsse)");
  } else if (sse != "AES256") {
    return InvalidArgument("The encryption method specified is not supported");
  } else if (!kms_key.empty()) {
    return InvalidArgument("Server Side Encryption with AWS KMS managed key requires HTTP header "
                           "x-amz-server-side-encryption : aws:kms");
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
    if (const json::object* kms = KmsOf(obj)) return OpenKmsKey(s3, call, *kms);
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
  if (const json::object* kms = KmsOf(obj)) {
    out["ServerSideEncryption"] = "aws:kms";
    out["SSEKMSKeyId"] = Str(*kms, "KeyId");
    if (Flag(*kms, "BucketKey")) out["BucketKeyEnabled"] = true;
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
