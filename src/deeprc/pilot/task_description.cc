#include "deeprc/pilot/task_description.h"

#include <array>

#include <nlohmann/json.hpp>

#include "deeprc/pilot/names.h"

namespace deeprc::pilot {
namespace {

constexpr std::array<std::string_view, 2> kTaskModeNames = {"executable", "function"};
constexpr std::array<std::string_view, 4> kLaunchMethodNames = {"auto", "fork", "mpirun", "srun"};
constexpr std::array<std::string_view, 3> kStagingActionNames = {"copy", "link", "move"};

template <typename Enum, size_t N>
Result<Enum> FromName(const std::array<std::string_view, N>& names, std::string_view name, const char* what) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  std::string choices;
  for (auto choice : names) choices += (choices.empty() ? "" : ", ") + std::string(choice);
  return Status::Invalid("unknown ", what, " '", name, "' (one of: ", choices, ")");
}

nlohmann::json StagingToJson(const std::vector<StagingDirective>& directives) {
  auto array = nlohmann::json::array();
  for (const auto& directive : directives) {
    array.push_back(
        {{"source", directive.source}, {"target", directive.target}, {"action", ToString(directive.action)}});
  }
  return array;
}

Result<std::vector<StagingDirective>> StagingFromJson(const nlohmann::json& array) {
  std::vector<StagingDirective> directives;
  for (const auto& item : array) {
    StagingDirective directive;
    directive.source = item.at("source").get<std::string>();
    directive.target = item.at("target").get<std::string>();
    DEEPRC_ASSIGN_OR_RETURN(directive.action, StagingActionFromString(item.at("action").get<std::string>()));
    directives.push_back(std::move(directive));
  }
  return directives;
}

}  // namespace

std::string_view ToString(TaskMode mode) { return kTaskModeNames.at(static_cast<size_t>(mode)); }
Result<TaskMode> TaskModeFromString(std::string_view name) {
  return FromName<TaskMode>(kTaskModeNames, name, "task mode");
}
std::string_view ToString(LaunchMethod method) { return kLaunchMethodNames.at(static_cast<size_t>(method)); }
Result<LaunchMethod> LaunchMethodFromString(std::string_view name) {
  return FromName<LaunchMethod>(kLaunchMethodNames, name, "launch method");
}
std::string_view ToString(StagingAction action) {
  return kStagingActionNames.at(static_cast<size_t>(action));
}
Result<StagingAction> StagingActionFromString(std::string_view name) {
  return FromName<StagingAction>(kStagingActionNames, name, "staging action");
}

Status TaskDescription::Validate() const {
  // The uid names the task's sandbox and output files: checked before it is used in a message.
  if (!uid.empty()) DEEPRC_RETURN_NOT_OK(CheckName(uid, "task uid"));
  auto where = [this] { return "task '" + (uid.empty() ? name : uid) + "': "; };
  if (mode == TaskMode::kFunction) {
    if (function.empty()) return Status::Invalid(where(), "a function task names no function");
    // What only a process has would be silently ignored: refuse it instead.
    if (!executable.empty() || !arguments.empty() || shell || !pre_exec.empty() || !post_exec.empty() ||
        !environment.empty() || launch_method != LaunchMethod::kAuto) {
      return Status::Invalid(where(), "a function task runs in the pool's workers: it takes 'function' and ",
                             "'args', not an executable, arguments, shell, pre_exec, post_exec, environment ",
                             "or launch_method");
    }
    if (cores_per_rank != 1) {
      return Status::Invalid(where(), "a function task runs one worker (one core) per rank; cores_per_rank is ",
                             cores_per_rank);
    }
    if (gpus_per_rank > 1) {
      return Status::Invalid(where(), "a function pool's worker has one GPU: gpus_per_rank is 0 or 1, not ",
                             gpus_per_rank);
    }
    if (backend != "mpi" && backend != "gloo" && backend != "ucx" && backend != "nccl") {
      return Status::Invalid(where(), "unknown backend '", backend, "' (one of: mpi, gloo, ucx, nccl)");
    }
    if (backend == "nccl" && gpus_per_rank != 1) {
      return Status::Invalid(where(), "an NCCL communicator needs a GPU per rank: gpus_per_rank 1");
    }
    if (!args.is_object()) return Status::Invalid(where(), "'args' must be a map");
  } else if (executable.empty()) {
    return Status::Invalid(where(), "no executable");
  }
  if (ranks < 1) return Status::Invalid(where(), "ranks must be at least 1, not ", ranks);
  if (cores_per_rank < 1)
    return Status::Invalid(where(), "cores_per_rank must be at least 1, not ", cores_per_rank);
  if (gpus_per_rank < 0) return Status::Invalid(where(), "gpus_per_rank must not be negative");
  if (mem_per_rank < 0) return Status::Invalid(where(), "mem_per_rank must not be negative");
  if (timeout < 0) return Status::Invalid(where(), "timeout must not be negative");
  if (retries < 0) return Status::Invalid(where(), "retries must not be negative");
  if (ranks > 1 && launch_method == LaunchMethod::kFork) {
    return Status::Invalid(where(), "launch method fork starts one rank, but the task has ", ranks,
                           " (use mpirun, srun or auto)");
  }
  return Status::OK();
}

void to_json(nlohmann::json& json, const TaskDescription& task) {
  json = {{"uid", task.uid},
          {"name", task.name},
          {"mode", ToString(task.mode)},
          {"executable", task.executable},
          {"arguments", task.arguments},
          {"shell", task.shell},
          {"function", task.function},
          {"args", task.args},
          {"backend", task.backend},
          {"library", task.library},
          {"environment", task.environment},
          {"pre_exec", task.pre_exec},
          {"post_exec", task.post_exec},
          {"working_directory", task.working_directory},
          {"stdout", task.stdout_file},
          {"stderr", task.stderr_file},
          {"ranks", task.ranks},
          {"cores_per_rank", task.cores_per_rank},
          {"gpus_per_rank", task.gpus_per_rank},
          {"mem_per_rank", task.mem_per_rank},
          {"launch_method", ToString(task.launch_method)},
          {"input_staging", StagingToJson(task.input_staging)},
          {"output_staging", StagingToJson(task.output_staging)},
          {"timeout", task.timeout},
          {"retries", task.retries},
          {"tags", task.tags},
          {"priority", task.priority},
          {"after", task.after},
          {"after_ended", task.after_ended}};
}

Result<TaskDescription> TaskDescriptionFromJson(const nlohmann::json& json) {
  try {
    TaskDescription task;
    task.uid = json.at("uid").get<std::string>();
    task.name = json.at("name").get<std::string>();
    DEEPRC_ASSIGN_OR_RETURN(task.mode, TaskModeFromString(json.at("mode").get<std::string>()));
    task.executable = json.at("executable").get<std::string>();
    task.arguments = json.at("arguments").get<std::vector<std::string>>();
    task.shell = json.at("shell").get<bool>();
    task.function = json.at("function").get<std::string>();
    task.args = json.at("args");
    task.backend = json.at("backend").get<std::string>();
    task.library = json.at("library").get<std::string>();
    task.environment = json.at("environment").get<std::map<std::string, std::string>>();
    task.pre_exec = json.at("pre_exec").get<std::vector<std::string>>();
    task.post_exec = json.at("post_exec").get<std::vector<std::string>>();
    task.working_directory = json.at("working_directory").get<std::string>();
    task.stdout_file = json.at("stdout").get<std::string>();
    task.stderr_file = json.at("stderr").get<std::string>();
    task.ranks = json.at("ranks").get<int>();
    task.cores_per_rank = json.at("cores_per_rank").get<int>();
    task.gpus_per_rank = json.at("gpus_per_rank").get<int>();
    task.mem_per_rank = json.at("mem_per_rank").get<int64_t>();
    DEEPRC_ASSIGN_OR_RETURN(task.launch_method,
                            LaunchMethodFromString(json.at("launch_method").get<std::string>()));
    DEEPRC_ASSIGN_OR_RETURN(task.input_staging, StagingFromJson(json.at("input_staging")));
    DEEPRC_ASSIGN_OR_RETURN(task.output_staging, StagingFromJson(json.at("output_staging")));
    task.timeout = json.at("timeout").get<double>();
    task.retries = json.at("retries").get<int>();
    task.tags = json.at("tags").get<std::map<std::string, std::string>>();
    task.priority = json.at("priority").get<int>();
    task.after = json.at("after").get<std::vector<std::string>>();
    task.after_ended = json.at("after_ended").get<std::vector<std::string>>();
    return task;
  } catch (const nlohmann::json::exception& error) {
    return Status::Invalid("malformed task description: ", error.what());
  }
}

}  // namespace deeprc::pilot
