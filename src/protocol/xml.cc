#include "protocol/xml.h"

#include <expat.h>

namespace rampart::xml {

const Element* Element::Child(std::string_view n) const {
  for (const auto& c : children) {
    if (c.name == n) return &c;
  }
  return nullptr;
}

namespace {
struct ParseState {
  XML_Parser parser;
  std::vector<Element*> stack;
  Element root;
  bool have_root = false;
  int max_depth;
  std::string error;
};

std::string LocalName(const char* name) {
  std::string_view n(name);
  size_t colon = n.rfind(':');
  return std::string(colon == std::string_view::npos ? n : n.substr(colon + 1));
}

void XMLCALL OnStart(void* data, const char* name, const char** attrs) {
  auto* st = static_cast<ParseState*>(data);
  if (static_cast<int>(st->stack.size()) >= st->max_depth) {
    st->error = "XML nesting is deeper than allowed";
    XML_StopParser(st->parser, XML_FALSE);
    return;
  }
  Element* e;
  if (st->stack.empty()) {
    st->root = Element{};
    st->have_root = true;
    e = &st->root;
  } else {
    st->stack.back()->children.emplace_back();
    e = &st->stack.back()->children.back();
  }
  e->name = LocalName(name);
  for (int i = 0; attrs[i]; i += 2) e->attributes.emplace_back(LocalName(attrs[i]), attrs[i + 1]);
  st->stack.push_back(e);
}

void XMLCALL OnEnd(void* data, const char*) {
  auto* st = static_cast<ParseState*>(data);
  if (!st->stack.empty()) st->stack.pop_back();
}

void XMLCALL OnText(void* data, const char* s, int len) {
  auto* st = static_cast<ParseState*>(data);
  if (!st->stack.empty()) st->stack.back()->text.append(s, static_cast<size_t>(len));
}

void XMLCALL OnDoctype(void* data, const char*, const char*, const char*, int) {
  auto* st = static_cast<ParseState*>(data);
  st->error = "DOCTYPE declarations are not allowed";
  XML_StopParser(st->parser, XML_FALSE);
}
}  // namespace

Result<Element> Parse(std::string_view text, int max_depth) {
  ParseState st;
  st.max_depth = max_depth;
  st.parser = XML_ParserCreateNS(nullptr, ':');
  if (!st.parser) return Error::Internal("cannot create XML parser");
  XML_SetUserData(st.parser, &st);
  XML_SetElementHandler(st.parser, OnStart, OnEnd);
  XML_SetCharacterDataHandler(st.parser, OnText);
  XML_SetStartDoctypeDeclHandler(st.parser, OnDoctype);
  XML_Status status = XML_Parse(st.parser, text.data(), static_cast<int>(text.size()), XML_TRUE);
  std::string reason;
  if (status != XML_STATUS_OK) {
    reason = st.error.empty() ? XML_ErrorString(XML_GetErrorCode(st.parser)) : st.error;
    reason += " at line " + std::to_string(XML_GetCurrentLineNumber(st.parser));
  }
  XML_ParserFree(st.parser);
  if (!reason.empty() || !st.have_root) {
    return Error{"MalformedXML",
                 "The XML you provided was not well-formed or did not validate against our "
                 "published schema: " + (reason.empty() ? std::string("empty document") : reason),
                 400, true};
  }
  return std::move(st.root);
}

}  // namespace rampart::xml
