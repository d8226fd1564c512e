#include "deeprc/pipeline/stage_state.h"

namespace deeprc::pipeline {

namespace {

constexpr std::string_view kPending = "PENDING";

}  // namespace

std::string ToString(const RecordedState& state) {
  return std::string(state ? pilot::ToString(*state) : kPending);
}

Result<RecordedState> RecordedStateFromString(std::string_view name) {
  if (name == kPending) return RecordedState();
  DEEPRC_ASSIGN_OR_RETURN(auto state, pilot::TaskStateFromString(name));
  return RecordedState(state);
}

std::string_view ToString(StageState state) {
  switch (state) {
    case StageState::kPending:
      return kPending;
    case StageState::kRunning:
      return "RUNNING";
    case StageState::kDone:
      return "DONE";
    case StageState::kFailed:
      return "FAILED";
    case StageState::kCanceled:
      return "CANCELED";
  }
  return "?";
}

}  // namespace deeprc::pipeline
