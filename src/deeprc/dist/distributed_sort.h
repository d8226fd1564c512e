// DistributedSort: sample sort with regular sampling. Afterwards every rank's rows are sorted
// and every row on rank r sorts before (or ties with) every row on rank r + 1.
#pragma once

#include <vector>

#include "deeprc/net/communicator.h"
#include "deeprc/table/sort/sort.h"

namespace deeprc::dist {

Result<table::Table> DistributedSort(net::Communicator& comm, const table::Table& table,
                                     const std::vector<table::SortKey>& keys);

}  // namespace deeprc::dist
