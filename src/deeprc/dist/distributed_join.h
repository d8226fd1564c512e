// DistributedJoin: the four join kinds over tables partitioned across ranks. Both sides are
// shuffled on their keys, then each rank joins its share locally (hash or sort-merge).
#pragma once

#include "deeprc/net/communicator.h"
#include "deeprc/table/join/join.h"

namespace deeprc::dist {

// This rank's part of the join of the global left and right tables; the union over ranks equals
// the local Join of the concatenated inputs (row order is not defined).
Result<table::Table> DistributedJoin(net::Communicator& comm, const table::Table& left,
                                     const table::Table& right, const table::JoinOptions& options);

}  // namespace deeprc::dist
