// Where rows live: shuffle (hash-partitioned on key columns, so equal keys share a rank) and
// repartition (even row counts, global order kept). On one table (one rank) they change nothing.
#include "deeprc/dist/ops/parts.h"
#include "deeprc/dist/repartition.h"
#include "deeprc/dist/shuffle.h"

namespace deeprc::dist::ops {
namespace {

// On one table, placement changes nothing.
Result<table::Table> Unchanged(const table::Table& table, const std::vector<std::string>&) { return table; }

TableOperator ShuffleOperator() {
  TableOperator op = OnOneTable(
      "shuffle",
      {"Hash-partition rows on key columns across the ranks, so equal keys share a rank",
       "On one rank the table is unchanged. Written per rank, the parts are the inputs of later steps.\n"},
      {{.key = "on", .type = OptionType::kStrings, .help = "Key columns, comma-separated", .required = true}},
      "on");
  op.bind = [](const OperatorOptions& options, const std::vector<std::string>&) -> Result<BoundOperator> {
    return WithParameter(options.Strings("on"), &Unchanged, &Shuffle);
  };
  return op;
}

TableOperator RepartitionOperator() {
  TableOperator op =
      OnOneTable("repartition", {"Even out the row counts of the ranks, keeping the global order",
                                 "On one rank the table is unchanged.\n"});
  op.bind = [](const OperatorOptions&, const std::vector<std::string>&) -> Result<BoundOperator> {
    return BoundOperator{
        [](const std::vector<table::Table>& t) { return t[0]; },
        [](net::Communicator& comm, const std::vector<table::Table>& t) { return Repartition(comm, t[0]); }};
  };
  return op;
}

}  // namespace

Status AddPlacementOperators(OperatorRegistry& registry) {
  DEEPRC_RETURN_NOT_OK(registry.Add(ShuffleOperator()));
  return registry.Add(RepartitionOperator());
}

}  // namespace deeprc::dist::ops
