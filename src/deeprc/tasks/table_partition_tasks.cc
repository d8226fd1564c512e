// Where rows live, as function tasks: table.shuffle (hash-partitioned on key columns across the
// task's ranks, so equal keys share a rank) and table.repartition (even row counts, global
// order kept). Written per rank ("gather": false), their parts are the inputs of later tasks.
#include "deeprc/agent/raptor/function_registry.h"
#include "deeprc/dist/repartition.h"
#include "deeprc/dist/shuffle.h"
#include "deeprc/tasks/table_task_args.h"

namespace deeprc::tasks {

namespace {

// args: input, on (key columns).
Result<nlohmann::json> TableShuffleTask(raptor::TaskContext& context) {
  DEEPRC_ASSIGN_OR_RETURN(auto args, ReadTableTaskArgs("table.shuffle", context.args(), {"input", "on"}));
  DEEPRC_ASSIGN_OR_RETURN(auto on, args.Strings("on", /*required=*/true));
  return RunOnInput(context, args, [&](net::Communicator& comm, const table::Table& t) {
    return dist::Shuffle(comm, t, on);
  });
}

// args: input.
Result<nlohmann::json> TableRepartitionTask(raptor::TaskContext& context) {
  DEEPRC_ASSIGN_OR_RETURN(auto args, ReadTableTaskArgs("table.repartition", context.args(), {"input"}));
  return RunOnInput(context, args, [](net::Communicator& comm, const table::Table& t) {
    return dist::Repartition(comm, t);
  });
}

}  // namespace

DEEPRC_TASK("table.shuffle", TableShuffleTask);
DEEPRC_TASK("table.repartition", TableRepartitionTask);

}  // namespace deeprc::tasks
