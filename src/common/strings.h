#pragma once
// Small string helpers used across layers. Pure; no allocation unless a string is returned.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rampart {

bool IEquals(std::string_view a, std::string_view b);
bool StartsWith(std::string_view s, std::string_view prefix);
std::string ToLower(std::string_view s);
std::string_view Trim(std::string_view s);
std::vector<std::string_view> Split(std::string_view s, char sep);

// RFC 3986 percent-decoding; '+' becomes ' ' when form_encoding. nullopt on a bad escape.
std::optional<std::string> UrlDecode(std::string_view s, bool form_encoding);
// RFC 3986 encoding of everything but unreserved characters (and '/' if keep_slash).
std::string UrlEncode(std::string_view s, bool keep_slash = false);

// Parses "a=1&b=2" (form or query). nullopt on a bad escape. Order preserved.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseForm(std::string_view s);

// UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view s);
// `s` with every byte that does not start or continue a valid sequence replaced by U+FFFD.
std::string ToValidUtf8(std::string_view s);

// XML 1.0 text escaping (&, <, >, ", ') and removal of characters XML cannot carry.
void AppendXmlEscaped(std::string& out, std::string_view s);
// Appends `s` as a JSON string literal: quotes, '"' and '\\' escaped, control characters as
// \u00XX, everything else (UTF-8 included) as is.
void AppendJsonQuoted(std::string& out, std::string_view s);

// Timestamps. ISO 8601 "2024-01-02T03:04:05Z" / with fraction / with offset, or epoch seconds.
std::optional<double> ParseTimestamp(std::string_view s);  // epoch seconds or ISO 8601
// Years 0001 through 9999, the range a timestamp can be written in (ISO 8601 with four digits).
bool InTimestampRange(double epoch_seconds);
std::string FormatIso8601(double epoch_seconds);  // 2024-01-02T03:04:05Z (.sssZ if fractional)
std::string FormatRfc822(double epoch_seconds);   // Tue, 02 Jan 2024 03:04:05 GMT
std::string FormatAmzDate(int64_t epoch_seconds); // 20240102T030405Z
// Java's medium date-time in UTC, as AWS's services write dates into CloudTrail records:
// "Aug 10, 2022, 10:38:27 PM" (comma after the year: KMS, STS, ...) or, with
// year_comma false, "Jul 19, 2023 9:25:09 PM" (IAM).
std::string FormatJavaMediumDate(int64_t epoch_seconds, bool year_comma = true);

}  // namespace rampart
