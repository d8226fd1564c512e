// Profiles of a session read back: counts, overheads, utilization and a Chrome trace.
#include <fstream>

#include <nlohmann/json.hpp>

#include "deeprc/pilot/profile_report.h"
#include "deeprc/pilot/profiler.h"
#include "test_util.h"

namespace deeprc::pilot {
namespace {

using testing::Command;
using testing::LocalPilotTest;
using testing::Shell;

class ProfileTest : public LocalPilotTest {};

TEST_F(ProfileTest, ReportsOverheadsAndWritesAChromeTrace) {
  StartPilot(2);
  std::vector<TaskDescription> descriptions(20, Command({"/bin/true"}));
  descriptions.push_back(Shell("exit 1"));
  PILOT_ASSIGN_OR_FAIL(tasks, task_manager_->Submit(descriptions));
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 60));
  PILOT_ASSERT_OK(pilot_->Close(PilotState::kDone));

  PILOT_ASSIGN_OR_FAIL(report, AnalyzeSession(session_->dir().string()));
  EXPECT_EQ(report.tasks, 21);
  EXPECT_EQ(report.done, 20);
  EXPECT_EQ(report.failed, 1);
  EXPECT_EQ(report.cores, 2);
  EXPECT_GT(report.throughput, 0);
  EXPECT_GT(report.pilot_startup, 0);
  EXPECT_GE(report.runtime_overhead.p99, report.runtime_overhead.p50);
  EXPECT_GT(report.utilization, 0);
  EXPECT_LE(report.utilization, 1.0001);
  EXPECT_EQ(report.utilization_series.size(), 20u);
  EXPECT_NE(FormatReport(report).find("21 (20 done, 1 failed, 0 canceled)"), std::string::npos);

  const std::string trace_path = (folder_.path() / "trace.json").string();
  PILOT_ASSERT_OK(WriteChromeTrace(session_->dir().string(), trace_path));
  auto trace = nlohmann::json::parse(std::ifstream(trace_path));
  int executions = 0;
  for (const auto& event : trace["traceEvents"]) {
    if (event["ph"] == "X") {
      ++executions;
      EXPECT_GE(event["dur"].get<double>(), 0);
    }
  }
  EXPECT_EQ(executions, 21);
}

TEST(Profile, AFolderThatIsNoSessionIsAnError) {
  testing::TempFolder folder;
  auto report = AnalyzeSession(folder.path().string());
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("is not a session folder"), std::string::npos);
}

// Issue 14, item 11: "submit->start" counted the wait on `after` as if it were scheduling.
TEST_F(ProfileTest, WaitingOnDependenciesIsToldFromSchedulingAndLaunch) {
  StartPilot(2);
  auto first = Shell("sleep 0.3");
  first.uid = "first";
  auto then = Command({"/bin/true"});
  then.uid = "then";
  then.after = {"first"};
  PILOT_ASSIGN_OR_FAIL(tasks, task_manager_->Submit({first, then}));
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 60));
  PILOT_ASSERT_OK(pilot_->Close(PilotState::kDone));
  ASSERT_EQ(tasks[1].state(), TaskState::kDone) << tasks[1].reason();

  // The reference: when the client learned that 'first' was DONE, from the tasks' own histories.
  const double submitted = tasks[1].history().front().time;
  const double first_done = tasks[0].history().back().time;
  PILOT_ASSIGN_OR_FAIL(report, AnalyzeSession(session_->dir().string()));
  EXPECT_EQ(report.dependency_waiters, 1);
  EXPECT_GE(report.dependency_wait.max, first_done - submitted);
  // ... and is a part of its submit->start, the rest being ready->start.
  EXPECT_LE(report.dependency_wait.max, report.submit_to_start.max);
  const std::string text = FormatReport(report);
  EXPECT_NE(text.find("(tasks held for their 'after': 1)"), std::string::npos) << text;
  EXPECT_NE(text.find("ready->start"), std::string::npos) << text;
}

// Issue 14, item 11: a FAILED pilot was summarised as "ACTIVE 0.000 s after submission, 0 cores".
TEST(Profile, APilotThatNeverBecameActiveSaysHowItEnded) {
  testing::TempFolder folder;
  {
    PILOT_ASSIGN_OR_FAIL(profiler, Profiler::Open((folder.path() / "client.prof").string()));
    profiler->Record(100.0, "pilot_state", "pilot.0000", "NEW");
    profiler->Record(100.5, "pilot_state", "pilot.0000", "FAILED", "agent: 8 GPUs asked, 0 visible");
    profiler->Record(100.1, "task_state", "task.000000", "NEW");
    profiler->Record(100.6, "task_state", "task.000000", "FAILED", "pilot pilot.0000 ended FAILED");
  }
  PILOT_ASSIGN_OR_FAIL(report, AnalyzeSession(folder.path().string()));
  EXPECT_FALSE(report.pilot_active);
  const std::string text = FormatReport(report);
  EXPECT_NE(text.find("pilot        FAILED 0.500 s after submission, never ACTIVE: agent: 8 GPUs asked, 0 visible"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("ACTIVE 0.000"), std::string::npos) << text;
}

}  // namespace
}  // namespace deeprc::pilot
