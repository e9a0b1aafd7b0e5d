// Runs every golden vector file in tests/data/policy/ (one case or an array of cases per file)
// and checks each case's "expected" outcome. Add a vector by adding a JSON file; no C++ needed.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "policy/case_runner.h"

namespace rampart::policy {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> VectorFiles() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(RAMPART_SOURCE_DIR) / "tests/data/policy")) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class GoldenVectors : public ::testing::TestWithParam<fs::path> {};

TEST_P(GoldenVectors, AllCasesPass) {
  std::ifstream in(GetParam());
  std::stringstream ss;
  ss << in.rdbuf();
  auto outcomes = EvaluateCases(ss.str());
  ASSERT_TRUE(outcomes.ok()) << outcomes.error().code << ": " << outcomes.error().message;
  for (const CaseOutcome& o : *outcomes) {
    EXPECT_TRUE(o.has_expected) << o.name << ": a golden vector must carry \"expected\"";
    EXPECT_TRUE(o.passed) << o.name << ": " << o.mismatch << "\n  output: " << o.output;
  }
}

INSTANTIATE_TEST_SUITE_P(Data, GoldenVectors, ::testing::ValuesIn(VectorFiles()),
                         [](const ::testing::TestParamInfo<fs::path>& info) {
                           std::string n = info.param.stem().string();
                           for (char& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

TEST(GoldenVectorCount, AtLeastTwoHundredCases) {
  std::size_t cases = 0;
  for (const fs::path& p : VectorFiles()) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    auto outcomes = EvaluateCases(ss.str());
    if (outcomes.ok()) cases += outcomes->size();
  }
  EXPECT_GE(cases, 200u);
}

}  // namespace
}  // namespace rampart::policy
