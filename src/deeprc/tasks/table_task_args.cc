#include "deeprc/tasks/table_task_args.h"

#include <algorithm>

#include "deeprc/core/nearest_name.h"
#include "deeprc/dist/partitioned_io.h"

namespace deeprc::tasks {

Result<TableTaskArgs> TableTaskArgs::Read(std::string function, const nlohmann::json& args,
                                          std::vector<std::string> names, bool writes_table) {
  if (args.is_null()) return TableTaskArgs(std::move(function), nlohmann::json::object());
  if (!args.is_object()) return Status::Invalid(function, ": the arguments must be a JSON object");
  if (writes_table) names.insert(names.end(), {"output", "gather"});
  for (const auto& [name, value] : args.items()) {
    if (std::find(names.begin(), names.end(), name) != names.end()) continue;
    std::string takes;
    for (const auto& known : names) takes += (takes.empty() ? "" : ", ") + known;
    const std::string nearest = NearestName(name, names);
    return Status::Invalid(function, ": unknown argument '", name, "'",
                           nearest.empty() ? "" : " (did you mean '" + nearest + "'?)", "; ", function,
                           " takes: ", takes);
  }
  return TableTaskArgs(std::move(function), args);
}

std::string TableTaskArgs::Context(const std::string& name) const {
  return function_ + ": argument '" + name + "': ";
}

Status TableTaskArgs::Invalid(const std::string& name, const std::string& what) const {
  return Status::Invalid(Context(name), what);
}

Status TableTaskArgs::Missing(const std::string& name) const {
  return Status::Invalid(function_, ": argument '", name, "' is required");
}

Result<std::string> TableTaskArgs::String(const std::string& name) const {
  if (!Has(name)) return Missing(name);
  if (!args_.at(name).is_string()) return Invalid(name, "must be a string");
  return args_.at(name).get<std::string>();
}

Result<std::string> TableTaskArgs::String(const std::string& name, const std::string& fallback) const {
  return Has(name) ? String(name) : fallback;
}

Result<std::vector<std::string>> TableTaskArgs::Strings(const std::string& name, bool required) const {
  if (!Has(name)) {
    if (required) return Missing(name);
    return std::vector<std::string>{};
  }
  const nlohmann::json& value = args_.at(name);
  if (value.is_string()) return std::vector<std::string>{value.get<std::string>()};
  std::vector<std::string> items;
  if (!value.is_array()) return Invalid(name, "must be a string or a list of strings");
  for (const auto& item : value) {
    if (!item.is_string()) return Invalid(name, "must be a string or a list of strings");
    items.push_back(item.get<std::string>());
  }
  return items;
}

Result<bool> TableTaskArgs::Bool(const std::string& name, bool fallback) const {
  if (!Has(name)) return fallback;
  if (!args_.at(name).is_boolean()) return Invalid(name, "must be true or false");
  return args_.at(name).get<bool>();
}

Result<int64_t> TableTaskArgs::Int(const std::string& name, int64_t fallback) const {
  if (!Has(name)) return fallback;
  if (!args_.at(name).is_number_integer()) return Invalid(name, "must be an integer");
  return args_.at(name).get<int64_t>();
}

Result<double> TableTaskArgs::Number(const std::string& name, double fallback) const {
  if (!Has(name)) return fallback;
  if (!args_.at(name).is_number()) return Invalid(name, "must be a number");
  return args_.at(name).get<double>();
}

Result<nlohmann::json> TableTaskArgs::Object(const std::string& name) const {
  if (!Has(name)) return nlohmann::json::object();
  if (!args_.at(name).is_object()) return Invalid(name, "must be a map");
  return args_.at(name);
}

Result<std::vector<std::string>> TableTaskArgs::LeftAndRight() const {
  if (Has("inputs")) {
    if (Has("left") || Has("right")) {
      return Status::Invalid(function_, ": give either 'inputs' or 'left' and 'right', not both");
    }
    DEEPRC_ASSIGN_OR_RETURN(auto inputs, Strings("inputs"));
    if (inputs.size() != 2) return Invalid("inputs", "must list two files, [left, right]");
    return inputs;
  }
  DEEPRC_ASSIGN_OR_RETURN(std::string left, String("left"));
  DEEPRC_ASSIGN_OR_RETURN(std::string right, String("right"));
  return std::vector<std::string>{std::move(left), std::move(right)};
}

Result<nlohmann::json> RunTableTask(raptor::TaskContext& context, const TableTaskArgs& args,
                                    const std::vector<std::string>& inputs, const ShareOperator& op) {
  // Every argument is checked before any rank reads or talks, so all ranks fail alike.
  DEEPRC_ASSIGN_OR_RETURN(std::string output, args.String("output", ""));
  DEEPRC_ASSIGN_OR_RETURN(bool gather, args.Bool("gather", true));
  net::Communicator& comm = context.comm();
  DEEPRC_ASSIGN_OR_RETURN(auto shares, dist::ReadShares(comm, inputs));
  DEEPRC_ASSIGN_OR_RETURN(Table result, op(comm, shares));
  // Counted before writing: a rank that fails to write its own file leaves no peer waiting.
  DEEPRC_ASSIGN_OR_RETURN(int64_t rows, comm.AllReduceScalar(result.num_rows(), net::ReduceOp::kSum));
  if (!output.empty()) DEEPRC_RETURN_NOT_OK(dist::WriteShares(comm, result, output, gather));
  return nlohmann::json{{"rows", rows}, {"rank_rows", result.num_rows()}};
}

Result<nlohmann::json> RunOnInput(raptor::TaskContext& context, const TableTaskArgs& args,
                                  const std::function<Result<Table>(net::Communicator&, const Table&)>& op) {
  DEEPRC_ASSIGN_OR_RETURN(std::string input, args.String("input"));
  return RunTableTask(context, args, {input}, [&](net::Communicator& comm, const std::vector<Table>& shares) {
    return op(comm, shares[0]);
  });
}

}  // namespace deeprc::tasks
