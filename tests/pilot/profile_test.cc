// Profiles of a session read back: counts, overheads, utilization and a Chrome trace.
#include <fstream>

#include <nlohmann/json.hpp>

#include "deeprc/pilot/profile_report.h"
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

}  // namespace
}  // namespace deeprc::pilot
