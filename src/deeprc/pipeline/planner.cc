#include "deeprc/pipeline/planner.h"

#include <sched.h>

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "deeprc/pipeline/report_stage.h"
#include "deeprc/pipeline/table_stage.h"

namespace deeprc::pipeline {
namespace {

std::string Uid(const std::string& stage, const std::string& model = {}) {
  return model.empty() ? stage : stage + "." + model;
}

// The job of `model` of a train stage in learn's one JSON form (learn/forecast_job_json.h): the
// stage's settings, the model's hyperparameters over the stage's, and where it reads and writes.
// `deeprc train --job` and the learn.train function read the same.
nlohmann::json TrainJob(const StageSpec& stage, const ModelSpec& model, const std::string& data,
                        const std::string& out) {
  nlohmann::json job = stage.train().settings.job;
  job["model"] = model.name;
  job["data"] = data;
  job["out"] = out;
  if (!job.contains("hyperparameters") || !job["hyperparameters"].is_object()) {
    job["hyperparameters"] = nlohmann::json::object();
  }
  job["hyperparameters"].update(model.hyperparameters);
  return job;
}

// `deeprc train` for `model` as a process: its job as one argument, then how the process runs.
std::vector<std::string> TrainArguments(const StageSpec& stage, const ModelSpec& model, const std::string& data,
                                        const std::string& out) {
  std::vector<std::string> args = {"train", "--job", TrainJob(stage, model, data, out).dump()};
  // One intra-op thread per core the scheduler gave each rank: no oversubscription.
  args.insert(args.end(), {"--threads", std::to_string(stage.cores)});
  if (stage.ranks > 1) args.insert(args.end(), {"--backend", stage.backend});
  const auto& stage_arguments = stage.train().settings.arguments;
  args.insert(args.end(), stage_arguments.begin(), stage_arguments.end());
  args.insert(args.end(), model.arguments.begin(), model.arguments.end());
  return args;
}

std::string Substitute(std::string word, const PipelineSpec& spec, const SessionLayout& layout,
                       const std::string& stage) {
  auto replace = [&](const std::string& from, const std::string& to) {
    for (size_t at = word.find(from); at != std::string::npos; at = word.find(from, at + to.size())) {
      word.replace(at, from.size(), to);
    }
  };
  replace("{session}", layout.root.string());
  replace("{stage_dir}", layout.StageDir(stage).string());
  replace("{spec_dir}", spec.dir);
  for (size_t at = word.find("{table:"); at != std::string::npos; at = word.find("{table:", at)) {
    const size_t end = word.find('}', at);
    const std::string path = TablePath(spec, layout, word.substr(at + 7, end - at - 7));
    word.replace(at, end - at + 1, path);
    at += path.size();
  }
  return word;
}

// Substitute() on every string in a JSON value (a function stage's arguments).
nlohmann::json SubstituteStrings(nlohmann::json value, const PipelineSpec& spec, const SessionLayout& layout,
                                 const std::string& stage) {
  if (value.is_string()) return Substitute(value.get<std::string>(), spec, layout, stage);
  // (A number or a boolean iterates over itself in nlohmann::json: only containers recurse.)
  if (value.is_structured()) {
    for (auto& item : value) item = SubstituteStrings(std::move(item), spec, layout, stage);
  }
  return value;
}

class Planner {
 public:
  Planner(const PipelineSpec& spec, const PlanOptions& options) : spec_(spec), options_(options) {}

  Result<Plan> Run() {
    Plan plan;
    plan.pilot = spec_.pilot;
    plan.gpus = spec_.pilot.gpus;
    if (spec_.pilot.resource == "local") {
      plan.cores = spec_.pilot.cores > 0
                       ? spec_.pilot.cores
                       : (options_.local_cores > 0 ? options_.local_cores : AvailableCores());
      if (spec_.pilot.gpus > options_.local_gpus) {
        return Status::Invalid(spec_.pilot_gpus_where, ": the pilot asks for ", spec_.pilot.gpus,
                               " GPUs, but this machine shows ", options_.local_gpus);
      }
    } else {
      plan.cores = spec_.pilot.cores;  // per node; 0 means Slurm's, known once the job starts
    }
    for (const auto& source : spec_.sources) {
      if (!source.missing) continue;
      PlannedStage stage{source.name, StageKind::kData, {}, false, {}};
      PlannedTask task;
      task.description.uid = Uid(source.name);
      task.description.name = "generate " + source.generate + " data for " + source.name;
      task.description.executable = options_.deeprc;
      const std::string out = options_.layout.DataFile(source.name).string();
      task.description.arguments = {
          "data",   "generate-" + source.generate, "--out",  out,
          "--rows", std::to_string(source.rows),   "--seed", std::to_string(source.seed)};
      task.outputs = {out};
      stage.tasks.push_back(std::move(task));
      plan.stages.push_back(std::move(stage));
    }
    for (const auto& spec_stage : spec_.stages) {
      DEEPRC_ASSIGN_OR_RETURN(auto stage, PlanStage(spec_stage, plan));
      plan.stages.push_back(std::move(stage));
    }
    return plan;
  }

 private:
  Status CheckResources(const StageSpec& stage, const Plan& plan) const {
    const int nodes = spec_.pilot.resource == "local" ? 1 : spec_.pilot.nodes;
    if (plan.cores > 0) {
      const int64_t total = static_cast<int64_t>(plan.cores) * nodes;
      if (stage.cores > plan.cores) {
        return Status::Invalid(stage.cores_where, ": stage '", stage.name, "' asks for ", stage.cores,
                               " cores per rank, but the pilot has ", plan.cores, " cores",
                               nodes > 1 ? " per node" : "", " (", spec_.pilot_cores_where, ")");
      }
      if (static_cast<int64_t>(stage.ranks) * stage.cores > total) {
        return Status::Invalid(stage.ranks_where, ": stage '", stage.name, "' asks for ", stage.ranks,
                               " ranks x ", stage.cores, " cores = ", stage.ranks * stage.cores,
                               " cores, but the pilot has ", total, " (", spec_.pilot_cores_where, ")");
      }
    }
    const int workers = spec_.pilot.function_workers;
    if (stage.kind == StageKind::kFunction && workers > 0 && stage.ranks > workers) {
      return Status::Invalid(stage.ranks_where, ": function stage '", stage.name, "' asks for ", stage.ranks,
                             " ranks, but the pilot's function pool has ", workers, " workers (",
                             spec_.pilot_where, ")");
    }
    if (stage.gpus > 0) {
      const int64_t total = static_cast<int64_t>(plan.gpus) * nodes;
      if (stage.gpus > plan.gpus || static_cast<int64_t>(stage.ranks) * stage.gpus > total) {
        return Status::Invalid(stage.gpus_where, ": stage '", stage.name, "' asks for ", stage.gpus,
                               " GPUs per rank x ", stage.ranks, " ranks, but the pilot has ", plan.gpus,
                               " GPUs", nodes > 1 ? " per node" : "", " (", spec_.pilot_gpus_where, ")");
      }
    }
    return Status::OK();
  }

  pilot::TaskDescription Describe(const StageSpec& stage, const std::string& uid,
                                  const std::string& name) const {
    pilot::TaskDescription task;
    task.uid = uid;
    task.name = name;
    task.ranks = stage.ranks;
    task.cores_per_rank = stage.cores;
    task.gpus_per_rank = stage.gpus;
    task.timeout = stage.timeout;
    task.retries = stage.retries;
    task.environment = stage.environment;
    task.tags["stage"] = stage.name;
    return task;
  }

  // Every task of the stages `stage` depends on, or, for `model`, only that model's task of a
  // train stage (a predict task needs its own model, not the others).
  std::vector<std::string> After(const StageSpec& stage, const Plan& plan,
                                 const std::string& model = {}) const {
    std::vector<std::string> after;
    for (const auto& dependency : stage.depends) {
      const PlannedStage* other = plan.FindStage(dependency);
      if (!other) continue;
      const bool own_model_only =
          !model.empty() && stage.kind == StageKind::kPredict && dependency == stage.predict().from;
      for (const auto& task : other->tasks) {
        if (own_model_only && task.model != model) continue;
        after.push_back(task.description.uid);
      }
    }
    return after;
  }

  Result<PlannedStage> PlanStage(const StageSpec& stage, const Plan& plan) const {
    DEEPRC_RETURN_NOT_OK(CheckResources(stage, plan));
    const SessionLayout& layout = options_.layout;
    PlannedStage planned{stage.name, stage.kind, stage.depends, stage.kind == StageKind::kReport, {}};
    const std::string session = layout.root.string();
    switch (stage.kind) {
      case StageKind::kTable:
      case StageKind::kReport: {
        PlannedTask task;
        task.description =
            Describe(stage, Uid(stage.name), std::string(ToString(stage.kind)) + " stage " + stage.name);
        task.description.executable = options_.deeprc;
        task.description.arguments = {"stage", "run", session, stage.name};
        // The stage resolved (table names to files), in the task's arguments rather than a file:
        // --dry-run writes nothing, and the plan shows what the task will run.
        task.description.arguments.push_back("--description");
        if (stage.kind == StageKind::kTable) {
          task.description.arguments.push_back(DescribeTableStage(spec_, layout, stage).dump());
          task.outputs = {layout.TableFile(stage.name).string()};
        } else {
          task.description.arguments.push_back(nlohmann::json(DescribeReportStage(spec_, layout, stage)).dump());
          task.outputs = {(layout.ReportDir() / ("stage-" + stage.name + ".json")).string()};
        }
        planned.tasks.push_back(std::move(task));
        break;
      }
      case StageKind::kTrain:
      case StageKind::kPredict: {
        const bool train = stage.kind == StageKind::kTrain;
        const std::string data = TablePath(spec_, layout, train ? stage.train().data : stage.predict().data);
        for (const auto& model : stage.models()) {
          PlannedTask task;
          task.model = model.name;
          const std::string verb = train ? "train " : "predict with ";
          task.description = Describe(stage, Uid(stage.name, model.name), verb + model.name);
          const std::string out = layout.ModelDir(stage.name, model.name).string();
          task.outputs = {out + "/metrics.json", out + "/predictions.parquet"};
          if (!train) {
            // The trained model's forecasts, read from its train task's checkpoint, which stays as it is.
            const std::string checkpoint = (layout.ModelDir(stage.predict().from, model.name) / "checkpoint").string();
            task.description.executable = options_.deeprc;
            task.description.arguments = {"predict", "--checkpoint", checkpoint, "--data", data,
                                          "--out",   out,          "--threads",  std::to_string(stage.cores)};
          } else if (stage.train().pool) {  // the same training as a function task on the pool's workers
            task.description.mode = pilot::TaskMode::kFunction;
            task.description.function = "learn.train";
            task.description.backend = stage.ranks > 1 ? stage.backend : "mpi";
            task.description.args = TrainJob(stage, model, data, out);
          } else {
            task.description.executable = options_.deeprc;
            task.description.arguments = TrainArguments(stage, model, data, out);
          }
          planned.tasks.push_back(std::move(task));
        }
        break;
      }
      case StageKind::kExec: {
        PlannedTask task;
        task.description = Describe(stage, Uid(stage.name), "exec stage " + stage.name);
        const ExecStageSpec& exec = stage.exec();
        task.description.executable = Substitute(exec.executable, spec_, layout, stage.name);
        for (const auto& word : exec.arguments) {
          task.description.arguments.push_back(Substitute(word, spec_, layout, stage.name));
        }
        task.description.shell = exec.shell;
        task.description.working_directory = layout.StageDir(stage.name).string();
        planned.tasks.push_back(std::move(task));
        break;
      }
      case StageKind::kFunction: {
        PlannedTask task;
        task.description = Describe(stage, Uid(stage.name), "function stage " + stage.name);
        task.description.mode = pilot::TaskMode::kFunction;
        const FunctionStageSpec& function = stage.function();
        task.description.function = function.function;
        task.description.args = SubstituteStrings(function.args, spec_, layout, stage.name);
        task.description.backend = stage.backend;
        task.description.library = function.library;
        // A table function's gathered output is what lets --resume skip it: a DONE task whose file
        // is gone runs again, as a table stage's does.
        const auto& args = task.description.args;
        if (function.function.starts_with("table.") && args.is_object() && args.contains("output") &&
            args["output"].is_string() && !args["output"].get<std::string>().empty() &&
            !(args.contains("gather") && args["gather"] == false)) {
          task.outputs = {args["output"].get<std::string>()};
        }
        planned.tasks.push_back(std::move(task));
        break;
      }
      case StageKind::kData:
        break;
    }
    // A report waits for its stages to end however they end (the TaskManager's `after_ended`), so
    // a failed model shows up in it; every other task needs its inputs DONE.
    for (auto& task : planned.tasks) {
      auto after = After(stage, plan, task.model);
      (planned.runs_after_failures ? task.description.after_ended : task.description.after) =
          std::move(after);
    }
    return planned;
  }

  const PipelineSpec& spec_;
  const PlanOptions& options_;
};

}  // namespace

const PlannedStage* Plan::FindStage(const std::string& name) const {
  for (const auto& stage : stages) {
    if (stage.name == name) return &stage;
  }
  return nullptr;
}

void to_json(nlohmann::json& json, const Plan& plan) {
  json = {
      {"pilot", plan.pilot}, {"cores", plan.cores}, {"gpus", plan.gpus}, {"stages", nlohmann::json::array()}};
  for (const auto& stage : plan.stages) {
    auto tasks = nlohmann::json::array();
    for (const auto& task : stage.tasks) {
      tasks.push_back({{"model", task.model}, {"description", task.description}, {"outputs", task.outputs}});
    }
    json["stages"].push_back({{"name", stage.name},
                              {"kind", std::string(ToString(stage.kind))},
                              {"depends", stage.depends},
                              {"runs_after_failures", stage.runs_after_failures},
                              {"tasks", std::move(tasks)}});
  }
}

int AvailableCores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return 1;
}

Result<Plan> MakePlan(const PipelineSpec& spec, const PlanOptions& options) {
  return Planner(spec, options).Run();
}

}  // namespace deeprc::pipeline
