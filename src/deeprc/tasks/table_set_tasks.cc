// The row-set operators as function tasks: table.unique, table.union, table.intersect and
// table.subtract over each rank's share of their input files (dist/distributed_set_ops).
#include "deeprc/agent/raptor/function_registry.h"
#include "deeprc/dist/distributed_set_ops.h"
#include "deeprc/tasks/table_task_args.h"

namespace deeprc::tasks {

namespace {

// args: input, on (columns that make rows equal; default all).
Result<nlohmann::json> TableUniqueTask(raptor::TaskContext& context) {
  DEEPRC_ASSIGN_OR_RETURN(auto args, ReadTableTaskArgs("table.unique", context.args(), {"input", "on"}));
  DEEPRC_ASSIGN_OR_RETURN(auto on, args.Strings("on"));
  return RunOnInput(context, args, [&](net::Communicator& comm, const table::Table& t) {
    return dist::DistributedUnique(comm, t, on);
  });
}

using SetOperator = Result<table::Table> (*)(net::Communicator&, const table::Table&, const table::Table&);

// args: left, right (or inputs: [left, right]).
template <const char* kName, SetOperator kOperator>
Result<nlohmann::json> TableSetTask(raptor::TaskContext& context) {
  DEEPRC_ASSIGN_OR_RETURN(auto args, ReadTableTaskArgs(kName, context.args(), {"left", "right", "inputs"}));
  DEEPRC_ASSIGN_OR_RETURN(auto inputs, LeftAndRight(args));
  return RunTableTask(context, args, inputs, [](net::Communicator& comm, const std::vector<table::Table>& t) {
    return kOperator(comm, t[0], t[1]);
  });
}

constexpr char kUnion[] = "table.union";
constexpr char kIntersect[] = "table.intersect";
constexpr char kSubtract[] = "table.subtract";

}  // namespace

DEEPRC_TASK("table.unique", TableUniqueTask);
DEEPRC_TASK(kUnion, (TableSetTask<kUnion, &dist::DistributedUnion>));
DEEPRC_TASK(kIntersect, (TableSetTask<kIntersect, &dist::DistributedIntersect>));
DEEPRC_TASK(kSubtract, (TableSetTask<kSubtract, &dist::DistributedSubtract>));

}  // namespace deeprc::tasks
