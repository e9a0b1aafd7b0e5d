#pragma once
// A minimal XML DOM over expat for request bodies (rest-xml). DOCTYPEs are refused (no entity
// expansion), depth is bounded. Pure and thread-safe.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace rampart::xml {

struct Element {
  std::string name;  // local name, namespace prefix stripped
  std::string text;  // concatenated character data
  std::vector<std::pair<std::string, std::string>> attributes;
  std::vector<Element> children;

  const Element* Child(std::string_view n) const;
};

// Parses a whole document; error code MalformedXML with expat's reason and position.
Result<Element> Parse(std::string_view text, int max_depth = 64);

}  // namespace rampart::xml
