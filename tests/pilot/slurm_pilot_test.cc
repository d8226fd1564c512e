// Pilots as Slurm jobs on a one- and a two-node Slurm started on this machine: single- and
// multi-rank tasks, ranks across both nodes, function tasks on a pool started with srun, and no
// job left behind.
#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>

#include "slurm_cluster.h"
#include "test_util.h"

namespace deeprc::pilot {
namespace {

using testing::Command;
using testing::ReadFile;

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
  void TearDown() override {
    ClosePilot();
    cluster_.reset();
  }

  // A session, a pilot of `nodes` nodes as a Slurm job (ACTIVE), and a TaskManager on it.
  void StartPilot(int nodes) {
    SessionOptions options;
    options.dir = (folder_.path() / "session").string();
    PILOT_ASSIGN_OR_FAIL(session, Session::Create(options));
    pilot_manager_ = std::make_unique<PilotManager>(session);
    PilotDescription description;
    description.resource = "slurm";
    description.nodes = nodes;
    description.agent_executable = DEEPRC_AGENT_PATH;
    description.pool_executable = DEEPRC_POOL_PATH;
    description.launch_timeout = 60;
    PILOT_ASSIGN_OR_FAIL(pilot, pilot_manager_->Submit(description));
    pilot_ = pilot;
    task_manager_ = std::make_unique<TaskManager>(session);
    PILOT_ASSERT_OK(task_manager_->AddPilot(pilot_));
    PILOT_ASSERT_OK(pilot_->Wait({PilotState::kPmgrActive}, 60));
  }
  // Closes the session's managers, which ends the pilot's job.
  void ClosePilot() {
    task_manager_.reset();
    pilot_.reset();
    pilot_manager_.reset();
  }

  testing::TempFolder folder_;
  std::unique_ptr<testing::SlurmCluster> cluster_;
  std::unique_ptr<PilotManager> pilot_manager_;
  std::shared_ptr<Pilot> pilot_;
  std::unique_ptr<TaskManager> task_manager_;
};

TEST_P(SlurmPilotTest, RunsSingleAndMultiRankTasksAndLeavesNoJob) {
  const int nodes = GetParam();
  ASSERT_NO_FATAL_FAILURE(StartPilot(nodes));
  {
    auto& task_manager = *task_manager_;
    EXPECT_EQ(pilot_->resources()["nodes"].size(), static_cast<size_t>(nodes));
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
  }
  ClosePilot();
  EXPECT_EQ(cluster_->Queue(), "");
}

TEST_P(SlurmPilotTest, FunctionTasksRunOnAPoolAcrossTheNodes) {
  const int nodes = GetParam();
  // Both simulated nodes are this one host: Open MPI's shared-memory transport would map the same
  // segment names from both "nodes" (ranks crash in it), so the pool leaves it out here, as
  // tests/integration does; a real cluster keeps it. The agent's batch job passes the environment
  // on to the pool's srun.
  struct WithoutSharedMemory {
    WithoutSharedMemory() { ::setenv("OMPI_MCA_btl", "^vader", 1); }
    ~WithoutSharedMemory() { ::unsetenv("OMPI_MCA_btl"); }
  } without_shared_memory;
  ASSERT_NO_FATAL_FAILURE(StartPilot(nodes));
  {
    auto& task_manager = *task_manager_;
    std::vector<TaskDescription> descriptions;
    for (int ranks : {1, 2 * nodes}) {  // the widest one spans every worker, on every node
      TaskDescription task;
      task.mode = TaskMode::kFunction;
      task.function = "test.world_ranks";
      task.library = DEEPRC_FUNCTION_LIBRARY;
      task.ranks = ranks;
      descriptions.push_back(task);
    }
    PILOT_ASSIGN_OR_FAIL(tasks, task_manager.Submit(descriptions));
    PILOT_ASSERT_OK(task_manager.Wait({}, FinalTaskStates(), 120));
    for (const auto& task : tasks) {
      ASSERT_EQ(task.state(), TaskState::kDone) << task.uid() << ": " << task.reason();
      const auto ranks = task.result().at("world_ranks").get<std::vector<int>>();
      EXPECT_EQ(static_cast<int>(ranks.size()), task.description().ranks);
      int sum = 0;
      for (int rank : ranks) sum += rank;
      EXPECT_EQ(task.result().at("sum").get<int>(), sum);
    }
    // The widest task had all 2 x nodes workers: world ranks 1 .. 2 x nodes.
    auto widest = tasks.back().result().at("world_ranks").get<std::vector<int>>();
    std::sort(widest.begin(), widest.end());
    std::vector<int> all(2 * nodes);
    std::iota(all.begin(), all.end(), 1);
    EXPECT_EQ(widest, all);
  }
  ClosePilot();
  EXPECT_EQ(cluster_->Queue(), "");
}

INSTANTIATE_TEST_SUITE_P(Nodes, SlurmPilotTest, ::testing::Values(1, 2),
                         [](const auto& info) { return std::to_string(info.param) + "Node"; });

}  // namespace
}  // namespace deeprc::pilot
