#include "deeprc/pipeline/stage_state.h"

#include "deeprc/core/enum_names.h"

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
  static constexpr EnumName<StageState> kNames[] = {{StageState::kPending, kPending},
                                                    {StageState::kRunning, "RUNNING"},
                                                    {StageState::kDone, "DONE"},
                                                    {StageState::kFailed, "FAILED"},
                                                    {StageState::kCanceled, "CANCELED"}};
  return NameOf(kNames, state);
}

}  // namespace deeprc::pipeline
