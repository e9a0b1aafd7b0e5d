#pragma once
// Outbound HTTPS GET for identity-provider documents (OIDC discovery and JWKS), trusted the way
// IAM trusts an OpenID Connect provider: by SHA-1 thumbprints of certificates, not by a CA store.
//
// The server's chain is accepted when some certificate it presents (the leaf or any certificate
// of the chain it sends) has a SHA-1 fingerprint (of its DER encoding) equal to one of the
// thumbprints, and the leaf verifies up to that certificate (OpenSSL chain verification with the
// matched certificate as the only trust anchor, partial chains allowed, validity dates checked)
// and names the URL's host (DNS name or IP address SAN). AWS computes the thumbprint of the top
// intermediate CA the server sends (the last certificate `openssl s_client -showcerts` prints).
//
// Only https URLs; no redirects; bounded time (connect, handshake, request, response together)
// and bounded response size. Thread-safe: every call uses its own io_context and TLS context.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace rampart::http {

struct FetchOptions {
  std::vector<std::string> sha1_thumbprints;  // 40 hex characters each, any case
  std::size_t max_body_bytes = 256 * 1024;
  std::chrono::milliseconds timeout{5000};
};

// The body of a 200 response. Errors: code "ThumbprintMismatch" when the TLS chain is not
// trusted by the thumbprints, "FetchFailed" for everything else (bad URL, DNS, connect, TLS,
// timeout, non-200 status, oversized body).
Result<std::string> FetchHttps(std::string_view url, const FetchOptions& opts);

}  // namespace rampart::http
