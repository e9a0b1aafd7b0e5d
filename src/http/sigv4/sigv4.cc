#include "http/sigv4/sigv4.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>

namespace rampart::sigv4 {
namespace {

constexpr std::string_view kTerminator = "aws4_request";

// SHA-256 / HMAC-SHA256 with the digest fetched once per operation (OpenSSL 3's one-shot calls
// re-fetch the algorithm every time, which dominated verification cost). Not shared between
// threads; one per Verify/Sign call. Falls back to the common crypto helpers if the fetch fails.
// OpenSSL's SHA-256 implementation, fetched once per process (EVP_MD_fetch takes a global
// lock and was ~4% of a small signed call), and one digest context per thread. Both are caches
// of OpenSSL objects, never state of a request; a Hasher uses the context only inside one call.
EVP_MD* Sha256Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);  // never freed: used until exit
  return md;
}
EVP_MD_CTX* ThreadDigestContext() {
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                           &EVP_MD_CTX_free);
  return ctx.get();
}

class Hasher {
 public:
  Hasher() : md_(Sha256Md()), ctx_(ThreadDigestContext()) {}
  ~Hasher() = default;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  crypto::Sha256Digest Sha256(std::string_view a, std::string_view b = {}) {
    crypto::Sha256Digest out{};
    unsigned int len = 0;
    if (!md_ || !ctx_ || EVP_DigestInit_ex(ctx_, md_, nullptr) != 1) {
      return crypto::Sha256(std::string(a).append(b));
    }
    EVP_DigestUpdate(ctx_, a.data(), a.size());
    if (!b.empty()) EVP_DigestUpdate(ctx_, b.data(), b.size());
    EVP_DigestFinal_ex(ctx_, out.data(), &len);
    return out;
  }

  // RFC 2104 over SHA-256 (block size 64).
  crypto::Sha256Digest Hmac(std::string_view key, std::string_view msg) {
    unsigned char k[64] = {0};
    if (key.size() > 64) {
      auto kd = Sha256(key);
      std::memcpy(k, kd.data(), kd.size());
    } else {
      std::memcpy(k, key.data(), key.size());
    }
    char ipad[64], opad[64];
    for (int i = 0; i < 64; ++i) {
      ipad[i] = static_cast<char>(k[i] ^ 0x36);
      opad[i] = static_cast<char>(k[i] ^ 0x5c);
    }
    auto inner = Sha256(std::string_view(ipad, 64), msg);
    return Sha256(std::string_view(opad, 64),
                  std::string_view(reinterpret_cast<const char*>(inner.data()), inner.size()));
  }

  std::string Sha256Hex(std::string_view a) { return crypto::HexEncode(Sha256(a)); }

 private:
  EVP_MD* md_;
  EVP_MD_CTX* ctx_;
};

std::string_view AsView(const crypto::Sha256Digest& d) {
  return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

crypto::Sha256Digest DeriveKey(Hasher& h, std::string_view secret, std::string_view date, std::string_view region,
                               std::string_view service) {
  std::string k;
  k.reserve(4 + secret.size());
  k.append("AWS4").append(secret);
  auto k_date = h.Hmac(k, date);
  auto k_region = h.Hmac(AsView(k_date), region);
  auto k_service = h.Hmac(AsView(k_region), service);
  return h.Hmac(AsView(k_service), kTerminator);
}

// ---------- small string helpers ----------

char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLowerAscii(a[i]) != ToLowerAscii(b[i])) return false;
  }
  return true;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ToLowerAscii(c);
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Trim and collapse every run of whitespace (including obs-fold CR/LF) into one space.
void AppendCollapsed(std::string& out, std::string_view v) {
  v = Trim(v);
  bool in_space = false;
  for (char c : v) {
    if (IsSpace(c)) {
      in_space = true;
      continue;
    }
    if (in_space) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char kUpperHex[] = "0123456789ABCDEF";

void AppendPct(std::string& out, unsigned char c) {
  out.push_back('%');
  out.push_back(kUpperHex[c >> 4]);
  out.push_back(kUpperHex[c & 0xf]);
}

// Percent-decodes; malformed escapes are kept literally. '+' stays '+'.
std::string PctDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexVal(s[i + 1]), lo = HexVal(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>((hi << 4) | lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

bool IsHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (HexVal(c) < 0) return false;
  }
  return true;
}

std::string_view PathOf(std::string_view target) {
  size_t q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

std::string_view QueryOf(std::string_view target) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = target.substr(q + 1);
  size_t hash = query.find('#');
  if (hash != std::string_view::npos) query = query.substr(0, hash);
  return query;
}

struct QueryParam {
  std::string name;   // decoded
  std::string value;  // decoded
};

std::vector<QueryParam> ParseQuery(std::string_view query) {
  std::vector<QueryParam> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    if (eq == std::string_view::npos) {
      out.push_back({PctDecode(piece), std::string()});
    } else {
      out.push_back({PctDecode(piece.substr(0, eq)), PctDecode(piece.substr(eq + 1))});
    }
  }
  return out;
}

const std::string* FindParam(const std::vector<QueryParam>& params, std::string_view name) {
  for (const auto& p : params) {
    if (p.name == name) return &p.value;
  }
  return nullptr;
}

const std::vector<Header>& HeadersOf(const RequestView& req) {
  static const std::vector<Header> kEmpty;  // immutable, so thread-safe
  return req.headers ? *req.headers : kEmpty;
}

const Header* FindHeader(const RequestView& req, std::string_view lower_name) {
  for (const auto& h : HeadersOf(req)) {
    if (IEquals(h.name, lower_name)) return &h;
  }
  return nullptr;
}

rampart::Error Err(std::string code, std::string message, int status) {
  return rampart::Error{std::move(code), std::move(message), status, true};
}

rampart::Error Incomplete(std::string message) { return Err("IncompleteSignature", std::move(message), 400); }

constexpr std::string_view kSignatureMismatchMessage =
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
    "Access Key and signing method. Consult the service documentation for details.";

rampart::Error Mismatch(std::string message = std::string(kSignatureMismatchMessage)) {
  return Err("SignatureDoesNotMatch", std::move(message), 403);
}

// ---------- date helpers ----------

// Howard Hinnant's days_from_civil.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += (m <= 2);
}

bool Digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

std::optional<int64_t> FromFields(int y, int mo, int d, int h, int mi, int s) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1) return std::nullopt;
  int dim = kDays[mo - 1] + ((mo == 2 && IsLeap(y)) ? 1 : 0);
  if (d > dim || h > 23 || mi > 59 || s > 60) return std::nullopt;
  return DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + s;
}

// ---------- canonical request core ----------

void AppendCanonicalHeaders(std::string& out, const RequestView& req, const std::vector<std::string>& signed_headers) {
  for (const auto& name : signed_headers) {
    out.append(name);
    out.push_back(':');
    bool first = true;
    for (const auto& h : HeadersOf(req)) {
      if (!IEquals(h.name, name)) continue;
      if (!first) out.push_back(',');
      first = false;
      AppendCollapsed(out, h.value);
    }
    out.push_back('\n');
  }
}

std::string BuildCanonical(const RequestView& req, const Credential& cred, bool normalize_path,
                           std::string_view payload_hash, bool drop_token) {
  std::string out;
  out.reserve(256 + req.target.size() * 2);
  out.append(req.method);
  out.push_back('\n');
  out.append(CanonicalUri(PathOf(req.target), normalize_path));
  out.push_back('\n');
  out.append(CanonicalQuery(QueryOf(req.target), cred.presigned, drop_token));
  out.push_back('\n');
  AppendCanonicalHeaders(out, req, cred.signed_headers);
  out.push_back('\n');
  for (size_t i = 0; i < cred.signed_headers.size(); ++i) {
    if (i) out.push_back(';');
    out.append(cred.signed_headers[i]);
  }
  out.push_back('\n');
  out.append(payload_hash);
  return out;
}

std::string SignWithKey(Hasher& h, const crypto::Sha256Digest& key, std::string_view string_to_sign) {
  return crypto::HexEncode(h.Hmac(AsView(key), string_to_sign));
}

std::string StringToSignWith(Hasher& h, const Credential& cred, std::string_view canonical_request) {
  std::string out;
  out.reserve(kAlgorithm.size() + cred.amz_date.size() + 64 + 80);
  out.append(kAlgorithm).push_back('\n');
  out.append(cred.amz_date).push_back('\n');
  out.append(cred.scope()).push_back('\n');
  out.append(h.Sha256Hex(canonical_request));
  return out;
}

// Parses "AKID/YYYYMMDD/region/service/aws4_request" into cred.
rampart::Status ParseScope(std::string_view credential, Credential& cred) {
  std::vector<std::string_view> parts;
  std::string_view rest = credential;
  while (true) {
    size_t slash = rest.find('/');
    parts.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
    if (parts.size() > 5) break;
  }
  if (parts.size() != 5) {
    return Incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" +
                      std::string(credential) + "'");
  }
  for (const auto& p : parts) {
    if (p.empty()) {
      return Incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" +
                        std::string(credential) + "'");
    }
  }
  if (parts[4] != kTerminator) {
    return Mismatch("Credential should be scoped with a valid terminator: 'aws4_request', not '" + std::string(parts[4]) +
                    "'. ");
  }
  int y = 0, mo = 0, d = 0;
  if (parts[1].size() != 8 || !Digits(parts[1], 0, 4, y) || !Digits(parts[1], 4, 2, mo) || !Digits(parts[1], 6, 2, d) ||
      !FromFields(y, mo, d, 0, 0, 0)) {
    return Incomplete("Invalid credential date '" + std::string(parts[1]) + "'. Expected format YYYYMMDD.");
  }
  cred.access_key_id = std::string(parts[0]);
  cred.date = std::string(parts[1]);
  cred.region = std::string(parts[2]);
  cred.service = std::string(parts[3]);
  return {};
}

rampart::Status ParseSignedHeaders(std::string_view list, Credential& cred) {
  cred.signed_headers.clear();
  while (!list.empty()) {
    size_t semi = list.find(';');
    std::string_view name = Trim(list.substr(0, semi));
    list = semi == std::string_view::npos ? std::string_view{} : list.substr(semi + 1);
    if (name.empty()) continue;
    cred.signed_headers.push_back(ToLower(name));
  }
  bool has_host = std::find(cred.signed_headers.begin(), cred.signed_headers.end(), "host") != cred.signed_headers.end() ||
                  std::find(cred.signed_headers.begin(), cred.signed_headers.end(), ":authority") !=
                      cred.signed_headers.end();
  if (!has_host) return Incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  return {};
}

rampart::Status ValidateAmzDate(std::string_view v) {
  if (!ParseAmzDate(v)) {
    return Incomplete("Date must be in ISO-8601 'basic format'. Got '" + std::string(v) +
                      "'. See http://en.wikipedia.org/wiki/ISO_8601");
  }
  return {};
}

rampart::Result<Credential> ParseAuthorizationHeader(const RequestView& req, std::string_view auth) {
  std::string_view value = Trim(auth);
  std::string whole(value);
  bool is_v4 = value.size() > kAlgorithm.size() && value.substr(0, kAlgorithm.size()) == kAlgorithm &&
               IsSpace(value[kAlgorithm.size()]);
  Credential cred;
  std::optional<std::string_view> credential, signed_headers, signature;
  if (is_v4) {
    // Like AWS, components are separated by commas and/or whitespace, so a stray space inside a
    // value surfaces as "not a valid key=value pair".
    std::string_view rest = value.substr(kAlgorithm.size());
    while (!rest.empty()) {
      size_t sep = 0;
      while (sep < rest.size() && rest[sep] != ',' && !IsSpace(rest[sep])) ++sep;
      if (sep == rest.size()) sep = std::string_view::npos;
      std::string_view comp = rest.substr(0, sep);
      rest = sep == std::string_view::npos ? std::string_view{} : rest.substr(sep + 1);
      if (comp.empty()) continue;
      size_t eq = comp.find('=');
      if (eq == std::string_view::npos) {
        return Incomplete("'" + std::string(comp) +
                          "' not a valid key=value pair (missing equal-sign) in Authorization header: '" + whole + "'.");
      }
      std::string_view key = Trim(comp.substr(0, eq));
      std::string_view val = Trim(comp.substr(eq + 1));
      if (key == "Credential") credential = val;
      else if (key == "SignedHeaders") signed_headers = val;
      else if (key == "Signature") signature = val;
      // Unknown keys are ignored.
    }
  } else {
    size_t sp = value.find_first_of(" \t");
    std::string_view scheme = value.substr(0, sp);
    if (scheme.substr(0, 4) == "AWS4" && scheme != kAlgorithm && sp != std::string_view::npos) {
      return Incomplete("Unsupported AWS 'algorithm': '" + std::string(scheme) + "'");
    }
  }
  const Header* xdate = FindHeader(req, "x-amz-date");
  const Header* date = xdate ? nullptr : FindHeader(req, "date");
  std::string missing;
  if (!credential) missing += "Authorization header requires 'Credential' parameter. ";
  if (!signature) missing += "Authorization header requires 'Signature' parameter. ";
  if (!signed_headers) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (!xdate && !date) missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  if (!missing.empty()) return Incomplete(missing + "Authorization=" + whole);

  RAMPART_RETURN_IF_ERROR(ParseScope(*credential, cred));
  RAMPART_RETURN_IF_ERROR(ParseSignedHeaders(*signed_headers, cred));
  cred.signature = std::string(*signature);
  if (xdate) {
    std::string_view v = Trim(xdate->value);
    RAMPART_RETURN_IF_ERROR(ValidateAmzDate(v));
    cred.amz_date = std::string(v);
  } else {
    auto t = ParseHttpDate(Trim(date->value));
    if (!t) {
      return Incomplete("Date must be in ISO-8601 'basic format'. Got '" + std::string(Trim(date->value)) +
                        "'. See http://en.wikipedia.org/wiki/ISO_8601");
    }
    cred.amz_date = FormatAmzDate(*t);
  }
  if (const Header* tok = FindHeader(req, "x-amz-security-token")) {
    cred.security_token = std::string(Trim(tok->value));
    cred.token_signed =
        std::find(cred.signed_headers.begin(), cred.signed_headers.end(), "x-amz-security-token") != cred.signed_headers.end();
  }
  return cred;
}

rampart::Result<Credential> ParsePresigned(const std::vector<QueryParam>& params) {
  const std::string* algorithm = FindParam(params, "X-Amz-Algorithm");
  const std::string* credential = FindParam(params, "X-Amz-Credential");
  const std::string* signature = FindParam(params, "X-Amz-Signature");
  const std::string* date = FindParam(params, "X-Amz-Date");
  const std::string* signed_headers = FindParam(params, "X-Amz-SignedHeaders");
  const std::string* expires = FindParam(params, "X-Amz-Expires");
  std::string missing;
  auto need = [&](const std::string* p, std::string_view name) {
    if (!p) missing += "AWS query-string parameters must include '" + std::string(name) + "'. ";
  };
  need(algorithm, "X-Amz-Algorithm");
  need(credential, "X-Amz-Credential");
  need(signature, "X-Amz-Signature");
  need(signed_headers, "X-Amz-SignedHeaders");
  need(date, "X-Amz-Date");
  if (!missing.empty()) return Incomplete(missing + "Re-examine the query-string parameters.");
  if (*algorithm != kAlgorithm) {
    return Incomplete("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  Credential cred;
  cred.presigned = true;
  RAMPART_RETURN_IF_ERROR(ParseScope(*credential, cred));
  RAMPART_RETURN_IF_ERROR(ParseSignedHeaders(*signed_headers, cred));
  RAMPART_RETURN_IF_ERROR(ValidateAmzDate(*date));
  cred.amz_date = *date;
  cred.signature = *signature;
  if (expires) {
    int64_t v = 0;
    bool ok = !expires->empty() && expires->size() <= 12;
    for (char c : *expires) {
      if (c < '0' || c > '9') {
        ok = false;
        break;
      }
      v = v * 10 + (c - '0');
    }
    if (!ok) return Incomplete("X-Amz-Expires should be a number");
    if (v <= 0) return Incomplete("X-Amz-Expires must be non-negative");
    if (v > kMaxPresignExpiresSeconds) {
      return Incomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800");
    }
    cred.expires_seconds = v;
  }
  if (const std::string* tok = FindParam(params, "X-Amz-Security-Token")) cred.security_token = *tok;
  return cred;
}

}  // namespace

// ================= public API =================

std::string Credential::scope() const {
  std::string s;
  s.reserve(date.size() + region.size() + service.size() + 16);
  s.append(date).push_back('/');
  s.append(region).push_back('/');
  s.append(service).push_back('/');
  s.append(kTerminator);
  return s;
}

std::string UriEncode(std::string_view s, bool keep_slash) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) out.push_back(ch);
    else AppendPct(out, c);
  }
  return out;
}

std::string CanonicalUri(std::string_view raw_path, bool normalize_path) {
  if (raw_path.empty()) return "/";
  if (!normalize_path) {
    // S3: single encoding. Re-encode canonically: valid escapes keep their meaning (an escaped '/'
    // stays %2F), unreserved characters are emitted literally, everything else %XX (upper case).
    std::string out;
    out.reserve(raw_path.size() + 8);
    for (size_t i = 0; i < raw_path.size(); ++i) {
      auto c = static_cast<unsigned char>(raw_path[i]);
      if (c == '%' && i + 2 < raw_path.size()) {
        int hi = HexVal(raw_path[i + 1]), lo = HexVal(raw_path[i + 2]);
        if (hi >= 0 && lo >= 0) {
          auto b = static_cast<unsigned char>((hi << 4) | lo);
          if (IsUnreserved(b)) out.push_back(static_cast<char>(b));
          else AppendPct(out, b);
          i += 2;
          continue;
        }
      }
      if (IsUnreserved(c) || c == '/') out.push_back(static_cast<char>(c));
      else AppendPct(out, c);
    }
    if (out.empty() || out[0] != '/') out.insert(out.begin(), '/');
    return out;
  }
  // Other services: remove dot segments and empty segments, then encode the (still encoded) path
  // again -- the "double encoding" the SDKs do.
  std::vector<std::string_view> segs;
  std::string_view rest = raw_path;
  bool trailing = false;
  while (true) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    bool last = slash == std::string_view::npos;
    if (seg.empty() || seg == ".") {
      if (last) trailing = true;
    } else if (seg == "..") {
      if (!segs.empty()) segs.pop_back();
      if (last) trailing = true;
    } else {
      segs.push_back(seg);
      if (last) trailing = false;
    }
    if (last) break;
    rest = rest.substr(slash + 1);
  }
  std::string out = "/";
  for (size_t i = 0; i < segs.size(); ++i) {
    if (i) out.push_back('/');
    out.append(UriEncode(segs[i], false));
  }
  if (trailing && !segs.empty()) out.push_back('/');
  return out;
}

std::string CanonicalQuery(std::string_view raw_query, bool drop_signature, bool drop_token) {
  auto params = ParseQuery(raw_query);
  std::vector<std::pair<std::string, std::string>> enc;
  enc.reserve(params.size());
  for (auto& p : params) {
    if (drop_signature && p.name == "X-Amz-Signature") continue;
    if (drop_token && p.name == "X-Amz-Security-Token") continue;
    enc.emplace_back(UriEncode(p.name, false), UriEncode(p.value, false));
  }
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (size_t i = 0; i < enc.size(); ++i) {
    if (i) out.push_back('&');
    out.append(enc[i].first);
    out.push_back('=');
    out.append(enc[i].second);
  }
  return out;
}

std::optional<int64_t> ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  int y, mo, d, h, mi, se;
  if (!Digits(s, 0, 4, y) || !Digits(s, 4, 2, mo) || !Digits(s, 6, 2, d) || !Digits(s, 9, 2, h) ||
      !Digits(s, 11, 2, mi) || !Digits(s, 13, 2, se)) {
    return std::nullopt;
  }
  return FromFields(y, mo, d, h, mi, se);
}

std::string FormatAmzDate(int64_t t) {
  // Clamp to 0000-01-01T00:00:00Z .. 9999-12-31T23:59:59Z so the output is always 16 characters.
  constexpr int64_t kMin = -62167219200, kMax = 253402300799;
  t = std::clamp(t, kMin, kMax);
  int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
  int64_t secs = t - days * 86400;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, y, m, d);
  std::string out(16, '0');
  auto put = [&out](size_t pos, size_t width, int64_t v) {
    for (size_t i = 0; i < width; ++i) {
      out[pos + width - 1 - i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  };
  put(0, 4, y);
  put(4, 2, m);
  put(6, 2, d);
  out[8] = 'T';
  put(9, 2, secs / 3600);
  put(11, 2, (secs / 60) % 60);
  put(13, 2, secs % 60);
  out[15] = 'Z';
  return out;
}

std::optional<int64_t> ParseHttpDate(std::string_view s) {
  s = Trim(s);
  size_t comma = s.find(',');
  if (comma != std::string_view::npos) s = Trim(s.substr(comma + 1));
  // "30 Aug 2015 12:36:00 GMT"
  if (s.size() < 20) return std::nullopt;
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int d, y, h, mi, se;
  size_t p = 0;
  if (Digits(s, 0, 2, d)) p = 2;
  else if (Digits(s, 0, 1, d)) p = 1;
  else return std::nullopt;
  if (p + 1 + 3 + 1 + 4 + 1 + 8 > s.size() || s[p] != ' ') return std::nullopt;
  std::string_view mon = s.substr(p + 1, 3);
  int mo = 0;
  for (int i = 0; i < 12; ++i) {
    if (mon == kMonths[i]) mo = i + 1;
  }
  if (!mo || s[p + 4] != ' ') return std::nullopt;
  if (!Digits(s, p + 5, 4, y) || s[p + 9] != ' ' || !Digits(s, p + 10, 2, h) || s[p + 12] != ':' ||
      !Digits(s, p + 13, 2, mi) || s[p + 15] != ':' || !Digits(s, p + 16, 2, se)) {
    return std::nullopt;
  }
  std::string_view zone = Trim(s.substr(p + 18));
  if (zone != "GMT" && zone != "UTC" && zone != "Z" && zone != "+0000") return std::nullopt;
  return FromFields(y, mo, d, h, mi, se);
}

bool HasAuth(const RequestView& req) {
  if (FindHeader(req, "authorization")) return true;
  std::string_view query = QueryOf(req.target);
  if (query.empty()) return false;
  for (const auto& p : ParseQuery(query)) {
    if (p.name == "X-Amz-Credential" || p.name == "X-Amz-Signature") return true;
  }
  return false;
}

rampart::Result<Credential> ParseCredential(const RequestView& req) {
  // Authorization header wins if both are present.
  if (const Header* auth = FindHeader(req, "authorization")) return ParseAuthorizationHeader(req, auth->value);
  std::string_view query = QueryOf(req.target);
  if (!query.empty()) {
    auto params = ParseQuery(query);
    bool any = false;
    for (const auto& p : params) {
      if (p.name == "X-Amz-Credential" || p.name == "X-Amz-Signature" || p.name == "X-Amz-Algorithm") any = true;
    }
    if (any) return ParsePresigned(params);
  }
  return Err("MissingAuthenticationToken", "Request is missing Authentication Token", 403);
}

crypto::Sha256Digest DeriveSigningKey(std::string_view secret, std::string_view date, std::string_view region,
                                      std::string_view service) {
  Hasher h;
  return DeriveKey(h, secret, date, region, service);
}

std::string CanonicalRequest(const RequestView& req, const Credential& cred, bool normalize_path,
                             std::string_view payload_hash) {
  return BuildCanonical(req, cred, normalize_path, payload_hash, false);
}

std::string StringToSign(const Credential& cred, std::string_view canonical_request) {
  Hasher h;
  return StringToSignWith(h, cred, canonical_request);
}

std::string Sign(std::string_view secret, const Credential& cred, std::string_view string_to_sign) {
  Hasher h;
  return SignWithKey(h, DeriveKey(h, secret, cred.date, cred.region, cred.service), string_to_sign);
}

namespace {

// The payload hash of the canonical request; sets *computed when it was computed from the body.
// Only S3 may leave the body out of the signature (UNSIGNED-PAYLOAD, STREAMING-*, taken
// literally from x-amz-content-sha256): for every other service a header-signed request always
// signs the body's hash, whatever x-amz-content-sha256 claims, so an unsigned body cannot ride
// on a valid signature. `alternate` (may be null) receives the one other form a presigned
// non-S3 request may be signed with: botocore presigns every operation with UNSIGNED-PAYLOAD,
// other SDKs with the empty body's hash; either is accepted, and only when the body is empty
// (a presigned URL's parameters are in its signed query).
std::string PayloadHashWith(Hasher& h, const RequestView& req, const Credential& cred, bool s3,
                            bool* computed, std::string* alternate = nullptr) {
  *computed = false;
  if (s3) {
    if (const Header* hdr = FindHeader(req, "x-amz-content-sha256")) return std::string(Trim(hdr->value));
    if (cred.presigned) {
      std::string_view query = QueryOf(req.target);
      if (!query.empty()) {
        auto params = ParseQuery(query);
        if (const std::string* v = FindParam(params, "X-Amz-Content-Sha256")) return *v;
      }
      return std::string(kUnsignedPayload);
    }
  } else if (cred.presigned && req.body.empty() && alternate) {
    *alternate = std::string(kUnsignedPayload);
  }
  *computed = true;
  return h.Sha256Hex(req.body);
}

}  // namespace

std::string PayloadHash(const RequestView& req, const Credential& cred, bool s3) {
  Hasher h;
  bool computed = false;
  return PayloadHashWith(h, req, cred, s3, &computed);
}

// ---------- SigningKeyCache ----------

SigningKeyCache::SigningKeyCache(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

crypto::Sha256Digest SigningKeyCache::Get(std::string_view secret, std::string_view date, std::string_view region,
                                          std::string_view service) {
  // Length-prefixed tuple, hashed so no raw secret is kept as a map key.
  std::string tuple;
  tuple.reserve(secret.size() + date.size() + region.size() + service.size() + 16);
  for (std::string_view part : {secret, date, region, service}) {
    tuple.append(std::to_string(part.size())).push_back(':');
    tuple.append(part);
  }
  Hasher h;
  auto digest = h.Sha256(tuple);
  std::string key(reinterpret_cast<const char*>(digest.data()), digest.size());
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(key);
    if (it != map_.end()) {
      ++hits_;
      return it->second;
    }
    ++misses_;
  }
  auto derived = DeriveKey(h, secret, date, region, service);
  std::lock_guard<std::mutex> lock(mu_);
  if (map_.emplace(key, derived).second) {
    order_.push_back(std::move(key));
    while (map_.size() > capacity_) {
      map_.erase(order_.front());
      order_.pop_front();
    }
  }
  return derived;
}

size_t SigningKeyCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return map_.size();
}
uint64_t SigningKeyCache::hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}
uint64_t SigningKeyCache::misses() const {
  std::lock_guard<std::mutex> lock(mu_);
  return misses_;
}
void SigningKeyCache::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  map_.clear();
  order_.clear();
}

// ---------- Verify ----------

rampart::Status Verify(const RequestView& req, const Credential& cred, std::string_view secret_access_key,
                       const VerifyOptions& opts, SigningKeyCache* cache) {
  auto t = ParseAmzDate(cred.amz_date);
  if (!t) {
    return Incomplete("Date must be in ISO-8601 'basic format'. Got '" + cred.amz_date +
                      "'. See http://en.wikipedia.org/wiki/ISO_8601");
  }
  // Clamp so the window arithmetic below cannot overflow on absurd inputs.
  const int64_t now = std::clamp<int64_t>(opts.now_epoch_seconds, 0, int64_t{1} << 40);
  const int64_t skew = std::clamp<int64_t>(opts.max_skew_seconds, 0, int64_t{1} << 32);
  const std::string skew_min = std::to_string(skew / 60);
  // Time window.
  if (*t - now > skew) {
    return Err("RequestTimeTooSkewed",
               "Signature not yet current: " + cred.amz_date + " is still later than " + FormatAmzDate(now + skew) + " (" +
                   FormatAmzDate(now) + " + " + skew_min + " min.)",
               403);
  }
  if (cred.presigned && cred.expires_seconds > 0) {
    if (now > *t + cred.expires_seconds) {
      return Err("RequestExpired",
                 "Request has expired. X-Amz-Date " + cred.amz_date + " + X-Amz-Expires " +
                     std::to_string(cred.expires_seconds) + " s is earlier than " + FormatAmzDate(now) + ".",
                 400);
    }
  } else if (now - *t > skew) {
    return Err("RequestTimeTooSkewed",
               "Signature expired: " + cred.amz_date + " is now earlier than " + FormatAmzDate(now - skew) + " (" +
                   FormatAmzDate(now) + " - " + skew_min + " min.)",
               403);
  }
  // Scope date must be the date of X-Amz-Date.
  if (cred.amz_date.compare(0, 8, cred.date) != 0 || cred.date.size() != 8) {
    return Mismatch("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
                    cred.date + "' != '" + cred.amz_date.substr(0, 8) + "', from '" + cred.amz_date + "'.");
  }
  // Payload.
  Hasher h;
  bool computed = false;
  std::string alternate;
  std::string payload_hash = PayloadHashWith(h, req, cred, opts.s3, &computed, &alternate);
  if (!computed && IsHex64(payload_hash)) {
    std::string body_hash = h.Sha256Hex(req.body);
    if (!IEquals(body_hash, payload_hash)) {
      if (opts.s3) {
        return Err("XAmzContentSHA256Mismatch",
                   "The provided 'x-amz-content-sha256' header does not match what was computed.", 400);
      }
      return Mismatch();
    }
  }
  crypto::Sha256Digest key = cache ? cache->Get(secret_access_key, cred.date, cred.region, cred.service)
                                   : DeriveKey(h, secret_access_key, cred.date, cred.region, cred.service);
  auto check = [&](std::string_view payload, bool drop_token) {
    std::string canonical = BuildCanonical(req, cred, opts.normalize_path, payload, drop_token);
    std::string sig = SignWithKey(h, key, StringToSignWith(h, cred, canonical));
    // Signatures are hex; accept upper-case hex from the client by lower-casing its copy.
    return crypto::ConstantTimeEquals(sig, ToLower(cred.signature));
  };
  bool token_may_be_unsigned =
      cred.presigned && opts.allow_unsigned_presigned_token && !cred.security_token.empty();
  for (std::string_view payload : {std::string_view(payload_hash), std::string_view(alternate)}) {
    if (payload.empty()) continue;
    if (check(payload, false)) return {};
    if (token_may_be_unsigned && check(payload, true)) return {};
  }
  return Mismatch();
}

// ---------- signing ----------

namespace {

std::vector<std::string> SignedHeaderNames(const std::vector<Header>& headers) {
  std::vector<std::string> names;
  for (const auto& h : headers) {
    std::string n = ToLower(Trim(h.name));
    if (n == "authorization") continue;
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(std::move(n));
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

void SignRequest(std::string_view method, std::string_view target, std::vector<Header>& headers,
                 std::string_view body, std::string_view access_key, std::string_view secret,
                 std::string_view region, std::string_view service, std::string_view amz_date,
                 std::string_view session_token, bool normalize_path) {
  headers.push_back({"X-Amz-Date", std::string(amz_date)});
  if (!session_token.empty()) headers.push_back({"X-Amz-Security-Token", std::string(session_token)});
  Credential cred;
  cred.access_key_id = std::string(access_key);
  cred.amz_date = std::string(amz_date);
  cred.date = std::string(amz_date.substr(0, 8));
  cred.region = std::string(region);
  cred.service = std::string(service);
  cred.signed_headers = SignedHeaderNames(headers);
  RequestView req{method, target, &headers, body};
  // The signer signs what x-amz-content-sha256 says, as the SDKs do (S3's UNSIGNED-PAYLOAD and
  // streaming forms; other services verify such a request against the body's hash and refuse it).
  const Header* declared = FindHeader(req, "x-amz-content-sha256");
  std::string payload = declared ? std::string(Trim(declared->value)) : crypto::Sha256Hex(body);
  std::string sts = StringToSign(cred, CanonicalRequest(req, cred, normalize_path, payload));
  std::string sig = Sign(secret, cred, sts);
  std::string signed_list;
  for (size_t i = 0; i < cred.signed_headers.size(); ++i) {
    if (i) signed_list.push_back(';');
    signed_list.append(cred.signed_headers[i]);
  }
  headers.push_back({"Authorization", std::string(kAlgorithm) + " Credential=" + cred.access_key_id + "/" + cred.scope() +
                                          ", SignedHeaders=" + signed_list + ", Signature=" + sig});
}

std::string PresignTarget(std::string_view method, std::string_view target, const std::vector<Header>& headers,
                          std::string_view body, std::string_view access_key, std::string_view secret,
                          std::string_view region, std::string_view service, std::string_view amz_date,
                          int64_t expires_seconds, std::string_view session_token, bool unsigned_payload,
                          bool normalize_path) {
  Credential cred;
  cred.presigned = true;
  cred.access_key_id = std::string(access_key);
  cred.amz_date = std::string(amz_date);
  cred.date = std::string(amz_date.substr(0, 8));
  cred.region = std::string(region);
  cred.service = std::string(service);
  cred.signed_headers = SignedHeaderNames(headers);
  std::string signed_list;
  for (size_t i = 0; i < cred.signed_headers.size(); ++i) {
    if (i) signed_list.push_back(';');
    signed_list.append(cred.signed_headers[i]);
  }
  std::string out(target);
  out.push_back(out.find('?') == std::string::npos ? '?' : '&');
  out.append("X-Amz-Algorithm=").append(kAlgorithm);
  out.append("&X-Amz-Credential=").append(UriEncode(cred.access_key_id + "/" + cred.scope(), false));
  out.append("&X-Amz-Date=").append(amz_date);
  out.append("&X-Amz-Expires=").append(std::to_string(expires_seconds));
  if (!session_token.empty()) out.append("&X-Amz-Security-Token=").append(UriEncode(session_token, false));
  out.append("&X-Amz-SignedHeaders=").append(UriEncode(signed_list, false));
  RequestView req{method, out, &headers, body};
  std::string payload = unsigned_payload ? std::string(kUnsignedPayload) : crypto::Sha256Hex(body);
  std::string sts = StringToSign(cred, CanonicalRequest(req, cred, normalize_path, payload));
  out.append("&X-Amz-Signature=").append(Sign(secret, cred, sts));
  return out;
}

// ---------- errors ----------

rampart::Error ToProtocolError(const rampart::Error& e, Protocol protocol, bool presigned) {
  const std::string& c = e.code;
  switch (protocol) {
    case Protocol::kQuery:
      if (c == "RequestTimeTooSkewed") return Err("SignatureDoesNotMatch", e.message, 403);
      if (c == "XAmzContentSHA256Mismatch") return Mismatch();
      return e;
    case Protocol::kJson:
      if (c == "MissingAuthenticationToken") return Err("MissingAuthenticationTokenException", e.message, 400);
      if (c == "IncompleteSignature") return Err("IncompleteSignatureException", e.message, 400);
      if (c == "SignatureDoesNotMatch" || c == "RequestTimeTooSkewed") {
        return Err("InvalidSignatureException", e.message, 400);
      }
      if (c == "XAmzContentSHA256Mismatch") return Err("InvalidSignatureException", std::string(kSignatureMismatchMessage), 400);
      if (c == "InvalidClientTokenId") return Err("UnrecognizedClientException", e.message, 400);
      if (c == "ExpiredToken") return Err("ExpiredTokenException", e.message, 400);
      return e;
    case Protocol::kS3:
      if (c == "MissingAuthenticationToken") return Err("AccessDenied", "Access Denied", 403);
      if (c == "IncompleteSignature") {
        return Err(presigned ? "AuthorizationQueryParametersError" : "AuthorizationHeaderMalformed",
                   presigned ? e.message : "The authorization header is malformed; " + e.message, 400);
      }
      if (c == "SignatureDoesNotMatch") {
        // Scope/date messages are kept; the plain mismatch gets S3's wording.
        if (e.message == kSignatureMismatchMessage) {
          return Err("SignatureDoesNotMatch",
                     "The request signature we calculated does not match the signature you provided. Check your key "
                     "and signing method.",
                     403);
        }
        return Err(presigned ? "AuthorizationQueryParametersError" : "AuthorizationHeaderMalformed",
                   presigned ? e.message : "The authorization header is malformed; " + e.message, 400);
      }
      if (c == "RequestTimeTooSkewed") {
        if (presigned) return Err("AccessDenied", "Request is not yet valid", 403);
        return Err("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.",
                   403);
      }
      if (c == "RequestExpired") return Err("AccessDenied", "Request has expired", 403);
      if (c == "InvalidClientTokenId") {
        return Err("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403);
      }
      if (c == "ExpiredToken") return Err("ExpiredToken", "The provided token has expired.", 400);
      return e;
  }
  return e;
}

rampart::Error ScopeRegionError(std::string_view region) {
  return Mismatch("Credential should be scoped to a valid region, not '" + std::string(region) + "'. ");
}

rampart::Error ScopeServiceError(std::string_view expected) {
  return Mismatch("Credential should be scoped to correct service: '" + std::string(expected) + "'. ");
}

}  // namespace rampart::sigv4
