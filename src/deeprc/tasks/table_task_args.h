// What the table function tasks (table.join, table.sort, ...) share: their JSON arguments, read
// with errors that name the function and the argument, and the run of a distributed operator on
// each rank's share of the input files, with the result written gathered or per rank.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "deeprc/agent/raptor/task_context.h"
#include "deeprc/core/status.h"
#include "deeprc/table/table.h"

namespace deeprc::tasks {

class TableTaskArgs {
 public:
  // `args` of `function` ("table.sort"), which takes the arguments `names`, plus "output" and
  // "gather" when it `writes_table`. Any other name is an error naming it and the function,
  // with a did-you-mean and the names it takes.
  static Result<TableTaskArgs> Read(std::string function, const nlohmann::json& args,
                                    std::vector<std::string> names, bool writes_table = true);

  const std::string& function() const { return function_; }
  bool Has(const std::string& name) const { return args_.contains(name); }

  // A required string.
  Result<std::string> String(const std::string& name) const;
  Result<std::string> String(const std::string& name, const std::string& fallback) const;
  // A string (one item) or a list of strings; empty when absent unless `required`.
  Result<std::vector<std::string>> Strings(const std::string& name, bool required = false) const;
  Result<bool> Bool(const std::string& name, bool fallback) const;
  Result<int64_t> Int(const std::string& name, int64_t fallback) const;
  Result<double> Number(const std::string& name, double fallback) const;
  // A map (e.g. a model's hyperparameters); an empty one when absent.
  Result<nlohmann::json> Object(const std::string& name) const;

  // The two input files of a binary operator: "left" and "right", or "inputs": [left, right].
  Result<std::vector<std::string>> LeftAndRight() const;

  // "table.sort: argument 'by': ", to put in front of what parsing the argument's value says.
  std::string Context(const std::string& name) const;

 private:
  TableTaskArgs(std::string function, nlohmann::json args)
      : function_(std::move(function)), args_(std::move(args)) {}
  Status Invalid(const std::string& name, const std::string& what) const;
  Status Missing(const std::string& name) const;

  std::string function_;
  nlohmann::json args_;
};

// A distributed operator on this rank's shares of the input files (in the order given).
using ShareOperator = std::function<Result<Table>(net::Communicator& comm, const std::vector<Table>& shares)>;

// Reads this rank's share of each of `inputs` (dist::ReadShares: "{rank}" in a path names one
// file per rank), applies `op`, writes the result to the argument "output" when given (gathered
// into that one file unless "gather" is false, else one file per rank) and returns
// {"rows": the rows over all ranks, "rank_rows": this rank's}.
Result<nlohmann::json> RunTableTask(raptor::TaskContext& context, const TableTaskArgs& args,
                                    const std::vector<std::string>& inputs, const ShareOperator& op);

// RunTableTask of an operator on one table, the file of the argument "input".
Result<nlohmann::json> RunOnInput(raptor::TaskContext& context, const TableTaskArgs& args,
                                  const std::function<Result<Table>(net::Communicator&, const Table&)>& op);

}  // namespace deeprc::tasks
