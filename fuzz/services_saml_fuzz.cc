// libFuzzer target: a SAML response as AssumeRoleWithSAML receives it (after base64): the XML
// parser, exclusive canonicalization and the enveloped-signature check (services/sts/
// xml_dsig.h) against a fixed certificate. Whatever the bytes: no crash, no read out of bounds,
// no hang, and no signature verifies (the certificate's private key is not in the input).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "services/sts/xml_dsig.h"

using namespace rampart::services::sts;

namespace {
// A fresh self-signed certificate of a 2048-bit RSA key (made once per process), as DER.
const std::vector<std::string>& Certs() {
  static const std::vector<std::string> certs = [] {
    EVP_PKEY* key = EVP_RSA_gen(2048);
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("fuzz"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_sign(x, key, EVP_sha256());
    unsigned char* der = nullptr;
    int len = i2d_X509(x, &der);
    std::vector<std::string> out{std::string(reinterpret_cast<char*>(der), len > 0 ? len : 0)};
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(key);
    return out;
  }();
  return certs;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  auto doc = ParseXDoc(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!doc.ok() || doc->nodes.empty()) return 0;
  (void)ExcC14n(*doc, 0, -1, {});
  (void)ExcC14n(*doc, 0, -1, {"saml", "xs", "#default"});
  for (int sig : doc->FindAll(kDsigNs, "Signature")) {
    auto signed_el = VerifyEnvelopedSignature(*doc, sig, Certs());
    if (signed_el.ok()) std::abort();  // no input carries a signature by the certificate's key
  }
  return 0;
}
