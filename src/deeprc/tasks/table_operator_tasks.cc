// table.<name> as a function task for every operator of dist's registry: the task's JSON arguments
// are the operator's inputs and options plus "output" and "gather", and dist::RunOnShares runs it on
// the task's ranks.
#include "deeprc/agent/raptor/function_registry.h"
#include "deeprc/dist/operator_registry.h"
#include "deeprc/dist/run_on_shares.h"
#include "deeprc/tasks/function_args.h"

namespace deeprc::tasks {
namespace {

std::string FunctionName(const dist::TableOperator& op) { return "table." + op.name; }

// The arguments a task of `op` takes, in the order its errors list them.
std::vector<std::string> ArgumentNames(const dist::TableOperator& op) {
  std::vector<std::string> names;
  for (const auto& input : op.inputs) names.push_back(input.key);
  if (op.arity == dist::Arity::kBinary) names.push_back("inputs");
  for (const auto& option : op.options) names.push_back(option.key);
  names.insert(names.end(), {"output", "gather"});
  return names;
}

// The input files: "input"; "left" and "right" or "inputs": [left, right]; or "inputs".
Result<std::vector<std::string>> InputFiles(const dist::TableOperator& op, const FunctionArgs& args) {
  switch (op.arity) {
    case dist::Arity::kUnary: {
      DEEPRC_ASSIGN_OR_RETURN(std::string input, args.String(op.inputs.at(0).key));
      return std::vector<std::string>{std::move(input)};
    }
    case dist::Arity::kVarargs:
      return args.Strings("inputs", /*required=*/true);
    case dist::Arity::kBinary:
      break;
  }
  if (args.Has("inputs")) {
    if (args.Has("left") || args.Has("right")) {
      return Status::Invalid(args.function(), ": give either 'inputs' or 'left' and 'right', not both");
    }
    DEEPRC_ASSIGN_OR_RETURN(auto inputs, args.Strings("inputs"));
    if (inputs.size() != 2) return args.Invalid("inputs", "must list two files, [left, right]");
    return inputs;
  }
  DEEPRC_ASSIGN_OR_RETURN(std::string left, args.String("left"));
  DEEPRC_ASSIGN_OR_RETURN(std::string right, args.String("right"));
  return std::vector<std::string>{std::move(left), std::move(right)};
}

// Returns {"rows": the rows over all ranks, "rank_rows": this rank's}.
Result<nlohmann::json> RunOperatorTask(const dist::TableOperator& op, raptor::TaskContext& context) {
  const std::string function = FunctionName(op);
  // Every argument is checked before any rank reads or talks, so all ranks fail alike.
  DEEPRC_ASSIGN_OR_RETURN(auto args, FunctionArgs::Read(function, context.args(), ArgumentNames(op)));
  DEEPRC_ASSIGN_OR_RETURN(auto inputs, InputFiles(op, args));
  DEEPRC_ASSIGN_OR_RETURN(std::string output, args.String("output", ""));
  DEEPRC_ASSIGN_OR_RETURN(bool gather, args.Bool("gather", true));
  nlohmann::json options = nlohmann::json::object();
  for (const auto& option : op.options) {
    if (args.Has(option.key)) options[option.key] = context.args().at(option.key);
  }
  const dist::OptionNaming naming{
      [&args](const std::string& key) { return args.Context(key); },
      [function](const std::string& key) { return function + ": argument '" + key + "' is required"; }};
  DEEPRC_ASSIGN_OR_RETURN(auto bound, op.Bind(options, naming, inputs));
  DEEPRC_ASSIGN_OR_RETURN(auto result, dist::RunOnShares(context.comm(), op, bound, inputs, output, gather));
  return nlohmann::json{{"rows", result.rows}, {"rank_rows", result.part.num_rows()}};
}

// One registration per operator, at load time as DEEPRC_TASK's: a new operator needs no line here.
bool RegisterOperatorTasks() {
  const auto& registry = dist::OperatorRegistry::Default();
  bool all = true;
  for (const auto& name : registry.Names()) {
    const dist::TableOperator* op = registry.Find(name);
    all &= raptor::internal::RegisterAtLoad(FunctionName(*op).c_str(), [op](raptor::TaskContext& context) {
      return RunOperatorTask(*op, context);
    });
  }
  return all;
}

[[maybe_unused]] const bool kRegistered = RegisterOperatorTasks();

}  // namespace
}  // namespace deeprc::tasks
