#include "deeprc/pipeline/table_stage.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "deeprc/dist/operator_registry.h"
#include "deeprc/dist/partitioned_io.h"
#include "deeprc/net/launcher.h"
#include "deeprc/table/io/file_format.h"

namespace deeprc::pipeline {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// One operation of a description, bound to its functions.
struct Step {
  std::string name, where;
  std::vector<std::string> inputs;
  const dist::TableOperator* op = nullptr;  // null for read
  dist::BoundOperator bound;
};

Result<std::vector<Step>> Bind(const nlohmann::json& ops) {
  std::vector<Step> steps;
  if (!ops.is_array()) return Status::Invalid("a table stage's description needs 'ops', a list");
  for (const auto& item : ops) {
    Step step;
    step.name = item.value("op", "");
    step.where = item.value("where", "");
    step.inputs = item.value("inputs", std::vector<std::string>{});
    if (step.name != "read") {
      DEEPRC_ASSIGN_OR_RETURN(
          step.op, WithContext(dist::OperatorRegistry::Default().Lookup(step.name), step.where, ": "));
      std::vector<std::string> names = {""};
      names.insert(names.end(), step.inputs.begin(), step.inputs.end());
      DEEPRC_ASSIGN_OR_RETURN(step.bound,
                              WithContext(step.op->Bind(item.value("options", nlohmann::json::object()),
                                                        dist::JsonNaming(step.name), names),
                                          step.where, ": "));
    } else if (step.inputs.size() != 1) {
      return Status::Invalid(step.where, ": read takes one table");
    }
    steps.push_back(std::move(step));
  }
  return steps;
}

// One step over either the whole table or this rank's share of it.
Result<table::Table> Apply(const Step& step, table::Table current, net::Communicator* comm) {
  std::vector<table::Table> tables;
  if (step.op) tables.push_back(std::move(current));
  for (const auto& input : step.inputs) {
    DEEPRC_ASSIGN_OR_RETURN(auto table, comm ? dist::ReadShare(*comm, input) : table::ReadTable(input));
    tables.push_back(std::move(table));
  }
  if (!step.op) return tables.at(0);
  if (!comm) return step.bound.local(tables);
  // The spec parser refuses a local-only operator in a stage of several ranks.
  if (!step.bound.distributed) return Status::Invalid(step.name, " has no distributed form");
  return step.bound.distributed(*comm, tables);
}

}  // namespace

nlohmann::json DescribeTableStage(const PipelineSpec& spec, const SessionLayout& layout,
                                  const StageSpec& stage) {
  nlohmann::json ops = nlohmann::json::array();
  for (const auto& op : stage.table().ops) {
    nlohmann::json item = {{"op", op.name}, {"where", op.where}};
    std::vector<std::string> inputs;
    for (const auto& table : op.tables) inputs.push_back(TablePath(spec, layout, table));
    if (!inputs.empty()) item["inputs"] = inputs;
    if (op.name != "read") item["options"] = op.options;
    ops.push_back(std::move(item));
  }
  return {{"kind", "table"},
          {"stage", stage.name},
          {"backend", stage.backend},
          {"output", layout.TableFile(stage.name).string()},
          {"ops", std::move(ops)}};
}

Status RunTableStage(const nlohmann::json& description) {
  if (!description.is_object()) return Status::Invalid("a table stage's description must be a JSON object");
  const std::string name = description.value("stage", "");
  const std::string output = description.value("output", "");
  if (name.empty() || output.empty())
    return Status::Invalid("a table stage's description needs 'stage' and 'output'");
  DEEPRC_ASSIGN_OR_RETURN(auto steps, Bind(description.value("ops", nlohmann::json())));
  std::shared_ptr<net::Communicator> comm;
  if (net::InsideParallelJob()) {
    DEEPRC_ASSIGN_OR_RETURN(comm, net::MakeCommunicator(description.value("backend", "mpi")));
  }
  const bool root = !comm || comm->rank() == 0;
  const std::string who =
      comm ? "rank " + std::to_string(comm->rank()) + "/" + std::to_string(comm->size()) + ": "
           : std::string();
  table::Table current;
  for (const auto& step : steps) {
    const auto started = Clock::now();
    auto next = Apply(step, std::move(current), comm.get());
    if (!next.ok()) {
      return WithContext(next.status(), step.where, ": ", who, "stage '", name, "', ", step.name, ": ");
    }
    current = std::move(*next);
    std::fprintf(stderr, "%s%s %-8s %10lld rows x %3d columns  %8.3f s\n", who.c_str(), name.c_str(),
                 step.name.c_str(), static_cast<long long>(current.num_rows()), current.num_columns(),
                 std::chrono::duration<double>(Clock::now() - started).count());
  }
  std::error_code error;
  fs::create_directories(fs::path(output).parent_path(), error);
  // Table writes are atomic (core/atomic_file.h): a stage killed while writing leaves no output
  // that a resumed run could mistake for a finished one.
  if (comm) {
    DEEPRC_RETURN_NOT_OK(WithContext(dist::WriteShares(*comm, current, output, /*gather=*/true), who));
  } else {
    DEEPRC_RETURN_NOT_OK(table::WriteTable(current, output));
  }
  if (root) {
    std::printf("%s: %lld rows x %d columns -> %s\n", name.c_str(),
                static_cast<long long>(current.num_rows()), current.num_columns(), output.c_str());
  }
  return Status::OK();
}

}  // namespace deeprc::pipeline
