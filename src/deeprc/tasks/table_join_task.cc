// table.join as a function task: each rank reads its share of two files, the ranks join them
// over the task's communicator, and the result is written per rank or gathered into one file.
#include <nlohmann/json.hpp>

#include "deeprc/agent/raptor/function_registry.h"
#include "deeprc/dist/distributed_join.h"
#include "deeprc/dist/partitioned_io.h"

namespace deeprc::tasks {

namespace {

Result<std::vector<std::string>> Keys(const nlohmann::json& args, const char* name) {
  if (!args.contains(name)) return std::vector<std::string>{};
  const auto& keys = args.at(name);
  if (keys.is_string()) return std::vector<std::string>{keys.get<std::string>()};
  if (!keys.is_array())
    return Status::Invalid("table.join: '", name, "' must be a column or a list of columns");
  std::vector<std::string> out;
  for (const auto& key : keys) {
    if (!key.is_string()) return Status::Invalid("table.join: '", name, "' must hold column names");
    out.push_back(key.get<std::string>());
  }
  return out;
}

Result<std::string> StringArg(const nlohmann::json& args, const char* name) {
  if (!args.contains(name) || !args.at(name).is_string()) {
    return Status::Invalid("table.join: argument '", name, "' (a string) is required");
  }
  return args.at(name).get<std::string>();
}

// args: left, right (files; "{rank}" for one file per rank), on or left_on + right_on, how
// (inner, left, right, outer), algorithm (hash, sort), output (optional), gather (default true).
// Returns the global number of rows and this rank's.
Result<nlohmann::json> TableJoinTask(raptor::TaskContext& context) {
  const nlohmann::json& args = context.args();
  DEEPRC_ASSIGN_OR_RETURN(std::string left_path, StringArg(args, "left"));
  DEEPRC_ASSIGN_OR_RETURN(std::string right_path, StringArg(args, "right"));
  JoinOptions options;
  DEEPRC_ASSIGN_OR_RETURN(auto on, Keys(args, "on"));
  DEEPRC_ASSIGN_OR_RETURN(options.left_keys, Keys(args, "left_on"));
  DEEPRC_ASSIGN_OR_RETURN(options.right_keys, Keys(args, "right_on"));
  if (!on.empty()) options.left_keys = options.right_keys = on;
  if (options.left_keys.empty()) return Status::Invalid("table.join: give 'on' or 'left_on' and 'right_on'");
  DEEPRC_ASSIGN_OR_RETURN(options.type, ParseJoinType(args.value("how", "inner")));
  DEEPRC_ASSIGN_OR_RETURN(options.algorithm, ParseJoinAlgorithm(args.value("algorithm", "hash")));
  options.left_name = left_path;
  options.right_name = right_path;

  net::Communicator& comm = context.comm();
  DEEPRC_ASSIGN_OR_RETURN(Table left, dist::ReadShare(comm, left_path));
  DEEPRC_ASSIGN_OR_RETURN(Table right, dist::ReadShare(comm, right_path));
  DEEPRC_ASSIGN_OR_RETURN(Table joined, dist::DistributedJoin(comm, left, right, options));
  if (args.contains("output")) {
    DEEPRC_ASSIGN_OR_RETURN(std::string output, StringArg(args, "output"));
    DEEPRC_RETURN_NOT_OK(dist::WriteShares(comm, joined, output, args.value("gather", true)));
  }
  DEEPRC_ASSIGN_OR_RETURN(int64_t rows, comm.AllReduceScalar(joined.num_rows(), net::ReduceOp::kSum));
  return nlohmann::json{{"rows", rows}, {"rank_rows", joined.num_rows()}};
}

}  // namespace

DEEPRC_TASK("table.join", TableJoinTask);

}  // namespace deeprc::tasks
