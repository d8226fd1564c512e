// Row order as function tasks: table.sort (dist/distributed_sort: sample sort) and table.head
// (the first rows of the global order: rank 0's share, then rank 1's, ...).
#include "deeprc/agent/raptor/function_registry.h"
#include "deeprc/dist/distributed_sort.h"
#include "deeprc/dist/repartition.h"
#include "deeprc/tasks/table_task_args.h"

namespace deeprc::tasks {

namespace {

// args: input, by (sort keys in priority order; "-col" descending).
Result<nlohmann::json> TableSortTask(raptor::TaskContext& context) {
  DEEPRC_ASSIGN_OR_RETURN(auto args, ReadTableTaskArgs("table.sort", context.args(), {"input", "by"}));
  DEEPRC_ASSIGN_OR_RETURN(auto by, args.Strings("by", /*required=*/true));
  DEEPRC_ASSIGN_OR_RETURN(auto keys, WithContext(table::ParseSortKeys(by), args.Context("by")));
  return RunOnInput(context, args, [&](net::Communicator& comm, const table::Table& t) {
    return dist::DistributedSort(comm, t, keys);
  });
}

// args: input, n (rows, default 10; all of them when the table has fewer).
Result<nlohmann::json> TableHeadTask(raptor::TaskContext& context) {
  DEEPRC_ASSIGN_OR_RETURN(auto args, ReadTableTaskArgs("table.head", context.args(), {"input", "n"}));
  DEEPRC_ASSIGN_OR_RETURN(int64_t n, args.Int("n", 10));
  if (n < 0) return Status::Invalid(args.Context("n"), "must not be negative");
  return RunOnInput(context, args, [&](net::Communicator& comm, const table::Table& t) {
    return dist::DistributedHead(comm, t, n);
  });
}

}  // namespace

DEEPRC_TASK("table.sort", TableSortTask);
DEEPRC_TASK("table.head", TableHeadTask);

}  // namespace deeprc::tasks
