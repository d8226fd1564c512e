// The life cycles of tasks and pilots (RADICAL-Pilot's state model) and their timestamped history.
// Both sides of the wire use these names; the order of the enums is the order of the life cycle.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc::pilot {

enum class TaskState {
  kNew,
  kTmgrScheduling,
  kAgentStagingInput,
  kAgentScheduling,
  kAgentExecuting,
  kAgentStagingOutput,
  kDone,
  kFailed,
  kCanceled,
};

enum class PilotState { kNew, kPmgrLaunching, kPmgrActive, kDone, kFailed, kCanceled };

std::string_view ToString(TaskState state);
std::string_view ToString(PilotState state);
Result<TaskState> TaskStateFromString(std::string_view name);
Result<PilotState> PilotStateFromString(std::string_view name);

// A final state is never left: the task or pilot is over.
inline bool IsFinal(TaskState state) { return state >= TaskState::kDone; }
inline bool IsFinal(PilotState state) { return state >= PilotState::kDone; }

inline const std::vector<TaskState>& FinalTaskStates() {
  static const std::vector<TaskState> kFinal = {TaskState::kDone, TaskState::kFailed, TaskState::kCanceled};
  return kFinal;
}

// Seconds since the Unix epoch: the one clock of every profile, comparable across the processes of
// one machine (and across nodes with synchronized clocks).
double Now();

template <typename State>
struct StateTransition {
  State state;
  double time;
};

}  // namespace deeprc::pilot
