#pragma once
// AWS Signature Version 4 (AWS4-HMAC-SHA256): parsing, canonicalisation, verification, signing.
//
// Pure: no I/O, no clock (time is an argument), no globals. The only shared state is the
// SigningKeyCache object the caller owns (thread-safe).
//
// ---------------------------------------------------------------------------------------------
// Errors. Verify/ParseCredential return protocol-neutral "native" codes (below) carrying AWS's
// own message text. ToProtocolError() rewrites one into exactly what AWS sends for a protocol.
//
//  native code                 when                                 Query (STS/IAM/SNS)            JSON (KMS, ...)                          S3 (rest-xml)
//  MissingAuthenticationToken  no Authorization, no X-Amz-* query   MissingAuthenticationToken 403 MissingAuthenticationTokenException 400  AccessDenied 403 "Access Denied"
//                              "Request is missing Authentication Token"
//  IncompleteSignature         malformed/missing parts              IncompleteSignature 400        IncompleteSignatureException 400         AuthorizationHeaderMalformed 400 (header)
//                                                                                                                                           AuthorizationQueryParametersError 400 (query)
//  SignatureDoesNotMatch       HMAC differs / bad scope terminator  SignatureDoesNotMatch 403      InvalidSignatureException 400            SignatureDoesNotMatch 403
//      Query/JSON: "The request signature we calculated does not match the signature you provided. Check your AWS
//                   Secret Access Key and signing method. Consult the service documentation for details."
//      S3:         "The request signature we calculated does not match the signature you provided. Check your key and
//                   signing method."
//  RequestTimeTooSkewed        X-Amz-Date outside +-15 min          SignatureDoesNotMatch 403      InvalidSignatureException 400            RequestTimeTooSkewed 403
//      Query/JSON message: "Signature expired: 20150830T123600Z is now earlier than 20150830T124600Z (20150830T130100Z - 15 min.)"
//                     or   "Signature not yet current: 20150830T123600Z is still later than 20150830T122100Z (20150830T120600Z + 15 min.)"
//      S3 message: "The difference between the request time and the current time is too large."
//                  (S3 adds <RequestTime>, <ServerTime>, <MaxAllowedSkewMilliseconds>900000</...>)
//  RequestExpired              presigned URL past X-Amz-Expires     RequestExpired 400             RequestExpired 400                       AccessDenied 403 "Request has expired"
//      (S3 adds <X-Amz-Expires>, <Expires>, <ServerTime>; a presigned URL dated in the future is AccessDenied
//       "Request is not yet valid".)
//  XAmzContentSHA256Mismatch   (s3 only) hex x-amz-content-sha256  n/a                            n/a                                      XAmzContentSHA256Mismatch 400
//                              differs from the body: "The provided 'x-amz-content-sha256' header does not match what was computed."
//
// Not produced here (the server decides whether an access key exists) but for copying:
//  InvalidClientTokenId  Query: InvalidClientTokenId 403 "The security token included in the request is invalid."
//                        JSON:  UnrecognizedClientException 400 "The security token included in the request is invalid."
//                        S3:    InvalidAccessKeyId 403 "The AWS Access Key Id you provided does not exist in our records."
//  ExpiredToken          Query: ExpiredToken 400 "The security token included in the request is expired"
//                        JSON:  ExpiredTokenException 400 (same text);  S3: ExpiredToken 400 "The provided token has expired."
//  Wrong scope (router/server knows the expected region/service), SignatureDoesNotMatch 403 in Query, InvalidSignatureException in JSON:
//      "Credential should be scoped to a valid region, not 'eu-west-9'. "
//      "Credential should be scoped to correct service: 'sts'. "
//   -> ScopeRegionError() / ScopeServiceError() below build them.
// ---------------------------------------------------------------------------------------------

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/crypto.h"
#include "common/http_types.h"
#include "common/result.h"

namespace rampart::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr int64_t kMaxPresignExpiresSeconds = 604800;  // 7 days

// Raw, as received, in order, duplicates allowed. Shared with the rest of the server so a
// request's headers are never copied for verification.
using Header = rampart::HttpHeader;

struct RequestView {
  std::string_view method;  // "GET"
  std::string_view target;  // raw request-target: path + optional "?query", still percent-encoded
  const std::vector<Header>* headers = nullptr;  // may be null (= no headers)
  std::string_view body;    // full body (for payload hash when x-amz-content-sha256 is absent)
};

struct Credential {  // parsed from Authorization header or X-Amz-* query params
  std::string access_key_id, date /*YYYYMMDD*/, region, service;
  std::vector<std::string> signed_headers;  // lowercased, in the order the client listed them
  std::string signature, amz_date /*YYYYMMDDTHHMMSSZ*/, security_token;  // token empty if none
  bool presigned = false;
  int64_t expires_seconds = 0;  // X-Amz-Expires (presigned only; 0 = absent)
  // Where the token came from, for the unsigned-token fallback (see Verify).
  bool token_signed = false;  // header auth: token header is in SignedHeaders
  std::string scope() const;  // date/region/service/aws4_request
};

// True if the request carries any SigV4 material: an Authorization header, or X-Amz-Credential /
// X-Amz-Signature in the query string.
bool HasAuth(const RequestView& req);

// Finds and parses the signature (Authorization header first, else presigned query parameters).
// Errors: MissingAuthenticationToken (nothing at all), IncompleteSignature (malformed or missing
// parts, unsupported algorithm, Host not signed, bad X-Amz-Expires, bad date),
// SignatureDoesNotMatch (bad scope terminator). Used by the router to learn the service.
rampart::Result<Credential> ParseCredential(const RequestView& req);

struct VerifyOptions {
  int64_t now_epoch_seconds = 0;
  bool normalize_path = true;  // false for S3
  int64_t max_skew_seconds = 900;
  // S3 semantics: presigned requests without X-Amz-Content-Sha256 sign "UNSIGNED-PAYLOAD", and a hex
  // x-amz-content-sha256 that differs from the body yields XAmzContentSHA256Mismatch (otherwise
  // SignatureDoesNotMatch). Set together with normalize_path = false for S3.
  bool s3 = false;
  // Presigned URLs whose X-Amz-Security-Token was appended after signing (aws-c-auth
  // "sts-header-after", IoT websockets) are accepted: if the signature fails with the token in the
  // canonical query, it is retried without it. The server still validates the token itself.
  bool allow_unsigned_presigned_token = true;
};

class SigningKeyCache;

// Checks the time window (RequestTimeTooSkewed / RequestExpired), scope date == X-Amz-Date date,
// payload hash, recomputes the canonical request and signature and compares in constant time
// (SignatureDoesNotMatch). `cache` may be null.
rampart::Status Verify(const RequestView& req, const Credential& cred, std::string_view secret_access_key,
                       const VerifyOptions& opts, SigningKeyCache* cache);

// Thread-safe cache of derived signing keys keyed by (secret, date, region, service); bounded size
// (oldest entry evicted first). Keys are stored as SHA-256 of the tuple, never the raw secret.
class SigningKeyCache {
 public:
  explicit SigningKeyCache(size_t capacity = 4096);
  SigningKeyCache(const SigningKeyCache&) = delete;
  SigningKeyCache& operator=(const SigningKeyCache&) = delete;

  crypto::Sha256Digest Get(std::string_view secret, std::string_view date, std::string_view region,
                           std::string_view service);
  size_t size() const;
  uint64_t hits() const;
  uint64_t misses() const;
  void Clear();

 private:
  size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, crypto::Sha256Digest> map_;
  std::list<std::string> order_;  // insertion order for FIFO eviction
  uint64_t hits_ = 0, misses_ = 0;
};

// ---- Building blocks (exposed for tests and for signing) ----

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request").
crypto::Sha256Digest DeriveSigningKey(std::string_view secret, std::string_view date, std::string_view region,
                                      std::string_view service);

// Method\nURI\nQuery\nHeaders\n\nSignedHeaders\nPayloadHash. For presigned credentials X-Amz-Signature is
// left out of the query.
std::string CanonicalRequest(const RequestView& req, const Credential& cred, bool normalize_path,
                             std::string_view payload_hash);
// AWS4-HMAC-SHA256\n<amz_date>\n<scope>\nhex(sha256(canonical_request))
std::string StringToSign(const Credential& cred, std::string_view canonical_request);
// hex(HMAC(kSigning, string_to_sign))
std::string Sign(std::string_view secret, const Credential& cred, std::string_view string_to_sign);

// The payload hash Verify tries first. S3: the x-amz-content-sha256 header (or X-Amz-Content-Sha256
// query for presigned) taken literally (UNSIGNED-PAYLOAD, STREAMING-*), else presigned ->
// UNSIGNED-PAYLOAD, else hex(sha256(body)). Every other service: hex(sha256(body)) always (the
// body is always signed); a presigned request with an empty body is also accepted signed with
// UNSIGNED-PAYLOAD, as botocore presigns.
std::string PayloadHash(const RequestView& req, const Credential& cred, bool s3);

// Canonical pieces, exposed for tests.
std::string CanonicalUri(std::string_view raw_path, bool normalize_path);
std::string CanonicalQuery(std::string_view raw_query, bool drop_signature, bool drop_token);
// RFC 3986 encoding of every byte except A-Z a-z 0-9 - . _ ~ (and '/' when keep_slash).
std::string UriEncode(std::string_view s, bool keep_slash);

// "YYYYMMDDTHHMMSSZ" <-> epoch seconds (UTC). Strict format.
std::optional<int64_t> ParseAmzDate(std::string_view s);
std::string FormatAmzDate(int64_t epoch_seconds);
// RFC 1123 / IMF-fixdate ("Sun, 30 Aug 2015 12:36:00 GMT"), also accepts a missing weekday.
std::optional<int64_t> ParseHttpDate(std::string_view s);

// Convenience signer for tests/benchmarks: adds X-Amz-Date, (X-Amz-Security-Token), Authorization
// to headers. Signs every header present (plus the added ones), payload = hex(sha256(body)) unless
// an x-amz-content-sha256 header is present. A Host header must already be present.
void SignRequest(std::string_view method, std::string_view target, std::vector<Header>& headers,
                 std::string_view body, std::string_view access_key, std::string_view secret,
                 std::string_view region, std::string_view service,
                 std::string_view amz_date /*YYYYMMDDTHHMMSSZ*/, std::string_view session_token = {},
                 bool normalize_path = true);

// Presigns: returns `target` with X-Amz-Algorithm/Credential/Date/Expires/SignedHeaders(=signed headers
// present)/[Security-Token]/Signature appended. Payload = hex(sha256(body)), or UNSIGNED-PAYLOAD when
// unsigned_payload (S3: also pass normalize_path = false).
std::string PresignTarget(std::string_view method, std::string_view target, const std::vector<Header>& headers,
                          std::string_view body, std::string_view access_key, std::string_view secret,
                          std::string_view region, std::string_view service, std::string_view amz_date,
                          int64_t expires_seconds, std::string_view session_token = {},
                          bool unsigned_payload = false, bool normalize_path = true);

// ---- Errors ----
enum class Protocol { kQuery, kJson, kS3 };
// Rewrites a native error (codes above) into AWS's code/status/message for the protocol. Unknown
// codes pass through unchanged.
rampart::Error ToProtocolError(const rampart::Error& native, Protocol protocol, bool presigned = false);
rampart::Error ScopeRegionError(std::string_view region);     // SignatureDoesNotMatch 403
rampart::Error ScopeServiceError(std::string_view expected);  // SignatureDoesNotMatch 403

}  // namespace rampart::sigv4
