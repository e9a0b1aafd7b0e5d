#pragma once
// What RFC 9110/9112 refuse in a request head, checked before a request reaches the gateway.
// Pure: no I/O, no Beast; the listener calls these on each request it parses.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rampart::http {

struct Refusal {
  int status;                // 400, 405, 417, 501
  std::string_view code;     // the AWS-style error code of the canned answer
  std::string message;
  bool allow_header = false; // 405: answer with Allow
};

// The methods Rampart serves; TRACE and CONNECT are 405 (never echoed), anything else 501.
// Methods are case-sensitive: "get" is not GET.
inline constexpr std::string_view kAllowedMethods = "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS";
std::optional<Refusal> CheckMethod(std::string_view method);

// The header fields of one request (`version` 10 or 11). HTTP/1.1 needs exactly one Host with a
// valid value; Expect may only be 100-continue; Transfer-Encoding may only be chunked, and not
// together with Content-Length.
using Fields = std::vector<std::pair<std::string_view, std::string_view>>;
std::optional<Refusal> CheckFields(unsigned version, const Fields& fields);

// True when the header block (request line and fields, up to the blank line) folds a field
// over two lines (obs-fold: CRLF followed by a space or tab). RFC 9112 5.2 lets a server
// reject it; Rampart does (a proxy in front may have read the field differently).
bool HasObsFold(std::string_view header_block);

// RFC 3986 uri-host [":" port], or empty.
bool ValidHostValue(std::string_view host);

// The limit on one chunk's extensions (RFC 9112 7.1.1 lets a server bound them).
inline constexpr size_t kMaxChunkExtensionBytes = 4096;

}  // namespace rampart::http
