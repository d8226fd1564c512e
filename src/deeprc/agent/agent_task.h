// A task as the agent keeps it, from its arrival to its final state: what the control loop, the
// Executor and the function-pool manager read and update. Not for code outside agent/.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "deeprc/agent/resources.h"
#include "deeprc/agent/scheduler.h"
#include "deeprc/pilot/states.h"
#include "deeprc/pilot/task_description.h"

namespace deeprc::agent {

using pilot::TaskState;

enum class StopReason { kNone, kTimeout, kCancel, kShutdown };

struct AgentTask {
  pilot::TaskDescription description;
  std::string sandbox;
  TaskState state = TaskState::kNew;
  std::optional<Placement> placement;
  ResourceRequest request;
  pid_t pid = -1;
  int attempt = 0;
  uint64_t sequence = 0;  // arrival order, for FIFO among equal priorities
  StopReason stop = StopReason::kNone;
  double deadline = 0;  // when the next timeout or kill escalation is due; 0: none
  bool killed = false;  // SIGKILL sent
  bool sandbox_created = false;
  nlohmann::json result;  // a function task's value, reported with DONE

  bool is_function() const { return description.mode == pilot::TaskMode::kFunction; }
};

// Waiting tasks in scheduling order: higher priority first, then arrival.
struct QueueOrder {
  bool operator()(const AgentTask* a, const AgentTask* b) const {
    if (a->description.priority != b->description.priority)
      return a->description.priority > b->description.priority;
    return a->sequence < b->sequence;
  }
};

// "node:0 1|node:2:gpu 0": where each rank of a placement runs, for the profile.
std::string DescribePlacement(const Placement& placement, const AgentResources& resources);

// Creates the task's folder once (input staging or the launch, whichever comes first).
Status CreateSandbox(AgentTask& task);

}  // namespace deeprc::agent
