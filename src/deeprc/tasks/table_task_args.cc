#include "deeprc/tasks/table_task_args.h"

#include "deeprc/dist/partitioned_io.h"

namespace deeprc::tasks {

Result<FunctionArgs> ReadTableTaskArgs(std::string function, const nlohmann::json& args,
                                       std::vector<std::string> names, bool writes_table) {
  if (writes_table) names.insert(names.end(), {"output", "gather"});
  return FunctionArgs::Read(std::move(function), args, names);
}

Result<std::vector<std::string>> LeftAndRight(const FunctionArgs& args) {
  if (args.Has("inputs")) {
    if (args.Has("left") || args.Has("right")) {
      return Status::Invalid(args.function(), ": give either 'inputs' or 'left' and 'right', not both");
    }
    DEEPRC_ASSIGN_OR_RETURN(auto inputs, args.Strings("inputs"));
    if (inputs.size() != 2) return args.Invalid("inputs", "must list two files, [left, right]");
    return inputs;
  }
  DEEPRC_ASSIGN_OR_RETURN(std::string left, args.String("left"));
  DEEPRC_ASSIGN_OR_RETURN(std::string right, args.String("right"));
  return std::vector<std::string>{std::move(left), std::move(right)};
}

Result<nlohmann::json> RunTableTask(raptor::TaskContext& context, const FunctionArgs& args,
                                    const std::vector<std::string>& inputs, const ShareOperator& op) {
  // Every argument is checked before any rank reads or talks, so all ranks fail alike.
  DEEPRC_ASSIGN_OR_RETURN(std::string output, args.String("output", ""));
  DEEPRC_ASSIGN_OR_RETURN(bool gather, args.Bool("gather", true));
  net::Communicator& comm = context.comm();
  DEEPRC_ASSIGN_OR_RETURN(auto shares, dist::ReadShares(comm, inputs));
  DEEPRC_ASSIGN_OR_RETURN(table::Table result, op(comm, shares));
  // Counted before writing: a rank that fails to write its own file leaves no peer waiting.
  DEEPRC_ASSIGN_OR_RETURN(int64_t rows, comm.AllReduceScalar(result.num_rows(), net::ReduceOp::kSum));
  if (!output.empty()) DEEPRC_RETURN_NOT_OK(dist::WriteShares(comm, result, output, gather));
  return nlohmann::json{{"rows", rows}, {"rank_rows", result.num_rows()}};
}

Result<nlohmann::json> RunOnInput(
    raptor::TaskContext& context, const FunctionArgs& args,
    const std::function<Result<table::Table>(net::Communicator&, const table::Table&)>& op) {
  DEEPRC_ASSIGN_OR_RETURN(std::string input, args.String("input"));
  return RunTableTask(
      context, args, {input},
      [&](net::Communicator& comm, const std::vector<table::Table>& shares) { return op(comm, shares[0]); });
}

}  // namespace deeprc::tasks
