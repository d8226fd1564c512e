// Ranks agree on one schema before they exchange rows: the table channel sends column buffers as
// they are, so a column that is int64 on one rank and double on another would be reinterpreted.
#pragma once

#include <string_view>

#include "deeprc/net/communicator.h"
#include "deeprc/table/table.h"

namespace deeprc::dist {

// Every rank's `table` conformed to one schema, the same on every rank: rank 0's column order,
// each column's type the one Arrow unifies the ranks' types to (Field::MergeOptions::Permissive:
// int64 with double gives double, int32 with int64 gives int64), columns cast where they differ.
// Every rank must hold the same column names (in any order). Whatever the ranks disagree on, every
// rank returns the same error, prefixed with `what` (which table): a column missing or extra on a
// rank, a column's types that Arrow cannot unify (naming both ranks and both types), or a value
// that does not survive its cast (naming the rank). A collective: every rank must call it.
Result<table::Table> AgreeOnSchema(net::Communicator& comm, const table::Table& table,
                                   std::string_view what = "table");

}  // namespace deeprc::dist
