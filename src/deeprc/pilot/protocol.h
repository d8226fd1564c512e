// The messages between a client and an agent: JSON objects with a "type", sent in batches so that
// one message carries many tasks or state updates (one round trip per batch, not per task).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deeprc/core/status.h"
#include "deeprc/pilot/states.h"

namespace deeprc::pilot::protocol {

// client -> agent
inline constexpr const char* kHello = "hello";        // {} ; the agent answers with its resources
inline constexpr const char* kSubmit = "submit";      // {"tasks": [TaskDescription...]}
inline constexpr const char* kCancel = "cancel";      // {"uids": [...]}
inline constexpr const char* kShutdown = "shutdown";  // {"state": "DONE"|"CANCELED"}
inline constexpr const char* kHeartbeat = "heartbeat";
// agent -> client
inline constexpr const char* kWelcome = "welcome";  // {"resources": {...}, "pid": N}
inline constexpr const char* kStates = "states";    // {"updates": [TaskUpdate...]}
inline constexpr const char* kPilot = "pilot";      // {"state": "...", "reason": "..."}

// The pilot's function-task pool (its master, agent/raptor) and the agent. The master connects
// like a client, with the session's keys, but is not one: it gets no state updates.
// master -> agent
inline constexpr const char* kPoolHello = "pool_hello";      // {"workers": N, "pid": P}
// {"results": [FunctionResult...], "workers": N alive, "lost": [world ranks of workers found dead]}
inline constexpr const char* kPoolResults = "pool_results";
// agent -> master
inline constexpr const char* kPoolTasks = "pool_tasks";    // {"tasks": [FunctionTask...]}
inline constexpr const char* kPoolCancel = "pool_cancel";  // {"ids": [...]}
inline constexpr const char* kPoolStop = "pool_stop";      // {}

// Where one rank runs: a node and the indices of its cores and GPUs on that node.
struct RankPlacement {
  std::string node;
  std::vector<int> cores;
  std::vector<int> gpus;
};

// One state transition of one task, with what is known at that point.
struct TaskUpdate {
  std::string uid;
  TaskState state = TaskState::kNew;
  double time = 0;
  std::optional<int> exit_code;
  std::string reason;                    // why a task failed or was canceled
  std::vector<RankPlacement> placement;  // set with AGENT_EXECUTING
  nlohmann::json result;                 // a function task's value (rank 0's), set with DONE
};

nlohmann::json ToJson(const TaskUpdate& update);
Result<TaskUpdate> TaskUpdateFromJson(const nlohmann::json& json);

inline nlohmann::json Message(const char* type) { return nlohmann::json{{"type", type}}; }

// Parses a message and checks it is an object with a "type"; never throws.
Result<nlohmann::json> ParseMessage(std::string_view bytes);

}  // namespace deeprc::pilot::protocol
