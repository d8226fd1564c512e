// What a task is: an executable (or a shell line), or a function run by the pilot's pool of
// persistent workers, with the resources of each of its ranks, its environment, staging and
// policies. The client fills it in; the agent schedules and launches it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deeprc/core/status.h"

namespace deeprc::pilot {

// How the ranks are started. kAuto picks fork for one rank, mpirun locally and srun under Slurm.
enum class LaunchMethod { kAuto, kFork, kMpirun, kSrun };

std::string_view ToString(LaunchMethod method);
Result<LaunchMethod> LaunchMethodFromString(std::string_view name);

// An executable task is a process (or one per rank) of its own. A function task is a C++ callable
// registered by name (DEEPRC_TASK) that runs on the pilot's pool of persistent workers, with a
// communicator over exactly its workers built when it starts (agent/raptor).
enum class TaskMode { kExecutable, kFunction };

std::string_view ToString(TaskMode mode);
Result<TaskMode> TaskModeFromString(std::string_view name);

enum class StagingAction { kCopy, kLink, kMove };

std::string_view ToString(StagingAction action);
Result<StagingAction> StagingActionFromString(std::string_view name);

// One file or folder to stage. For input staging `source` is on the client side and `target` is
// relative to the task sandbox; for output staging it is the other way round.
struct StagingDirective {
  std::string source;
  std::string target;
  StagingAction action = StagingAction::kCopy;
};

struct TaskDescription {
  std::string uid;   // unique within a session; the TaskManager assigns "task.NNNNNN" when empty
  std::string name;  // free text for people and reports

  TaskMode mode = TaskMode::kExecutable;

  // Executable tasks: argv[0] and the rest of argv; no shell is involved unless `shell` is true,
  // in which case `executable` is a shell command line and `arguments` are appended to it.
  std::string executable;
  std::vector<std::string> arguments;
  bool shell = false;

  // Function tasks: the registered name, its JSON arguments, the backend of the communicator
  // over its ranks ("mpi", "gloo" or "ucx"), and a shared library to load first when the
  // function is not built into the worker program. One core per rank.
  std::string function;
  nlohmann::json args = nlohmann::json::object();
  std::string backend = "mpi";
  std::string library;

  std::map<std::string, std::string> environment;
  std::vector<std::string> pre_exec;   // shell lines run before the executable, in its environment
  std::vector<std::string> post_exec;  // shell lines run after it; the task keeps the executable's exit code

  std::string working_directory;  // empty: the task sandbox
  std::string stdout_file;        // relative to the sandbox; empty: "<uid>.out"
  std::string stderr_file;        // relative to the sandbox; empty: "<uid>.err"

  int ranks = 1;
  int cores_per_rank = 1;
  int gpus_per_rank = 0;
  int64_t mem_per_rank = 0;  // MiB; 0 asks for no memory reservation

  LaunchMethod launch_method = LaunchMethod::kAuto;
  std::vector<StagingDirective> input_staging;
  std::vector<StagingDirective> output_staging;

  double timeout = 0;  // seconds of execution before the process group is killed; 0: none
  int retries = 0;     // further attempts after a failed one
  std::map<std::string, std::string> tags;  // e.g. {"colocate": "<group>"}: the tasks of a group share a node
  int priority = 0;                         // higher first, among the tasks that fit
  std::vector<std::string> after;           // uids of tasks that must be DONE before this one starts
  // Uids of tasks that must end, however (DONE, FAILED or CANCELED), before this one starts: a
  // task that reports on others runs after their failures too (RADICAL-Pilot's dependency kind).
  std::vector<std::string> after_ended;

  // Checks what can be checked without knowing the resources: an executable (or a function and
  // nothing that only processes have), positive counts.
  Status Validate() const;
};

void to_json(nlohmann::json& json, const TaskDescription& task);
// Reads the wire form written by to_json; bad input returns an error naming the field.
Result<TaskDescription> TaskDescriptionFromJson(const nlohmann::json& json);

}  // namespace deeprc::pilot
