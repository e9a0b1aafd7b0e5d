// Unit tests of the policy engine's pieces and public API. Behaviour vectors live in
// tests/data/policy/ (golden_test.cc); these cover what data files cannot: the API surface,
// the action index, allocation-freedom of Evaluate, and the primitive parsers.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include <boost/json.hpp>

#include "common/strings.h"
#include "policy/case_runner.h"
#include "policy/condition.h"
#include "policy/evaluate.h"
#include "policy/pattern.h"
#include "policy/policy.h"
#include "policy/request.h"

// Counts heap allocations so a test can assert that Evaluate makes none.
namespace {
std::atomic<long> g_allocations{0};
}  // namespace
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace rampart::policy {
namespace {

Policy MustParse(std::string_view json, PolicyType type = PolicyType::kManaged) {
  auto p = ParsePolicy(json, type, "test");
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
  return p.ok() ? std::move(p).value() : Policy();
}

Request MustRequest(std::string_view principal, std::string_view action, std::string_view resource,
                    std::string_view account = {}) {
  auto r = Request::Create(principal, action, resource, account);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return std::move(r).value();
}

TEST(Pattern, GlobIsGreedyAcrossSeparators) {
  auto p = Pattern::Compile("arn:aws:s3:::b/*/z", {true, false, false});
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->Matches("arn:aws:s3:::b/x/y/z", nullptr));
  EXPECT_TRUE(p->Matches("arn:aws:s3:::b//z", nullptr));
  EXPECT_FALSE(p->Matches("arn:aws:s3:::b/x/y/z2", nullptr));
  auto q = Pattern::Compile("*a*b*c", {true, false, false});
  EXPECT_TRUE(q->Matches("xxaxxbxxbxc", nullptr));
  EXPECT_FALSE(q->Matches("abcx", nullptr));
}

TEST(Pattern, QuestionMarkAndCase) {
  auto p = Pattern::Compile("s3:get?bject", {true, false, true});
  EXPECT_TRUE(p->Matches("S3:GetObject", nullptr));
  EXPECT_FALSE(p->Matches("s3:getbject", nullptr));
  auto lit = Pattern::Compile("a*b", {false, false, false});
  EXPECT_TRUE(lit->Matches("a*b", nullptr));
  EXPECT_FALSE(lit->Matches("axb", nullptr));
}

TEST(Pattern, VariablesAreLiteralAndCapped) {
  Request r = MustRequest("arn:aws:iam::111122223333:user/a*b", "s3:GetObject", "*");
  auto p = Pattern::Compile("home/${aws:username}/*", {true, true, false});
  EXPECT_TRUE(p->Matches("home/a*b/x", &r));
  EXPECT_FALSE(p->Matches("home/aXb/x", &r));
  std::string many;
  for (int i = 0; i < 17; ++i) many += "${aws:username}";
  EXPECT_FALSE(Pattern::Compile(many, {true, true, false}).has_value());
}

// Reference glob matcher (exponential, tiny inputs only) to cross-check the fast paths.
bool RefGlob(std::string_view p, std::string_view v) {
  if (p.empty()) return v.empty();
  if (p[0] == '*') return RefGlob(p.substr(1), v) || (!v.empty() && RefGlob(p, v.substr(1)));
  if (v.empty()) return false;
  return (p[0] == '?' || p[0] == v[0]) && RefGlob(p.substr(1), v.substr(1));
}

TEST(Pattern, FastPathsAgreeWithReferenceGlob) {
  const char alphabet[] = "ab*?/";
  unsigned seed = 12345;
  auto next = [&seed] { return seed = seed * 1103515245u + 12345u, (seed >> 16) & 0x7fff; };
  Request r = MustRequest("arn:aws:iam::111122223333:user/ab", "s3:GetObject", "*");
  for (int iter = 0; iter < 20000; ++iter) {
    std::string pat, val;
    int pl = next() % 7, vl = next() % 8;
    for (int i = 0; i < pl; ++i) pat += alphabet[next() % 5];
    for (int i = 0; i < vl; ++i) val += "ab/"[next() % 3];
    auto p = Pattern::Compile(pat, {true, false, false});
    ASSERT_EQ(p->Matches(val, nullptr), RefGlob(pat, val)) << pat << " vs " << val;
    // The same pattern with "ab" spelled as a variable goes through substitution.
    std::string with_var;
    for (std::size_t i = 0; i < pat.size(); ++i) {
      if (pat.compare(i, 2, "ab") == 0) {
        with_var += "${aws:username}";
        ++i;
      } else {
        with_var += pat[i];
      }
    }
    auto pv = Pattern::Compile(with_var, {true, true, false});
    ASSERT_EQ(pv->Matches(val, &r), RefGlob(pat, val)) << with_var << " vs " << val;
  }
}

TEST(Primitives, Dates) {
  EXPECT_EQ(ParseDate("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseDate("1700000000"), 1700000000000LL);
  EXPECT_EQ(ParseDate("2024-02-29T12:00:00+02:00"), ParseDate("2024-02-29T10:00:00Z"));
  EXPECT_EQ(ParseDate("2024-02-29T10:00:00.5Z"), *ParseDate("2024-02-29T10:00:00Z") + 500);
  EXPECT_FALSE(ParseDate("2024-13-01").has_value());
  EXPECT_FALSE(ParseDate("yesterday").has_value());
  EXPECT_FALSE(ParseDate("2024-01-01T10:00:00Zjunk").has_value());
}

TEST(Primitives, NumbersAndIps) {
  EXPECT_EQ(ParseNumber("+10"), 10.0);
  EXPECT_EQ(ParseNumber("1.5e1"), 15.0);
  EXPECT_FALSE(ParseNumber("10 ").has_value());
  auto v4 = ParseIpRange("10.0.0.0/8");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(IpInRange(*v4, "10.255.0.1"));
  EXPECT_FALSE(IpInRange(*v4, "11.0.0.1"));
  EXPECT_FALSE(IpInRange(*v4, "garbage"));
  auto v6 = ParseIpRange("2001:db8::/127");
  EXPECT_TRUE(IpInRange(*v6, "2001:db8::1"));
  EXPECT_FALSE(IpInRange(*v6, "2001:db8::2"));
  EXPECT_FALSE(ParseIpRange("1.2.3.4/").has_value());
}

TEST(Request, PrincipalKinds) {
  EXPECT_EQ(ParsePrincipal("arn:aws:iam::111122223333:root")->kind, PrincipalKind::kAccountRoot);
  auto s = ParsePrincipal("arn:aws:sts::111122223333:assumed-role/R/S");
  EXPECT_EQ(s->kind, PrincipalKind::kRoleSession);
  EXPECT_EQ(s->name, "R");
  EXPECT_EQ(s->session, "S");
  EXPECT_TRUE(ParsePrincipal("arn:aws:iam::111122223333:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX")
                  ->service_linked);
  EXPECT_EQ(ParsePrincipal("anonymous")->kind, PrincipalKind::kAnonymous);
  EXPECT_EQ(ParsePrincipal("service:s3.amazonaws.com")->service, "s3.amazonaws.com");
  EXPECT_FALSE(ParsePrincipal("arn:aws:iam::1:user/x").ok());
  EXPECT_FALSE(ParsePrincipal("arn:aws:iam::111122223333:group/g").ok());
}

TEST(Request, ContextKeysAreCaseInsensitiveAndOverrideDerivedOnes) {
  Request r = MustRequest("arn:aws:iam::111122223333:user/alice", "s3:GetObject", "*");
  EXPECT_EQ(r.SingleValue("aws:username"), "alice");
  r.SetContext("AWS:UserName", "override");
  EXPECT_EQ(r.SingleValue("aws:username"), "override");
  r.SetContextValues("aws:TagKeys", {"a"});
  EXPECT_FALSE(r.SingleValue("aws:tagkeys").has_value());  // multivalued: not a variable
  EXPECT_NE(r.Find("aws:tagkeys"), nullptr);
}

TEST(Parse, ErrorsNameStatementAndElement) {
  auto p = ParsePolicy(R"({"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow",
      "Action":"s3:*","Resource":"*"},{"Sid":"B","Effect":"Allow","Action":"s3:*",
      "Resource":"*","Condition":{"StringEquals":{"k":[["x"]]}}}]})",
                       PolicyType::kManaged);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, "MalformedPolicyDocument");
  EXPECT_NE(p.error().message.find("Statement[1] (Sid \"B\")"), std::string::npos);
  EXPECT_NE(p.error().message.find("StringEquals key k"), std::string::npos);
}

TEST(Parse, SizeLimitsCountWhitespaceByType) {
  std::string padded = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]})";
  padded.insert(1, 7000, ' ');
  EXPECT_TRUE(ParsePolicy(padded, PolicyType::kManaged).ok());  // IAM ignores whitespace
  auto scp = ParsePolicy(padded, PolicyType::kScp);
  ASSERT_FALSE(scp.ok());
  EXPECT_EQ(scp.error().code, "LimitExceeded");
  EXPECT_EQ(SizeLimitFor(PolicyType::kRoleInline).max_chars, 10240u);
}

TEST(Parse, NeverCrashesOnGarbage) {
  const char* inputs[] = {"", "{", "null", "{\"Statement\":null}", "{\"Statement\":[null]}",
                          "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":[1],\"Resource\":\"*\"}}",
                          "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"a:b\",\"Resource\":\"*\","
                          "\"Condition\":{\"ForAllValues:\":{}}}}",
                          "\xff\xfe", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]"};
  for (const char* in : inputs) {
    auto p = ParsePolicy(in, PolicyType::kResource);
    EXPECT_FALSE(p.ok()) << in;
  }
}

TEST(Index, CandidatesMatchLinearScan) {
  std::string doc = R"({"Version":"2012-10-17","Statement":[)";
  const char* actions[] = {"s3:GetObject", "s3:Get*", "ec2:*", "*", "iam:CreateUser",
                           "s3:PutObject", "*:Describe*", "sqs:Send?essage"};
  for (int i = 0; i < 40; ++i) {
    if (i) doc += ",";
    if (i % 9 == 4) {
      doc += R"({"Effect":"Allow","NotAction":"s3:*","Resource":"*"})";
    } else {
      doc += std::string(R"({"Effect":"Allow","Action":")") + actions[i % 8] + R"(","Resource":"*"})";
    }
  }
  doc += "]}";
  Policy p = MustParse(doc);
  for (const char* a : {"s3:GetObject", "s3:getobjectacl", "ec2:RunInstances", "iam:CreateUser",
                        "sqs:SendMessage", "kms:Decrypt", "ec2:DescribeVpcs"}) {
    Request r = MustRequest("arn:aws:iam::111122223333:user/alice", a, "*");
    const Policy* ptrs[] = {&p};
    PolicySet set;
    set.identity = ptrs;
    EvaluationResult indexed = Evaluate(r, set, {true});
    EvaluationResult linear = Evaluate(r, set, {false});
    ASSERT_EQ(indexed.decision, linear.decision) << a;
    ASSERT_EQ(indexed.matched.size(), linear.matched.size()) << a;
    for (std::size_t i = 0; i < indexed.matched.size(); ++i) {
      EXPECT_EQ(indexed.matched[i].statement, linear.matched[i].statement) << a;
    }
  }
}

TEST(Evaluate, AllocatesNothing) {
  Policy id = MustParse(R"({"Version":"2012-10-17","Statement":[
    {"Sid":"Home","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],
     "Resource":"arn:aws:s3:::bucket/home/${aws:username}/*",
     "Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"},"Bool":{"aws:SecureTransport":"true"},
                  "ForAllValues:StringLike":{"aws:TagKeys":["env*","team"]},
                  "DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}},
    {"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]})");
  Policy scp = MustParse(R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})",
                         PolicyType::kScp);
  Request r = MustRequest("arn:aws:iam::111122223333:user/alice", "s3:GetObject",
                          "arn:aws:s3:::bucket/home/alice/x");
  r.SetContext("aws:SourceIp", "203.0.113.9");
  r.SetContext("aws:SecureTransport", "true");
  r.SetContext("aws:CurrentTime", "2025-01-01T00:00:00Z");
  r.SetContextValues("aws:TagKeys", {"env", "team"});
  const Policy* ids[] = {&id};
  const Policy* scps[] = {&scp};
  PolicyLevel levels[] = {{"r-root", scps}, {"111122223333", scps}};
  PolicySet set;
  set.identity = ids;
  set.scp = levels;
  long before = g_allocations.load();
  EvaluationResult res = Evaluate(r, set);
  long after = g_allocations.load();
  EXPECT_EQ(res.decision, Decision::kAllow);
  EXPECT_EQ(after - before, 0);
  // The counter itself works: building a request does allocate.
  before = g_allocations.load();
  Request other = MustRequest("arn:aws:iam::111122223333:user/someone-with-a-long-name",
                              "s3:GetObject", "arn:aws:s3:::bucket/a/fairly/long/key/name");
  EXPECT_GT(g_allocations.load(), before);
}

TEST(Evaluate, ReportsMissingContextKeysAndMatchedSids) {
  Policy id = MustParse(R"({"Version":"2012-10-17","Statement":[
    {"Sid":"NeedsMfa","Effect":"Allow","Action":"s3:*","Resource":"*",
     "Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"},"StringEquals":{"s3:x-amz-acl":"private"}}},
    {"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]})");
  Request r = MustRequest("arn:aws:iam::111122223333:user/alice", "s3:GetObject", "arn:aws:s3:::b/k");
  const Policy* ids[] = {&id};
  PolicySet set;
  set.identity = ids;
  EvaluationResult res = Evaluate(r, set);
  EXPECT_EQ(res.decision, Decision::kAllow);
  ASSERT_EQ(res.matched.size(), 1u);
  EXPECT_EQ(res.matched[0].sid, "Read");
  ASSERT_EQ(res.missing_context_keys.size(), 2u);
  EXPECT_EQ(res.missing_context_keys[0], "aws:MultiFactorAuthPresent");
  EXPECT_EQ(res.missing_context_keys[1], "s3:x-amz-acl");
}

TEST(Evaluate, DenialMessagesReadLikeAws) {
  Request r = MustRequest("arn:aws:iam::111122223333:user/bob", "s3:GetObject", "arn:aws:s3:::b/k");
  EvaluationResult res = Evaluate(r, PolicySet{});
  EXPECT_EQ(DenialMessage(res, r),
            "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: s3:GetObject on "
            "resource: arn:aws:s3:::b/k because no identity-based policy allows the s3:GetObject "
            "action");
  Policy scp = MustParse(R"({"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}})", PolicyType::kScp);
  const Policy* scps[] = {&scp};
  PolicyLevel levels[] = {{"r-root", scps}};
  PolicySet set;
  set.scp = levels;
  EXPECT_NE(DenialMessage(Evaluate(r, set), r).find("with an explicit deny in a service control policy"),
            std::string::npos);
}

TEST(CaseRunner, OutputFormat) {
  auto out = EvaluateCaseJson(R"({"name":"n","request":{"principal":"arn:aws:iam::111122223333:user/a",
    "action":"s3:GetObject","resource":"*"},"policies":{"identity":[{"Version":"2012-10-17",
    "Statement":[{"Sid":"S","Effect":"Allow","Action":"s3:*","Resource":"*"}]}]}})");
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->errors, 0);
  EXPECT_EQ(out->text,
            "{\"name\":\"n\",\"decision\":\"Allow\",\"decidedBy\":\"identity\",\"matched\":[{\"type\":"
            "\"identity\",\"policy\":0,\"statement\":0,\"sid\":\"S\",\"effect\":\"Allow\"}]}\n");
}

// Issue 13: one refused policy or malformed case costs that case's line, not the batch: N cases
// in, N lines out, the bad ones with the AWS error and no decision.
TEST(CaseRunner, ABadCaseCostsOnlyItsOwnLine) {
  auto out = EvaluateCaseJson(R"([
    {"name":"x","request":{"principal":"arn:aws:iam::111122223333:user/a","action":"s3:GetObject",
     "resource":"*"},"policies":{"identity":[{"Statement":[{"Effect":"Allow","Action":"s3:*"}]}]}},
    {"name":"ok","request":{"principal":"arn:aws:iam::111122223333:user/a","action":"s3:GetObject",
     "resource":"*"}},
    {"request":{"action":"s3:GetObject"}},
    17])");
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->errors, 3);
  namespace json = boost::json;
  std::vector<json::value> lines;
  for (std::string_view line : Split(out->text, '\n')) {
    if (!line.empty()) lines.push_back(json::parse(line));
  }
  ASSERT_EQ(lines.size(), 4u) << out->text;
  EXPECT_EQ(lines[0].at("name"), "x");
  EXPECT_FALSE(lines[0].as_object().contains("decision"));
  std::string err(lines[0].at("error").as_string());
  EXPECT_TRUE(err.starts_with("MalformedPolicyDocument: Policy statement must contain resources."))
      << err;
  EXPECT_EQ(lines[1].at("decision"), "ImplicitDeny");
  EXPECT_TRUE(std::string(lines[2].at("error").as_string()).starts_with("ValidationError: "));
  EXPECT_NE(lines[2].at("error").as_string().find("\"principal\" is required"), std::string::npos);
  EXPECT_TRUE(std::string(lines[3].at("error").as_string()).starts_with("ValidationError: "));
  EXPECT_FALSE(EvaluateCaseJson("not json").ok());
}

// What a stored policy that no longer parses stands for: a Deny of everything, for every type.
TEST(UnreadablePolicy, DeniesEverythingForEveryType) {
  const std::string user = "arn:aws:iam::111122223333:user/alice";
  for (PolicyType type : {PolicyType::kManaged, PolicyType::kUserInline, PolicyType::kGroupInline,
                          PolicyType::kRoleInline, PolicyType::kTrust, PolicyType::kResource,
                          PolicyType::kKeyPolicy, PolicyType::kSession, PolicyType::kScp,
                          PolicyType::kRcp}) {
    Policy p = UnreadablePolicy(type, "broken");
    EXPECT_EQ(p.id(), "broken");
    Policy allow = MustParse(R"({"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"*","Resource":"*"}]})");
    const Policy* identity[] = {&allow};
    PolicySet set;
    set.identity = identity;
    const Policy* unreadable[] = {&p};
    switch (type) {
      case PolicyType::kTrust:
      case PolicyType::kResource:
      case PolicyType::kKeyPolicy: set.resource = &p; break;
      case PolicyType::kSession: set.session = unreadable; break;
      case PolicyType::kManaged: set.boundary = unreadable; break;
      default: set.identity = unreadable; break;
    }
    if (type == PolicyType::kScp || type == PolicyType::kRcp) continue;  // levels: not here
    Request r = MustRequest(user, "kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/k",
                            "111122223333");
    EXPECT_EQ(Evaluate(r, set).decision, Decision::kExplicitDeny) << static_cast<int>(type);
  }
}

}  // namespace
}  // namespace rampart::policy
