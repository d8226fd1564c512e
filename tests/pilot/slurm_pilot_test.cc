// Pilots as Slurm jobs on a one- and a two-node Slurm started on this machine: single- and
// multi-rank tasks, ranks across both nodes, and no job left behind.
#include <fstream>
#include <set>
#include <sstream>

#include "slurm_cluster.h"
#include "test_util.h"

namespace deeprc::pilot {
namespace {

using testing::Command;

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::set<std::string> Lines(const std::string& text) {
  std::set<std::string> lines;
  std::stringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.insert(line);
  return lines;
}

class SlurmPilotTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    auto cluster = testing::SlurmCluster::Start(GetParam());
    if (cluster.status().IsNotImplemented()) GTEST_SKIP() << cluster.status().message();
    ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
    cluster_ = std::move(*cluster);
  }
  void TearDown() override { cluster_.reset(); }

  testing::TempFolder folder_;
  std::unique_ptr<testing::SlurmCluster> cluster_;
};

TEST_P(SlurmPilotTest, RunsSingleAndMultiRankTasksAndLeavesNoJob) {
  const int nodes = GetParam();
  SessionOptions options;
  options.dir = (folder_.path() / "session").string();
  PILOT_ASSIGN_OR_FAIL(session, Session::Create(options));
  {
    PilotManager pilot_manager(session);
    PilotDescription description;
    description.resource = "slurm";
    description.nodes = nodes;
    description.agent_executable = DEEPRC_AGENT_PATH;
    description.launch_timeout = 60;
    PILOT_ASSIGN_OR_FAIL(pilot, pilot_manager.Submit(description));
    TaskManager task_manager(session);
    PILOT_ASSERT_OK(task_manager.AddPilot(pilot));
    PILOT_ASSERT_OK(pilot->Wait({PilotState::kPmgrActive}, 60));
    EXPECT_EQ(pilot->resources()["nodes"].size(), static_cast<size_t>(nodes));
    EXPECT_FALSE(cluster_->Queue().empty());  // the pilot is a job

    std::vector<TaskDescription> descriptions(4, Command({"/bin/hostname"}));
    auto mpi = Command({DEEPRC_MPI_HELLO_PATH});
    mpi.ranks = 2 * nodes;  // every core of the pilot: both nodes when there are two
    mpi.environment = {{"OMPI_MCA_btl_vader_backing_directory", "/tmp"}};
    descriptions.push_back(mpi);
    PILOT_ASSIGN_OR_FAIL(tasks, task_manager.Submit(descriptions));
    PILOT_ASSERT_OK(task_manager.Wait({}, FinalTaskStates(), 120));
    for (const auto& task : tasks) {
      EXPECT_EQ(task.state(), TaskState::kDone) << task.uid() << ": " << task.reason() << "\n"
                                                << ReadFile(task.stderr_path());
    }
    std::set<std::string> expected;
    for (int rank = 0; rank < 2 * nodes; ++rank) {
      expected.insert("rank " + std::to_string(rank) + " of " + std::to_string(2 * nodes));
    }
    EXPECT_EQ(Lines(ReadFile(tasks.back().stdout_path())), expected);
    std::set<std::string> used_nodes;
    for (const auto& rank : tasks.back().placement()) used_nodes.insert(rank.node);
    EXPECT_EQ(static_cast<int>(used_nodes.size()), nodes);
  }  // the session's managers close here
  EXPECT_EQ(cluster_->Queue(), "");
}

INSTANTIATE_TEST_SUITE_P(Nodes, SlurmPilotTest, ::testing::Values(1, 2),
                         [](const auto& info) { return std::to_string(info.param) + "Node"; });

}  // namespace
}  // namespace deeprc::pilot
