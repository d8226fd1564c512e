// How a `deeprc table` subcommand runs its operator over files: here and now; as `--ranks N`
// copies of itself over MPI, Gloo or UCX; or, under mpirun, srun or --ranks, as one rank of a
// distributed job that reads its share of each input and writes (or gathers) its part of the result.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "deeprc/cli/commands.h"
#include "deeprc/net/communicator.h"
#include "deeprc/table/table.h"

namespace deeprc::cli {

using LocalOperator = std::function<Result<table::Table>(const std::vector<table::Table>& inputs)>;
using DistributedOperator =
    std::function<Result<table::Table>(net::Communicator& comm, const std::vector<table::Table>& shares)>;

class TableJob {
 public:
  // --out always; --ranks, --backend and --gather only when `distributed` operators exist.
  TableJob(CLI::App* command, bool distributed);

  // Reads `inputs`, applies the operator and writes --out (or prints the rows when --out is
  // absent). Operator errors are prefixed with `context` (e.g. the input file names).
  Status Run(const CommandResult& result, const std::vector<std::string>& inputs, const std::string& context,
             const LocalOperator& local, const DistributedOperator& distributed = nullptr) const;

 private:
  Status RunRank(const std::vector<std::string>& inputs, const std::string& context,
                 const DistributedOperator& distributed) const;

  std::shared_ptr<std::string> output_ = std::make_shared<std::string>();
  std::shared_ptr<int> ranks_ = std::make_shared<int>(1);
  std::shared_ptr<std::string> backend_ = std::make_shared<std::string>("mpi");
  std::shared_ptr<bool> gather_ = std::make_shared<bool>(false);
};

// An operator that runs on each rank's share alone (select, project): no data moves.
DistributedOperator EachShare(LocalOperator local);

}  // namespace deeprc::cli
