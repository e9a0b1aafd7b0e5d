// Account-level IAM: account aliases, GetAccountSummary, GetAccountAuthorizationDetails and the
// credential report.
//
// Documents:
//   account-alias [alias] -> {}                      (at most one per account)
//   credential-report [report] -> {GeneratedTime, Content}
//   sts-preferences [account] -> {GlobalEndpointTokenVersion: "v1Token" | "v2Token"}
// Aliases are unique across accounts, as in AWS: the server setting "iam-account-alias/<alias>"
// names the owning account ("" once released).
#include <mutex>

#include "common/strings.h"
#include "services/iam/aws_managed.h"
#include "services/iam/common.h"

namespace rampart::services::iam {

namespace {

constexpr double kReportLifetime = 4 * 3600;  // AWS regenerates at most every four hours

// Serializes alias claims across accounts (the settings table is outside entity transactions).
std::mutex alias_mu;

std::string AliasSetting(std::string_view alias) {
  return "iam-account-alias/" + std::string(alias);
}

// AWS: 3-63 of [a-z0-9-], starting and ending with a letter or digit, no "--", not all digits.
bool ValidAlias(std::string_view a) {
  if (a.size() < 3 || a.size() > 63 || a.front() == '-' || a.back() == '-') return false;
  bool all_digits = true;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c == '-' && a[i - 1] == '-') return false;
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    if (c < '0' || c > '9') all_digits = false;
  }
  return !all_digits;
}

Result<json::value> CreateAccountAlias(IamService& svc, const Call& call, const json::object& in) {
  std::string alias(Str(in, "AccountAlias"));
  const std::string& acct = call.principal.account_id;
  if (!ValidAlias(alias)) {
    return Error{"ValidationError",
                 "The specified value for accountAlias is invalid. It must contain only digits, "
                 "lowercase letters and hyphens, must not begin or end with a hyphen or contain "
                 "two hyphens in a row, and must not look like an account ID.",
                 400, true};
  }
  std::lock_guard lock(alias_mu);
  auto owner = svc.store().GetSetting(AliasSetting(alias));
  if (!owner.ok()) return std::move(owner).error();
  if (owner->has_value() && !(*owner)->empty() && **owner != acct) {
    return EntityAlreadyExists("The account alias " + alias + " already exists.");
  }
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto current, tx.List(acct, "account-alias", "", "", 1));
    if (!current.empty()) {
      if (current.front().key == alias) {
        return EntityAlreadyExists("The account alias " + alias + " already exists.");
      }
      return LimitExceeded("Cannot exceed quota for AccountAliasesPerAccount: 1");
    }
    return tx.Put(acct, "account-alias", alias, "{}");
  });
  if (!st.ok()) return std::move(st).error();
  RAMPART_RETURN_IF_ERROR(svc.store().PutSetting(AliasSetting(alias), acct));
  return json::value(json::object{});
}

Result<json::value> DeleteAccountAlias(IamService& svc, const Call& call, const json::object& in) {
  std::string alias(Str(in, "AccountAlias"));
  const std::string& acct = call.principal.account_id;
  std::lock_guard lock(alias_mu);
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(MustExist(tx, acct, "account-alias", alias,
                                      "The account alias " + alias + " cannot be found."));
    return tx.Delete(acct, "account-alias", alias);
  });
  if (!st.ok()) return std::move(st).error();
  RAMPART_RETURN_IF_ERROR(svc.store().PutSetting(AliasSetting(alias), ""));
  return json::value(json::object{});
}

Result<json::value> ListAccountAliases(IamService& svc, const Call& call, const json::object& in) {
  Page page;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(page,
                             ListPage(tx, call.principal.account_id, "account-alias", "", in));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  json::array aliases;
  for (const auto& row : page.rows) aliases.push_back(json::value(row.key));
  json::object out{{"AccountAliases", std::move(aliases)}};
  SetPaging(out, page);
  return json::value(std::move(out));
}

// ---- GetAccountSummary ----

Result<json::value> GetAccountSummary(IamService& svc, const Call& call, const json::object&) {
  const std::string& acct = call.principal.account_id;
  json::object map;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    auto count = [&](std::string_view kind) { return tx.Count(acct, kind, ""); };
    struct Counted {
      const char* key;
      const char* kind;
    };
    for (const Counted& c :
         {Counted{"Users", "user"}, Counted{"Groups", "group"}, Counted{"Roles", "role"},
          Counted{"Policies", "policy"}, Counted{"InstanceProfiles", "instance-profile"},
          Counted{"ServerCertificates", "server-cert"}, Counted{"MFADevices", "virtual-mfa"},
          Counted{"MFADevicesInUse", "mfa-device"},
          Counted{"PolicyVersionsInUse", "policy-version"}}) {
      RAMPART_ASSIGN_OR_RETURN(int64_t n, count(c.kind));
      map[c.key] = n;
    }
    RAMPART_ASSIGN_OR_RETURN(int64_t oidc, count("oidc-provider"));
    RAMPART_ASSIGN_OR_RETURN(int64_t saml, count("saml-provider"));
    map["Providers"] = oidc + saml;
    // Root signing certificates are stored under the empty user key.
    RAMPART_ASSIGN_OR_RETURN(int64_t root_certs, tx.Count(acct, "signing-cert", "/"));
    map["AccountSigningCertificatesPresent"] = root_certs > 0 ? 1 : 0;
    RAMPART_ASSIGN_OR_RETURN(auto prefs, Load(tx, acct, "sts-preferences", "account"));
    map["GlobalEndpointTokenVersion"] =
        prefs && Str(*prefs, "GlobalEndpointTokenVersion") == "v2Token" ? 2 : 1;
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  RAMPART_ASSIGN_OR_RETURN(auto root_keys, UserAccessKeys(svc, acct, ""));
  map["AccountAccessKeysPresent"] = root_keys.empty() ? 0 : 1;
  map["AccountMFAEnabled"] = 0;  // the root user has no MFA device in Rampart
  // AWS's default quotas; Rampart enforces those it has limits for.
  const std::pair<const char*, int64_t> quotas[] = {
      {"UsersQuota", 5000},
      {"GroupsQuota", 300},
      {"RolesQuota", 1000},
      {"InstanceProfilesQuota", 1000},
      {"ServerCertificatesQuota", 20},
      {"PoliciesQuota", 1500},
      {"ProvidersQuota", 100},
      {"UserPolicySizeQuota", 2048},
      {"GroupPolicySizeQuota", 5120},
      {"RolePolicySizeQuota", 10240},
      {"AssumeRolePolicySizeQuota", 2048},
      {"PolicySizeQuota", 6144},
      {"GroupsPerUserQuota", 10},
      {"SigningCertificatesPerUserQuota", 2},
      {"AccessKeysPerUserQuota", 2},
      {"AttachedPoliciesPerGroupQuota", 10},
      {"AttachedPoliciesPerRoleQuota", 10},
      {"AttachedPoliciesPerUserQuota", 10},
      {"PolicyVersionsInUseQuota", 10000},
      {"VersionsPerPolicyQuota", 5},
  };
  for (const auto& [k, v] : quotas) map[k] = v;
  return json::value(json::object{{"SummaryMap", std::move(map)}});
}

// Which session tokens the global STS endpoint issues (v1: valid only in default regions, v2: in
// all regions). Rampart's tokens are valid everywhere either way; the choice is recorded and
// reported by GetAccountSummary.
Result<json::value> SetSecurityTokenServicePreferences(IamService& svc, const Call& call,
                                                       const json::object& in) {
  Status st = svc.Transact(call, true, [&](store::EntityTx& tx) -> Status {
    return Save(
        tx, call.principal.account_id, "sts-preferences", "account",
        json::object{{"GlobalEndpointTokenVersion", Str(in, "GlobalEndpointTokenVersion")}});
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(json::object{});
}

// ---- GetAccountAuthorizationDetails ----

Result<std::vector<json::object>> Docs(store::EntityTx& tx, std::string_view acct,
                                       std::string_view kind, std::string_view prefix) {
  RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(acct, kind, prefix, "", 1000000));
  std::vector<json::object> out;
  for (const auto& r : rows) {
    boost::system::error_code ec;
    json::value v = json::parse(r.doc, ec);
    if (!ec && v.is_object()) out.push_back(std::move(v.as_object()));
  }
  return out;
}

// Inline policies of a principal ("user:<key>"), with URL-encoded documents.
Result<json::array> InlinePolicies(store::EntityTx& tx, std::string_view acct,
                                   const std::string& ref) {
  RAMPART_ASSIGN_OR_RETURN(auto docs, Docs(tx, acct, "inline", ref + "/"));
  json::array out;
  for (auto& d : docs) {
    out.push_back(json::object{{"PolicyName", d["PolicyName"]},
                               {"PolicyDocument", EncodePolicyDocument(Str(d, "PolicyDocument"))}});
  }
  return out;
}

Result<json::array> AttachedPolicies(store::EntityTx& tx, std::string_view acct,
                                     const std::string& ref, std::vector<std::string>* arns) {
  RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(acct, "attached", ref + "/", "", 1000000));
  json::array out;
  for (const auto& r : rows) {
    std::string arn = r.key.substr(ref.size() + 1);
    out.push_back(json::object{{"PolicyName", arn.substr(arn.rfind('/') + 1)}, {"PolicyArn", arn}});
    if (arns) arns->push_back(arn);
  }
  return out;
}

bool Wants(const json::object& in, std::string_view type) {
  auto* f = in.if_contains("Filter");
  if (!f || !f->is_array() || f->as_array().empty()) return true;
  for (const auto& v : f->as_array()) {
    if (v.is_string() && v.as_string() == type) return true;
  }
  return false;
}

Result<json::value> GetAccountAuthorizationDetails(IamService& svc, const Call& call,
                                                   const json::object& in) {
  const std::string& acct = call.principal.account_id;
  json::object out;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    std::vector<std::string> aws_attached;
    if (Wants(in, "User")) {
      json::array list;
      RAMPART_ASSIGN_OR_RETURN(auto users, Docs(tx, acct, "user", ""));
      for (auto& u : users) {
        std::string ref = "user:" + Key(Str(u, "UserName"));
        RAMPART_ASSIGN_OR_RETURN(u["UserPolicyList"], InlinePolicies(tx, acct, ref));
        RAMPART_ASSIGN_OR_RETURN(u["AttachedManagedPolicies"],
                                 AttachedPolicies(tx, acct, ref, &aws_attached));
        RAMPART_ASSIGN_OR_RETURN(
            auto groups, tx.List(acct, "member-of", Key(Str(u, "UserName")) + "/", "", 1000));
        json::array names;
        for (const auto& g : groups) {
          RAMPART_ASSIGN_OR_RETURN(auto gd,
                                   Load(tx, acct, "group", g.key.substr(g.key.find('/') + 1)));
          if (gd) names.push_back((*gd)["GroupName"]);
        }
        u["GroupList"] = std::move(names);
        list.push_back(std::move(u));
      }
      out["UserDetailList"] = std::move(list);
    }
    if (Wants(in, "Group")) {
      json::array list;
      RAMPART_ASSIGN_OR_RETURN(auto groups, Docs(tx, acct, "group", ""));
      for (auto& g : groups) {
        std::string ref = "group:" + Key(Str(g, "GroupName"));
        RAMPART_ASSIGN_OR_RETURN(g["GroupPolicyList"], InlinePolicies(tx, acct, ref));
        RAMPART_ASSIGN_OR_RETURN(g["AttachedManagedPolicies"],
                                 AttachedPolicies(tx, acct, ref, &aws_attached));
        g.erase("Tags");
        list.push_back(std::move(g));
      }
      out["GroupDetailList"] = std::move(list);
    }
    if (Wants(in, "Role")) {
      json::array list;
      RAMPART_ASSIGN_OR_RETURN(auto roles, Docs(tx, acct, "role", ""));
      for (auto& r : roles) {
        std::string key = Key(Str(r, "RoleName"));
        std::string ref = "role:" + key;
        if (auto* d = r.if_contains("AssumeRolePolicyDocument"); d && d->is_string()) {
          *d = EncodePolicyDocument(d->as_string());
        }
        r.erase("ServiceLinked");
        r.erase("Description");
        r.erase("MaxSessionDuration");
        RAMPART_ASSIGN_OR_RETURN(r["RolePolicyList"], InlinePolicies(tx, acct, ref));
        RAMPART_ASSIGN_OR_RETURN(r["AttachedManagedPolicies"],
                                 AttachedPolicies(tx, acct, ref, &aws_attached));
        json::array profiles;
        RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(acct, "role-profile", key + "/", "", 1000));
        for (const auto& row : rows) {
          RAMPART_ASSIGN_OR_RETURN(
              auto p, Load(tx, acct, "instance-profile", row.key.substr(key.size() + 1)));
          if (!p) continue;
          RAMPART_ASSIGN_OR_RETURN(json::object view, InstanceProfileView(tx, acct, *p));
          profiles.push_back(std::move(view));
        }
        r["InstanceProfileList"] = std::move(profiles);
        if (!r.contains("RoleLastUsed")) r["RoleLastUsed"] = json::object{};
        list.push_back(std::move(r));
      }
      out["RoleDetailList"] = std::move(list);
    }
    bool local = Wants(in, "LocalManagedPolicy");
    bool aws = Wants(in, "AWSManagedPolicy");
    if (local || aws) {
      json::array list;
      if (local) {
        RAMPART_ASSIGN_OR_RETURN(auto policies, Docs(tx, acct, "policy", ""));
        for (auto& p : policies) {
          std::string key = Key(Str(p, "PolicyName"));
          std::string arn(Str(p, "Arn"));
          p.erase("NextVersion");
          p.erase("Tags");
          RAMPART_ASSIGN_OR_RETURN(p["AttachmentCount"], tx.Count(acct, "attached-to", arn + "/"));
          RAMPART_ASSIGN_OR_RETURN(p["PermissionsBoundaryUsageCount"],
                                   tx.Count(acct, "boundary-of", arn + "/"));
          RAMPART_ASSIGN_OR_RETURN(auto versions, Docs(tx, acct, "policy-version", key + "/"));
          json::array vl;
          for (auto& v : versions) {
            v["Document"] = EncodePolicyDocument(Str(v, "Document"));
            vl.push_back(std::move(v));
          }
          p["PolicyVersionList"] = std::move(vl);
          list.push_back(std::move(p));
        }
      }
      if (aws) {
        // AWS lists the AWS-managed policies that are in use in the account.
        std::sort(aws_attached.begin(), aws_attached.end());
        aws_attached.erase(std::unique(aws_attached.begin(), aws_attached.end()),
                           aws_attached.end());
        for (const std::string& arn : aws_attached) {
          const AwsManagedPolicy* m = FindAwsManagedPolicy(arn);
          if (!m) continue;
          RAMPART_ASSIGN_OR_RETURN(int64_t n, tx.Count(acct, "attached-to", arn + "/"));
          list.push_back(json::object{
              {"PolicyName", m->name},
              {"PolicyId", m->policy_id},
              {"Arn", m->arn},
              {"Path", m->path},
              {"DefaultVersionId", "v1"},
              {"AttachmentCount", n},
              {"PermissionsBoundaryUsageCount", 0},
              {"IsAttachable", true},
              {"Description", m->description},
              {"CreateDate", 1420070400.0},
              {"UpdateDate", 1420070400.0},
              {"PolicyVersionList",
               json::array{json::object{{"Document", EncodePolicyDocument(m->document)},
                                        {"VersionId", "v1"},
                                        {"IsDefaultVersion", true},
                                        {"CreateDate", 1420070400.0}}}}});
        }
      }
      out["Policies"] = std::move(list);
    }
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  // The whole account in one page: Rampart accounts are small enough that paging buys nothing.
  out["IsTruncated"] = false;
  return json::value(std::move(out));
}

// ---- Credential report ----

std::string ReportTime(double epoch) {
  std::string t = FormatIso8601(static_cast<double>(static_cast<int64_t>(epoch)));
  if (!t.empty() && t.back() == 'Z') t.replace(t.size() - 1, 1, "+00:00");
  return t;
}

std::string TimeOr(const json::object& doc, std::string_view member, std::string_view dflt) {
  auto* v = doc.if_contains(member);
  if (!v || !v->is_number()) return std::string(dflt);
  return ReportTime(v->to_number<double>());
}

Status AppendKeyColumns(std::string& row, const std::vector<store::AccessKey>& keys) {
  for (size_t i = 0; i < 2; ++i) {
    if (i < keys.size()) {
      const store::AccessKey& k = keys[i];
      row += k.status == "Active" ? ",true," : ",false,";
      row += ReportTime(static_cast<double>(k.created_epoch));
      if (k.last_used_epoch > 0) {
        row += "," + ReportTime(static_cast<double>(k.last_used_epoch)) + ",";
        row += (k.last_used_region.empty() ? "N/A" : k.last_used_region) + ",";
        row += k.last_used_service.empty() ? "N/A" : k.last_used_service;
      } else {
        row += ",N/A,N/A,N/A";
      }
    } else {
      row += ",false,N/A,N/A,N/A,N/A";
    }
  }
  return {};
}

void AppendCertColumns(std::string& row, const std::vector<json::object>& certs) {
  for (size_t i = 0; i < 2; ++i) {
    if (i < certs.size()) {
      row += Str(certs[i], "Status") == "Active" ? ",true," : ",false,";
      row += TimeOr(certs[i], "UploadDate", "N/A");
    } else {
      row += ",false,N/A";
    }
  }
}

constexpr std::string_view kReportHeader =
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

Result<std::string> BuildReport(IamService& svc, const Call& call) {
  const std::string& acct = call.principal.account_id;
  struct UserRow {
    json::object user;
    std::optional<json::object> profile;
    bool mfa = false;
    std::vector<json::object> certs;
  };
  std::vector<UserRow> users;
  std::optional<json::object> policy;
  std::vector<json::object> root_certs;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(policy, Load(tx, acct, "password-policy", "account"));
    RAMPART_ASSIGN_OR_RETURN(root_certs, Docs(tx, acct, "signing-cert", "/"));
    RAMPART_ASSIGN_OR_RETURN(auto docs, Docs(tx, acct, "user", ""));
    for (auto& u : docs) {
      UserRow r;
      std::string key = Key(Str(u, "UserName"));
      RAMPART_ASSIGN_OR_RETURN(r.profile, Load(tx, acct, "login-profile", key));
      RAMPART_ASSIGN_OR_RETURN(int64_t mfa, tx.Count(acct, "mfa-device", key + "/"));
      r.mfa = mfa > 0;
      RAMPART_ASSIGN_OR_RETURN(r.certs, Docs(tx, acct, "signing-cert", key + "/"));
      r.user = std::move(u);
      users.push_back(std::move(r));
    }
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  int64_t max_age = policy ? Int(*policy, "MaxPasswordAge").value_or(0) : 0;

  std::string csv(kReportHeader);
  csv += "\n";
  // The account root.
  auto account = svc.store().accounts().GetAccount(acct);
  if (!account.ok()) return std::move(account).error();
  double created = account->has_value() ? static_cast<double>((*account)->created_epoch) : 0;
  std::string row = "<root_account>,arn:aws:iam::" + acct + ":root," + ReportTime(created) +
                    ",not_supported,no_information,not_supported,not_supported,false";
  RAMPART_ASSIGN_OR_RETURN(auto root_keys, UserAccessKeys(svc, acct, ""));
  RAMPART_RETURN_IF_ERROR(AppendKeyColumns(row, root_keys));
  AppendCertColumns(row, root_certs);
  csv += row + "\n";
  for (const UserRow& u : users) {
    std::string_view name = Str(u.user, "UserName");
    row = std::string(name) + "," + std::string(Str(u.user, "Arn")) + "," +
          TimeOr(u.user, "CreateDate", "N/A");
    if (u.profile) {
      row += ",true," + TimeOr(u.user, "PasswordLastUsed", "no_information") + ",";
      row += TimeOr(*u.profile, "PasswordLastChanged", "N/A") + ",";
      auto* changed = u.profile->if_contains("PasswordLastChanged");
      if (max_age > 0 && changed && changed->is_number()) {
        row += ReportTime(changed->to_number<double>() + static_cast<double>(max_age) * 86400);
      } else {
        row += "N/A";
      }
    } else {
      row += ",false,N/A,N/A,N/A";
    }
    row += u.mfa ? ",true" : ",false";
    RAMPART_ASSIGN_OR_RETURN(auto keys, UserAccessKeys(svc, acct, name));
    RAMPART_RETURN_IF_ERROR(AppendKeyColumns(row, keys));
    AppendCertColumns(row, u.certs);
    csv += row + "\n";
  }
  return csv;
}

Result<json::value> GenerateCredentialReport(IamService& svc, const Call& call,
                                             const json::object&) {
  const std::string& acct = call.principal.account_id;
  std::optional<json::object> existing;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(existing, Load(tx, acct, "credential-report", "report"));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  if (existing) {
    auto* t = existing->if_contains("GeneratedTime");
    if (t && t->is_number() && Now(call) - t->to_number<double>() < kReportLifetime) {
      return json::value(json::object{{"State", "COMPLETE"}});
    }
  }
  // Generated synchronously, but answered as AWS answers a new generation task: STARTED first,
  // COMPLETE on the next call (clients poll until COMPLETE). GetCredentialReport works at once.
  RAMPART_ASSIGN_OR_RETURN(std::string csv, BuildReport(svc, call));
  st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    return Save(tx, acct, "credential-report", "report",
                json::object{{"GeneratedTime", Now(call)}, {"Content", csv}});
  });
  if (!st.ok()) return std::move(st).error();
  return json::value(
      json::object{{"State", "STARTED"},
                   {"Description", "No report exists. Starting a new report generation task"}});
}

Result<json::value> GetCredentialReport(IamService& svc, const Call& call, const json::object&) {
  std::optional<json::object> report;
  Status st = svc.Transact(call, false, [&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(report,
                             Load(tx, call.principal.account_id, "credential-report", "report"));
    return {};
  });
  if (!st.ok()) return std::move(st).error();
  if (!report) {
    return Error{"ReportNotPresent",
                 "Credential report does not exist. Use GenerateCredentialReport to generate a "
                 "report.",
                 410, true};
  }
  double generated = report->at("GeneratedTime").to_number<double>();
  if (Now(call) - generated >= kReportLifetime) {
    return Error{"ReportExpired",
                 "Credential report is expired. Use GenerateCredentialReport to generate a new "
                 "report.",
                 410, true};
  }
  return json::value(json::object{{"Content", report->at("Content")},
                                  {"ReportFormat", "text/csv"},
                                  {"GeneratedTime", generated}});
}

}  // namespace

void AddAccountOps(std::vector<IamOp>& ops) {
  ops.insert(ops.end(),
             {{"CreateAccountAlias", CreateAccountAlias},
              {"DeleteAccountAlias", DeleteAccountAlias},
              {"ListAccountAliases", ListAccountAliases},
              {"GetAccountSummary", GetAccountSummary},
              {"GetAccountAuthorizationDetails", GetAccountAuthorizationDetails},
              {"GenerateCredentialReport", GenerateCredentialReport},
              {"GetCredentialReport", GetCredentialReport},
              {"SetSecurityTokenServicePreferences", SetSecurityTokenServicePreferences}});
}

}  // namespace rampart::services::iam
