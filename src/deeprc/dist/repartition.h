// Row-position operators over a table partitioned across ranks, in global order (rank 0's rows,
// then rank 1's, ...): Repartition to even row counts, and the global Slice / Head.
#pragma once

#include "deeprc/net/communicator.h"
#include "deeprc/table/table.h"

namespace deeprc::dist {

// Moves rows so that rank r holds global rows [r*N/p, (r+1)*N/p), keeping the global order.
Result<table::Table> Repartition(net::Communicator& comm, const table::Table& table);

// This rank's part of global rows [offset, offset + length); no row moves.
Result<table::Table> DistributedSlice(net::Communicator& comm, const table::Table& table, int64_t offset,
                                      int64_t length);
Result<table::Table> DistributedHead(net::Communicator& comm, const table::Table& table, int64_t n);

// Rows on each rank, in rank order (the prefix sums give each rank's global offset).
Result<std::vector<int64_t>> RowCounts(net::Communicator& comm, const table::Table& table);

}  // namespace deeprc::dist
