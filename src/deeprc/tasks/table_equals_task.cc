// table.equals as a function task: whether two files hold the same rows, compared share by
// share over the task's ranks (dist/distributed_equals); every rank returns the verdict. Not an
// operator of dist's registry: it returns a verdict, not a table.
#include "deeprc/agent/raptor/function_registry.h"
#include "deeprc/dist/distributed_equals.h"
#include "deeprc/dist/partitioned_io.h"
#include "deeprc/tasks/function_args.h"

namespace deeprc::tasks {

namespace {

// args: left, right (or inputs: [left, right]), unordered (compare row multisets; default false).
// Returns {"equal": bool}.
Result<nlohmann::json> TableEqualsTask(raptor::TaskContext& context) {
  DEEPRC_ASSIGN_OR_RETURN(auto args, FunctionArgs::Read("table.equals", context.args(),
                                                        {"left", "right", "inputs", "unordered"}));
  std::vector<std::string> inputs;
  if (args.Has("inputs")) {
    DEEPRC_ASSIGN_OR_RETURN(inputs, args.Strings("inputs"));
    if (inputs.size() != 2 || args.Has("left") || args.Has("right")) {
      return args.Invalid("inputs", "must list two files, [left, right], without 'left' and 'right'");
    }
  } else {
    DEEPRC_ASSIGN_OR_RETURN(std::string left, args.String("left"));
    DEEPRC_ASSIGN_OR_RETURN(std::string right, args.String("right"));
    inputs = {left, right};
  }
  DEEPRC_ASSIGN_OR_RETURN(bool unordered, args.Bool("unordered", false));
  DEEPRC_ASSIGN_OR_RETURN(auto shares, dist::ReadShares(context.comm(), inputs));
  DEEPRC_ASSIGN_OR_RETURN(bool equal,
                          dist::DistributedEquals(context.comm(), shares[0], shares[1], !unordered));
  return nlohmann::json{{"equal", equal}};
}

}  // namespace

DEEPRC_TASK("table.equals", TableEqualsTask);

}  // namespace deeprc::tasks
