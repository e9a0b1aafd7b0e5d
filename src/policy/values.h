#pragma once
// Typed values of the condition operators: numbers, dates, IP ranges, booleans. The parsers
// allocate nothing; a Request parses each context value once (TypedValue) so that evaluation
// compares pre-parsed values.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace rampart::policy {

struct IpRange {
  bool v6 = false;
  std::array<std::uint8_t, 16> addr{};
  int prefix = 0;
};

// Numbers: integers or decimals ("10", "1.5", "+2", "1e3"). nullopt when not a number.
std::optional<double> ParseNumber(std::string_view s);
// Dates: ISO 8601 (YYYY-MM-DD[Thh:mm[:ss[.fff]]][Z|±hh:mm]) or epoch seconds; milliseconds since
// the epoch.
std::optional<std::int64_t> ParseDate(std::string_view s);
// IPv4 or IPv6 address or CIDR block; a bare address is /32 or /128.
std::optional<IpRange> ParseIpRange(std::string_view s);
// "true" / "false", case-insensitive.
std::optional<bool> ParseBool(std::string_view s);
bool IpInRange(const IpRange& range, const IpRange& address);
bool IpInRange(const IpRange& range, std::string_view address);

// One request value read as every type an operator may ask for.
struct TypedValue {
  std::optional<double> number;
  std::optional<std::int64_t> date_ms;
  std::optional<IpRange> ip;
  std::optional<bool> boolean;
  static TypedValue Of(std::string_view text);
};

}  // namespace rampart::policy
