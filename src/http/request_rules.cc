#include "http/request_rules.h"

#include <algorithm>
#include <cctype>

namespace rampart::http {

namespace {

bool IEq(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Refusal Bad(std::string message) { return {400, "MalformedHTTPRequest", std::move(message)}; }

// reg-name characters (unreserved, sub-delims, '%' of pct-encoding).
bool RegNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("-._~!$&'()*+,;=%").find(c) != std::string_view::npos;
}

bool Digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::optional<Refusal> CheckMethod(std::string_view method) {
  for (std::string_view m : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    if (method == m) return std::nullopt;
  }
  if (method == "TRACE" || method == "CONNECT") {
    return Refusal{405, "MethodNotAllowed",
                   std::string(method) + " is not allowed; this server accepts " +
                       std::string(kAllowedMethods),
                   true};
  }
  return Refusal{501, "NotImplemented", "The method is not implemented"};
}

bool ValidHostValue(std::string_view host) {
  if (host.empty()) return true;
  std::string_view port;
  if (host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view inside = host.substr(1, close - 1);
    if (inside.empty() || !std::all_of(inside.begin(), inside.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
        })) {
      return false;
    }
    std::string_view rest = host.substr(close + 1);
    if (rest.empty()) return true;
    if (rest.front() != ':') return false;
    port = rest.substr(1);
  } else {
    size_t colon = host.rfind(':');
    std::string_view name = host.substr(0, colon);
    if (colon != std::string_view::npos) port = host.substr(colon + 1);
    if (!std::all_of(name.begin(), name.end(), RegNameChar)) return false;
  }
  return Digits(port) && port.size() <= 5;
}

bool HasObsFold(std::string_view block) {
  for (size_t at = block.find("\r\n"); at != std::string_view::npos;
       at = block.find("\r\n", at + 2)) {
    if (at + 2 < block.size() && (block[at + 2] == ' ' || block[at + 2] == '\t')) return true;
  }
  return false;
}

std::optional<Refusal> CheckFields(unsigned version, const Fields& fields) {
  int hosts = 0;
  bool content_length = false;
  for (const auto& [name, raw] : fields) {
    std::string_view value = Trim(raw);
    if (IEq(name, "host")) {
      ++hosts;
      if (!ValidHostValue(value)) return Bad("The Host header is not a valid host[:port]");
    } else if (IEq(name, "expect")) {
      if (!IEq(value, "100-continue")) {
        return Refusal{417, "ExpectationFailed", "Only Expect: 100-continue is supported"};
      }
    } else if (IEq(name, "transfer-encoding")) {
      // Only chunked: a coding this server does not decode would reach the codecs as raw bytes.
      if (!IEq(value, "chunked")) {
        return Refusal{501, "NotImplemented",
                       "This Transfer-Encoding is not supported; only chunked is"};
      }
    } else if (IEq(name, "content-length")) {
      content_length = true;
    }
  }
  if (version >= 11 && hosts != 1) {
    return Bad(hosts == 0 ? "An HTTP/1.1 request must carry a Host header"
                          : "A request must carry one Host header, not several");
  }
  if (version < 11 && hosts > 1) return Bad("A request must carry one Host header, not several");
  for (const auto& [name, raw] : fields) {
    if (content_length && IEq(name, "transfer-encoding")) {
      return Bad("A request must not carry both Content-Length and Transfer-Encoding");
    }
  }
  return std::nullopt;
}

}  // namespace rampart::http
