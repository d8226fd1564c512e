// What the table function tasks (table.join, table.sort, ...) share: their arguments (input
// files, "output" and "gather"), and the run of a distributed operator on each rank's share of
// the input files, with the result written gathered or per rank.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "deeprc/agent/raptor/task_context.h"
#include "deeprc/core/status.h"
#include "deeprc/table/table.h"
#include "deeprc/tasks/function_args.h"

namespace deeprc::tasks {

// The arguments of a table function `function`: `names`, plus "output" and "gather" when it
// `writes_table`.
Result<FunctionArgs> ReadTableTaskArgs(std::string function, const nlohmann::json& args,
                                       std::vector<std::string> names, bool writes_table = true);

// The two input files of a binary operator: "left" and "right", or "inputs": [left, right].
Result<std::vector<std::string>> LeftAndRight(const FunctionArgs& args);

// A distributed operator on this rank's shares of the input files (in the order given).
using ShareOperator =
    std::function<Result<table::Table>(net::Communicator& comm, const std::vector<table::Table>& shares)>;

// Reads this rank's share of each of `inputs` (dist::ReadShares: "{rank}" in a path names one
// file per rank), applies `op`, writes the result to the argument "output" when given (gathered
// into that one file unless "gather" is false, else one file per rank) and returns
// {"rows": the rows over all ranks, "rank_rows": this rank's}.
Result<nlohmann::json> RunTableTask(raptor::TaskContext& context, const FunctionArgs& args,
                                    const std::vector<std::string>& inputs, const ShareOperator& op);

// RunTableTask of an operator on one table, the file of the argument "input".
Result<nlohmann::json> RunOnInput(
    raptor::TaskContext& context, const FunctionArgs& args,
    const std::function<Result<table::Table>(net::Communicator&, const table::Table&)>& op);

}  // namespace deeprc::tasks
