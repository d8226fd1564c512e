// Helpers of the pilot runtime tests: status assertions, a temporary session folder, and a local
// pilot with a TaskManager ready to take tasks.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <memory>
#include <string>

#include "deeprc/pilot/pilot_manager.h"
#include "deeprc/pilot/session.h"
#include "deeprc/pilot/task_manager.h"

#define PILOT_ASSERT_OK(expr)                            \
  do {                                                   \
    const ::arrow::Status _st = ::arrow::ToStatus(expr); \
    ASSERT_TRUE(_st.ok()) << _st.ToString();             \
  } while (false)

#define PILOT_ASSIGN_OR_FAIL(lhs, rexpr)                              \
  auto lhs##_result = (rexpr);                                        \
  ASSERT_TRUE(lhs##_result.ok()) << lhs##_result.status().ToString(); \
  auto lhs = std::move(*lhs##_result)

namespace deeprc::pilot::testing {

class TempFolder {
 public:
  TempFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "deeprc-pilot-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string ReadFile(const std::string& path) {
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  return text.str();
}

// Polls `condition` every 10 ms for at most `seconds`; whether it held.
template <typename Condition>
bool Within(double seconds, Condition condition) {
  for (auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

inline TaskDescription Command(std::vector<std::string> argv) {
  TaskDescription task;
  task.executable = argv.at(0);
  task.arguments.assign(argv.begin() + 1, argv.end());
  return task;
}

inline TaskDescription Shell(const std::string& line) {
  TaskDescription task;
  task.executable = line;
  task.shell = true;
  return task;
}

// A session in a temporary folder, one local pilot of `cores` slots, and a TaskManager on it.
class LocalPilotTest : public ::testing::Test {
 protected:
  void StartPilot(int cores, int function_workers = 0, const std::string& pool_executable = DEEPRC_POOL_PATH) {
    SessionOptions options;
    options.dir = (folder_.path() / "session").string();
    auto session = Session::Create(options);
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    session_ = *session;
    pilot_manager_ = std::make_unique<PilotManager>(session_);
    PilotDescription description;
    description.cores = cores;
    description.agent_executable = DEEPRC_AGENT_PATH;
    description.pool_executable = pool_executable;
    description.function_workers = function_workers;
    auto pilot = pilot_manager_->Submit(description);
    ASSERT_TRUE(pilot.ok()) << pilot.status().ToString();
    pilot_ = *pilot;
    task_manager_ = std::make_unique<TaskManager>(session_);
    PILOT_ASSERT_OK(task_manager_->AddPilot(pilot_));
    PILOT_ASSERT_OK(pilot_->Wait({PilotState::kPmgrActive}, 30));
  }

  void TearDown() override {
    task_manager_.reset();
    pilot_manager_.reset();
  }

  TempFolder folder_;
  std::shared_ptr<Session> session_;
  std::unique_ptr<PilotManager> pilot_manager_;
  std::shared_ptr<Pilot> pilot_;
  std::unique_ptr<TaskManager> task_manager_;
};

}  // namespace deeprc::pilot::testing
