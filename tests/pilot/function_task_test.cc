// Function tasks (mode: function) through the TaskManager on a local pilot: the agent starts a
// pool of persistent workers (deeprc-raptor) on the pilot's cores, feeds it the tasks and reports
// their results. The functions come from the raptor tests' function library.
#include <signal.h>

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "deeprc/pilot/profiler.h"
#include "test_util.h"

namespace deeprc::pilot {
namespace {

using testing::Command;
using testing::LocalPilotTest;

TaskDescription Function(const std::string& function, int ranks, nlohmann::json args = nlohmann::json::object()) {
  TaskDescription task;
  task.mode = TaskMode::kFunction;
  task.function = function;
  task.library = DEEPRC_FUNCTION_LIBRARY;
  task.ranks = ranks;
  task.args = std::move(args);
  return task;
}

std::set<int> WorldRanks(const Task& task) {
  auto ranks = task.result().at("world_ranks").get<std::vector<int>>();
  return {ranks.begin(), ranks.end()};
}

TEST_F(LocalPilotTest, FunctionTasksOfOneTwoAndThreeRanksRunAtOnceOnDisjointWorkers) {
  StartPilot(6);  // 6 slots on this 2-core machine: a pool of 6 workers, oversubscribed
  std::vector<TaskDescription> descriptions;
  for (int ranks : {1, 2, 3}) descriptions.push_back(Function("test.world_ranks", ranks, {{"sleep_ms", 500}}));
  PILOT_ASSIGN_OR_FAIL(tasks, task_manager_->Submit(descriptions));
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 120));
  std::set<int> all;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const Task& task = tasks[i];
    ASSERT_EQ(task.state(), TaskState::kDone) << task.uid() << ": " << task.reason();
    const auto& result = task.result();
    const int ranks = static_cast<int>(i) + 1;
    EXPECT_EQ(result.at("size").get<int>(), ranks);
    EXPECT_EQ(result.at("rank").get<int>(), 0);  // the value is the task's rank 0's
    const std::set<int> workers = WorldRanks(task);
    ASSERT_EQ(static_cast<int>(workers.size()), ranks) << result.dump();
    int sum = 0;
    for (int worker : workers) {
      EXPECT_GE(worker, 1);  // rank 0 of the pool is its master
      EXPECT_LE(worker, 6);
      sum += worker;
      EXPECT_TRUE(all.insert(worker).second) << "worker " << worker << " ran two of the concurrent tasks";
    }
    EXPECT_EQ(result.at("sum").get<int>(), sum);  // the all-reduce ran over exactly these workers
  }
  // All three were in the pool at once (6 workers, 1 + 2 + 3 ranks): their runs overlap.
  auto executing = [](const Task& task) {
    double start = 0, end = 0;
    for (const auto& transition : task.history()) {
      if (transition.state == TaskState::kAgentExecuting) start = transition.time;
      if (transition.state == TaskState::kAgentStagingOutput) end = transition.time;
    }
    return std::make_pair(start, end);
  };
  double latest_start = 0, earliest_end = 1e300;
  for (const auto& task : tasks) {
    latest_start = std::max(latest_start, executing(task).first);
    earliest_end = std::min(earliest_end, executing(task).second);
  }
  EXPECT_LT(latest_start, earliest_end);
}

TEST_F(LocalPilotTest, FunctionTasksThatCannotRunFailWithTheReason) {
  StartPilot(3);
  auto unknown = Function("test.no_such_function", 1);
  unknown.retries = 1;  // tried again, as an executable would be, then FAILED
  auto too_wide = Function("test.world_ranks", 4);
  auto missing_library = Function("test.world_ranks", 2);
  missing_library.library = "/nonexistent/libfunctions.so";
  auto good = Function("test.world_ranks", 3);
  PILOT_ASSIGN_OR_FAIL(tasks, task_manager_->Submit({unknown, too_wide, missing_library, good}));
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 120));
  EXPECT_EQ(tasks[0].state(), TaskState::kFailed);
  EXPECT_NE(tasks[0].reason().find("no function task named 'test.no_such_function'"), std::string::npos)
      << tasks[0].reason();
  int attempts = 0;
  for (const auto& transition : tasks[0].history()) attempts += transition.state == TaskState::kAgentExecuting;
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(tasks[1].state(), TaskState::kFailed);
  EXPECT_NE(tasks[1].reason().find("can never run on this pilot: it asks for 4 ranks, and the function pool has 3"),
            std::string::npos)
      << tasks[1].reason();
  EXPECT_EQ(tasks[2].state(), TaskState::kFailed);
  EXPECT_NE(tasks[2].reason().find("/nonexistent/libfunctions.so"), std::string::npos) << tasks[2].reason();
  ASSERT_EQ(tasks[3].state(), TaskState::kDone) << tasks[3].reason();
  EXPECT_EQ(WorldRanks(tasks[3]), (std::set<int>{1, 2, 3}));
}

TEST_F(LocalPilotTest, AMissingPoolProgramFailsTheFunctionTasksAtOnce) {
  StartPilot(2, 0, "/nonexistent/deeprc-raptor");
  PILOT_ASSIGN_OR_FAIL(tasks, task_manager_->Submit({Function("test.world_ranks", 1), Command({"/bin/true"})}));
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 60));
  EXPECT_EQ(tasks[0].state(), TaskState::kFailed);
  EXPECT_NE(tasks[0].reason().find("'/nonexistent/deeprc-raptor' is not there"), std::string::npos)
      << tasks[0].reason();
  EXPECT_EQ(tasks[1].state(), TaskState::kDone) << tasks[1].reason();  // executables are not held up
}

TEST_F(LocalPilotTest, AWorkerKilledMidTaskFailsOnlyItsTask) {
  StartPilot(4);
  PILOT_ASSIGN_OR_FAIL(victim_submitted, task_manager_->Submit({Function("test.sleep_with_pid_file", 1)}));
  const Task victim = victim_submitted.front();
  PILOT_ASSIGN_OR_FAIL(neighbour_submitted, task_manager_->Submit({Function("test.world_ranks", 2, {{"sleep_ms", 1500}})}));
  const Task neighbour = neighbour_submitted.front();
  // The victim's worker writes its pid into the task's sandbox once it runs the function.
  const std::string pid_file = victim.sandbox() + "/worker.pid";
  for (int i = 0; i < 600 && !std::filesystem::exists(pid_file); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(std::filesystem::exists(pid_file)) << victim.reason();
  pid_t pid = 0;
  std::ifstream(pid_file) >> pid;
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  PILOT_ASSERT_OK(task_manager_->Wait({victim.uid(), neighbour.uid()}, FinalTaskStates(), 120));
  EXPECT_EQ(victim.state(), TaskState::kFailed);
  EXPECT_NE(victim.reason().find("died while running it"), std::string::npos) << victim.reason();
  EXPECT_NE(victim.reason().find("pid " + std::to_string(pid)), std::string::npos) << victim.reason();
  ASSERT_EQ(neighbour.state(), TaskState::kDone) << neighbour.reason();
  // The pool goes on with the 3 workers left: a 3-rank task runs on them, none on the dead one,
  // and the dead worker's core is the scheduler's again: an executable runs on it meanwhile.
  PILOT_ASSIGN_OR_FAIL(later_submitted,
                       task_manager_->Submit({Function("test.world_ranks", 3, {{"sleep_ms", 2000}}),
                                              Command({"/bin/echo", "on the freed core"})}));
  const Task later = later_submitted[0], executable = later_submitted[1];
  PILOT_ASSERT_OK(task_manager_->Wait({later.uid(), executable.uid()}, FinalTaskStates(), 120));
  ASSERT_EQ(later.state(), TaskState::kDone) << later.reason();
  EXPECT_EQ(WorldRanks(later).size(), 3u);
  ASSERT_EQ(executable.state(), TaskState::kDone) << executable.reason();
  EXPECT_LT(executable.history().back().time, later.history().back().time)
      << "the executable waited for the pool instead of taking the dead worker's core";
}

TEST_F(LocalPilotTest, GpuFunctionTasksRunOnWorkersThatHaveAGpu) {
  // Two GPUs named 3 and 5 as CUDA_VISIBLE_DEVICES shows them (the pilot discovers GPUs from it;
  // no GPU is used): a pool of 4 workers, the first two with one GPU each.
  const char* before = std::getenv("CUDA_VISIBLE_DEVICES");
  const std::string saved = before ? before : "";
  ::setenv("CUDA_VISIBLE_DEVICES", "3,5", 1);
  SessionOptions options;
  options.dir = (folder_.path() / "session").string();
  PILOT_ASSIGN_OR_FAIL(session, Session::Create(options));
  session_ = session;
  pilot_manager_ = std::make_unique<PilotManager>(session_);
  PilotDescription description;
  description.cores = 4;
  description.gpus = 2;
  description.agent_executable = DEEPRC_AGENT_PATH;
  description.pool_executable = DEEPRC_POOL_PATH;
  PILOT_ASSIGN_OR_FAIL(pilot, pilot_manager_->Submit(description));
  pilot_ = pilot;
  task_manager_ = std::make_unique<TaskManager>(session_);
  PILOT_ASSERT_OK(task_manager_->AddPilot(pilot_));
  PILOT_ASSERT_OK(pilot_->Wait({PilotState::kPmgrActive}, 30));
  if (before) {
    ::setenv("CUDA_VISIBLE_DEVICES", saved.c_str(), 1);
  } else {
    ::unsetenv("CUDA_VISIBLE_DEVICES");
  }

  auto on_gpus = Function("test.devices", 2);
  on_gpus.gpus_per_rank = 1;
  auto on_cpus = Function("test.devices", 2);
  auto too_many = Function("test.devices", 3);
  too_many.gpus_per_rank = 1;
  // An NCCL communicator over the two GPU workers: these GPUs are names only, so NCCL (or the
  // CUDA runtime) says there is no device, on both ranks at once, and only this task fails.
  auto over_nccl = Function("test.devices", 2);
  over_nccl.gpus_per_rank = 1;
  over_nccl.backend = "nccl";
  PILOT_ASSIGN_OR_FAIL(tasks, task_manager_->Submit({on_gpus, on_cpus, too_many, over_nccl}));
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 120));
  ASSERT_EQ(tasks[0].state(), TaskState::kDone) << tasks[0].reason();
  ASSERT_EQ(tasks[1].state(), TaskState::kDone) << tasks[1].reason();
  auto sorted = [](const nlohmann::json& values) {
    auto list = values.get<std::vector<int>>();
    std::sort(list.begin(), list.end());
    return list;
  };
  // Each rank of the GPU task has its own GPU, in its context and as the only one CUDA sees.
  EXPECT_EQ(sorted(tasks[0].result().at("gpus")), (std::vector<int>{3, 5})) << tasks[0].result().dump();
  EXPECT_EQ(sorted(tasks[0].result().at("visible")), (std::vector<int>{3, 5})) << tasks[0].result().dump();
  // The task without GPUs ran on the workers without one: no GPU in its context, none visible.
  EXPECT_EQ(sorted(tasks[1].result().at("gpus")), (std::vector<int>{-1, -1})) << tasks[1].result().dump();
  EXPECT_EQ(sorted(tasks[1].result().at("visible")), (std::vector<int>{-1, -1})) << tasks[1].result().dump();
  EXPECT_EQ(tasks[2].state(), TaskState::kFailed);
  EXPECT_NE(tasks[2].reason().find("the function pool has 2 workers with a GPU"), std::string::npos)
      << tasks[2].reason();
  EXPECT_EQ(tasks[3].state(), TaskState::kFailed);
  EXPECT_NE(tasks[3].reason().find("NCCL"), std::string::npos) << tasks[3].reason();
}

TEST_F(LocalPilotTest, FunctionAndExecutableTasksShareThePilot) {
  // The pool holds every core while it works; an idle pool gives them to waiting executables and
  // a later function task starts a new one.
  StartPilot(2);
  PILOT_ASSIGN_OR_FAIL(first_submitted, task_manager_->Submit({Function("test.world_ranks", 2)}));
  const Task first = first_submitted.front();
  PILOT_ASSIGN_OR_FAIL(executable_submitted, task_manager_->Submit({Command({"/bin/echo", "between"})}));
  const Task executable = executable_submitted.front();
  PILOT_ASSERT_OK(task_manager_->Wait({first.uid(), executable.uid()}, FinalTaskStates(), 120));
  ASSERT_EQ(first.state(), TaskState::kDone) << first.reason();
  ASSERT_EQ(executable.state(), TaskState::kDone) << executable.reason();
  PILOT_ASSIGN_OR_FAIL(second_submitted, task_manager_->Submit({Function("test.world_ranks", 1)}));
  const Task second = second_submitted.front();
  PILOT_ASSERT_OK(task_manager_->Wait({second.uid()}, FinalTaskStates(), 120));
  ASSERT_EQ(second.state(), TaskState::kDone) << second.reason();
  PILOT_ASSERT_OK(pilot_->Close(PilotState::kDone));

  // The agent's profile has the function tasks' overheads, as the paper defines them.
  std::ifstream profile(pilot_->sandbox() / "agent.prof");
  int overheads = 0, pools = 0;
  for (std::string line; std::getline(profile, line);) {
    if (line.find("function_overheads") != std::string::npos) {
      ++overheads;
      EXPECT_NE(line.find("communicator_ms"), std::string::npos) << line;
    }
    pools += line.find(",pool_ready,") != std::string::npos;
  }
  EXPECT_EQ(overheads, 2);
  EXPECT_EQ(pools, 2);
}

}  // namespace
}  // namespace deeprc::pilot
