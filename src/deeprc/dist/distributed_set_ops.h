// Distributed row-set operators: Unique, Union, Intersect and Subtract over tables partitioned
// across ranks. Equal rows (or keys) are brought together by a shuffle, then the local operator runs.
#pragma once

#include <string>
#include <vector>

#include "deeprc/net/communicator.h"
#include "deeprc/table/table.h"

namespace deeprc::dist {

// One row per distinct value of `columns` (all columns when empty) over all ranks.
Result<table::Table> DistributedUnique(net::Communicator& comm, const table::Table& table,
                                       const std::vector<std::string>& columns = {});
Result<table::Table> DistributedUnion(net::Communicator& comm, const table::Table& a, const table::Table& b);
Result<table::Table> DistributedIntersect(net::Communicator& comm, const table::Table& a,
                                          const table::Table& b);
Result<table::Table> DistributedSubtract(net::Communicator& comm, const table::Table& a,
                                         const table::Table& b);

}  // namespace deeprc::dist
