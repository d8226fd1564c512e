// Where rows live: shuffle (hash-partitioned on key columns, so equal keys share a rank) and
// repartition (even row counts, global order kept). On one table (one rank) they change nothing.
#include "deeprc/dist/ops/inputs.h"
#include "deeprc/dist/repartition.h"
#include "deeprc/dist/shuffle.h"

namespace deeprc::dist::ops {
namespace {

Result<table::Table> Unchanged(const std::vector<table::Table>& t) { return t[0]; }

TableOperator ShuffleOperator() {
  TableOperator op;
  op.name = "shuffle";
  op.doc = {
      "Hash-partition rows on key columns across the ranks, so equal keys share a rank",
      "On one rank the table is unchanged. Written per rank, the parts are the inputs of later steps.\n"};
  op.inputs = OneInput();
  op.options = {
      {.key = "on", .type = OptionType::kStrings, .help = "Key columns, comma-separated", .required = true}};
  op.shorthand = "on";
  op.bind = [](const OperatorOptions& options, const std::vector<std::string>&) -> Result<BoundOperator> {
    const auto on = options.Strings("on");
    return BoundOperator{&Unchanged, [on](net::Communicator& comm, const std::vector<table::Table>& t) {
                           return Shuffle(comm, t[0], on);
                         }};
  };
  return op;
}

TableOperator RepartitionOperator() {
  TableOperator op;
  op.name = "repartition";
  op.doc = {"Even out the row counts of the ranks, keeping the global order",
            "On one rank the table is unchanged.\n"};
  op.inputs = OneInput();
  op.bind = [](const OperatorOptions&, const std::vector<std::string>&) -> Result<BoundOperator> {
    return BoundOperator{&Unchanged, [](net::Communicator& comm, const std::vector<table::Table>& t) {
                           return Repartition(comm, t[0]);
                         }};
  };
  return op;
}

}  // namespace

Status AddPlacementOperators(OperatorRegistry& registry) {
  DEEPRC_RETURN_NOT_OK(registry.Add(ShuffleOperator()));
  return registry.Add(RepartitionOperator());
}

}  // namespace deeprc::dist::ops
