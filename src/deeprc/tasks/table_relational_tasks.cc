// Row and column selection and aggregation as function tasks: table.select and table.project
// (each rank's share alone, no data moves) and table.groupby (dist/distributed_groupby).
#include "deeprc/agent/raptor/function_registry.h"
#include "deeprc/dist/distributed_groupby.h"
#include "deeprc/table/ops/expression_parser.h"
#include "deeprc/table/ops/project.h"
#include "deeprc/table/ops/select.h"
#include "deeprc/tasks/table_task_args.h"

namespace deeprc::tasks {

namespace {

// args: input, where (the predicate language of `deeprc table select --where`).
Result<nlohmann::json> TableSelectTask(raptor::TaskContext& context) {
  DEEPRC_ASSIGN_OR_RETURN(auto args, ReadTableTaskArgs("table.select", context.args(), {"input", "where"}));
  DEEPRC_ASSIGN_OR_RETURN(std::string where, args.String("where"));
  DEEPRC_ASSIGN_OR_RETURN(auto predicate, WithContext(table::ParseExpression(where), args.Context("where")));
  return RunOnInput(context, args,
                    [&](net::Communicator&, const table::Table& t) { return table::Select(t, predicate); });
}

// args: input, columns (kept in the order given).
Result<nlohmann::json> TableProjectTask(raptor::TaskContext& context) {
  DEEPRC_ASSIGN_OR_RETURN(auto args,
                          ReadTableTaskArgs("table.project", context.args(), {"input", "columns"}));
  DEEPRC_ASSIGN_OR_RETURN(auto columns, args.Strings("columns", /*required=*/true));
  return RunOnInput(context, args,
                    [&](net::Communicator&, const table::Table& t) { return table::Project(t, columns); });
}

// args: input, by (key columns), agg (["v:sum", "w:quantile=0.9", ...] as `deeprc table groupby
// --agg`; none: the distinct keys), ddof (of var and std, default 1).
Result<nlohmann::json> TableGroupByTask(raptor::TaskContext& context) {
  DEEPRC_ASSIGN_OR_RETURN(
      auto args, ReadTableTaskArgs("table.groupby", context.args(), {"input", "by", "agg", "ddof"}));
  DEEPRC_ASSIGN_OR_RETURN(auto by, args.Strings("by", /*required=*/true));
  DEEPRC_ASSIGN_OR_RETURN(auto specs, args.Strings("agg"));
  DEEPRC_ASSIGN_OR_RETURN(int64_t ddof, args.Int("ddof", 1));
  DEEPRC_ASSIGN_OR_RETURN(
      auto aggregations,
      WithContext(table::ParseAggregations(specs, static_cast<int>(ddof)), args.Context("agg")));
  return RunOnInput(context, args, [&](net::Communicator& comm, const table::Table& t) {
    return dist::DistributedGroupBy(comm, t, by, aggregations);
  });
}

}  // namespace

DEEPRC_TASK("table.select", TableSelectTask);
DEEPRC_TASK("table.project", TableProjectTask);
DEEPRC_TASK("table.groupby", TableGroupByTask);

}  // namespace deeprc::tasks
