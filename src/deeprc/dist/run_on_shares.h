// The one driver of a registered table operator over files, for `deeprc table` and the table.*
// function tasks: each rank reads its share of every input, applies the operator, and the result
// is written per rank or gathered (partitioned_io.h names the files).
#pragma once

#include <string>
#include <vector>

#include "deeprc/dist/operator_registry.h"

namespace deeprc::dist {

struct SharesResult {
  table::Table part;  // this rank's part of the result
  int64_t rows = 0;   // the rows over all ranks
};

// Reads this rank's share of each of `inputs` (ReadShares: "{rank}" in a path names one file per
// rank), applies `bound`'s distributed function (an operator without one is refused on more than
// one rank), counts the rows and, when `output` is given, writes them (WriteShares). Errors name
// the inputs unless the operator does so itself.
Result<SharesResult> RunOnShares(net::Communicator& comm, const TableOperator& op, const BoundOperator& bound,
                                 const std::vector<std::string>& inputs, const std::string& output,
                                 bool gather);

// The same on one process: reads each input whole and applies the local function.
Result<table::Table> RunOnFiles(const TableOperator& op, const BoundOperator& bound,
                                const std::vector<std::string>& inputs);

}  // namespace deeprc::dist
