// The states a pipeline keeps of its tasks and stages: the pilot's task states (none before a task
// is submitted) and a stage's state summed up from its tasks'. Spelled as strings only in files.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "deeprc/core/status.h"
#include "deeprc/pilot/states.h"

namespace deeprc::pipeline {

// A task's pilot state; none before it is submitted ("PENDING" in stage.json and reports).
using RecordedState = std::optional<pilot::TaskState>;

// The spelling of a task state in the session's files and reports: the pilot's names, or PENDING.
std::string ToString(const RecordedState& state);
Result<RecordedState> RecordedStateFromString(std::string_view name);

// A stage's state, from its tasks' (see StageRecord::State).
enum class StageState { kPending, kRunning, kDone, kFailed, kCanceled };

std::string_view ToString(StageState state);

}  // namespace deeprc::pipeline
