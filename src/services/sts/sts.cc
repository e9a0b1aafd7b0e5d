#include "services/sts/sts.h"

#include <algorithm>

#include <boost/json.hpp>

#include "common/crypto.h"
#include "common/strings.h"
#include "policy/aws_validate.h"
#include "policy/policy.h"
#include "services/iam/authz.h"
#include "services/iam/mfa.h"
#include "services/identity/sessions.h"
#include "services/sts/federation.h"

namespace rampart::services::sts {

namespace json = boost::json;
using iam::Int;
using iam::Str;

namespace {

Error Validation(std::string message) { return {"ValidationError", std::move(message), 400, true}; }

Error AccessDenied(std::string message) { return {"AccessDenied", std::move(message), 403, true}; }

json::object CredentialsOut(const IssuedCredentials& c) {
  return json::object{{"AccessKeyId", c.access_key_id},
                      {"SecretAccessKey", c.secret_access_key},
                      {"SessionToken", c.session_token},
                      {"Expiration", static_cast<double>(c.expires_epoch)}};
}

// Validates the inline session policy and managed session policy ARNs; fills `info`.
// Returns AWS's PackedPolicySize: the percentage of the packed-policy quota used.
Result<int64_t> SessionPolicies(StsService& svc, std::string_view account,
                                const json::object& in, SessionInfo& info) {
  size_t packed = 0;
  if (std::string_view doc = Str(in, "Policy"); !doc.empty()) {
    auto checked = policy::CheckAsAws(doc, policy::PolicyType::kSession);
    auto parsed = checked.ok() ? policy::ParsePolicy(doc, policy::PolicyType::kSession,
                                                     "session policy")
                               : Result<policy::Policy>(checked.error());
    if (!parsed.ok()) {
      Error e = std::move(parsed).error();
      if (e.code == "LimitExceeded") {
        return Error{"PackedPolicyTooLarge",
                     "Packed policy consumes more than 100% of allotted space, please use "
                     "smaller policy for session.", 400, true};
      }
      return e;
    }
    for (char c : doc) packed += (c != ' ' && c != '\n' && c != '\t' && c != '\r') ? 1 : 0;
    info.session_policies.emplace_back(doc);
  }
  if (auto* arns = in.if_contains("PolicyArns"); arns && arns->is_array()) {
    for (const auto& a : arns->as_array()) {
      std::string_view arn = Str(a.as_object(), "arn");
      RAMPART_ASSIGN_OR_RETURN(std::string doc, iam::ManagedPolicyDocument(svc.iam(), account, arn));
      if (doc.empty()) {
        return Error{"InvalidParameterValue",
                     "Policy " + std::string(arn) + " does not exist or is not attachable.", 400,
                     true};
      }
      packed += arn.size();
      info.session_policy_arns.emplace_back(arn);
    }
  }
  // AWS packs policies and tags into a compressed blob; its size is reported as a percentage.
  return static_cast<int64_t>((packed * 100 + 2047) / 2048);
}

Status SessionTags(const Call& call, const json::object& in, SessionInfo& info,
                   int64_t* packed_percent) {
  // Transitive tags of a chained session carry over and cannot be overridden.
  if (const auto& parent = call.principal.session) {
    for (const std::string& k : parent->transitive_tag_keys) {
      auto it = parent->tags.find(k);
      if (it != parent->tags.end()) info.tags[k] = it->second;
      info.transitive_tag_keys.push_back(k);
    }
  }
  size_t tag_chars = 0;
  if (auto* tags = in.if_contains("Tags"); tags && tags->is_array()) {
    std::vector<std::string> inherited;
    for (const auto& [k, _] : info.tags) inherited.push_back(k);
    std::vector<std::string> given;
    for (const auto& t : tags->as_array()) {
      std::string k(Str(t.as_object(), "Key"));
      std::string v(Str(t.as_object(), "Value"));
      auto same = [&](const std::string& x) { return IEquals(x, k); };
      if (std::any_of(given.begin(), given.end(), same)) {
        return Error{"InvalidParameterValue",
                     "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
                     400, true};
      }
      if (std::any_of(inherited.begin(), inherited.end(), same)) {
        return Error{"InvalidParameterValue",
                     "One of the specified transitive tag keys can't be set because it conflicts "
                     "with a transitive tag key from the calling session.",
                     400, true};
      }
      given.push_back(k);
      tag_chars += k.size() + v.size();
      info.tags[k] = v;
    }
  }
  if (auto* keys = in.if_contains("TransitiveTagKeys"); keys && keys->is_array()) {
    for (const auto& k : keys->as_array()) {
      std::string key(k.as_string());
      if (!info.tags.count(key)) {
        return Error{"InvalidParameterValue",
                     "The specified transitive tag key must be included in the requested tags.",
                     400, true};
      }
      info.transitive_tag_keys.push_back(key);
    }
  }
  *packed_percent += static_cast<int64_t>((tag_chars * 100 + 2047) / 2048);
  if (*packed_percent > 100) {
    return Error{"PackedPolicyTooLarge",
                 "Packed policy consumes " + std::to_string(*packed_percent) +
                     "% of allotted space, please use smaller policy for session.",
                 400, true};
  }
  return {};
}

// Issues a role session (`info` complete) and records RoleLastUsed. The output members every
// AssumeRole* call shares: Credentials, AssumedRoleUser, PackedPolicySize, SourceIdentity.
Result<json::object> IssueRoleSession(StsService& svc, const Call& call, const std::string& account,
                                      const SessionInfo& info, int64_t packed) {
  Principal session;
  session.type = Principal::Type::kAssumedRole;
  session.account_id = account;
  session.arn = "arn:aws:sts::" + account + ":assumed-role/" + info.role_name + "/" +
                info.session_name;
  session.user_id = info.role_id + ":" + info.session_name;
  RAMPART_ASSIGN_OR_RETURN(IssuedCredentials creds, IssueSession(svc.store(), session, info));

  // RoleLastUsed, as GetRole reports it.
  (void)svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto doc, iam::Load(tx, account, "role", iam::Key(info.role_name)));
    if (!doc) return {};
    (*doc)["RoleLastUsed"] = json::object{{"LastUsedDate", static_cast<double>(call.now_epoch_seconds)},
                                          {"Region", call.region}};
    return iam::Save(tx, account, "role", iam::Key(info.role_name), *doc);
  });

  json::object out{{"Credentials", CredentialsOut(creds)},
                   {"AssumedRoleUser", json::object{{"AssumedRoleId", session.user_id},
                                                    {"Arn", session.arn}}}};
  // Only when session policies or tags were passed, as AWS answers.
  if (packed > 0) out["PackedPolicySize"] = packed;
  if (!info.source_identity.empty()) out["SourceIdentity"] = info.source_identity;
  return out;
}

// The role named by a federated call (AssumeRoleWithWebIdentity / SAML), with the session's
// base fields filled in. The authorization step has already evaluated its trust policy.
Result<std::pair<json::object, SessionInfo>> FederatedRole(StsService& svc, const Call& call,
                                                           std::string_view role_arn,
                                                           std::string_view action) {
  auto parts = Split(role_arn, ':');
  if (parts.size() < 6 || parts[2] != "iam" || !StartsWith(parts[5], "role/")) {
    return AccessDenied("Not authorized to perform " + std::string(action));
  }
  RAMPART_ASSIGN_OR_RETURN(auto role, iam::LoadRoleDocument(svc.iam(), parts[4],
                                                             role_arn.substr(role_arn.rfind('/') + 1)));
  if (!role || Str(*role, "Arn") != role_arn) {
    return AccessDenied("Not authorized to perform " + std::string(action));
  }
  SessionInfo info;
  info.role_arn = std::string(role_arn);
  info.role_name = std::string(Str(*role, "RoleName"));
  info.role_id = std::string(Str(*role, "RoleId"));
  info.issued_epoch = call.now_epoch_seconds;
  return std::make_pair(std::move(*role), std::move(info));
}

Status CheckDuration(const json::object& role, int64_t duration) {
  if (duration > Int(role, "MaxSessionDuration").value_or(3600)) {
    return Validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this "
                      "role.");
  }
  return {};
}

Result<json::value> AssumeRoleWithWebIdentity(StsService& svc, const Call& call,
                                              const json::object& in) {
  // Verified again here: the authorization step's result is not carried to handlers.
  RAMPART_ASSIGN_OR_RETURN(WebIdentity id, VerifyWebIdentity(svc, call, in));
  std::string_view role_arn = Str(in, "RoleArn");
  RAMPART_ASSIGN_OR_RETURN(auto role, FederatedRole(svc, call, role_arn,
                                                    "sts:AssumeRoleWithWebIdentity"));
  auto& [doc, info] = role;
  int64_t duration = Int(in, "DurationSeconds").value_or(3600);
  RAMPART_RETURN_IF_ERROR(CheckDuration(doc, duration));
  std::string account(Split(role_arn, ':')[4]);
  info.session_name = std::string(Str(in, "RoleSessionName"));
  info.expires_epoch = call.now_epoch_seconds + duration;
  info.source_identity = std::string(Str(in, "SourceIdentity"));
  RAMPART_ASSIGN_OR_RETURN(int64_t packed, SessionPolicies(svc, account, in, info));
  RAMPART_ASSIGN_OR_RETURN(json::object out, IssueRoleSession(svc, call, account, info, packed));
  out["SubjectFromWebIdentityToken"] = id.subject;
  out["Audience"] = id.audience;
  out["Provider"] = id.issuer;
  if (call.record) {  // the caller as CloudTrail names a web identity (IAM User Guide)
    call.record->identity = {{"type", "WebIdentityUser"},
                             {"principalId", id.caller.provider + ":" + id.audience + ":" + id.subject},
                             {"userName", id.subject},
                             {"identityProvider", id.caller.provider}};
    // Rampart checks the provider's TLS certificate against the thumbprints it was given.
    call.record->additional["identityProviderConnectionVerificationMethod"] = "Thumbprint";
    call.record->response["provider"] = id.caller.provider;  // the record names the IAM provider
  }
  return json::value(std::move(out));
}

Result<json::value> AssumeRoleWithSAML(StsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(SamlIdentity id, VerifySaml(svc, call, in));
  std::string_view role_arn = Str(in, "RoleArn");
  RAMPART_ASSIGN_OR_RETURN(auto role, FederatedRole(svc, call, role_arn, "sts:AssumeRoleWithSAML"));
  auto& [doc, info] = role;
  // DurationSeconds wins over the SessionDuration attribute; AuthnStatement's
  // SessionNotOnOrAfter caps both.
  int64_t duration = Int(in, "DurationSeconds").value_or(id.session_duration > 0 ? id.session_duration
                                                                                 : 3600);
  RAMPART_RETURN_IF_ERROR(CheckDuration(doc, duration));
  std::string account(Split(role_arn, ':')[4]);
  info.session_name = id.session_name;
  info.expires_epoch = call.now_epoch_seconds + duration;
  if (id.session_not_on_or_after > 0 && id.session_not_on_or_after < info.expires_epoch) {
    info.expires_epoch = id.session_not_on_or_after;
  }
  if (info.expires_epoch <= call.now_epoch_seconds) {
    return Error{"ExpiredTokenException", "The SAML session (SessionNotOnOrAfter) has ended", 400,
                 true};
  }
  info.source_identity = id.source_identity;
  RAMPART_ASSIGN_OR_RETURN(int64_t packed, SessionPolicies(svc, account, in, info));
  RAMPART_ASSIGN_OR_RETURN(json::object out, IssueRoleSession(svc, call, account, info, packed));
  out["Subject"] = id.subject;
  out["SubjectType"] = id.subject_type;
  out["Issuer"] = id.issuer;
  out["Audience"] = id.audience;
  out["NameQualifier"] = id.name_qualifier;
  if (call.record) {  // the caller as CloudTrail names a SAML user; the assertion by its ID
    call.record->identity = {{"type", "SAMLUser"},
                             {"principalId", id.name_qualifier + ":" + id.subject},
                             {"userName", id.subject},
                             {"identityProvider", id.name_qualifier}};
    // What the assertion said, as AWS logs it among the parameters.
    call.record->request["sAMLAssertionID"] = id.assertion_id;
    call.record->request["roleSessionName"] = id.session_name;
    if (!id.source_identity.empty()) call.record->request["sourceIdentity"] = id.source_identity;
  }
  return json::value(std::move(out));
}

Result<json::value> AssumeRole(StsService& svc, const Call& call, const json::object& in) {
  std::string_view role_arn = Str(in, "RoleArn");
  std::string_view session_name = Str(in, "RoleSessionName");
  const Principal& caller = call.principal;
  auto parts = Split(role_arn, ':');
  if (parts.size() < 6 || parts[2] != "iam" || !StartsWith(parts[5], "role/")) {
    return Validation(std::string(role_arn) + " is invalid");
  }
  std::string account(parts[4]);
  RAMPART_ASSIGN_OR_RETURN(auto role, iam::LoadRoleDocument(svc.iam(), account,
                                                             role_arn.substr(role_arn.rfind('/') + 1)));
  if (!role || Str(*role, "Arn") != role_arn) {
    return AccessDenied("User: " + caller.arn + " is not authorized to perform: sts:AssumeRole "
                        "on resource: " + std::string(role_arn));
  }
  bool chained = caller.type == Principal::Type::kAssumedRole;
  int64_t max = Int(*role, "MaxSessionDuration").value_or(3600);
  int64_t duration = Int(in, "DurationSeconds").value_or(3600);
  if (chained && duration > 3600) {
    return Validation("The requested DurationSeconds exceeds the 1 hour session limit for roles "
                      "assumed by role chaining.");
  }
  if (duration > max) {
    return Validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this "
                      "role.");
  }
  SessionInfo info;
  info.role_arn = std::string(role_arn);
  info.role_name = std::string(Str(*role, "RoleName"));
  info.role_id = std::string(Str(*role, "RoleId"));
  info.session_name = std::string(session_name);
  info.chained = chained;
  info.issued_epoch = call.now_epoch_seconds;
  info.expires_epoch = call.now_epoch_seconds + duration;
  RAMPART_ASSIGN_OR_RETURN(int64_t packed, SessionPolicies(svc, account, in, info));
  RAMPART_RETURN_IF_ERROR(SessionTags(call, in, info, &packed));

  std::string_view source = Str(in, "SourceIdentity");
  if (caller.session && !caller.session->source_identity.empty()) {
    if (!source.empty() && source != caller.session->source_identity) {
      return AccessDenied("The source identity of a role session cannot be changed when "
                          "chaining roles.");
    }
    info.source_identity = caller.session->source_identity;
  } else {
    info.source_identity = std::string(source);
  }
  if (call.mfa_verified_epoch > 0) {
    info.mfa_auth_epoch = call.mfa_verified_epoch;  // checked before the trust policy was
  } else if (std::string_view serial = Str(in, "SerialNumber"); !serial.empty()) {
    // Only an IAM user has MFA devices; a session cannot present another user's device.
    if (caller.type != Principal::Type::kIamUser || caller.session) {
      return AccessDenied("MultiFactorAuthentication failed: only IAM users can present an MFA "
                          "device.");
    }
    RAMPART_ASSIGN_OR_RETURN(
        iam::MfaCheck check,
        iam::VerifyMfaCode(svc.store(), svc.iam().mfa_limits(), caller.account_id,
                           caller.user_name, serial, Str(in, "TokenCode"), call.now_epoch_seconds));
    if (check != iam::MfaCheck::kValid) return AccessDenied(iam::MfaDeniedMessage(check));
    info.mfa_auth_epoch = call.now_epoch_seconds;
  } else if (caller.session && caller.session->mfa_auth_epoch > 0) {
    info.mfa_auth_epoch = caller.session->mfa_auth_epoch;
  }

  RAMPART_ASSIGN_OR_RETURN(json::object out, IssueRoleSession(svc, call, account, info, packed));
  return json::value(std::move(out));
}

Result<json::value> GetSessionToken(StsService& svc, const Call& call, const json::object& in) {
  const Principal& caller = call.principal;
  if (caller.session) {
    return AccessDenied("Cannot call GetSessionToken with session credentials");
  }
  bool root = caller.type == Principal::Type::kRoot;
  int64_t duration = Int(in, "DurationSeconds").value_or(root ? 3600 : 43200);
  if (root && duration > 3600) duration = 3600;  // AWS caps root sessions at one hour
  SessionInfo info;
  info.parent_user = caller.user_name;
  if (caller.type == Principal::Type::kIamUser) info.parent_user_id = caller.user_id;
  info.issued_epoch = call.now_epoch_seconds;
  info.expires_epoch = call.now_epoch_seconds + duration;
  if (std::string_view serial = Str(in, "SerialNumber"); !serial.empty()) {
    std::string_view code = Str(in, "TokenCode");
    if (code.empty()) {
      return Validation("A TokenCode is required when a SerialNumber is given.");
    }
    if (caller.type != Principal::Type::kIamUser) {
      return AccessDenied("MultiFactorAuthentication failed: only IAM users can present an MFA "
                          "device.");
    }
    RAMPART_ASSIGN_OR_RETURN(
        iam::MfaCheck check,
        iam::VerifyMfaCode(svc.store(), svc.iam().mfa_limits(), caller.account_id,
                           caller.user_name, serial, code, call.now_epoch_seconds));
    if (check != iam::MfaCheck::kValid) return AccessDenied(iam::MfaDeniedMessage(check));
    info.mfa_auth_epoch = call.now_epoch_seconds;
  }
  Principal session = caller;
  session.session.reset();
  RAMPART_ASSIGN_OR_RETURN(IssuedCredentials creds, IssueSession(svc.store(), session, info));
  return json::value(json::object{{"Credentials", CredentialsOut(creds)}});
}

Result<json::value> GetFederationToken(StsService& svc, const Call& call, const json::object& in) {
  const Principal& caller = call.principal;
  if (caller.session) {
    return AccessDenied("Cannot call GetFederationToken with session credentials");
  }
  std::string_view name = Str(in, "Name");
  bool root = caller.type == Principal::Type::kRoot;
  int64_t duration = Int(in, "DurationSeconds").value_or(43200);
  if (root && duration > 3600) duration = 3600;
  SessionInfo info;
  info.parent_user = caller.user_name;
  if (caller.type == Principal::Type::kIamUser) info.parent_user_id = caller.user_id;
  info.session_name = std::string(name);
  info.issued_epoch = call.now_epoch_seconds;
  info.expires_epoch = call.now_epoch_seconds + duration;
  RAMPART_ASSIGN_OR_RETURN(int64_t packed, SessionPolicies(svc, caller.account_id, in, info));
  RAMPART_RETURN_IF_ERROR(SessionTags(call, in, info, &packed));
  Principal fed;
  fed.type = Principal::Type::kFederatedUser;
  fed.account_id = caller.account_id;
  fed.arn = "arn:aws:sts::" + caller.account_id + ":federated-user/" + std::string(name);
  fed.user_id = caller.account_id + ":" + std::string(name);
  RAMPART_ASSIGN_OR_RETURN(IssuedCredentials creds, IssueSession(svc.store(), fed, info));
  return json::value(json::object{
      {"Credentials", CredentialsOut(creds)},
      {"FederatedUser", json::object{{"FederatedUserId", fed.user_id}, {"Arn", fed.arn}}},
      {"PackedPolicySize", packed}});
}

Result<json::value> GetCallerIdentity(StsService&, const Call& call, const json::object&) {
  return json::value(json::object{{"UserId", call.principal.user_id},
                                  {"Account", call.principal.account_id},
                                  {"Arn", call.principal.arn}});
}

Result<json::value> GetAccessKeyInfo(StsService& svc, const Call&, const json::object& in) {
  std::string_view id = Str(in, "AccessKeyId");
  std::string account;
  if (StartsWith(id, "ASIA")) {
    RAMPART_ASSIGN_OR_RETURN(auto s, ResolveSession(svc.store(), id));
    if (s) account = s->principal.account_id;
  } else {
    RAMPART_ASSIGN_OR_RETURN(auto k, svc.store().accounts().GetAccessKey(id));
    if (k) account = k->account_id;
  }
  if (account.empty()) {
    return Error{"InvalidParameterValue",
                 "The access key ID " + std::string(id) + " is not known to this server.", 400,
                 true};
  }
  return json::value(json::object{{"Account", account}});
}

Result<json::value> DecodeAuthorizationMessage(StsService& svc, const Call&,
                                               const json::object& in) {
  std::string_view encoded = Str(in, "EncodedMessage");
  auto opened = svc.store().Open("sts/authorization-message", encoded, "authorization message");
  if (!opened.ok()) {
    return Error{"InvalidAuthorizationMessageException",
                 "The encoded authorization message is invalid or was not issued by this server.",
                 400, true};
  }
  return json::value(json::object{{"DecodedMessage", *opened}});
}

using Fn = Result<json::value> (*)(StsService&, const Call&, const json::object&);

}  // namespace

ServiceTable Operations(StsService& svc) {
  static constexpr std::pair<std::string_view, Fn> kOps[] = {
      {"AssumeRole", AssumeRole},
      {"AssumeRoleWithWebIdentity", AssumeRoleWithWebIdentity},
      {"AssumeRoleWithSAML", AssumeRoleWithSAML},
      {"GetSessionToken", GetSessionToken},
      {"GetFederationToken", GetFederationToken},
      {"GetCallerIdentity", GetCallerIdentity},
      {"GetAccessKeyInfo", GetAccessKeyInfo},
      {"DecodeAuthorizationMessage", DecodeAuthorizationMessage},
  };
  ServiceTable table{"sts", {}};
  AddOperations(table.operations, svc, kOps);
  return table;
}

}  // namespace rampart::services::sts
