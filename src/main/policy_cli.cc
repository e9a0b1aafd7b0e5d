#include "main/policy_cli.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include <boost/json.hpp>

#include "common/strings.h"
#include "policy/aws_validate.h"
#include "policy/case_runner.h"
#include "policy/lint.h"

namespace rampart::cli {
namespace {

std::optional<std::string> ReadInput(const std::string& path) {
  std::stringstream buf;
  if (path == "-") {
    buf << std::cin.rdbuf();
  } else {
    std::ifstream f(path);
    if (!f) {
      std::fprintf(stderr, "rampart: cannot read %s\n", path.c_str());
      return std::nullopt;
    }
    buf << f.rdbuf();
  }
  return buf.str();
}

policy::PolicyType TypeOf(const std::string& name) {
  using T = policy::PolicyType;
  if (name == "inline") return T::kRoleInline;
  if (name == "resource") return T::kResource;
  if (name == "trust") return T::kTrust;
  if (name == "key") return T::kKeyPolicy;
  if (name == "session") return T::kSession;
  if (name == "scp") return T::kScp;
  if (name == "rcp") return T::kRcp;
  return T::kManaged;  // identity (a customer managed policy), boundary
}

int Eval(const PolicyOptions& opts) {
  auto text = ReadInput(opts.case_path);
  if (!text) return 2;
  if (opts.check) {
    auto outcomes = policy::EvaluateCases(*text);
    if (!outcomes.ok()) {
      std::fprintf(stderr, "%s: %s\n", outcomes.error().code.c_str(),
                   outcomes.error().message.c_str());
      return 2;
    }
    int passed = 0, failed = 0;
    for (const auto& o : *outcomes) {
      if (o.passed) {
        ++passed;
      } else {
        ++failed;
        std::printf("FAIL %s: %s\n", o.name.c_str(), o.mismatch.c_str());
      }
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
  }
  auto out = policy::EvaluateCaseJson(*text);
  if (!out.ok()) {
    std::fprintf(stderr, "%s: %s\n", out.error().code.c_str(), out.error().message.c_str());
    return 2;
  }
  std::fputs(out->text.c_str(), stdout);
  return out->errors == 0 ? 0 : 1;
}

// Without --json: AWS's error line on stdout (what IAM answers), Rampart's explanation on
// stderr; nothing for a document IAM accepts. With --json: ValidatePolicy's findings; exit 1
// when one is of a blocking type.
int Validate(const PolicyOptions& opts) {
  auto text = ReadInput(opts.doc_path);
  if (!text) return 2;
  policy::PolicyType type = TypeOf(opts.type);
  if (!opts.json) {
    auto issue = policy::ValidateAsAws(*text, type);
    if (!issue) return 0;
    std::printf("%s: %s\n", issue->error.code.c_str(), issue->error.message.c_str());
    std::string where = policy::PathText(issue->path);
    std::fprintf(stderr, "  %s%s\n", where.empty() ? "" : (where + ": ").c_str(),
                 issue->detail.c_str());
    return 1;
  }
  policy::LintReport report = policy::LintPolicy(*text, type);
  std::printf("%s\n", boost::json::serialize(boost::json::object{{"findings", report.findings}}).c_str());
  std::vector<std::string_view> blocking = Split(opts.blocking, ',');
  for (const auto& f : report.findings) {
    for (std::string_view b : blocking) {
      if (IEquals(Trim(b), policy::FindingType(f))) return 1;
    }
  }
  return 0;
}

}  // namespace

CLI::App* AddPolicyCommands(CLI::App& app, PolicyOptions& opts) {
  auto* policy = app.add_subcommand("policy", "Policy engine tools");
  auto* eval = policy->add_subcommand("eval", "Evaluate policy cases (docs/POLICY.md)");
  eval->add_option("--input", opts.case_path, "Case file (JSON), - for stdin")->required();
  eval->add_flag("--check", opts.check,
                 "Compare each case with its \"expected\" block; print N passed, N failed");
  auto* validate = policy->add_subcommand(
      "validate", "Check a policy document as IAM does when it is written (docs/POLICY.md)");
  validate->add_option("file", opts.doc_path, "Policy document (JSON), - for stdin")->required();
  validate
      ->add_option("--type", opts.type,
                   "identity (a managed policy, the default), inline, boundary, resource, trust, "
                   "key, session, scp, rcp")
      ->check(CLI::IsMember({"identity", "inline", "boundary", "resource", "trust", "key",
                             "session", "scp", "rcp"}));
  validate->add_flag("--json", opts.json,
                     "Print findings as IAM Access Analyzer's ValidatePolicy does");
  validate->add_option("--blocking", opts.blocking,
                       "With --json: finding types that fail the check (default "
                       "ERROR,SECURITY_WARNING; NONE for none)");
  policy->require_subcommand(1);
  return policy;
}

int RunPolicyCommand(const CLI::App& policy, const PolicyOptions& opts) {
  if (policy.got_subcommand("validate")) return Validate(opts);
  return Eval(opts);
}

}  // namespace rampart::cli
