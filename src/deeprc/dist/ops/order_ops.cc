// Row order: sort (sample sort across ranks), head (a prefix of the global order: rank 0's share,
// then rank 1's, ...), and tail and concat, which have no distributed form yet.
#include "deeprc/dist/distributed_sort.h"
#include "deeprc/dist/ops/parts.h"
#include "deeprc/dist/repartition.h"
#include "deeprc/table/ops/concat.h"
#include "deeprc/table/ops/slice.h"
#include "deeprc/table/sort/sort.h"

namespace deeprc::dist::ops {
namespace {

TableOperator SortOperator() {
  TableOperator op = OnOneTable(
      "sort",
      {"Sort rows by one or more columns (stable, nulls last)",
       "A leading '-' sorts a column descending: --by k1,-k2 (or --by=-k2 if the name looks like an "
       "option).\n"
       "Nulls come last in both directions; floating-point NaN sorts after every number, before null.\n"},
      {{.key = "by",
        .type = OptionType::kStrings,
        .help = "Sort keys, comma-separated, in priority order; -name for descending",
        .required = true}},
      "by");
  op.bind = [](const OperatorOptions& options, const std::vector<std::string>&) -> Result<BoundOperator> {
    DEEPRC_ASSIGN_OR_RETURN(auto keys,
                            WithContext(table::ParseSortKeys(options.Strings("by")), options.Context("by")));
    return WithParameter(keys, &table::Sort, &DistributedSort);
  };
  return op;
}

OptionDoc Rows() {
  return {.key = "n",
          .type = OptionType::kInt,
          .help = "Number of rows (all of them if the table has fewer)",
          .default_value = 10,
          .min = 0,
          .flag = "-n,--rows"};
}

TableOperator HeadOperator() {
  TableOperator op = OnOneTable("head", {"The first N rows of a table", ""}, {Rows()}, "n");
  op.bind = [](const OperatorOptions& options, const std::vector<std::string>&) -> Result<BoundOperator> {
    return WithParameter(options.Int("n"), &table::Head, &DistributedHead);
  };
  return op;
}

TableOperator TailOperator() {
  TableOperator op = OnOneTable("tail", {"The last N rows of a table", ""}, {Rows()}, "n");
  op.distributed = false;  // the last rows of a distributed table have no distributed form yet
  op.bind = [](const OperatorOptions& options, const std::vector<std::string>&) -> Result<BoundOperator> {
    const int64_t n = options.Int("n");
    return BoundOperator{[n](const std::vector<table::Table>& t) { return table::Tail(t[0], n); }, nullptr};
  };
  return op;
}

TableOperator ConcatOperator() {
  TableOperator op;
  op.name = "concat";
  op.doc = {"Stack tables with the same columns, one after another",
            "The inputs must have the same column names and types, in the same order.\n"};
  op.arity = Arity::kVarargs;
  op.inputs = {{"inputs", "inputs", "Input files, in output order"}};
  op.distributed = false;
  op.names_its_inputs = true;
  op.bind = [](const OperatorOptions&, const std::vector<std::string>& names) -> Result<BoundOperator> {
    return BoundOperator{[names](const std::vector<table::Table>& t) { return table::Concat(t, names); },
                         nullptr};
  };
  return op;
}

}  // namespace

Status AddOrderOperators(OperatorRegistry& registry) {
  for (auto make : {&SortOperator, &HeadOperator, &TailOperator, &ConcatOperator}) {
    DEEPRC_RETURN_NOT_OK(registry.Add(make()));
  }
  return Status::OK();
}

}  // namespace deeprc::dist::ops
