#include "common/strings.h"

#include <chrono>

#include <cmath>
#include <cstring>
#include <cstdio>
#include <ctime>

#include "common/http_types.h"

namespace rampart {

namespace {
char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerAscii(c);
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' ||
                        s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

std::optional<std::string> UrlDecode(std::string_view s, bool form_encoding) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && form_encoding) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string UrlEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (unsigned char c : s) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> ParseForm(std::string_view s) {
  std::vector<std::pair<std::string, std::string>> out;
  if (s.empty()) return out;
  for (std::string_view part : Split(s, '&')) {
    if (part.empty()) continue;
    size_t eq = part.find('=');
    auto key = UrlDecode(part.substr(0, eq), true);
    auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                              : UrlDecode(part.substr(eq + 1), true);
    if (!key || !value) return std::nullopt;
    out.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

// Runs of characters that need nothing are appended in one go (per-character appends were a
// fifth of encoding a 1,000-user ListUsers).
void AppendXmlEscaped(std::string& out, std::string_view s) {
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char u = static_cast<unsigned char>(s[i]);
    if (u >= 0x20 ? (u != '&' && u != '<' && u != '>' && u != '"' && u != '\'')
                  : (u == '\n' || u == '\t')) {
      continue;
    }
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (u) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\r': out += "&#xD;"; break;
      default: break;  // other control characters cannot appear in XML 1.0: dropped
    }
  }
  out.append(s.data() + run, s.size() - run);
}

namespace {
// True when none of the 8 bytes at p is below 0x20, '"' or '\\' (SWAR: a byte b is flagged when
// b - n borrows for n = 0x20, or b ^ c is zero for c = '"', '\\'; bytes >= 0x80 are never flagged).
inline bool Plain8(const char* p) {
  uint64_t x;
  std::memcpy(&x, p, 8);
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  auto zero_byte = [&](uint64_t y) { return (y - kOnes) & ~y & kHigh; };
  uint64_t low = (x - kOnes * 0x20) & ~x & kHigh;
  return (low | zero_byte(x ^ (kOnes * '"')) | zero_byte(x ^ (kOnes * '\\'))) == 0;
}
}  // namespace

// Runs of characters that need no escaping are appended in one go, checked 8 bytes at a time
// (per-character appends were ~10 % of a small call when CloudTrail records were JSON).
void AppendJsonQuoted(std::string& out, std::string_view v) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < v.size();) {
    if (i + 8 <= v.size() && Plain8(v.data() + i)) {
      i += 8;
      continue;
    }
    unsigned char u = static_cast<unsigned char>(v[i]);
    if (u >= 0x20 && u != '"' && u != '\\') {
      ++i;
      continue;
    }
    out.append(v.data() + run, i - run);
    run = ++i;
    if (u == '"' || u == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(u));
    } else {
      out += "\\u00";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
  out.append(v.data() + run, v.size() - run);
  out.push_back('"');
}

bool InTimestampRange(double epoch_seconds) {
  return epoch_seconds >= -62135596800.0 && epoch_seconds <= 253402300799.0;  // NaN fails too
}

std::optional<double> ParseTimestamp(std::string_view s) {
  s = Trim(s);
  if (s.empty()) return std::nullopt;
  // Epoch seconds (possibly fractional).
  bool numeric = true;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == '-')) numeric = false;
  }
  if (numeric) {
    char* end = nullptr;
    std::string tmp(s);
    double v = std::strtod(tmp.c_str(), &end);
    if (end == tmp.c_str() + tmp.size() && InTimestampRange(v)) return v;
    return std::nullopt;
  }
  int y, mo, d, h = 0, mi = 0;
  double sec = 0;
  int consumed = 0;
  std::string tmp(s);
  if (std::sscanf(tmp.c_str(), "%4d-%2d-%2dT%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &sec,
                  &consumed) < 6) {
    consumed = 0;
    if (std::sscanf(tmp.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) < 3 ||
        static_cast<size_t>(consumed) != tmp.size())
      return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec < 0 || sec >= 61)
    return std::nullopt;
  std::string_view rest = s.substr(static_cast<size_t>(consumed));
  int offset = 0;
  if (rest == "Z" || rest == "z" || rest.empty()) {
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int oh = (rest[1] - '0') * 10 + (rest[2] - '0');
    int om = (rest[4] - '0') * 10 + (rest[5] - '0');
    offset = (rest[0] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = 0;
  time_t t = timegm(&tm);
  return static_cast<double>(t) + sec - offset;
}

// By hand over std::chrono's calendar: strftime took ~1.5k instructions a timestamp, a tenth of
// a 1,000-user ListUsers.
std::string FormatJavaMediumDate(int64_t epoch_seconds, bool year_comma) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t t = static_cast<time_t>(epoch_seconds);
  std::tm tm{};
  if (!gmtime_r(&t, &tm)) return std::string();
  int hour12 = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s %d, %d%s %d:%02d:%02d %s", kMonths[tm.tm_mon], tm.tm_mday,
                tm.tm_year + 1900, year_comma ? "," : "", hour12, tm.tm_min, tm.tm_sec,
                tm.tm_hour < 12 ? "AM" : "PM");
  return buf;
}

std::string FormatIso8601(double epoch_seconds) {
  using namespace std::chrono;
  int64_t whole = static_cast<int64_t>(std::floor(epoch_seconds));
  int millis = static_cast<int>(std::lround((epoch_seconds - static_cast<double>(whole)) * 1000));
  if (millis >= 1000) {
    whole += 1;
    millis -= 1000;
  }
  sys_seconds tp{seconds{whole}};
  sys_days day = floor<days>(tp);
  year_month_day ymd{day};
  int64_t secs = (tp - day).count();
  int y = static_cast<int>(ymd.year());
  if (y < 0 || y > 9999) {  // outside what four digits hold: fall back to the C library
    time_t t = static_cast<time_t>(whole);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
  }
  char buf[25];
  auto two = [](char* p, int v) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
  };
  two(buf, y / 100);
  two(buf + 2, y % 100);
  buf[4] = '-';
  two(buf + 5, static_cast<int>(static_cast<unsigned>(ymd.month())));
  buf[7] = '-';
  two(buf + 8, static_cast<int>(static_cast<unsigned>(ymd.day())));
  buf[10] = 'T';
  two(buf + 11, static_cast<int>(secs / 3600));
  buf[13] = ':';
  two(buf + 14, static_cast<int>(secs / 60 % 60));
  buf[16] = ':';
  two(buf + 17, static_cast<int>(secs % 60));
  if (millis == 0) {
    buf[19] = 'Z';
    return std::string(buf, 20);
  }
  buf[19] = '.';
  buf[20] = static_cast<char>('0' + millis / 100);
  two(buf + 21, millis % 100);
  buf[23] = 'Z';
  return std::string(buf, 24);
}

std::string FormatRfc822(double epoch_seconds) {
  time_t whole = static_cast<time_t>(std::floor(epoch_seconds));
  std::tm tm{};
  gmtime_r(&whole, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string FormatAmzDate(int64_t epoch_seconds) {
  time_t t = static_cast<time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string_view FindHeader(const std::vector<HttpHeader>& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (IEquals(h.name, name)) return h.value;
  }
  return {};
}

bool HasHeader(const std::vector<HttpHeader>& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (IEquals(h.name, name)) return true;
  }
  return false;
}

namespace {
// The length of the valid UTF-8 sequence at the front of `s`, or 0.
size_t Utf8SequenceLength(std::string_view s) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xbf;  // bounds of the second byte
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;  // no overlong forms
    if (c == 0xed) hi = 0x9f;  // no surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (s.size() < n || b(1) < lo || b(1) > hi) return 0;
  for (size_t i = 2; i < n; ++i) {
    if (b(i) < 0x80 || b(i) > 0xbf) return 0;
  }
  return n;
}
}  // namespace

bool IsValidUtf8(std::string_view s) {
  while (!s.empty()) {
    // ASCII runs, 8 bytes at a time.
    while (s.size() >= 8) {
      uint64_t w;
      std::memcpy(&w, s.data(), 8);
      if (w & 0x8080808080808080ull) break;
      s.remove_prefix(8);
    }
    if (s.empty()) break;
    size_t n = Utf8SequenceLength(s);
    if (n == 0) return false;
    s.remove_prefix(n);
  }
  return true;
}

std::string ToValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    size_t n = Utf8SequenceLength(s);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      s.remove_prefix(1);
    } else {
      out.append(s.substr(0, n));
      s.remove_prefix(n);
    }
  }
  return out;
}

}  // namespace rampart
