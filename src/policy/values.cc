#include "policy/values.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace rampart::policy {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::optional<double> ParseNumber(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double out = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return out;
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool TakeDigits(std::string_view& s, std::size_t n, int* out) {
  if (s.size() < n) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  s.remove_prefix(n);
  return true;
}

bool TakeChar(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

std::optional<std::int64_t> ParseDate(std::string_view s) {
  if (IsDigits(s) || (s.size() > 1 && s.front() == '-' && IsDigits(s.substr(1)))) {
    if (s.size() > 15) return std::nullopt;  // out of any sensible range
    std::int64_t secs = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), secs);
    if (ec != std::errc()) return std::nullopt;
    return secs * 1000;
  }
  int year, month, day, hour = 0, minute = 0, second = 0, millis = 0;
  if (!TakeDigits(s, 4, &year) || !TakeChar(s, '-') || !TakeDigits(s, 2, &month) ||
      !TakeChar(s, '-') || !TakeDigits(s, 2, &day)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  int offset_minutes = 0;
  if (!s.empty()) {
    if (!TakeChar(s, 'T') && !TakeChar(s, 't')) return std::nullopt;
    if (!TakeDigits(s, 2, &hour) || !TakeChar(s, ':') || !TakeDigits(s, 2, &minute)) {
      return std::nullopt;
    }
    if (TakeChar(s, ':')) {
      if (!TakeDigits(s, 2, &second)) return std::nullopt;
      if (TakeChar(s, '.')) {
        int digits = 0;
        while (!s.empty() && s.front() >= '0' && s.front() <= '9') {
          if (digits < 3) millis = millis * 10 + (s.front() - '0');
          ++digits;
          s.remove_prefix(1);
        }
        if (digits == 0) return std::nullopt;
        for (int i = digits; i < 3; ++i) millis *= 10;
      }
    }
    if (hour > 24 || minute > 59 || second > 60) return std::nullopt;
    if (TakeChar(s, 'Z') || TakeChar(s, 'z')) {
      // UTC
    } else if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
      int sign = s.front() == '-' ? -1 : 1;
      s.remove_prefix(1);
      int oh, om = 0;
      if (!TakeDigits(s, 2, &oh)) return std::nullopt;
      TakeChar(s, ':');
      if (!s.empty() && !TakeDigits(s, 2, &om)) return std::nullopt;
      offset_minutes = sign * (oh * 60 + om);
    }
    if (!s.empty()) return std::nullopt;
  }
  std::int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  std::int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return secs * 1000 + millis;
}

std::optional<IpRange> ParseIpRange(std::string_view s) {
  IpRange r;
  std::string_view addr = s;
  int prefix = -1;
  std::size_t slash = s.find('/');
  if (slash != std::string_view::npos) {
    addr = s.substr(0, slash);
    std::string_view p = s.substr(slash + 1);
    if (!IsDigits(p) || p.size() > 3) return std::nullopt;
    prefix = 0;
    for (char c : p) prefix = prefix * 10 + (c - '0');
  }
  char buf[64];
  if (addr.empty() || addr.size() >= sizeof(buf)) return std::nullopt;
  std::memcpy(buf, addr.data(), addr.size());
  buf[addr.size()] = '\0';
  if (inet_pton(AF_INET, buf, r.addr.data()) == 1) {
    r.v6 = false;
    if (prefix < 0) prefix = 32;
    if (prefix > 32) return std::nullopt;
  } else if (inet_pton(AF_INET6, buf, r.addr.data()) == 1) {
    r.v6 = true;
    if (prefix < 0) prefix = 128;
    if (prefix > 128) return std::nullopt;
  } else {
    return std::nullopt;
  }
  r.prefix = prefix;
  return r;
}

bool IpInRange(const IpRange& range, const IpRange& ip) {
  if (ip.v6 != range.v6) return false;
  int bits = range.prefix;
  for (int i = 0; bits > 0; ++i, bits -= 8) {
    std::uint8_t mask = bits >= 8 ? 0xFF : static_cast<std::uint8_t>(0xFF << (8 - bits));
    if ((ip.addr[i] & mask) != (range.addr[i] & mask)) return false;
  }
  return true;
}

bool IpInRange(const IpRange& range, std::string_view address) {
  auto ip = ParseIpRange(address);
  return ip && IpInRange(range, *ip);
}

std::optional<bool> ParseBool(std::string_view s) {
  if (s.size() == 4 && Lower(s[0]) == 't' && Lower(s[1]) == 'r' && Lower(s[2]) == 'u' &&
      Lower(s[3]) == 'e') {
    return true;
  }
  if (s.size() == 5 && Lower(s[0]) == 'f' && Lower(s[1]) == 'a' && Lower(s[2]) == 'l' &&
      Lower(s[3]) == 's' && Lower(s[4]) == 'e') {
    return false;
  }
  return std::nullopt;
}


TypedValue TypedValue::Of(std::string_view text) {
  TypedValue t;
  t.number = ParseNumber(text);
  t.date_ms = ParseDate(text);
  t.ip = ParseIpRange(text);
  t.boolean = ParseBool(text);
  return t;
}

}  // namespace rampart::policy
