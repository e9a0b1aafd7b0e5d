#include "services/iam/aws_managed.h"

#include <vector>

#include "common/crypto.h"

namespace rampart::services::iam {

namespace {

std::string Doc(std::string statements) {
  return R"({"Version":"2012-10-17","Statement":[)" + statements + "]}";
}
std::string Allow(std::string actions, std::string resource = R"("*")") {
  return R"({"Effect":"Allow","Action":)" + actions + R"(,"Resource":)" + resource + "}";
}

// Service prefix, the name stem AWS uses for its full/read-only pair, and a description noun.
struct ServicePair {
  const char* prefix;
  const char* full;
  const char* read_only;
  const char* noun;
};
constexpr ServicePair kPairs[] = {
    {"cloudtrail", "AWSCloudTrail_FullAccess", "AWSCloudTrail_ReadOnlyAccess", "CloudTrail"},
    {"cloudwatch", "CloudWatchFullAccess", "CloudWatchReadOnlyAccess", "CloudWatch"},
    {"logs", "CloudWatchLogsFullAccess", "CloudWatchLogsReadOnlyAccess", "CloudWatch Logs"},
    {"events", "AmazonEventBridgeFullAccess", "AmazonEventBridgeReadOnlyAccess", "EventBridge"},
    {"sns", "AmazonSNSFullAccess", "AmazonSNSReadOnlyAccess", "SNS"},
    {"wafv2", "AWSWAFFullAccess", "AWSWAFReadOnlyAccess", "WAF"},
    {"guardduty", "AmazonGuardDutyFullAccess", "AmazonGuardDutyReadOnlyAccess", "GuardDuty"},
    {"macie2", "AmazonMacieFullAccess", "AmazonMacieReadOnlyAccess", "Macie"},
    {"inspector2", "AmazonInspector2FullAccess", "AmazonInspector2ReadOnlyAccess", "Inspector"},
    {"xray", "AWSXrayFullAccess", "AWSXrayReadOnlyAccess", "X-Ray"},
    {"s3", "AmazonS3FullAccess", "AmazonS3ReadOnlyAccess", "S3"},
    {"organizations", "AWSOrganizationsFullAccess", "AWSOrganizationsReadOnlyAccess",
     "Organizations"},
    {"kms", "AWSKeyManagementServicePowerUser", "AWSKeyManagementServiceReadOnly", "KMS"},
    {"shield", "AWSShieldFullAccess", "AWSShieldReadOnlyAccess", "Shield"},
    {"support", "AWSSupportAccess", "AWSSupportReadOnlyAccess", "Support"},
};

std::vector<AwsManagedPolicy> Build() {
  std::vector<AwsManagedPolicy> out;
  auto add = [&](std::string name, std::string path, std::string desc, std::string doc) {
    AwsManagedPolicy p;
    p.arn = "arn:aws:iam::aws:policy" + path + name;
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    std::string h = crypto::Sha256Hex(p.arn);
    p.policy_id = "ANPA";
    for (size_t i = 0; i < 17; ++i) p.policy_id.push_back(kAlphabet[static_cast<uint8_t>(h[i]) % 32]);
    p.name = std::move(name);
    p.path = std::move(path);
    p.description = std::move(desc);
    p.document = std::move(doc);
    out.push_back(std::move(p));
  };
  add("AdministratorAccess", "/", "Provides full access to AWS services and resources.",
      Doc(Allow(R"("*")")));
  add("PowerUserAccess", "/",
      "Provides full access to AWS services and resources, but does not allow management of "
      "Users and groups.",
      Doc(R"({"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"},)" +
          Allow(R"(["iam:CreateServiceLinkedRole","iam:DeleteServiceLinkedRole","iam:ListRoles",)"
                R"("organizations:DescribeOrganization","account:ListRegions"])")));
  std::string ro_actions = "[";
  for (const ServicePair& sp : kPairs) {
    for (const char* verb : {"Get", "List", "Describe"}) {
      ro_actions += std::string("\"") + sp.prefix + ":" + verb + "*\",";
    }
  }
  ro_actions += R"("iam:Generate*","iam:Simulate*","sts:GetCallerIdentity","sts:GetAccessKeyInfo","sts:DecodeAuthorizationMessage"])";
  std::string iam_ro = R"(["iam:Get*","iam:List*","iam:GenerateCredentialReport","iam:GenerateServiceLastAccessedDetails","iam:SimulateCustomPolicy","iam:SimulatePrincipalPolicy"])";
  add("ReadOnlyAccess", "/", "Provides read-only access to AWS services and resources.",
      Doc(Allow(ro_actions.replace(0, 1, "[\"iam:Get*\",\"iam:List*\","))));
  add("IAMFullAccess", "/", "Provides full access to IAM via the AWS Management Console.",
      Doc(Allow(R"("iam:*")") + "," +
          Allow(R"(["organizations:DescribeAccount","organizations:DescribeOrganization",)"
                R"("organizations:DescribeOrganizationalUnit","organizations:DescribePolicy",)"
                R"("organizations:ListChildren","organizations:ListParents",)"
                R"("organizations:ListPoliciesForTarget","organizations:ListRoots",)"
                R"("organizations:ListPolicies","organizations:ListTargetsForPolicy"])")));
  add("IAMReadOnlyAccess", "/", "Provides read only access to IAM via the AWS Management Console.",
      Doc(Allow(iam_ro)));
  add("IAMUserChangePassword", "/", "Provides the ability for an IAM user to change their own "
      "password.",
      Doc(Allow(R"("iam:ChangePassword")", R"("arn:aws:iam::*:user/${aws:username}")") + "," +
          Allow(R"("iam:GetAccountPasswordPolicy")")));
  add("IAMSelfManageServiceSpecificCredentials", "/",
      "Allows an IAM user to manage their own service-specific credentials.",
      Doc(Allow(R"(["iam:CreateServiceSpecificCredential","iam:ListServiceSpecificCredentials",)"
                R"("iam:UpdateServiceSpecificCredential","iam:DeleteServiceSpecificCredential",)"
                R"("iam:ResetServiceSpecificCredential"])",
                R"("arn:aws:iam::*:user/${aws:username}")")));
  add("SecurityAudit", "/job-function/",
      "The security audit template grants access to read security configuration metadata.",
      Doc(Allow(ro_actions)));
  for (const ServicePair& sp : kPairs) {
    add(sp.full, "/", std::string("Provides full access to ") + sp.noun + ".",
        Doc(Allow(std::string("\"") + sp.prefix + ":*\"")));
    add(sp.read_only, "/", std::string("Provides read-only access to ") + sp.noun + ".",
        Doc(Allow(std::string("[\"") + sp.prefix + ":Get*\",\"" + sp.prefix + ":List*\",\"" +
                  sp.prefix + ":Describe*\"]")));
  }
  return out;
}

}  // namespace

std::span<const AwsManagedPolicy> AwsManagedPolicies() {
  static const std::vector<AwsManagedPolicy>* all = new std::vector<AwsManagedPolicy>(Build());
  return *all;
}

const AwsManagedPolicy* FindAwsManagedPolicy(std::string_view arn) {
  for (const auto& p : AwsManagedPolicies()) {
    if (p.arn == arn) return &p;
  }
  return nullptr;
}

}  // namespace rampart::services::iam
