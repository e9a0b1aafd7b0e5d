#pragma once
// `rampart policy eval` and `rampart policy validate` (docs/POLICY.md).

#include <CLI/CLI.hpp>

#include <string>

namespace rampart::cli {

struct PolicyOptions {
  std::string case_path;    // eval --input
  bool check = false;       // eval --check
  std::string doc_path;     // validate FILE
  std::string type = "identity";
  bool json = false;
  std::string blocking = "ERROR,SECURITY_WARNING";
};

// Adds `policy` with its subcommands to `app`; returns it.
CLI::App* AddPolicyCommands(CLI::App& app, PolicyOptions& opts);

// Runs the `policy` subcommand that was given. Exit status: 0 ok, 1 a case/document refused or
// a blocking finding, 2 unreadable input.
int RunPolicyCommand(const CLI::App& policy, const PolicyOptions& opts);

}  // namespace rampart::cli
