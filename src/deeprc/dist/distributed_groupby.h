// DistributedGroupBy: group-by over a table partitioned across ranks. Decomposable aggregations
// (sum, count, min, max, mean, var, std) are pre-aggregated on each rank, shuffled by key and
// combined exactly; nunique, median and quantile shuffle the rows themselves.
#pragma once

#include <string>
#include <vector>

#include "deeprc/net/communicator.h"
#include "deeprc/table/groupby/groupby.h"

namespace deeprc::dist {

// This rank's groups (each group lives on exactly one rank), with the columns, names and types
// of the local GroupBy; over all ranks the result equals GroupBy of the concatenated input.
Result<table::Table> DistributedGroupBy(net::Communicator& comm, const table::Table& table,
                                        const std::vector<std::string>& keys,
                                        const std::vector<table::Aggregation>& aggregations);

}  // namespace deeprc::dist
