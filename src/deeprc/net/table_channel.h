// Tables across a Communicator: the all-to-all table channel that every distributed operator's
// shuffle uses, and gather / all-gather / broadcast of tables. Column buffers travel as they are.
#pragma once

#include <vector>

#include "deeprc/net/communicator.h"
#include "deeprc/table/table.h"

namespace deeprc::net {

// Sends partitions[r] to rank r (one per rank, all with `schema`) and returns what every rank
// sent here, in rank order, as one table with a chunk per sender. The partition for this rank
// never leaves the process. Only flat types (no nested or dictionary columns) travel. `schema`
// must be the same on every rank (names, order and types): otherwise every rank returns an error
// naming the ranks that differ from rank 0, before any buffer moves. Every function below is
// built on this one and checks the same.
Result<table::Table> AllToAllTables(Communicator& comm, const std::vector<table::Table>& partitions,
                                    const std::shared_ptr<arrow::Schema>& schema);

// Every rank's table (same schema) concatenated in rank order, on the root only (an empty table
// with the schema elsewhere).
Result<table::Table> GatherTables(Communicator& comm, const table::Table& mine, int root);
// Every rank's table concatenated in rank order, on every rank.
Result<table::Table> AllGatherTables(Communicator& comm, const table::Table& mine);
// The root's table on every rank; `schema` must be known everywhere.
Result<table::Table> BroadcastTable(Communicator& comm, const table::Table& table, int root);

}  // namespace deeprc::net
