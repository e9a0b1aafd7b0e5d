#pragma once
// Transport-neutral views of an HTTP exchange, shared by sigv4/, protocol/ and http/.

#include <string>
#include <string_view>
#include <vector>

namespace rampart {

struct HttpHeader {
  std::string name;   // as received (case preserved)
  std::string value;
};

// Case-insensitive lookup of the first header with this name; empty view if absent.
std::string_view FindHeader(const std::vector<HttpHeader>& headers, std::string_view name);
bool HasHeader(const std::vector<HttpHeader>& headers, std::string_view name);

}  // namespace rampart
