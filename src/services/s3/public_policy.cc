#include "services/s3/public_policy.h"

#include <algorithm>
#include <array>
#include <string>

#include "common/strings.h"

namespace rampart::services::s3 {
namespace {

using policy::ConditionClause;
using policy::ConditionFamily;
using policy::PrincipalEntry;
using policy::SetQualifier;

// The keys whose fixed values make a grant non-public (lowercased), aws:SourceIp apart.
constexpr std::array<std::string_view, 10> kRestrictingKeys = {
    "aws:principalorgid",
    "aws:sourcearn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceowner",
    "aws:sourceaccount",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "aws:userid",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
};
constexpr std::string_view kSourceIp = "aws:sourceip";
constexpr std::string_view kDataAccessPointArn = "s3:dataaccesspointarn";

// A wildcard, or a policy variable where the policy's version substitutes them.
bool HasWildcardOrVariable(std::string_view text, bool variables) {
  return text.find_first_of("*?") != std::string_view::npos ||
         (variables && text.find("${") != std::string_view::npos);
}

// A principal entry that names specific callers.
bool PrincipalIsFixed(const PrincipalEntry& e, bool variables) {
  switch (e.kind) {
    case PrincipalEntry::Kind::kAny:
    case PrincipalEntry::Kind::kFederated:  // anyone the identity provider vouches for
      return false;
    case PrincipalEntry::Kind::kAccount:
    case PrincipalEntry::Kind::kExactArn:
    case PrincipalEntry::Kind::kRole:
    case PrincipalEntry::Kind::kService:
    case PrincipalEntry::Kind::kCanonicalUser:
    case PrincipalEntry::Kind::kOther:  // matches no caller at all
      return !HasWildcardOrVariable(e.value, variables);
  }
  return false;
}

// The operator lets only requests that carry the key with one of the clause's values through.
bool OperatorPins(const ConditionClause& c) {
  return !c.negated && !c.if_exists && c.qualifier != SetQualifier::kForAllValues &&
         !c.values.empty();
}

bool IsStringOrArnFamily(ConditionFamily f) {
  return f == ConditionFamily::kString || f == ConditionFamily::kStringIgnoreCase ||
         f == ConditionFamily::kStringLike || f == ConditionFamily::kArn;
}

// "arn:aws:s3:region:123456789012:accesspoint/NAME" with NAME free but the account fixed.
bool AccessPointArnWithFixedAccount(std::string_view arn, bool variables) {
  std::string_view rest = arn;
  std::string_view parts[5];
  for (auto& part : parts) {
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos) return false;
    part = rest.substr(0, colon);
    rest.remove_prefix(colon + 1);
  }
  std::string_view account = parts[4];
  return parts[0] == "arn" && parts[2] == "s3" && !account.empty() &&
         std::all_of(account.begin(), account.end(),
                     [](char ch) { return ch >= '0' && ch <= '9'; }) &&
         !HasWildcardOrVariable(parts[1], variables) && StartsWith(rest, "accesspoint/");
}

bool InsideRfc1918(const policy::IpRange& r) {
  static const policy::IpRange kBlocks[] = {*policy::ParseIpRange("10.0.0.0/8"),
                                            *policy::ParseIpRange("172.16.0.0/12"),
                                            *policy::ParseIpRange("192.168.0.0/16")};
  return std::any_of(std::begin(kBlocks), std::end(kBlocks), [&](const policy::IpRange& block) {
    return r.prefix >= block.prefix && policy::IpInRange(block, r);
  });
}

// No broader than /8 (IPv4) or /32 (IPv6). IPv4-mapped IPv6 ranges (::ffff:a.b.c.d/n) are
// judged as the IPv4 range of prefix n - 96: "::ffff:0.0.0.0/96" is all of IPv4, hence broad.
bool CidrIsNarrow(const policy::IpRange& r) {
  if (r.v6) {
    static const policy::IpRange kMapped = *policy::ParseIpRange("::ffff:0.0.0.0/96");
    if (r.prefix >= kMapped.prefix && policy::IpInRange(kMapped, r)) {
      policy::IpRange v4;
      std::copy(r.addr.begin() + 12, r.addr.end(), v4.addr.begin());
      v4.prefix = r.prefix - 96;
      return CidrIsNarrow(v4);
    }
    return r.prefix >= 32;
  }
  return r.prefix >= 8 || InsideRfc1918(r);
}

bool ClauseRestricts(const ConditionClause& c, PolicyHolder holder, bool variables) {
  if (!OperatorPins(c)) return false;
  if (c.key_lower == kSourceIp) {
    if (c.family != ConditionFamily::kIpAddress) return false;
    return std::all_of(c.values.begin(), c.values.end(),
                       [](const policy::ConditionValue& v) { return CidrIsNarrow(v.ip); });
  }
  if (std::find(kRestrictingKeys.begin(), kRestrictingKeys.end(), c.key_lower) ==
      kRestrictingKeys.end()) {
    return false;
  }
  if (!IsStringOrArnFamily(c.family)) return false;
  const bool access_point_arn = c.key_lower == kDataAccessPointArn;
  if (access_point_arn && holder == PolicyHolder::kAccessPoint) return false;
  return std::all_of(c.values.begin(), c.values.end(), [&](const policy::ConditionValue& v) {
    if (!HasWildcardOrVariable(v.text, variables)) return true;
    return access_point_arn && AccessPointArnWithFixedAccount(v.text, variables);
  });
}

bool StatementIsPublic(const policy::Statement& st, PolicyHolder holder, bool variables) {
  if (st.effect != policy::Effect::kAllow) return false;
  if (st.has_principal && !st.not_principal && !st.principals.empty() &&
      std::all_of(st.principals.begin(), st.principals.end(),
                  [&](const PrincipalEntry& e) { return PrincipalIsFixed(e, variables); })) {
    return false;
  }
  return std::none_of(st.conditions.begin(), st.conditions.end(), [&](const ConditionClause& c) {
    return ClauseRestricts(c, holder, variables);
  });
}

}  // namespace

bool PolicyIsPublic(const policy::Policy& policy, PolicyHolder holder) {
  const bool variables = policy.version() == "2012-10-17";
  return std::any_of(
      policy.statements().begin(), policy.statements().end(),
      [&](const policy::Statement& st) { return StatementIsPublic(st, holder, variables); });
}

Result<bool> PolicyTextIsPublic(std::string_view json, PolicyHolder holder) {
  auto parsed = policy::ParsePolicy(json, policy::PolicyType::kResource, "bucket policy");
  if (!parsed.ok()) return std::move(parsed).error();
  return PolicyIsPublic(*parsed, holder);
}

}  // namespace rampart::services::s3
