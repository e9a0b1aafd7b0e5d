// libFuzzer target, differential: exclusive XML canonicalization (services/sts/xml_dsig.h, the
// form SAML signatures are computed over) against libxml2's, the implementation xmlsec1 and
// most SAML stacks use. Where both parsers accept a document and ours canonicalizes it, the
// two canonical forms of the document element's subtree must be byte for byte the same: a
// difference is a way to make Rampart and an IdP disagree about what was signed.
//
// Input: line 1 is the InclusiveNamespaces PrefixList (space-separated, may be empty), the rest
// is the XML document. Seeds: fuzz/corpus/services_c14n/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/xmlIO.h>

#include "common/strings.h"
#include "services/sts/xml_dsig.h"

namespace {

void Quiet(void*, const char*, ...) {}

// In the node-set: the document element, its descendants, and their attributes and namespace
// nodes (for these libxml2 passes the owning element as `parent`).
int InSubtree(void* root, xmlNodePtr node, xmlNodePtr parent) {
  if (!node) return 0;
  xmlNodePtr e = node->type == XML_NAMESPACE_DECL || node->type == XML_ATTRIBUTE_NODE ? parent
                                                                                     : node;
  for (; e; e = e->parent) {
    if (e == root) return 1;
  }
  return 0;
}

// libxml2's canonical form, or nullopt where libxml2 does not parse the document cleanly
// (namespace errors included) or does not canonicalize it.
std::optional<std::string> Libxml2ExcC14n(std::string_view xml,
                                          const std::vector<std::string>& prefixes) {
  xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
  if (!ctxt) return std::nullopt;
  xmlDocPtr doc = xmlCtxtReadMemory(ctxt, xml.data(), static_cast<int>(xml.size()), nullptr,
                                    "UTF-8", XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                 XML_PARSE_NOWARNING | XML_PARSE_NOENT);
  bool clean = doc && ctxt->wellFormed && ctxt->nsWellFormed;
  xmlFreeParserCtxt(ctxt);
  std::optional<std::string> out;
  if (clean) {
    std::vector<xmlChar*> list;
    for (const std::string& p : prefixes) list.push_back(BAD_CAST p.c_str());
    list.push_back(nullptr);
    xmlOutputBufferPtr buf = xmlAllocOutputBuffer(nullptr);
    int rc = xmlC14NExecute(doc, InSubtree, xmlDocGetRootElement(doc), XML_C14N_EXCLUSIVE_1_0,
                            list.data(), 0, buf);
    if (rc >= 0) {
      out.emplace(reinterpret_cast<const char*>(xmlOutputBufferGetContent(buf)),
                  xmlOutputBufferGetSize(buf));
    }
    xmlOutputBufferClose(buf);
  }
  if (doc) xmlFreeDoc(doc);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  xmlInitParser();
  xmlSetGenericErrorFunc(nullptr, Quiet);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16 * 1024) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return 0;
  std::vector<std::string> prefixes;
  for (std::string_view p : rampart::Split(in.substr(0, nl), ' ')) {
    // A PrefixList comes from an attribute value: NCNames (or #default), never NUL.
    if (p.empty()) continue;
    if (p.find_first_of(std::string_view("\0<>&\"'\t\r", 9)) != p.npos) return 0;
    prefixes.emplace_back(p);
  }
  std::string_view xml = in.substr(nl + 1);

  auto doc = rampart::services::sts::ParseXDoc(xml);
  if (!doc.ok()) return 0;
  auto ours = rampart::services::sts::ExcC14n(*doc, 0, -1, prefixes);
  if (!ours.ok()) return 0;
  std::optional<std::string> theirs = Libxml2ExcC14n(xml, prefixes);
  if (theirs && *theirs != *ours) {
    fprintf(stderr, "ours:    %s\nlibxml2: %s\n", ours->c_str(), theirs->c_str());
    abort();
  }
  return 0;
}
