// Every operator of dist's registry appears in all three front ends: a `deeprc table` subcommand, a
// table.<name> function task, and a table-stage operation the spec parser accepts. A new operator
// is added in one place (dist/ops) and this walk checks that nothing else needs an edit.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "deeprc/agent/raptor/function_registry.h"
#include "deeprc/dist/operator_registry.h"
#include "deeprc/pipeline/spec.h"

namespace deeprc {
namespace {

// The output of `command` (stdout and stderr) and its exit status.
std::pair<std::string, int> RunCommand(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return {"popen failed", -1};
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  return {output, pclose(pipe)};
}

// The smallest pipeline operation of `op`: its required options, and `with` for more than one table.
std::string Operation(const dist::TableOperator& op) {
  for (const auto& option : op.options) {
    // A map of pairs (derive's columns) is the operation's whole value.
    if (option.key == op.shorthand && option.type == dist::OptionType::kPairs)
      return "{" + op.name + ": {x: a + 1}}";
  }
  std::string value;
  for (const auto& option : op.options) {
    if (!option.required) continue;
    std::string example = option.type == dist::OptionType::kInt ? "1"
                          : option.key == "where"               ? "\"a > 1\""
                                                                : "a";
    value += (value.empty() ? "" : ", ") + option.key + ": " + example;
  }
  if (op.arity != dist::Arity::kUnary) value += std::string(value.empty() ? "" : ", ") + "with: ett";
  if (op.name == "join") value += ", on: a";
  return "{" + op.name + ": {" + value + "}}";
}

TEST(OperatorFrontEnds, EveryRegisteredOperatorIsInEveryFrontEnd) {
  const auto& registry = dist::OperatorRegistry::Default();
  const auto names = registry.Names();
  ASSERT_GE(names.size(), 15u);
  const auto functions = raptor::FunctionRegistry::Global().Names();
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    const dist::TableOperator& op = *registry.Find(name);
    // The CLI: a subcommand whose help has the operator's summary.
    auto [help, status] = RunCommand(std::string(DEEPRC_BIN) + " table " + name + " --help");
    EXPECT_EQ(status, 0) << help;
    EXPECT_NE(help.find(op.doc.summary), std::string::npos) << help;
    // Function tasks.
    EXPECT_NE(std::find(functions.begin(), functions.end(), "table." + name), functions.end());
    // Pipeline table stages.
    const std::string spec =
        "pilot: {cores: 2}\ndata:\n  ett: " + std::string(DEEPRC_SOURCE_DIR) +
        "/tests/pipeline/spec_test.cc\nstages:\n  t:\n    kind: table\n    ops: [{read: ett}, " +
        Operation(op) + "]\n";
    auto parsed = pipeline::ParseSpec(spec, "spec.yaml", std::filesystem::temp_directory_path().string());
    EXPECT_TRUE(parsed.ok()) << spec << parsed.status().message();
  }
  // A typo is answered with the nearest name.
  auto typo = registry.Lookup("sortt");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("did you mean 'sort'?"), std::string::npos);
}

}  // namespace
}  // namespace deeprc
