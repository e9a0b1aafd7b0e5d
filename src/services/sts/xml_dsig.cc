#include "services/sts/xml_dsig.h"

#include <expat.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <map>
#include <memory>

#include "common/crypto.h"
#include "common/strings.h"

namespace rampart::services::sts {

namespace {

constexpr std::string_view kXmlNs = "http://www.w3.org/XML/1998/namespace";
constexpr std::string_view kExcC14n = "http://www.w3.org/2001/10/xml-exc-c14n#";
constexpr std::string_view kEnveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

Error Invalid(std::string m) { return {"InvalidSignature", std::move(m), 400, true}; }

struct ParseState {
  XML_Parser parser = nullptr;
  XDoc doc;
  std::vector<int> stack;
  std::string error;
  bool done_root = false;
};

void Abort(ParseState& st, std::string why) {
  if (st.error.empty()) st.error = std::move(why);
  XML_StopParser(st.parser, XML_FALSE);
}

void XMLCALL OnStart(void* data, const XML_Char* name, const XML_Char** atts) {
  auto& st = *static_cast<ParseState*>(data);
  if (st.stack.size() >= 64) return Abort(st, "XML nesting too deep");
  if (st.stack.empty() && st.done_root) return Abort(st, "content after the document element");
  XNode n;
  n.value = name;
  n.parent = st.stack.empty() ? -1 : st.stack.back();
  for (int i = 0; atts[i]; i += 2) {
    std::string_view k = atts[i];
    if (k == "xmlns") n.ns.emplace_back("", atts[i + 1]);
    else if (StartsWith(k, "xmlns:")) n.ns.emplace_back(std::string(k.substr(6)), atts[i + 1]);
    else n.attrs.emplace_back(std::string(k), atts[i + 1]);
  }
  int id = static_cast<int>(st.doc.nodes.size());
  st.doc.nodes.push_back(std::move(n));
  if (!st.stack.empty()) st.doc.nodes[st.stack.back()].kids.push_back(id);
  st.stack.push_back(id);
}

void XMLCALL OnEnd(void* data, const XML_Char*) {
  auto& st = *static_cast<ParseState*>(data);
  st.stack.pop_back();
  if (st.stack.empty()) st.done_root = true;
}

void XMLCALL OnText(void* data, const XML_Char* s, int len) {
  auto& st = *static_cast<ParseState*>(data);
  if (st.stack.empty()) return;  // whitespace around the document element
  XNode& parent = st.doc.nodes[st.stack.back()];
  if (!parent.kids.empty() && st.doc.nodes[parent.kids.back()].is_text) {
    st.doc.nodes[parent.kids.back()].value.append(s, static_cast<size_t>(len));
    return;
  }
  XNode t;
  t.is_text = true;
  t.parent = st.stack.back();
  t.value.assign(s, static_cast<size_t>(len));
  int id = static_cast<int>(st.doc.nodes.size());
  st.doc.nodes.push_back(std::move(t));
  st.doc.nodes[st.stack.back()].kids.push_back(id);
}

void XMLCALL OnPi(void* data, const XML_Char*, const XML_Char*) {
  auto& st = *static_cast<ParseState*>(data);
  if (!st.stack.empty()) Abort(st, "processing instructions inside elements are not supported");
}

void XMLCALL OnDoctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  Abort(*static_cast<ParseState*>(data), "DOCTYPE declarations are not allowed");
}

void EscapeText(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\r': out += "&#xD;"; break;
      default: out.push_back(c);
    }
  }
}

void EscapeAttr(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '"': out += "&quot;"; break;
      case '\t': out += "&#x9;"; break;
      case '\n': out += "&#xA;"; break;
      case '\r': out += "&#xD;"; break;
      default: out.push_back(c);
    }
  }
}

std::string_view PrefixOf(std::string_view qname) {
  size_t c = qname.find(':');
  return c == std::string_view::npos ? std::string_view() : qname.substr(0, c);
}
std::string_view LocalOf(std::string_view qname) {
  size_t c = qname.find(':');
  return c == std::string_view::npos ? qname : qname.substr(c + 1);
}

struct C14n {
  const XDoc& doc;
  int omit;
  const std::vector<std::string>& inclusive;
  std::string out;

  Status Element(int e, std::map<std::string, std::string> rendered) {
    const XNode& n = doc.nodes[e];
    std::vector<std::string> used;
    used.emplace_back(PrefixOf(n.value));
    for (const auto& [k, v] : n.attrs) {
      std::string_view p = PrefixOf(k);
      if (!p.empty()) used.emplace_back(p);
    }
    for (const std::string& p : inclusive) used.push_back(p == "#default" ? "" : p);
    std::sort(used.begin(), used.end());
    used.erase(std::unique(used.begin(), used.end()), used.end());
    std::vector<std::pair<std::string, std::string>> decls;
    for (const std::string& p : used) {
      if (p == "xml") continue;
      std::optional<std::string> uri = doc.Resolve(e, p);
      bool visibly = p == PrefixOf(n.value) ||
                     std::any_of(n.attrs.begin(), n.attrs.end(),
                                 [&](const auto& a) { return !p.empty() && PrefixOf(a.first) == p; });
      if (!uri) {
        if (visibly && !p.empty()) return Invalid("namespace prefix '" + p + "' is not declared");
        if (p.empty()) uri = "";
        else continue;  // an inclusive prefix not in scope here
      }
      auto it = rendered.find(p);
      std::string current = it == rendered.end() ? std::string() : it->second;
      if (it == rendered.end() && !p.empty()) current = "\x01";  // never rendered
      if (current != *uri) {
        decls.emplace_back(p, *uri);
        rendered[p] = *uri;
      }
    }
    // Attributes sort by namespace URI (none first), then local name.
    std::vector<std::tuple<std::string, std::string, const std::pair<std::string, std::string>*>> attrs;
    for (const auto& a : n.attrs) {
      std::string_view p = PrefixOf(a.first);
      std::string ns;
      if (p == "xml") {
        ns = std::string(kXmlNs);
      } else if (!p.empty()) {
        auto uri = doc.Resolve(e, p);
        if (!uri) return Invalid("namespace prefix '" + std::string(p) + "' is not declared");
        ns = *uri;
      }
      attrs.emplace_back(std::move(ns), std::string(LocalOf(a.first)), &a);
    }
    std::sort(attrs.begin(), attrs.end(), [](const auto& x, const auto& y) {
      return std::tie(std::get<0>(x), std::get<1>(x)) < std::tie(std::get<0>(y), std::get<1>(y));
    });
    out += '<';
    out += n.value;
    for (const auto& [p, uri] : decls) {  // decls are already sorted by prefix ("" first)
      out += p.empty() ? " xmlns=\"" : " xmlns:" + p + "=\"";
      EscapeAttr(out, uri);
      out += '"';
    }
    for (const auto& [ns, local, a] : attrs) {
      out += ' ';
      out += a->first;
      out += "=\"";
      EscapeAttr(out, a->second);
      out += '"';
    }
    out += '>';
    for (int k : n.kids) {
      if (k == omit) continue;
      if (doc.nodes[k].is_text) {
        EscapeText(out, doc.nodes[k].value);
      } else {
        RAMPART_RETURN_IF_ERROR(Element(k, rendered));
      }
    }
    out += "</";
    out += n.value;
    out += '>';
    return {};
  }
};

const EVP_MD* DigestFor(std::string_view uri) {
  if (uri == "http://www.w3.org/2001/04/xmlenc#sha256") return EVP_sha256();
  if (uri == "http://www.w3.org/2001/04/xmlenc#sha512") return EVP_sha512();
  return nullptr;
}

const EVP_MD* SignatureDigestFor(std::string_view uri) {
  if (uri == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256") return EVP_sha256();
  if (uri == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512") return EVP_sha512();
  return nullptr;
}

std::string Digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string StripSpace(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') out.push_back(c);
  }
  return out;
}

// The exc-c14n method of a CanonicalizationMethod / Transform element, with its PrefixList.
Result<std::vector<std::string>> ExcC14nParams(const XDoc& doc, int method) {
  std::vector<std::string> prefixes;
  for (int inc : doc.Children(method, kExcC14n, "InclusiveNamespaces")) {
    auto list = doc.Attr(inc, "PrefixList");
    if (!list) continue;
    for (std::string_view p : Split(*list, ' ')) {
      if (!p.empty()) prefixes.emplace_back(p);
    }
  }
  return prefixes;
}

}  // namespace

std::string_view XDoc::Local(int e) const { return LocalOf(nodes[e].value); }
std::string_view XDoc::Prefix(int e) const { return PrefixOf(nodes[e].value); }

std::optional<std::string> XDoc::Resolve(int e, std::string_view prefix) const {
  if (prefix == "xml") return std::string(kXmlNs);
  for (int cur = e; cur >= 0; cur = nodes[cur].parent) {
    for (const auto& [p, uri] : nodes[cur].ns) {
      if (p == prefix) {
        if (!prefix.empty() && uri.empty()) return std::nullopt;  // XML 1.1 undeclaration
        return uri;
      }
    }
  }
  if (prefix.empty()) return std::string();
  return std::nullopt;
}

std::string XDoc::NamespaceOf(int e) const { return Resolve(e, Prefix(e)).value_or(""); }

std::optional<std::string_view> XDoc::Attr(int e, std::string_view name) const {
  for (const auto& [k, v] : nodes[e].attrs) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::string XDoc::Text(int e) const {
  std::string out;
  for (int k : nodes[e].kids) {
    if (nodes[k].is_text) out += nodes[k].value;
  }
  return out;
}

std::vector<int> XDoc::Children(int e, std::string_view ns, std::string_view local) const {
  std::vector<int> out;
  for (int k : nodes[e].kids) {
    if (!nodes[k].is_text && Local(k) == local && NamespaceOf(k) == ns) out.push_back(k);
  }
  return out;
}

std::vector<int> XDoc::FindAll(std::string_view ns, std::string_view local) const {
  std::vector<int> out;
  for (int i = 0; i < static_cast<int>(nodes.size()); ++i) {
    if (!nodes[i].is_text && Local(i) == local && NamespaceOf(i) == ns) out.push_back(i);
  }
  return out;
}

Result<XDoc> ParseXDoc(std::string_view text) {
  ParseState st;
  st.parser = XML_ParserCreate("UTF-8");
  if (!st.parser) return Error::Internal("cannot create an XML parser");
  XML_SetUserData(st.parser, &st);
  XML_SetElementHandler(st.parser, OnStart, OnEnd);
  XML_SetCharacterDataHandler(st.parser, OnText);
  XML_SetProcessingInstructionHandler(st.parser, OnPi);
  XML_SetStartDoctypeDeclHandler(st.parser, OnDoctype);
  XML_Status ok = XML_Parse(st.parser, text.data(), static_cast<int>(text.size()), XML_TRUE);
  std::string reason = ok == XML_STATUS_ERROR ? XML_ErrorString(XML_GetErrorCode(st.parser)) : "";
  XML_ParserFree(st.parser);
  if (!st.error.empty()) return Invalid(st.error);
  if (ok == XML_STATUS_ERROR) return Invalid("malformed XML: " + reason);
  if (st.doc.nodes.empty()) return Invalid("empty XML document");
  return std::move(st.doc);
}

Result<std::string> ExcC14n(const XDoc& doc, int apex, int omit,
                            const std::vector<std::string>& inclusive_prefixes) {
  C14n c{doc, omit, inclusive_prefixes, {}};
  RAMPART_RETURN_IF_ERROR(c.Element(apex, {}));
  return std::move(c.out);
}

Result<int> VerifyEnvelopedSignature(const XDoc& doc, int sig,
                                     const std::vector<std::string>& der_certificates) {
  auto one = [&](int parent, std::string_view local) -> Result<int> {
    auto v = doc.Children(parent, kDsigNs, local);
    if (v.size() != 1) return Invalid("Signature must have exactly one " + std::string(local));
    return v[0];
  };
  int signed_el = doc.nodes[sig].parent;
  if (signed_el < 0) return Invalid("the Signature is not enveloped");
  RAMPART_ASSIGN_OR_RETURN(int signed_info, one(sig, "SignedInfo"));
  RAMPART_ASSIGN_OR_RETURN(int c14n_method, one(signed_info, "CanonicalizationMethod"));
  RAMPART_ASSIGN_OR_RETURN(int sig_method, one(signed_info, "SignatureMethod"));
  RAMPART_ASSIGN_OR_RETURN(int reference, one(signed_info, "Reference"));
  RAMPART_ASSIGN_OR_RETURN(int sig_value, one(sig, "SignatureValue"));
  if (doc.Attr(c14n_method, "Algorithm").value_or("") != kExcC14n) {
    return Invalid("unsupported CanonicalizationMethod " +
                   std::string(doc.Attr(c14n_method, "Algorithm").value_or("(none)")) +
                   " (only exclusive C14N without comments)");
  }
  const EVP_MD* sig_md = SignatureDigestFor(doc.Attr(sig_method, "Algorithm").value_or(""));
  if (!sig_md) {
    return Invalid("unsupported SignatureMethod " +
                   std::string(doc.Attr(sig_method, "Algorithm").value_or("(none)")));
  }

  // The reference must name the element the Signature sits in, by a unique ID.
  std::string_view uri = doc.Attr(reference, "URI").value_or("");
  auto id = doc.Attr(signed_el, "ID");
  if (!id || uri.size() < 2 || uri[0] != '#' || uri.substr(1) != *id) {
    return Invalid("the Reference must point at the signed element's ID");
  }
  int same_id = 0;
  for (int i = 0; i < static_cast<int>(doc.nodes.size()); ++i) {
    if (doc.nodes[i].is_text) continue;
    for (const auto& [k, v] : doc.nodes[i].attrs) {
      if ((k == "ID" || k == "Id" || k == "id" || k == "AssertionID") && v == *id) ++same_id;
    }
  }
  if (same_id != 1) return Invalid("the referenced ID is not unique in the document");
  std::vector<std::string> ref_prefixes;
  bool enveloped = false, c14n = false;
  for (int transforms : doc.Children(reference, kDsigNs, "Transforms")) {
    for (int t : doc.Children(transforms, kDsigNs, "Transform")) {
      std::string_view alg = doc.Attr(t, "Algorithm").value_or("");
      if (alg == kEnveloped && !enveloped && !c14n) {
        enveloped = true;
      } else if (alg == kExcC14n && !c14n) {
        c14n = true;
        RAMPART_ASSIGN_OR_RETURN(ref_prefixes, ExcC14nParams(doc, t));
      } else {
        return Invalid("unsupported Reference transform " + std::string(alg));
      }
    }
  }
  if (!enveloped) return Invalid("the Reference lacks the enveloped-signature transform");
  RAMPART_ASSIGN_OR_RETURN(int digest_method, one(reference, "DigestMethod"));
  RAMPART_ASSIGN_OR_RETURN(int digest_value, one(reference, "DigestValue"));
  const EVP_MD* md = DigestFor(doc.Attr(digest_method, "Algorithm").value_or(""));
  if (!md) {
    return Invalid("unsupported DigestMethod " +
                   std::string(doc.Attr(digest_method, "Algorithm").value_or("(none)")));
  }

  // Digest of the signed element without the Signature (exc-c14n also when no c14n transform is
  // listed: the default canonicalization of a node set is inclusive C14N, which we refuse unless
  // the element needs no namespace context — we do not try to tell, so require the transform).
  if (!c14n) return Invalid("the Reference must use the exclusive C14N transform");
  RAMPART_ASSIGN_OR_RETURN(std::string canon, ExcC14n(doc, signed_el, sig, ref_prefixes));
  auto expected = crypto::Base64Decode(StripSpace(doc.Text(digest_value)));
  if (!expected.ok()) return Invalid("DigestValue is not base64");
  if (!crypto::ConstantTimeEquals(Digest(md, canon), *expected)) {
    return Invalid("the digest of the signed element does not match its DigestValue");
  }

  RAMPART_ASSIGN_OR_RETURN(std::vector<std::string> si_prefixes, ExcC14nParams(doc, c14n_method));
  RAMPART_ASSIGN_OR_RETURN(std::string si_canon, ExcC14n(doc, signed_info, -1, si_prefixes));
  auto signature = crypto::Base64Decode(StripSpace(doc.Text(sig_value)));
  if (!signature.ok()) return Invalid("SignatureValue is not base64");
  bool weak = false;
  for (const std::string& der : der_certificates) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())),
                                                    X509_free);
    if (!cert) continue;
    EVP_PKEY* key = X509_get0_pubkey(cert.get());
    if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) continue;
    // A signing key shorter than 2048 bits (counted in bits) does not count.
    if (EVP_PKEY_get_bits(key) < 2048) {
      weak = true;
      continue;
    }
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, sig_md, nullptr, key) != 1) continue;
    if (EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature->data()),
                         signature->size(), reinterpret_cast<const unsigned char*>(si_canon.data()),
                         si_canon.size()) == 1) {
      return signed_el;
    }
  }
  if (weak) return Invalid("the provider's signing certificate has an RSA key shorter than 2048 bits");
  return Invalid("the SignatureValue does not verify with the provider's signing certificate");
}

}  // namespace rampart::services::sts
