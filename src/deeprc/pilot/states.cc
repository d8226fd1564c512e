#include "deeprc/pilot/states.h"

#include <array>
#include <chrono>

namespace deeprc::pilot {
namespace {

constexpr std::array<std::string_view, 9> kTaskStateNames = {"NEW",
                                                             "TMGR_SCHEDULING",
                                                             "AGENT_STAGING_INPUT",
                                                             "AGENT_SCHEDULING",
                                                             "AGENT_EXECUTING",
                                                             "AGENT_STAGING_OUTPUT",
                                                             "DONE",
                                                             "FAILED",
                                                             "CANCELED"};
constexpr std::array<std::string_view, 6> kPilotStateNames = {"NEW",  "PMGR_LAUNCHING", "PMGR_ACTIVE",
                                                              "DONE", "FAILED",         "CANCELED"};

template <typename State, size_t N>
Result<State> FromName(const std::array<std::string_view, N>& names, std::string_view name,
                       const char* what) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<State>(i);
  }
  return Status::Invalid("unknown ", what, " state '", name, "'");
}

}  // namespace

std::string_view ToString(TaskState state) { return kTaskStateNames.at(static_cast<size_t>(state)); }
std::string_view ToString(PilotState state) { return kPilotStateNames.at(static_cast<size_t>(state)); }

Result<TaskState> TaskStateFromString(std::string_view name) {
  return FromName<TaskState>(kTaskStateNames, name, "task");
}
Result<PilotState> PilotStateFromString(std::string_view name) {
  return FromName<PilotState>(kPilotStateNames, name, "pilot");
}

double Now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

}  // namespace deeprc::pilot
