// Command lines and bindings for each launch method.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>

#include "deeprc/agent/launch_command.h"

namespace deeprc::agent {
namespace {

using pilot::LaunchMethod;
using pilot::TaskDescription;

AgentResources OneNode(bool slurm = false) {
  AgentResources resources;
  resources.slurm = slurm;
  NodeResources node;
  node.name = "n1";
  node.cores = 4;
  node.cpu_ids = {0, 1};
  node.gpus = 2;
  node.gpu_ids = {"5", "7"};
  resources.nodes.push_back(node);
  if (slurm) {
    node.name = "n2";
    resources.nodes.push_back(node);
  }
  return resources;
}

bool Has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

TEST(LaunchCommand, ForkRunsTheArgvBoundToItsCoresAndGpus) {
  TaskDescription task;
  task.uid = "t";
  task.executable = "/bin/echo";
  task.arguments = {"a b"};
  task.cores_per_rank = 2;
  task.gpus_per_rank = 1;
  Placement placement = {{0, {2, 3}, {1}, 0}};
  auto spec = BuildLaunch(task, placement, OneNode(), "/s/t");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->argv, (std::vector<std::string>{"/bin/echo", "a b"}));
  EXPECT_EQ(spec->stdout_path, "/s/t/t.out");
  EXPECT_EQ(spec->working_directory, "/s/t");
  EXPECT_EQ(spec->cpus, (std::vector<int>{0, 1}));  // slots 2, 3 on CPUs 2 % 2, 3 % 2
  EXPECT_TRUE(Has(spec->environment, "CUDA_VISIBLE_DEVICES=7"));
  EXPECT_TRUE(Has(spec->environment, "OMP_NUM_THREADS=2"));
}

TEST(LaunchCommand, ShellAndPrePostExecGoThroughOneShell) {
  TaskDescription task;
  task.uid = "t";
  task.executable = "echo $HOME";
  task.shell = true;
  task.arguments = {"it's"};
  task.pre_exec = {"cd /tmp"};
  task.post_exec = {"echo after"};
  auto spec = BuildLaunch(task, {{0, {0}, {}, 0}}, OneNode(), "/s/t");
  ASSERT_TRUE(spec.ok());
  ASSERT_EQ(spec->argv.size(), 3u);
  EXPECT_EQ(spec->argv[0], "/bin/sh");
  EXPECT_EQ(spec->argv[2],
            "set -e\ncd /tmp\nset +e\n/bin/sh -c 'echo $HOME '\\''it'\\''\\'\\'''\\''s'\\'''\n"
            "deeprc_exit_code=$?\necho after\nexit $deeprc_exit_code\n");
  EXPECT_TRUE(Has(spec->environment, "CUDA_VISIBLE_DEVICES="));  // no GPU asked, none given
}

TEST(LaunchCommand, MultiRankUsesMpirunLocallyAndSrunUnderSlurm) {
  TaskDescription task;
  task.uid = "t";
  task.executable = "app";
  task.ranks = 2;
  EXPECT_EQ(ResolveLaunchMethod(task, OneNode()), LaunchMethod::kMpirun);
  EXPECT_EQ(ResolveLaunchMethod(task, OneNode(true)), LaunchMethod::kSrun);
  auto mpirun = BuildLaunch(task, {{0, {0}, {}, 0}, {0, {1}, {}, 0}}, OneNode(), "/s/t");
  ASSERT_TRUE(mpirun.ok());
  EXPECT_EQ(mpirun->argv[0], "mpirun");
  EXPECT_EQ(mpirun->argv[2], "2");
  EXPECT_EQ(mpirun->argv.back(), "app");

  char folder[] = "/tmp/deeprc-launch-XXXXXX";
  ASSERT_NE(::mkdtemp(folder), nullptr);
  auto srun = BuildLaunch(task, {{0, {0}, {}, 0}, {1, {0}, {}, 0}}, OneNode(true), folder);
  ASSERT_TRUE(srun.ok()) << srun.status().ToString();
  EXPECT_EQ(srun->argv[0], "srun");
  EXPECT_TRUE(Has(srun->argv, "--mpi=pmix"));
  EXPECT_TRUE(Has(srun->argv, "--ntasks=2"));
  EXPECT_TRUE(Has(srun->argv, "--distribution=arbitrary"));
  EXPECT_TRUE(Has(srun->environment, std::string("SLURM_HOSTFILE=") + folder + "/slurm.hosts"));
  EXPECT_TRUE(srun->cpus.empty());  // srun binds
  std::filesystem::remove_all(folder);
}

TEST(LaunchCommand, ForkCannotStartSeveralRanks) {
  TaskDescription task;
  task.uid = "t";
  task.executable = "app";
  task.launch_method = LaunchMethod::kFork;
  auto spec = BuildLaunch(task, {{0, {0}, {}, 0}, {0, {1}, {}, 0}}, OneNode(), "/s/t");
  EXPECT_FALSE(spec.ok());
}

}  // namespace
}  // namespace deeprc::agent
