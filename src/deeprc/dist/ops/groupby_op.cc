// groupby: aggregations per group of key values; across ranks, partial aggregates (or, for
// holistic aggregations, the rows) are shuffled on the keys and combined exactly.
#include <limits>

#include "deeprc/dist/distributed_groupby.h"
#include "deeprc/dist/ops/parts.h"
#include "deeprc/table/groupby/groupby.h"

namespace deeprc::dist::ops {
namespace {

TableOperator GroupByOperator() {
  TableOperator op = OnOneTable(
      "groupby",
      {"Aggregate columns per group of key values",
       "Aggregations: sum, count (non-null values), mean, min, max, var, std, nunique (distinct non-null),\n"
       "median, quantile=Q (Q in [0, 1]); median and quantiles are exact, interpolated linearly like "
       "pandas.\n"
       "Output: the key columns, then one column per aggregation named <column>_<aggregation>\n"
       "(v_sum, v_median; v_q0.9 for quantile=0.9), one row per group sorted by the keys, nulls last.\n"
       "Null keys form their own group; aggregations skip nulls, and the sum of only nulls is null.\n"
       "Without --agg the output is the distinct keys.\n"});
  op.options = {
      {.key = "by",
       .type = OptionType::kStrings,
       .help = "Comma-separated key columns, e.g. k or k,k2",
       .required = true,
       .flag = "-b,--by"},
      {.key = "agg",
       .type = OptionType::kStrings,
       .help = "Comma-separated column:aggregation, e.g. v:sum,v:mean,w:quantile=0.9 (repeatable)",
       .flag = "-a,--agg"},
      {.key = "ddof",
       .type = OptionType::kInt,
       .help = "Delta degrees of freedom of var and std (1 like pandas; 0 for population)",
       .default_value = 1,
       .min = 0},
  };
  op.bind = [](const OperatorOptions& options, const std::vector<std::string>&) -> Result<BoundOperator> {
    const auto by = options.Strings("by");
    if (options.Int("ddof") > std::numeric_limits<int>::max()) return options.Invalid("ddof", "is too large");
    DEEPRC_ASSIGN_OR_RETURN(
        auto aggregations,
        WithContext(table::ParseAggregations(options.Strings("agg"), static_cast<int>(options.Int("ddof"))),
                    options.Context("agg")));
    return BoundOperator{[by, aggregations](const std::vector<table::Table>& t) {
                           return table::GroupBy(t[0], by, aggregations);
                         },
                         [by, aggregations](net::Communicator& comm, const std::vector<table::Table>& t) {
                           return DistributedGroupBy(comm, t[0], by, aggregations);
                         }};
  };
  return op;
}

}  // namespace

Status AddGroupByOperator(OperatorRegistry& registry) { return registry.Add(GroupByOperator()); }

}  // namespace deeprc::dist::ops
