// The row-set operators: unique on one table; union, intersect and subtract of two. Across ranks
// rows are shuffled on their values so that equal rows meet on one rank.
#include "deeprc/table/ops/set_ops.h"
#include "deeprc/dist/distributed_set_ops.h"
#include "deeprc/dist/ops/parts.h"
#include "deeprc/table/ops/unique.h"

namespace deeprc::dist::ops {
namespace {

constexpr char kSetDescription[] =
    "Rows compare whole and nulls equal nulls; the output has distinct rows in order of first occurrence.\n"
    "Column types may differ where one type holds both (int32/int64, int/float, string/large_string).\n";

TableOperator UniqueOperator() {
  TableOperator op =
      OnOneTable("unique",
                 {"Keep the first row of each distinct value of some columns, in order",
                  "Nulls equal nulls. Like pandas drop_duplicates(subset, keep='first').\n"},
                 {{.key = "on",
                   .type = OptionType::kStrings,
                   .help = "Comma-separated columns that make rows equal (default: all columns)"}},
                 "on");
  op.bind = [](const OperatorOptions& options, const std::vector<std::string>&) -> Result<BoundOperator> {
    return WithParameter(options.Strings("on"), &table::Unique, &DistributedUnique);
  };
  return op;
}

using Local = Result<table::Table> (*)(const table::Table&, const table::Table&);
using Distributed = Result<table::Table> (*)(net::Communicator&, const table::Table&, const table::Table&);

TableOperator SetOperator(std::string name, std::string summary, Local local, Distributed distributed) {
  TableOperator op;
  op.name = std::move(name);
  op.doc = {std::move(summary), kSetDescription};
  op.arity = Arity::kBinary;
  op.inputs = FirstAndSecond();
  op.bind = [local, distributed](const OperatorOptions&,
                                 const std::vector<std::string>&) -> Result<BoundOperator> {
    return BoundOperator{[local](const std::vector<table::Table>& t) { return local(t[0], t[1]); },
                         [distributed](net::Communicator& comm, const std::vector<table::Table>& t) {
                           return distributed(comm, t[0], t[1]);
                         }};
  };
  return op;
}

}  // namespace

Status AddSetOperators(OperatorRegistry& registry) {
  DEEPRC_RETURN_NOT_OK(registry.Add(UniqueOperator()));
  DEEPRC_RETURN_NOT_OK(registry.Add(
      SetOperator("union", "The distinct rows of two tables together", &table::Union, &DistributedUnion)));
  DEEPRC_RETURN_NOT_OK(
      registry.Add(SetOperator("intersect", "The distinct rows of the first table that the second has",
                               &table::Intersect, &DistributedIntersect)));
  return registry.Add(SetOperator("subtract", "The distinct rows of the first table that the second lacks",
                                  &table::Subtract, &DistributedSubtract));
}

}  // namespace deeprc::dist::ops
