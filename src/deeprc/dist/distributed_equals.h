// DistributedEquals: whether two tables partitioned across ranks hold the same rows, in global
// order or as multisets. Every rank returns the same answer.
#pragma once

#include "deeprc/net/communicator.h"
#include "deeprc/table/table.h"

namespace deeprc::dist {

Result<bool> DistributedEquals(net::Communicator& comm, const table::Table& a, const table::Table& b,
                               bool ordered = true);

}  // namespace deeprc::dist
