#pragma once
// Enveloped XML Signatures (XML-DSig) over SAML documents, the subset SAML IdPs use:
//   - CanonicalizationMethod and Reference transforms: Exclusive XML Canonicalization 1.0
//     without comments (http://www.w3.org/2001/10/xml-exc-c14n#), with an optional
//     InclusiveNamespaces PrefixList, and the enveloped-signature transform;
//   - SignatureMethod rsa-sha256 / rsa-sha512, DigestMethod sha256 / sha512;
//   - one Reference, a same-document "#ID" URI naming the Signature's parent element.
// Anything else (inclusive C14N, #WithComments, SHA-1, several references, XPath transforms,
// processing instructions inside the signed element) is refused, never skipped.
//
// The parser keeps qualified names, namespace declarations and text exactly as the canonical
// form needs them (expat without namespace processing; DOCTYPEs refused). Pure and thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace rampart::services::sts {

struct XNode {
  int parent = -1;
  bool is_text = false;
  std::string value;  // element: qualified name; text: character data
  std::vector<std::pair<std::string, std::string>> attrs;  // non-namespace attributes, in order
  std::vector<std::pair<std::string, std::string>> ns;     // declarations here: prefix ("" = default)
  std::vector<int> kids;
};

struct XDoc {
  std::vector<XNode> nodes;  // nodes[0] is the document element
  std::string_view Local(int e) const;
  std::string_view Prefix(int e) const;
  // The namespace URI bound to `prefix` in scope at element e (nullopt if unbound).
  std::optional<std::string> Resolve(int e, std::string_view prefix) const;
  std::string NamespaceOf(int e) const;  // of the element's own name
  std::optional<std::string_view> Attr(int e, std::string_view name) const;
  std::string Text(int e) const;  // concatenated character data of the element's text children
  // Element children of e with this namespace URI and local name.
  std::vector<int> Children(int e, std::string_view ns, std::string_view local) const;
  // Every element in the document with this namespace and local name, document order.
  std::vector<int> FindAll(std::string_view ns, std::string_view local) const;
};

Result<XDoc> ParseXDoc(std::string_view text);

// Exclusive canonical form of the subtree at `apex`, leaving out the subtree at `omit` (-1: none).
Result<std::string> ExcC14n(const XDoc& doc, int apex, int omit,
                            const std::vector<std::string>& inclusive_prefixes);

inline constexpr std::string_view kDsigNs = "http://www.w3.org/2000/09/xmldsig#";

// Verifies the enveloped Signature element `sig` (a ds:Signature child of the element it signs)
// with one of the PEM/DER X.509 certificates given (DER bytes). Returns the index of the signed
// element. Errors: code "InvalidSignature" with a reason.
Result<int> VerifyEnvelopedSignature(const XDoc& doc, int sig,
                                     const std::vector<std::string>& der_certificates);

}  // namespace rampart::services::sts
