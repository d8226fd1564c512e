// table.join as a function task: each rank reads its share of two files, the ranks join them
// over the task's communicator, and the result is written per rank or gathered into one file.
#include "deeprc/agent/raptor/function_registry.h"
#include "deeprc/dist/distributed_join.h"
#include "deeprc/tasks/table_task_args.h"

namespace deeprc::tasks {

namespace {

// args: left, right (or inputs: [left, right]), on or left_on + right_on, how (inner, left,
// right, outer), algorithm (hash, sort), suffixes ([left, right], default ["_x", "_y"]).
Result<nlohmann::json> TableJoinTask(raptor::TaskContext& context) {
  DEEPRC_ASSIGN_OR_RETURN(auto args, ReadTableTaskArgs("table.join", context.args(),
                                                         {"left", "right", "inputs", "on", "left_on",
                                                          "right_on", "how", "algorithm", "suffixes"}));
  DEEPRC_ASSIGN_OR_RETURN(auto inputs, LeftAndRight(args));
  table::JoinOptions options;
  DEEPRC_ASSIGN_OR_RETURN(auto on, args.Strings("on"));
  DEEPRC_ASSIGN_OR_RETURN(options.left_keys, args.Strings("left_on"));
  DEEPRC_ASSIGN_OR_RETURN(options.right_keys, args.Strings("right_on"));
  if (!on.empty()) options.left_keys = options.right_keys = on;
  if (options.left_keys.empty()) return Status::Invalid("table.join: give 'on' or 'left_on' and 'right_on'");
  DEEPRC_ASSIGN_OR_RETURN(std::string how, args.String("how", "inner"));
  DEEPRC_ASSIGN_OR_RETURN(options.type, WithContext(table::ParseJoinType(how), args.Context("how")));
  DEEPRC_ASSIGN_OR_RETURN(std::string algorithm, args.String("algorithm", "hash"));
  DEEPRC_ASSIGN_OR_RETURN(options.algorithm,
                          WithContext(table::ParseJoinAlgorithm(algorithm), args.Context("algorithm")));
  if (args.Has("suffixes")) {
    DEEPRC_ASSIGN_OR_RETURN(auto suffixes, args.Strings("suffixes"));
    if (suffixes.size() != 2) return Status::Invalid(args.Context("suffixes"), "must be [left, right]");
    options.left_suffix = suffixes[0];
    options.right_suffix = suffixes[1];
  }
  options.left_name = inputs[0];
  options.right_name = inputs[1];
  return RunTableTask(context, args, inputs,
                      [&](net::Communicator& comm, const std::vector<table::Table>& t) {
                        return dist::DistributedJoin(comm, t[0], t[1], options);
                      });
}

}  // namespace

DEEPRC_TASK("table.join", TableJoinTask);

}  // namespace deeprc::tasks
