// The messages between a raptor master and its workers (small JSON over MPI point-to-point): a
// function task, its assignment to a group of workers, and each rank's result; and the task and
// its result as the master and the agent exchange them. No MPI here: the agent links this alone.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc::raptor {

// MPI tags on MPI_COMM_WORLD of the pool. Communicator tags for MPI_Comm_create_group are the
// assignment's serial, a separate tag space (they match only create_group's own messages).
inline constexpr int kAssignTag = 7101;
inline constexpr int kStopTag = 7102;
inline constexpr int kResultTag = 7103;
// The text of a stop message telling a worker to leave without MPI_Finalize (the pool lost a rank).
inline constexpr const char* kStopWithoutFinalize = "without-finalize";

// A function task as the client describes it (TaskDescription with mode: function).
struct FunctionTask {
  std::string id;
  std::string function;
  nlohmann::json args = nlohmann::json::object();
  int ranks = 1;
  int gpus = 0;                 // per rank: 0, or 1 to run on workers that have a GPU
  std::string backend = "mpi";  // the task's communicator: "mpi", "gloo" or "ucx"
  std::string sandbox;          // working directory of the function ("" = the worker's)
  std::string library;          // a shared library to dlopen before looking the function up
  int64_t timeout_ms = 0;       // the communicator's wait for a peer (0: its default, 60 s)
};

// The master's order to one worker: run `task` as one of the ranks `group` (world ranks, in task
// rank order), building the communicator with `serial` as the create_group tag.
struct Assignment {
  int64_t serial = 0;
  FunctionTask task;
  std::vector<int> group;
};

// One rank's outcome, sent back to the master.
struct RankResult {
  int64_t serial = 0;
  int task_rank = 0;
  int world_rank = 0;
  bool ok = false;
  nlohmann::json value;
  std::string error;
  // The paper's overheads of a function task, as this rank saw them: reading the assignment,
  // building the communicator, and handing it to the function (lookup, library, context).
  double deserialize_ms = 0;
  double communicator_ms = 0;
  double deliver_ms = 0;
  double run_ms = 0;  // the function itself
};

// The outcome of a function task: rank 0's value, every rank's value, or the first error.
struct FunctionResult {
  std::string id;
  bool ok = false;
  nlohmann::json value;
  std::vector<nlohmann::json> rank_values;
  std::string error;
  std::vector<int> workers;  // world ranks, in task rank order
  // Overheads (RankResult), each the slowest rank's, and the time it waited in the master's queue.
  double queued_ms = 0;
  double deserialize_ms = 0;
  double communicator_ms = 0;
  double deliver_ms = 0;
  double run_ms = 0;
};

std::string Serialize(const Assignment& assignment);
Result<Assignment> ParseAssignment(const std::string& text);
std::string Serialize(const RankResult& result);
Result<RankResult> ParseRankResult(const std::string& text);
nlohmann::json ToJson(const FunctionTask& task);
Result<FunctionTask> FunctionTaskFromJson(const nlohmann::json& json);
nlohmann::json ToJson(const FunctionResult& result);
Result<FunctionResult> FunctionResultFromJson(const nlohmann::json& json);

}  // namespace deeprc::raptor
