// Public-key material of IAM: SSH public keys (CodeCommit), server certificates and signing
// certificates.
//
// Documents:
//   ssh-key [user key/id] -> the model's SSHPublicKey (body in OpenSSH form)
//   server-cert [lowercased name] -> {ServerCertificateMetadata fields, CertificateBody,
//       CertificateChain, SealedPrivateKey (base64 of the key sealed under the root key, AAD
//       "<account>/server-cert/<id>"; never returned), Tags}
//   signing-cert [user key/id] -> the model's SigningCertificate ("" user key = the root)
// Keys and certificates are parsed with OpenSSL; only what parses is stored.
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>

#include "common/crypto.h"
#include "common/strings.h"
#include "services/iam/common.h"

namespace rampart::services::iam {

namespace {

constexpr int64_t kSshKeysPerUser = 5;
constexpr int64_t kSigningCertsPerUser = 2;
constexpr int64_t kServerCertsPerAccount = 20;
constexpr int kMinRsaBits = 2048;

template <auto Fn>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Fn(p);
  }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;

Error InvalidPublicKey(std::string m) { return {"InvalidPublicKey", std::move(m), 400, true}; }
Error UnrecognizedEncoding(std::string m) {
  return {"UnrecognizedPublicKeyEncoding", std::move(m), 400, true};
}
Error MalformedCertificate(std::string m) {
  return {"MalformedCertificate", std::move(m), 400, true};
}

std::string UserMissing(std::string_view name) {
  return "The user with name " + std::string(name) + " cannot be found.";
}

BioPtr MemBio(std::string_view s) {
  return BioPtr(BIO_new_mem_buf(s.data(), static_cast<int>(s.size())));
}

std::string BioString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

// An id of AWS's form: `prefix` then [A-Z2-7] up to `length` characters.
std::string NewId(std::string_view prefix, size_t length) {
  return crypto::RandomId(prefix, length - prefix.size());
}

// ---- SSH public keys ----

// SSH wire format pieces (RFC 4251 string / mpint).
void PutString(std::string& out, std::string_view s) {
  uint32_t n = static_cast<uint32_t>(s.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((n >> shift) & 0xff));
  out.append(s);
}
void PutMpint(std::string& out, const BIGNUM* bn) {
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  if (!bytes.empty() && (static_cast<uint8_t>(bytes[0]) & 0x80)) bytes.insert(bytes.begin(), '\0');
  PutString(out, bytes);
}
std::optional<std::string_view> GetString(std::string_view& in) {
  if (in.size() < 4) return std::nullopt;
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<uint8_t>(in[i]);
  if (in.size() - 4 < n) return std::nullopt;
  std::string_view s = in.substr(4, n);
  in.remove_prefix(4 + n);
  return s;
}

// An RSA public key in both encodings AWS serves, and its MD5 fingerprint.
struct SshKey {
  std::string openssh;      // "ssh-rsa AAAA..."
  std::string pem;          // "-----BEGIN PUBLIC KEY-----..."
  std::string fingerprint;  // "aa:bb:...", MD5 of the wire blob (ssh-keygen -l -E md5)
};

Result<SshKey> FromPkey(EVP_PKEY* pkey) {
  if (!EVP_PKEY_is_a(pkey, "RSA")) {
    return UnrecognizedEncoding("Only ssh-rsa public keys are supported.");
  }
  if (EVP_PKEY_get_bits(pkey) < kMinRsaBits) {
    return InvalidPublicKey("The RSA public key must be at least 2048 bits long.");
  }
  BIGNUM* n_raw = nullptr;
  BIGNUM* e_raw = nullptr;
  if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n_raw) ||
      !EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e_raw)) {
    BN_free(n_raw);
    BN_free(e_raw);
    return InvalidPublicKey("The public key could not be read.");
  }
  BnPtr n(n_raw), e(e_raw);
  std::string blob;
  PutString(blob, "ssh-rsa");
  PutMpint(blob, e.get());
  PutMpint(blob, n.get());
  SshKey key;
  key.openssh = "ssh-rsa " + crypto::Base64Encode(blob);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_Digest(blob.data(), blob.size(), md, &md_len, EVP_md5(), nullptr);
  for (unsigned int i = 0; i < md_len; ++i) {
    if (i) key.fingerprint.push_back(':');
    key.fingerprint += crypto::HexEncode(md + i, 1);
  }
  BioPtr out(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_PUBKEY(out.get(), pkey)) return Error::Internal("PEM encoding failed");
  key.pem = BioString(out.get());
  return key;
}

Result<SshKey> ParseSshKey(std::string_view body) {
  body = Trim(body);
  if (StartsWith(body, "-----BEGIN")) {
    // SubjectPublicKeyInfo ("PUBLIC KEY") or PKCS#1 ("RSA PUBLIC KEY").
    EVP_PKEY* raw = nullptr;
    OSSL_DECODER_CTX* dctx = OSSL_DECODER_CTX_new_for_pkey(&raw, "PEM", nullptr, nullptr,
                                                           EVP_PKEY_PUBLIC_KEY, nullptr, nullptr);
    const auto* data = reinterpret_cast<const unsigned char*>(body.data());
    size_t len = body.size();
    bool decoded = dctx && OSSL_DECODER_from_data(dctx, &data, &len) == 1;
    OSSL_DECODER_CTX_free(dctx);
    PkeyPtr pkey(decoded ? raw : nullptr);
    if (!decoded) EVP_PKEY_free(raw);
    if (!pkey) return InvalidPublicKey("The PEM public key could not be parsed.");
    return FromPkey(pkey.get());
  }
  auto parts = Split(body, ' ');
  if (parts.size() < 2) {
    return UnrecognizedEncoding("The public key must be in OpenSSH (ssh-rsa ...) or PEM format.");
  }
  if (parts[0] != "ssh-rsa") {
    return UnrecognizedEncoding("Only ssh-rsa public keys are supported, not " +
                                std::string(parts[0]) + ".");
  }
  auto blob = crypto::Base64Decode(parts[1]);
  if (!blob.ok()) return InvalidPublicKey("The public key's base64 data is invalid.");
  std::string_view in = *blob;
  auto type = GetString(in);
  auto e = GetString(in);
  auto n = GetString(in);
  if (!type || *type != "ssh-rsa" || !e || !n || !in.empty()) {
    return InvalidPublicKey("The ssh-rsa public key data is malformed.");
  }
  BnPtr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                       static_cast<int>(e->size()), nullptr));
  BnPtr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                       static_cast<int>(n->size()), nullptr));
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e.get());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* raw = nullptr;
  bool ok = ctx && params && EVP_PKEY_fromdata_init(ctx) > 0 &&
            EVP_PKEY_fromdata(ctx, &raw, EVP_PKEY_PUBLIC_KEY, params) > 0;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  PkeyPtr pkey(raw);
  if (!ok || !pkey) return InvalidPublicKey("The ssh-rsa public key is not a valid RSA key.");
  return FromPkey(pkey.get());
}

json::object SshView(const json::object& doc, bool with_body, std::string_view encoding) {
  json::object out{{"UserName", doc.at("UserName")},
                   {"SSHPublicKeyId", doc.at("SSHPublicKeyId")},
                   {"Status", doc.at("Status")},
                   {"UploadDate", doc.at("UploadDate")}};
  if (with_body) {
    out["Fingerprint"] = doc.at("Fingerprint");
    out["SSHPublicKeyBody"] = encoding == "PEM" ? doc.at("PemBody") : doc.at("SSHPublicKeyBody");
  }
  return out;
}

Result<json::value> UploadSSHPublicKey(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "UserName");
  RAMPART_ASSIGN_OR_RETURN(SshKey key, ParseSshKey(Str(in, "SSHPublicKeyBody")));
  const std::string& acct = call.principal.account_id;
  json::object doc;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object user,
                             Require(tx, acct, "user", Key(name), UserMissing(name)));
    RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(acct, "ssh-key", Key(name) + "/", "", 100));
    for (const auto& r : rows) {
      if (Str(json::parse(r.doc).as_object(), "Fingerprint") == key.fingerprint) {
        return Error{
            "DuplicateSSHPublicKey",
            "The SSH public key is already associated with user " + std::string(name) + ".", 400,
            true};
      }
    }
    if (static_cast<int64_t>(rows.size()) >= kSshKeysPerUser) {
      return LimitExceeded("Cannot exceed quota for SSHPublicKeysPerUser: 5");
    }
    doc = json::object{{"UserName", user.at("UserName")},
                       {"SSHPublicKeyId", NewId("APKA", 21)},
                       {"Fingerprint", key.fingerprint},
                       {"SSHPublicKeyBody", key.openssh},
                       {"PemBody", key.pem},
                       {"Status", "Active"},
                       {"UploadDate", Now(call)}};
    return Save(tx, acct, "ssh-key", Key(name) + "/" + std::string(Str(doc, "SSHPublicKeyId")),
                doc);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{{"SSHPublicKey", SshView(doc, true, "SSH")}});
}

Result<json::object> RequireSshKey(store::EntityTx& tx, std::string_view acct,
                                   std::string_view name, std::string_view id) {
  RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, "user", Key(name), UserMissing(name)));
  return Require(tx, acct, "ssh-key", Key(name) + "/" + std::string(id),
                 "The Public Key with id " + std::string(id) + " cannot be found.");
}

Result<json::value> GetSSHPublicKey(IamService& svc, const Call& call, const json::object& in) {
  json::object doc;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(doc, RequireSshKey(tx, call.principal.account_id, Str(in, "UserName"),
                                                Str(in, "SSHPublicKeyId")));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{{"SSHPublicKey", SshView(doc, true, Str(in, "Encoding"))}});
}

// The user a per-user credential call addresses: UserName, else the calling IAM user; "" for the
// root when `root_allowed`.
Result<std::string> TargetUser(const Call& call, const json::object& in, bool root_allowed) {
  std::string_view name = Str(in, "UserName");
  if (!name.empty()) return std::string(name);
  const Principal& p = call.principal;
  if (p.type == Principal::Type::kIamUser) return p.user_name;
  if (p.type == Principal::Type::kRoot && root_allowed) return std::string();
  return Error{"ValidationError", "Must specify userName when calling with non-User credentials",
               400, true};
}

Result<json::value> ListSSHPublicKeys(IamService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(std::string name, TargetUser(call, in, false));
  const std::string& acct = call.principal.account_id;
  Page page;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, "user", Key(name), UserMissing(name)));
    RAMPART_ASSIGN_OR_RETURN(page, ListPage(tx, acct, "ssh-key", Key(name) + "/", in));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  json::array list;
  for (const auto& r : page.rows)
    list.push_back(SshView(json::parse(r.doc).as_object(), false, ""));
  json::object out{{"SSHPublicKeys", std::move(list)}};
  SetPaging(out, page);
  return json::value(std::move(out));
}

Result<json::value> UpdateSSHPublicKey(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "UserName");
  std::string_view id = Str(in, "SSHPublicKeyId");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object doc, RequireSshKey(tx, acct, name, id));
    doc["Status"] = Str(in, "Status");
    return Save(tx, acct, "ssh-key", Key(name) + "/" + std::string(id), doc);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> DeleteSSHPublicKey(IamService& svc, const Call& call, const json::object& in) {
  std::string_view name = Str(in, "UserName");
  std::string_view id = Str(in, "SSHPublicKeyId");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(RequireSshKey(tx, acct, name, id));
    return tx.Delete(acct, "ssh-key", Key(name) + "/" + std::string(id));
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

// ---- Certificates ----

double AsnTime(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || !ASN1_TIME_to_tm(t, &tm)) return 0;
  return static_cast<double>(timegm(&tm));
}

// Every certificate in a PEM text (at least one), or MalformedCertificate.
Result<std::vector<X509Ptr>> ParseCertificates(std::string_view pem, std::string_view what) {
  BioPtr bio = MemBio(pem);
  std::vector<X509Ptr> certs;
  while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certs.emplace_back(c);
  }
  if (certs.empty()) {
    return MalformedCertificate("Unable to parse " + std::string(what) +
                                ". Please check the PEM encoding.");
  }
  return certs;
}

// AWS's answer for a certificate body that is not exactly one PEM certificate (recorded for
// UploadSigningCertificate): the body, as sent, in the message.
Error MalformedBody(std::string_view body) {
  return MalformedCertificate("Certificate " + std::string(body) + " is malformed.");
}

// ---- Server certificates ----

std::string ServerCertMissing(std::string_view name) {
  return "The Server Certificate with name " + std::string(name) + " cannot be found.";
}

json::object ServerCertMetadata(const json::object& doc) {
  json::object m;
  for (const char* k : {"Path", "ServerCertificateName", "ServerCertificateId", "Arn", "UploadDate",
                        "Expiration"}) {
    if (auto* v = doc.if_contains(k)) m[k] = *v;
  }
  return m;
}

Result<json::value> UploadServerCertificate(IamService& svc, const Call& call,
                                            const json::object& in) {
  std::string_view name = Str(in, "ServerCertificateName");
  std::string_view path = PathOr(in);
  RAMPART_RETURN_IF_ERROR(CheckPath(path));
  std::string_view body = Str(in, "CertificateBody");
  std::string_view private_key = Str(in, "PrivateKey");
  auto parsed = ParseCertificates(body, "certificate");
  if (!parsed.ok() || parsed->size() != 1) return MalformedBody(body);
  auto& certs = *parsed;
  if (in.contains("CertificateChain")) {
    RAMPART_RETURN_IF_ERROR(ParseCertificates(Str(in, "CertificateChain"), "certificate chain"));
  }
  BioPtr kbio = MemBio(private_key);
  PkeyPtr pkey(PEM_read_bio_PrivateKey(kbio.get(), nullptr, nullptr, nullptr));
  if (!pkey) {
    return MalformedCertificate(
        "Unable to parse private key. Please check the PEM encoding "
        "(encrypted keys are not supported).");
  }
  if (X509_check_private_key(certs[0].get(), pkey.get()) != 1) {
    return Error{"KeyPairMismatch",
                 "Unable to validate certificate: the private key does not match the "
                 "certificate's public key.",
                 400, true};
  }
  const std::string& acct = call.principal.account_id;
  std::string id = NewUniqueId("ASCA");
  RAMPART_ASSIGN_OR_RETURN(std::string sealed,
                           svc.store().Seal(acct + "/server-cert/" + id, private_key));
  json::object doc{{"Path", path},
                   {"ServerCertificateName", name},
                   {"ServerCertificateId", id},
                   {"Arn", IamArn(acct, "server-certificate", path, name)},
                   {"UploadDate", Now(call)},
                   {"Expiration", AsnTime(X509_get0_notAfter(certs[0].get()))},
                   {"CertificateBody", body},
                   {"SealedPrivateKey", crypto::Base64Encode(sealed)}};
  if (in.contains("CertificateChain")) doc["CertificateChain"] = Str(in, "CertificateChain");
  RAMPART_RETURN_IF_ERROR(MergeTags(doc, in.if_contains("Tags")));
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(int64_t n, tx.Count(acct, "server-cert", ""));
    if (n >= kServerCertsPerAccount) {
      return LimitExceeded("Cannot exceed quota for ServerCertificatesPerAccount: 20");
    }
    return Create(tx, acct, "server-cert", Key(name), doc,
                  "The Server Certificate with name " + std::string(name) + " already exists.");
  });
  if (!st.ok()) return std::move(st).error();
  json::object out{{"ServerCertificateMetadata", ServerCertMetadata(doc)}};
  if (doc.contains("Tags")) out["Tags"] = doc["Tags"];
  return json::value(std::move(out));
}

Result<json::value> GetServerCertificate(IamService& svc, const Call& call,
                                         const json::object& in) {
  std::string_view name = Str(in, "ServerCertificateName");
  RAMPART_ASSIGN_OR_RETURN(json::object doc,
                           ReadRequired(svc, call, "server-cert", Key(name),
                                        ServerCertMissing(name)));
  json::object cert{{"ServerCertificateMetadata", ServerCertMetadata(doc)},
                    {"CertificateBody", doc["CertificateBody"]}};
  if (doc.contains("CertificateChain")) cert["CertificateChain"] = doc["CertificateChain"];
  if (doc.contains("Tags")) cert["Tags"] = doc["Tags"];
  return json::value(json::object{{"ServerCertificate", std::move(cert)}});
}

Result<json::value> ListServerCertificates(IamService& svc, const Call& call,
                                           const json::object& in) {
  std::string_view prefix = PathOr(in, "PathPrefix");
  Page page;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(
        page, ListPage(tx, call.principal.account_id, "server-cert", "", in,
                       [&](const json::object& c) { return StartsWith(Str(c, "Path"), prefix); }));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  json::array list;
  for (const auto& r : page.rows)
    list.push_back(ServerCertMetadata(json::parse(r.doc).as_object()));
  json::object out{{"ServerCertificateMetadataList", std::move(list)}};
  SetPaging(out, page);
  return json::value(std::move(out));
}

Result<json::value> UpdateServerCertificate(IamService& svc, const Call& call,
                                            const json::object& in) {
  std::string_view name = Str(in, "ServerCertificateName");
  std::string_view new_name = Str(in, "NewServerCertificateName");
  std::string_view new_path = Str(in, "NewPath");
  if (!new_path.empty()) RAMPART_RETURN_IF_ERROR(CheckPath(new_path));
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object doc,
                             Require(tx, acct, "server-cert", Key(name), ServerCertMissing(name)));
    std::string final_name = new_name.empty() ? std::string(name) : std::string(new_name);
    if (!new_path.empty()) doc["Path"] = new_path;
    doc["ServerCertificateName"] = final_name;
    doc["Arn"] = IamArn(acct, "server-certificate", Str(doc, "Path"), final_name);
    if (Key(final_name) != Key(name)) {
      RAMPART_RETURN_IF_ERROR(tx.Delete(acct, "server-cert", Key(name)));
      return Create(tx, acct, "server-cert", Key(final_name), doc,
                    "The Server Certificate with name " + final_name + " already exists.");
    }
    return Save(tx, acct, "server-cert", Key(name), doc);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> DeleteServerCertificate(IamService& svc, const Call& call,
                                            const json::object& in) {
  std::string_view name = Str(in, "ServerCertificateName");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, "server-cert", Key(name), ServerCertMissing(name)));
    return tx.Delete(acct, "server-cert", Key(name));
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> MutateServerCertTags(IamService& svc, const Call& call, const json::object& in,
                                         bool add) {
  std::string_view name = Str(in, "ServerCertificateName");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(json::object doc,
                             Require(tx, acct, "server-cert", Key(name), ServerCertMissing(name)));
    if (add) {
      RAMPART_RETURN_IF_ERROR(MergeTags(doc, in.if_contains("Tags")));
    } else {
      RAMPART_RETURN_IF_ERROR(RemoveTags(doc, in.if_contains("TagKeys")));
    }
    return Save(tx, acct, "server-cert", Key(name), doc);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> TagServerCertificate(IamService& svc, const Call& call,
                                         const json::object& in) {
  return MutateServerCertTags(svc, call, in, true);
}
Result<json::value> UntagServerCertificate(IamService& svc, const Call& call,
                                           const json::object& in) {
  return MutateServerCertTags(svc, call, in, false);
}

Result<json::value> ListServerCertificateTags(IamService& svc, const Call& call,
                                              const json::object& in) {
  std::string_view name = Str(in, "ServerCertificateName");
  RAMPART_ASSIGN_OR_RETURN(json::object doc,
                           ReadRequired(svc, call, "server-cert", Key(name),
                                        ServerCertMissing(name)));
  return json::value(TagsPage(doc, in));
}

// ---- Signing certificates ----

// Checks the user (when not the root) and returns the row prefix of its certificates.
Result<std::string> SigningPrefix(store::EntityTx& tx, std::string_view acct,
                                  const std::string& user) {
  if (!user.empty()) {
    RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, "user", Key(user), UserMissing(user)));
  }
  return Key(user) + "/";
}

std::string SigningCertMissing(std::string_view id) {
  return "The Certificate with id " + std::string(id) + " cannot be found.";
}

Result<json::value> UploadSigningCertificate(IamService& svc, const Call& call,
                                             const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(std::string user, TargetUser(call, in, true));
  std::string_view body = Str(in, "CertificateBody");
  auto parsed = ParseCertificates(body, "certificate");
  if (!parsed.ok() || parsed->size() != 1) return MalformedBody(body);
  auto& certs = *parsed;
  double not_after = AsnTime(X509_get0_notAfter(certs[0].get()));
  if (not_after > 0 && not_after < Now(call)) {
    return Error{"InvalidCertificate", "The certificate has expired.", 400, true};
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  X509_digest(certs[0].get(), EVP_sha256(), md, &md_len);
  std::string digest = crypto::HexEncode(md, md_len);
  const std::string& acct = call.principal.account_id;
  json::object doc;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(std::string prefix, SigningPrefix(tx, acct, user));
    RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(acct, "signing-cert", prefix, "", 100));
    for (const auto& r : rows) {
      if (Str(json::parse(r.doc).as_object(), "Digest") == digest) {
        return Error{"DuplicateCertificate", "The certificate is already uploaded.", 409, true};
      }
    }
    if (static_cast<int64_t>(rows.size()) >= kSigningCertsPerUser) {
      return LimitExceeded("Cannot exceed quota for CertificatesPerUser: 2");
    }
    std::string id = NewId("", 32);
    doc = json::object{{"UserName", user.empty() ? call.principal.account_id : user},
                       {"CertificateId", id},
                       {"CertificateBody", body},
                       {"Status", "Active"},
                       {"UploadDate", Now(call)},
                       {"Digest", digest}};
    if (!user.empty()) {
      RAMPART_ASSIGN_OR_RETURN(json::object u,
                               Require(tx, acct, "user", Key(user), UserMissing(user)));
      doc["UserName"] = u.at("UserName");
    }
    return Save(tx, acct, "signing-cert", prefix + id, doc);
  });
  if (!st.ok()) return std::move(st).error();
  doc.erase("Digest");
  return json::value(json::object{{"Certificate", std::move(doc)}});
}

Result<json::value> ListSigningCertificates(IamService& svc, const Call& call,
                                            const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(std::string user, TargetUser(call, in, true));
  const std::string& acct = call.principal.account_id;
  Page page;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(std::string prefix, SigningPrefix(tx, acct, user));
    RAMPART_ASSIGN_OR_RETURN(page, ListPage(tx, acct, "signing-cert", prefix, in));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  json::array list;
  for (const auto& r : page.rows) {
    json::object c = json::parse(r.doc).as_object();
    c.erase("Digest");
    list.push_back(std::move(c));
  }
  json::object out{{"Certificates", std::move(list)}};
  SetPaging(out, page);
  return json::value(std::move(out));
}

Result<json::value> UpdateSigningCertificate(IamService& svc, const Call& call,
                                             const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(std::string user, TargetUser(call, in, true));
  std::string_view id = Str(in, "CertificateId");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(std::string prefix, SigningPrefix(tx, acct, user));
    std::string key = prefix + std::string(id);
    RAMPART_ASSIGN_OR_RETURN(json::object doc,
                             Require(tx, acct, "signing-cert", key, SigningCertMissing(id)));
    doc["Status"] = Str(in, "Status");
    return Save(tx, acct, "signing-cert", key, doc);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

Result<json::value> DeleteSigningCertificate(IamService& svc, const Call& call,
                                             const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(std::string user, TargetUser(call, in, true));
  std::string_view id = Str(in, "CertificateId");
  const std::string& acct = call.principal.account_id;
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(std::string prefix, SigningPrefix(tx, acct, user));
    std::string key = prefix + std::string(id);
    RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, "signing-cert", key, SigningCertMissing(id)));
    return tx.Delete(acct, "signing-cert", key);
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

}  // namespace

void AddCertsKeysOps(std::vector<IamOp>& ops) {
  ops.insert(ops.end(), {{"UploadSSHPublicKey", UploadSSHPublicKey},
                         {"GetSSHPublicKey", GetSSHPublicKey},
                         {"ListSSHPublicKeys", ListSSHPublicKeys},
                         {"UpdateSSHPublicKey", UpdateSSHPublicKey},
                         {"DeleteSSHPublicKey", DeleteSSHPublicKey},
                         {"UploadServerCertificate", UploadServerCertificate},
                         {"GetServerCertificate", GetServerCertificate},
                         {"ListServerCertificates", ListServerCertificates},
                         {"UpdateServerCertificate", UpdateServerCertificate},
                         {"DeleteServerCertificate", DeleteServerCertificate},
                         {"TagServerCertificate", TagServerCertificate},
                         {"UntagServerCertificate", UntagServerCertificate},
                         {"ListServerCertificateTags", ListServerCertificateTags},
                         {"UploadSigningCertificate", UploadSigningCertificate},
                         {"ListSigningCertificates", ListSigningCertificates},
                         {"UpdateSigningCertificate", UpdateSigningCertificate},
                         {"DeleteSigningCertificate", DeleteSigningCertificate}});
}

}  // namespace rampart::services::iam
