// Cryptographic operations: Encrypt, Decrypt, ReEncrypt, GenerateDataKey(+WithoutPlaintext),
// GenerateDataKeyPair(+WithoutPlaintext), GenerateRandom, Sign, Verify, GetPublicKey,
// GenerateMac, VerifyMac.
//
// Symmetric ciphertext blob (docs/KMS.md), all integers big-endian:
//   0      1 byte   magic 0x52 ('R')
//   1      1 byte   format version 0x01
//   2     12 bytes  account id (ASCII digits)
//  14     16 bytes  key id (the UUID's 16 bytes)
//  30      4 bytes  key material version
//  34     12 bytes  AES-GCM IV
//  46      n bytes  ciphertext
//  46+n   16 bytes  GCM tag
// AAD = bytes 0..33 || the encryption context (pairs sorted by key; each key and value as a
// 2-byte length and the bytes). So the header cannot be edited, and a missing or different
// context fails authentication (InvalidCiphertextException).
#include <openssl/crypto.h>

#include "common/crypto.h"
#include "common/strings.h"
#include "services/kms/kms.h"

namespace rampart::services::kms {

namespace {

using Handler = Result<json::value> (*)(KmsService&, const Call&, const json::object&);
using Context = std::vector<std::pair<std::string, std::string>>;

constexpr char kMagic = 0x52;
constexpr char kFormat = 0x01;             // the key id is a UUID
constexpr char kFormatMultiRegion = 0x02;  // the key id is "mrk-" and 32 hex digits
constexpr size_t kHeaderSize = 34;
constexpr size_t kMinBlob = kHeaderSize + 12 + 16;

std::string Header(const KeyEntry& k, int64_t version) {
  std::string h;
  h.reserve(kHeaderSize);
  h.push_back(kMagic);
  bool mrk = IsMultiRegionId(k.id);
  h.push_back(mrk ? kFormatMultiRegion : kFormat);
  h += k.account;
  std::string hex;
  for (char c : std::string_view(k.id).substr(mrk ? 4 : 0)) {
    if (c != '-') hex.push_back(c);
  }
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    h.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  for (int shift = 24; shift >= 0; shift -= 8) {
    h.push_back(static_cast<char>((static_cast<uint32_t>(version) >> shift) & 0xff));
  }
  return h;
}

std::string Aad(std::string_view header, const Context& ctx) {
  std::string aad(header);
  for (const auto& [k, v] : ctx) {
    for (const std::string* s : {&k, &v}) {
      aad.push_back(static_cast<char>((s->size() >> 8) & 0xff));
      aad.push_back(static_cast<char>(s->size() & 0xff));
      aad += *s;
    }
  }
  return aad;
}


Result<std::string> SymmetricEncrypt(KmsService& svc, const KeyEntry& k, std::string_view plaintext,
                                     const Context& ctx) {
  const auto& mats = k.doc.at("Materials").as_array();
  int64_t current = k.doc.at("Current").to_number<int64_t>();
  for (const auto& m : mats) {
    const json::object& mo = m.as_object();
    if (mo.at("Version").to_number<int64_t>() != current) continue;
    std::string header = Header(k, current);
    RAMPART_ASSIGN_OR_RETURN(std::string sealed,
                             svc.keys().Encrypt(Str(mo, "Handle"), Binding(k, current), plaintext,
                                                Aad(header, ctx)));
    return header + sealed;
  }
  return InvalidState(k.arn + " has no key material.");
}

// AWS: "<key ARN> key usage is SIGN_VERIFY which is not valid for Encrypt."
Error WrongKeyUsage(const KeyEntry& k, std::string_view operation) {
  return InvalidKeyUsage(k.arn + " key usage is " + std::string(Str(k.metadata(), "KeyUsage")) +
                         " which is not valid for " + std::string(operation) + ".");
}

Status CheckSymmetricEncryptKey(const KeyEntry& k, std::string_view operation) {
  if (Str(k.metadata(), "KeyUsage") != "ENCRYPT_DECRYPT") return WrongKeyUsage(k, operation);
  if (k.spec() != KeySpec::kSymmetricDefault) {
    return InvalidKeyUsage(k.arn + " key spec is " + std::string(Str(k.metadata(), "KeySpec")) +
                           " which is not valid for " + std::string(operation) + ".");
  }
  return {};
}

bool Lists(const json::object& md, std::string_view member, std::string_view value) {
  auto* a = md.if_contains(member);
  if (!a || !a->is_array()) return false;
  for (const auto& v : a->as_array()) {
    if (v.is_string() && v.as_string() == value) return true;
  }
  return false;
}

struct Decrypted {
  KeyRef key;
  std::string plaintext;
  std::string algorithm;
  int64_t version = 1;  // the key material that decrypted it
};

// The material version a symmetric blob was sealed with (header bytes 30..33); 1 for the raw
// output of an asymmetric key, which has one material.
int64_t BlobVersion(std::string_view blob, std::string_view algorithm) {
  if (!(algorithm.empty() || algorithm == "SYMMETRIC_DEFAULT") || blob.size() < kHeaderSize) {
    return 1;
  }
  uint32_t version = 0;
  for (size_t i = 30; i < 34; ++i) version = (version << 8) | static_cast<uint8_t>(blob[i]);
  return version;
}

// Decrypt's core, shared with ReEncrypt. `key_id`/`algorithm` may be empty.
Result<Decrypted> DecryptBlob(KmsService& svc, const Call& call, std::string_view blob,
                              const Context& ctx, std::string_view key_id,
                              std::string_view algorithm) {
  Decrypted out;
  out.algorithm = algorithm.empty() ? "SYMMETRIC_DEFAULT" : std::string(algorithm);
  KeyRef named;
  if (!key_id.empty()) {
    RAMPART_ASSIGN_OR_RETURN(named, svc.Find(call, key_id));
  }
  if (out.algorithm != "SYMMETRIC_DEFAULT") {
    // Asymmetric: the blob is the raw RSA-OAEP output; the key must be named.
    if (!named) return Validation("KeyId is required for asymmetric decryption.");
    RAMPART_RETURN_IF_ERROR(CheckUsable(*named));
    if (Str(named->metadata(), "KeyUsage") != "ENCRYPT_DECRYPT" ||
        !Lists(named->metadata(), "EncryptionAlgorithms", out.algorithm)) {
      return InvalidKeyUsage("Algorithm " + out.algorithm + " is not valid for " + named->arn + ".");
    }
    if (!ctx.empty()) return Validation("EncryptionContext is not supported for asymmetric keys.");
    const auto& mats = named->doc.at("Materials").as_array();
    if (mats.empty()) return InvalidState(named->arn + " has no key material.");
    RAMPART_ASSIGN_OR_RETURN(out.plaintext,
                             svc.keys().AsymmetricDecrypt(Str(mats[0].as_object(), "Handle"),
                                                          Binding(*named, 1), out.algorithm, blob));
    out.key = named;
    out.version = 1;
    return out;
  }
  if (named && named->spec() != KeySpec::kSymmetricDefault) {
    return InvalidKeyUsage("Algorithm SYMMETRIC_DEFAULT is not valid for " + named->arn + ".");
  }
  auto ref = BlobKey(blob);
  if (!ref) return InvalidCiphertext();
  if (named && (named->account != ref->first || named->id != ref->second)) {
    return IncorrectKey("The key ID in the request does not identify a KMS key that can perform "
                        "this operation.");
  }
  KeyRef k = named;
  if (!k) {
    RAMPART_ASSIGN_OR_RETURN(k, svc.Get(ref->first, StorageId(ref->second, call.region),
                                        call.now_epoch_seconds));
    if (!k) return NotFound("Key '" + KeyArn(call.region, ref->first, ref->second) + "' does not exist");
    NoteKey(call, *k);
  }
  RAMPART_RETURN_IF_ERROR(CheckUsable(*k));
  RAMPART_RETURN_IF_ERROR(CheckSymmetricEncryptKey(*k, "Decrypt"));
  int64_t version = BlobVersion(blob, "");
  for (const auto& m : k->doc.at("Materials").as_array()) {
    const json::object& mo = m.as_object();
    if (mo.at("Version").to_number<int64_t>() != static_cast<int64_t>(version)) continue;
    RAMPART_ASSIGN_OR_RETURN(out.plaintext,
                             svc.keys().Decrypt(Str(mo, "Handle"), Binding(*k, version),
                                                blob.substr(kHeaderSize),
                                                Aad(blob.substr(0, kHeaderSize), ctx)));
    out.key = k;
    out.version = version;
    return out;
  }
  return InvalidCiphertext();
}

// Encrypt's core, shared with ReEncrypt and the data-key operations.
Result<std::string> EncryptWith(KmsService& svc, const KeyEntry& k, std::string_view plaintext,
                                const Context& ctx, std::string_view algorithm) {
  RAMPART_RETURN_IF_ERROR(CheckUsable(k));
  std::string alg = algorithm.empty() ? "SYMMETRIC_DEFAULT" : std::string(algorithm);
  if (Str(k.metadata(), "KeyUsage") != "ENCRYPT_DECRYPT") return WrongKeyUsage(k, "Encrypt");
  if (!Lists(k.metadata(), "EncryptionAlgorithms", alg)) {
    return InvalidKeyUsage("Algorithm " + alg + " is not valid for " + k.arn + ".");
  }
  if (plaintext.empty() || plaintext.size() > 4096) {
    return Validation("Plaintext must be between 1 and 4096 bytes.");
  }
  if (alg == "SYMMETRIC_DEFAULT") return SymmetricEncrypt(svc, k, plaintext, ctx);
  if (!ctx.empty()) return Validation("EncryptionContext is not supported for asymmetric keys.");
  const auto& mats = k.doc.at("Materials").as_array();
  return svc.keys().AsymmetricEncrypt(Str(mats[0].as_object(), "Handle"), Binding(k, 1), alg,
                                      plaintext);
}

Result<json::value> Encrypt(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  RAMPART_ASSIGN_OR_RETURN(Context ctx, EncryptionContext(in));
  std::string_view alg = Str(in, "EncryptionAlgorithm");
  RAMPART_ASSIGN_OR_RETURN(std::string blob, EncryptWith(svc, *k, Str(in, "Plaintext"), ctx, alg));
  NoteMaterial(call, "keyMaterialId", *k, BlobVersion(blob, alg));
  return json::value(json::object{{"CiphertextBlob", blob},
                                  {"KeyId", k->arn},
                                  {"EncryptionAlgorithm", alg.empty() ? "SYMMETRIC_DEFAULT" : alg}});
}

Result<json::value> Decrypt(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Context ctx, EncryptionContext(in));
  RAMPART_ASSIGN_OR_RETURN(Decrypted d, DecryptBlob(svc, call, Str(in, "CiphertextBlob"), ctx,
                                                    Str(in, "KeyId"),
                                                    Str(in, "EncryptionAlgorithm")));
  NoteMaterial(call, "keyMaterialId", *d.key, d.version);
  json::object out{{"KeyId", d.key->arn}, {"Plaintext", d.plaintext},
                   {"EncryptionAlgorithm", d.algorithm}};
  OPENSSL_cleanse(d.plaintext.data(), d.plaintext.size());
  return json::value(std::move(out));
}

Result<json::value> ReEncrypt(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(Context src_ctx, EncryptionContext(in, "SourceEncryptionContext"));
  RAMPART_ASSIGN_OR_RETURN(Context dst_ctx, EncryptionContext(in, "DestinationEncryptionContext"));
  RAMPART_ASSIGN_OR_RETURN(KeyRef dst, svc.Find(call, Str(in, "DestinationKeyId")));
  RAMPART_ASSIGN_OR_RETURN(Decrypted d, DecryptBlob(svc, call, Str(in, "CiphertextBlob"), src_ctx,
                                                    Str(in, "SourceKeyId"),
                                                    Str(in, "SourceEncryptionAlgorithm")));
  std::string_view dst_alg = Str(in, "DestinationEncryptionAlgorithm");
  auto blob = EncryptWith(svc, *dst, d.plaintext, dst_ctx, dst_alg);
  OPENSSL_cleanse(d.plaintext.data(), d.plaintext.size());
  if (!blob.ok()) return std::move(blob).error();
  if (call.record) {  // source key, then destination, whatever order they were found in
    call.record->resources.clear();
    NoteKey(call, *d.key);
    NoteKey(call, *dst);
  }
  NoteMaterial(call, "sourceKeyMaterialId", *d.key, d.version);
  NoteMaterial(call, "destinationKeyMaterialId", *dst, BlobVersion(*blob, dst_alg));
  return json::value(json::object{
      {"CiphertextBlob", *blob},
      {"SourceKeyId", d.key->arn},
      {"KeyId", dst->arn},
      {"SourceEncryptionAlgorithm", d.algorithm},
      {"DestinationEncryptionAlgorithm", dst_alg.empty() ? "SYMMETRIC_DEFAULT" : dst_alg}});
}

Result<json::value> DataKey(KmsService& svc, const Call& call, const json::object& in,
                            bool with_plaintext) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  RAMPART_ASSIGN_OR_RETURN(Context ctx, EncryptionContext(in));
  std::string_view spec = Str(in, "KeySpec");
  auto* nb = in.if_contains("NumberOfBytes");
  if (spec.empty() == (nb == nullptr)) {
    return Validation(spec.empty() ? "Please specify either number of bytes or key spec."
                                   : "Please specify either number of bytes or key spec, not both.");
  }
  int64_t n = 0;
  if (nb) {
    n = nb->is_int64() ? nb->as_int64() : 0;
    if (n < 1 || n > 1024) return Validation("NumberOfBytes must be between 1 and 1024.");
  } else if (spec == "AES_256") {
    n = 32;
  } else if (spec == "AES_128") {
    n = 16;
  } else {
    return Validation("KeySpec must be AES_256 or AES_128.");
  }
  RAMPART_RETURN_IF_ERROR(CheckUsable(*k));
  RAMPART_RETURN_IF_ERROR(CheckSymmetricEncryptKey(
      *k, with_plaintext ? "GenerateDataKey" : "GenerateDataKeyWithoutPlaintext"));
  std::string plaintext = crypto::RandomBytes(static_cast<size_t>(n));
  auto blob = SymmetricEncrypt(svc, *k, plaintext, ctx);
  if (!blob.ok()) return std::move(blob).error();
  NoteMaterial(call, "keyMaterialId", *k, BlobVersion(*blob, ""));
  json::object out{{"CiphertextBlob", *blob}, {"KeyId", k->arn}};
  if (with_plaintext) out["Plaintext"] = plaintext;
  OPENSSL_cleanse(plaintext.data(), plaintext.size());
  return json::value(std::move(out));
}
Result<json::value> GenerateDataKey(KmsService& s, const Call& c, const json::object& in) {
  return DataKey(s, c, in, true);
}
Result<json::value> GenerateDataKeyWithoutPlaintext(KmsService& s, const Call& c,
                                                    const json::object& in) {
  return DataKey(s, c, in, false);
}

Result<json::value> DataKeyPair(KmsService& svc, const Call& call, const json::object& in,
                                bool with_plaintext) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  RAMPART_ASSIGN_OR_RETURN(Context ctx, EncryptionContext(in));
  std::string_view pair_spec = Str(in, "KeyPairSpec");
  auto spec = ParseKeySpec(pair_spec);
  if (!spec || !(IsRsa(*spec) || IsEcc(*spec))) {
    return Unsupported("KeyPairSpec " + std::string(pair_spec) + " is not supported.");
  }
  RAMPART_RETURN_IF_ERROR(CheckUsable(*k));
  RAMPART_RETURN_IF_ERROR(CheckSymmetricEncryptKey(
      *k, with_plaintext ? "GenerateDataKeyPair" : "GenerateDataKeyPairWithoutPlaintext"));
  RAMPART_ASSIGN_OR_RETURN(KeyPair kp, GenerateKeyPair(*spec));
  auto blob = SymmetricEncrypt(svc, *k, kp.private_der, ctx);
  if (!blob.ok()) return std::move(blob).error();
  NoteMaterial(call, "keyMaterialId", *k, BlobVersion(*blob, ""));
  json::object out{{"PrivateKeyCiphertextBlob", *blob},
                   {"PublicKey", kp.public_der},
                   {"KeyId", k->arn},
                   {"KeyPairSpec", pair_spec}};
  if (with_plaintext) out["PrivateKeyPlaintext"] = kp.private_der;
  OPENSSL_cleanse(kp.private_der.data(), kp.private_der.size());
  return json::value(std::move(out));
}
Result<json::value> GenerateDataKeyPair(KmsService& s, const Call& c, const json::object& in) {
  return DataKeyPair(s, c, in, true);
}
Result<json::value> GenerateDataKeyPairWithoutPlaintext(KmsService& s, const Call& c,
                                                        const json::object& in) {
  return DataKeyPair(s, c, in, false);
}

Result<json::value> GenerateRandom(KmsService&, const Call&, const json::object& in) {
  if (!Str(in, "CustomKeyStoreId").empty()) {
    return Unsupported("Custom key stores are not supported by this server.");
  }
  auto* nb = in.if_contains("NumberOfBytes");
  int64_t n = nb && nb->is_int64() ? nb->as_int64() : 0;
  if (n < 1 || n > 1024) return Validation("NumberOfBytes must be between 1 and 1024.");
  return json::value(json::object{{"Plaintext", crypto::RandomBytes(static_cast<size_t>(n))}});
}

// ---- Signing ----------------------------------------------------------------------------------

Result<KeyRef> SigningKey(KmsService& svc, const Call& call, const json::object& in,
                          std::string_view* algorithm, bool* is_digest) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  RAMPART_RETURN_IF_ERROR(CheckUsable(*k));
  *algorithm = Str(in, "SigningAlgorithm");
  if (Str(k->metadata(), "KeyUsage") != "SIGN_VERIFY") {
    return WrongKeyUsage(*k, in.contains("Signature") ? "Verify" : "Sign");
  }
  if (!Lists(k->metadata(), "SigningAlgorithms", *algorithm)) {
    return InvalidKeyUsage("Algorithm " + std::string(*algorithm) + " is incompatible with key spec " +
                           std::string(Str(k->metadata(), "KeySpec")) + ".");
  }
  std::string_view type = Str(in, "MessageType");
  if (!type.empty() && type != "RAW" && type != "DIGEST") {
    return Validation("MessageType must be RAW or DIGEST.");
  }
  *is_digest = type == "DIGEST";
  return k;
}

Result<json::value> Sign(KmsService& svc, const Call& call, const json::object& in) {
  std::string_view alg;
  bool digest = false;
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, SigningKey(svc, call, in, &alg, &digest));
  const auto& mats = k->doc.at("Materials").as_array();
  RAMPART_ASSIGN_OR_RETURN(std::string sig,
                           svc.keys().Sign(Str(mats[0].as_object(), "Handle"), Binding(*k, 1), alg,
                                           Str(in, "Message"), digest));
  return json::value(
      json::object{{"KeyId", k->arn}, {"Signature", sig}, {"SigningAlgorithm", alg}});
}

Result<json::value> Verify(KmsService& svc, const Call& call, const json::object& in) {
  std::string_view alg;
  bool digest = false;
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, SigningKey(svc, call, in, &alg, &digest));
  const auto& mats = k->doc.at("Materials").as_array();
  RAMPART_ASSIGN_OR_RETURN(bool ok, svc.keys().Verify(Str(mats[0].as_object(), "Handle"),
                                                      Binding(*k, 1), alg, Str(in, "Message"),
                                                      digest, Str(in, "Signature")));
  if (!ok) return Error{"KMSInvalidSignatureException", "", 400, true};
  return json::value(
      json::object{{"KeyId", k->arn}, {"SignatureValid", true}, {"SigningAlgorithm", alg}});
}

Result<json::value> GetPublicKey(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  RAMPART_RETURN_IF_ERROR(CheckUsable(*k));
  KeySpec spec = k->spec();
  if (!IsRsa(spec) && !IsEcc(spec)) {
    return Unsupported(k->arn + " key type is " + std::string(KeySpecName(spec)) +
                       " which is not valid for GetPublicKey.");
  }
  const auto& mats = k->doc.at("Materials").as_array();
  RAMPART_ASSIGN_OR_RETURN(std::string der,
                           svc.keys().PublicKey(Str(mats[0].as_object(), "Handle"), Binding(*k, 1)));
  const json::object& md = k->metadata();
  json::object out{{"KeyId", k->arn},
                   {"PublicKey", der},
                   {"CustomerMasterKeySpec", Str(md, "KeySpec")},
                   {"KeySpec", Str(md, "KeySpec")},
                   {"KeyUsage", Str(md, "KeyUsage")}};
  for (const char* m : {"EncryptionAlgorithms", "SigningAlgorithms"}) {
    if (auto* v = md.if_contains(m)) out[m] = *v;
  }
  return json::value(std::move(out));
}

// ---- MACs -------------------------------------------------------------------------------------

Result<KeyRef> MacKey(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  RAMPART_RETURN_IF_ERROR(CheckUsable(*k));
  if (Str(k->metadata(), "KeyUsage") != "GENERATE_VERIFY_MAC") {
    return WrongKeyUsage(*k, in.contains("Mac") ? "VerifyMac" : "GenerateMac");
  }
  if (!Lists(k->metadata(), "MacAlgorithms", Str(in, "MacAlgorithm"))) {
    return InvalidKeyUsage("Algorithm " + std::string(Str(in, "MacAlgorithm")) +
                           " is incompatible with key spec " +
                           std::string(Str(k->metadata(), "KeySpec")) + ".");
  }
  return k;
}

Result<json::value> GenerateMac(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, MacKey(svc, call, in));
  const auto& mats = k->doc.at("Materials").as_array();
  RAMPART_ASSIGN_OR_RETURN(std::string mac,
                           svc.keys().Mac(Str(mats[0].as_object(), "Handle"), Binding(*k, 1),
                                          Str(in, "MacAlgorithm"), Str(in, "Message")));
  return json::value(
      json::object{{"Mac", mac}, {"MacAlgorithm", Str(in, "MacAlgorithm")}, {"KeyId", k->arn}});
}

Result<json::value> VerifyMac(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, MacKey(svc, call, in));
  const auto& mats = k->doc.at("Materials").as_array();
  RAMPART_ASSIGN_OR_RETURN(std::string mac,
                           svc.keys().Mac(Str(mats[0].as_object(), "Handle"), Binding(*k, 1),
                                          Str(in, "MacAlgorithm"), Str(in, "Message")));
  if (!crypto::ConstantTimeEquals(mac, Str(in, "Mac"))) {
    return Error{"KMSInvalidMacException", "", 400, true};
  }
  return json::value(json::object{
      {"KeyId", k->arn}, {"MacValid", true}, {"MacAlgorithm", Str(in, "MacAlgorithm")}});
}

}  // namespace

std::optional<std::pair<std::string, std::string>> BlobKey(std::string_view blob) {
  if (blob.size() < kMinBlob || blob[0] != kMagic) return std::nullopt;
  if (blob[1] != kFormat && blob[1] != kFormatMultiRegion) return std::nullopt;
  std::string account(blob.substr(2, 12));
  for (char c : account) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::string hex = crypto::HexEncode(blob.substr(14, 16));
  if (blob[1] == kFormatMultiRegion) return std::make_pair(std::move(account), "mrk-" + hex);
  std::string id = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
                   hex.substr(16, 4) + "-" + hex.substr(20);
  return std::make_pair(std::move(account), std::move(id));
}

void AddCryptoOps(KmsService& svc, std::vector<OperationEntry>& ops) {
  static constexpr std::pair<std::string_view, Handler> kOps[] = {
      {"Encrypt", Encrypt},
      {"Decrypt", Decrypt},
      {"ReEncrypt", ReEncrypt},
      {"GenerateDataKey", GenerateDataKey},
      {"GenerateDataKeyWithoutPlaintext", GenerateDataKeyWithoutPlaintext},
      {"GenerateDataKeyPair", GenerateDataKeyPair},
      {"GenerateDataKeyPairWithoutPlaintext", GenerateDataKeyPairWithoutPlaintext},
      {"GenerateRandom", GenerateRandom},
      {"Sign", Sign},
      {"Verify", Verify},
      {"GetPublicKey", GetPublicKey},
      {"GenerateMac", GenerateMac},
      {"VerifyMac", VerifyMac},
  };
  AddOperations(ops, svc, kOps);
}

}  // namespace rampart::services::kms
