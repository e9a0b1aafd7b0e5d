// `rampart policy validate --json`: findings in IAM Access Analyzer's ValidatePolicy shape.
#include "policy/lint.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace rampart::policy {
namespace {

namespace json = boost::json;

const json::object* FindingOf(const LintReport& r, std::string_view code) {
  for (const auto& f : r.findings) {
    if (f.at("issueCode").as_string() == code) return &f.as_object();
  }
  return nullptr;
}

// The AWS CLI's own example of validate-policy (a 4-space indented document): the empty Sid is
// reported at line 5, columns 19-21, offsets 79-81 (the CLI reference's example output).
TEST(Lint, SpansCountAsValidatePolicyDoes) {
  std::string doc =
      "{\n"
      "    \"Version\": \"2012-10-17\",\n"
      "    \"Statement\": [\n"
      "        {\n"
      "            \"Sid\": \"\",\n"
      "            \"Effect\": \"Allow\",\n"
      "            \"Principal\": {\"Federated\": \"cognito-identity.amazonaws.com\"},\n"
      "            \"Action\": \"sts:AssumeRoleWithWebIdentity\"\n"
      "        }\n"
      "    ]\n"
      "}\n";
  LintReport r = LintPolicy(doc, PolicyType::kTrust);
  ASSERT_FALSE(r.error) << r.error->error.message;
  const json::object* f = FindingOf(r, "EMPTY_SID_VALUE");
  ASSERT_NE(f, nullptr) << json::serialize(r.findings);
  EXPECT_EQ(f->at("findingType"), "SUGGESTION");
  EXPECT_EQ(f->at("findingDetails"), "Add a value to the empty string in the Sid element.");
  EXPECT_EQ(f->at("learnMoreLink"),
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
            "access-analyzer-reference-policy-checks.html"
            "#access-analyzer-reference-policy-checks-suggestion-empty-sid-value");
  const json::object& loc = f->at("locations").at(0).as_object();
  EXPECT_EQ(json::serialize(loc.at("path")),
            R"([{"value":"Statement"},{"index":0},{"value":"Sid"}])");
  EXPECT_EQ(json::serialize(loc.at("span")),
            R"({"start":{"line":5,"column":19,"offset":79},"end":{"line":5,"column":21,"offset":81}})");
}

TEST(Lint, TheApiErrorIsAnErrorFinding) {
  // A managed policy without Version: IAM refuses it, so the finding is an ERROR here.
  LintReport r = LintPolicy(R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}})",
                            PolicyType::kManaged);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->error.message, "Policy document must be version 2012-10-17 or greater.");
  const json::object* f = FindingOf(r, "MISSING_VERSION");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->at("findingType"), "ERROR");
  // An inline policy may go without: a WARNING, no error.
  LintReport inl = LintPolicy(R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}})",
                              PolicyType::kRoleInline);
  EXPECT_FALSE(inl.error);
  ASSERT_NE(FindingOf(inl, "MISSING_VERSION"), nullptr);
  EXPECT_EQ(FindingOf(inl, "MISSING_VERSION")->at("findingType"), "WARNING");
}

TEST(Lint, SecurityWarningsAndSingleStatementPaths) {
  LintReport r = LintPolicy(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*","Resource":"*"}})",
      PolicyType::kManaged);
  ASSERT_FALSE(r.error);
  const json::object* f = FindingOf(r, "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE");
  ASSERT_NE(f, nullptr) << json::serialize(r.findings);
  EXPECT_EQ(f->at("findingType"), "SECURITY_WARNING");
  // A single Statement object: no index in the path.
  EXPECT_EQ(json::serialize(f->at("locations").at(0).at("path")),
            R"([{"value":"Statement"},{"value":"Action"}])");
  EXPECT_NE(FindingOf(r, "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE"), nullptr);
  // iam:PassedToService narrows iam:PassRole: no warning.
  LintReport ok = LintPolicy(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:PassRole","Resource":"*",
          "Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}}})",
      PolicyType::kManaged);
  EXPECT_EQ(FindingOf(ok, "PASS_ROLE_WITH_STAR_IN_RESOURCE"), nullptr);
}

TEST(Lint, JsonSyntaxErrorIsAFinding) {
  LintReport r = LintPolicy("{\"Version\": ", PolicyType::kManaged);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->error.message, "Syntax errors in policy.");
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].at("issueCode"), "JSON_SYNTAX_ERROR");
}

}  // namespace
}  // namespace rampart::policy
