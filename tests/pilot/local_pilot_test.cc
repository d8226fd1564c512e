// The acceptance list of the pilot runtime on a local pilot: throughput, outcomes and their
// reasons, MPI ranks, exclusive cores, oversize tasks, cancel, and refusing strangers.
#include <signal.h>

#include <cerrno>

#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <zmq.hpp>

#include "deeprc/pilot/profiler.h"
#include "deeprc/pilot/protocol.h"
#include "test_util.h"

namespace deeprc::pilot {
namespace {

using testing::Command;
using testing::LocalPilotTest;
using testing::ReadFile;
using testing::Shell;
using testing::Within;

bool Reached(const Task& task, TaskState state) {
  for (const auto& transition : task.history()) {
    if (transition.state == state) return true;
  }
  return false;
}

// Gone for good: not even a zombie waiting to be reaped (kill(2) still finds a zombie).
bool Gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// The pid a task's shell wrote into `file` in its sandbox, once it is there.
pid_t PidFrom(const std::string& file) {
  pid_t pid = 0;
  Within(30, [&] {
    std::ifstream(file) >> pid;
    return pid > 0;
  });
  return pid;
}

// setsid puts the sleep in a session and process group of its own, out of reach of the kill of
// the task's group; it writes its own pid, whether or not setsid forked.
constexpr const char* kEscape = "setsid sh -c 'echo $$ > sleeper.pid; exec sleep 311' > /dev/null 2>&1 & ";

TEST_F(LocalPilotTest, PilotBecomesActiveWithDiscoveredResources) {
  StartPilot(3);
  EXPECT_EQ(pilot_->state(), PilotState::kPmgrActive);
  auto resources = pilot_->resources();
  ASSERT_EQ(resources["nodes"].size(), 1u);
  EXPECT_EQ(resources["nodes"][0]["cores"].get<int>(), 3);
  std::vector<PilotState> states;
  for (const auto& transition : pilot_->history()) states.push_back(transition.state);
  EXPECT_EQ(states,
            (std::vector<PilotState>{PilotState::kNew, PilotState::kPmgrLaunching, PilotState::kPmgrActive}));
  PILOT_ASSERT_OK(pilot_->Close(PilotState::kDone));
  EXPECT_EQ(pilot_->state(), PilotState::kDone);
}

TEST_F(LocalPilotTest, ThousandTrueTasksAllDone) {
  StartPilot(0);
  std::vector<TaskDescription> descriptions(1000, Command({"/bin/true"}));
  PILOT_ASSIGN_OR_FAIL(tasks, task_manager_->Submit(descriptions));
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 300));
  auto counts = task_manager_->CountByState();
  EXPECT_EQ(counts[TaskState::kDone], 1000);
  for (const auto& task : tasks) {
    ASSERT_EQ(task.state(), TaskState::kDone) << task.uid() << ": " << task.reason();
    ASSERT_EQ(task.exit_code(), 0);
  }
  // Every state of the model, in order, each with a time.
  auto history = tasks.front().history();
  std::vector<TaskState> states;
  for (const auto& transition : history) states.push_back(transition.state);
  EXPECT_EQ(states, (std::vector<TaskState>{TaskState::kNew, TaskState::kTmgrScheduling,
                                            TaskState::kAgentStagingInput, TaskState::kAgentScheduling,
                                            TaskState::kAgentExecuting, TaskState::kAgentStagingOutput,
                                            TaskState::kDone}));
  for (size_t i = 1; i < history.size(); ++i) EXPECT_GE(history[i].time, history[i - 1].time);
}

TEST_F(LocalPilotTest, MixedOutcomesEndInTheRightStateWithReasons) {
  StartPilot(2);
  auto good = Command({"/bin/echo", "hello"});
  auto failing = Shell("exit 3");
  auto crashing = Shell("kill -SEGV $$");
  auto hanging = Command({"/bin/sleep", "1000"});
  hanging.timeout = 0.5;
  auto missing = Command({"/no/such/program"});
  PILOT_ASSIGN_OR_FAIL(tasks, task_manager_->Submit({good, failing, crashing, hanging, missing, good}));
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 60));

  EXPECT_EQ(tasks[0].state(), TaskState::kDone);
  EXPECT_EQ(ReadFile(tasks[0].stdout_path()), "hello\n");
  EXPECT_EQ(tasks[5].state(), TaskState::kDone);

  EXPECT_EQ(tasks[1].state(), TaskState::kFailed);
  EXPECT_EQ(tasks[1].exit_code(), 3);
  EXPECT_EQ(tasks[1].reason(), "exit code 3");

  EXPECT_EQ(tasks[2].state(), TaskState::kFailed);
  EXPECT_EQ(tasks[2].exit_code(), -SIGSEGV);
  EXPECT_NE(tasks[2].reason().find("SIGSEGV"), std::string::npos) << tasks[2].reason();

  EXPECT_EQ(tasks[3].state(), TaskState::kFailed);
  EXPECT_NE(tasks[3].reason().find("timed out after 0.5 s"), std::string::npos) << tasks[3].reason();

  EXPECT_EQ(tasks[4].state(), TaskState::kFailed);
  EXPECT_NE(tasks[4].reason().find("/no/such/program"), std::string::npos) << tasks[4].reason();

  // The agent went on after all that.
  PILOT_ASSIGN_OR_FAIL(after, task_manager_->Submit({good}));
  PILOT_ASSERT_OK(task_manager_->Wait({after[0].uid()}, FinalTaskStates(), 30));
  EXPECT_EQ(after[0].state(), TaskState::kDone);
  EXPECT_EQ(pilot_->state(), PilotState::kPmgrActive);
}

TEST_F(LocalPilotTest, MpiTaskGetsExactlyThreeRanks) {
  StartPilot(4);
  auto task = Command({DEEPRC_MPI_HELLO_PATH});
  task.ranks = 3;
  PILOT_ASSIGN_OR_FAIL(tasks, task_manager_->Submit({task}));
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 120));
  ASSERT_EQ(tasks[0].state(), TaskState::kDone) << tasks[0].reason() << "\n"
                                                << ReadFile(tasks[0].stderr_path());
  std::set<std::string> lines;
  std::stringstream output(ReadFile(tasks[0].stdout_path()));
  for (std::string line; std::getline(output, line);) lines.insert(line);
  EXPECT_EQ(lines, (std::set<std::string>{"rank 0 of 3", "rank 1 of 3", "rank 2 of 3"}));
  EXPECT_EQ(tasks[0].placement().size(), 3u);
}

TEST_F(LocalPilotTest, NoTwoRunningTasksShareACore) {
  StartPilot(4);
  std::vector<TaskDescription> descriptions;
  for (int i = 0; i < 40; ++i) {
    auto task = Command({"/bin/sleep", "0.02"});
    task.cores_per_rank = 1 + i % 3;
    descriptions.push_back(task);
  }
  PILOT_ASSIGN_OR_FAIL(tasks, task_manager_->Submit(descriptions));
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 120));
  PILOT_ASSERT_OK(pilot_->Close(PilotState::kDone));  // flushes the agent's profile

  // Rebuild each task's holding of cores from the recorded placements: [schedule_ok, unschedule].
  PILOT_ASSIGN_OR_FAIL(events, ReadProfile((pilot_->sandbox() / "agent.prof").string()));
  struct Hold {
    double begin = 0, end = 0;
    std::set<int> cores;
  };
  std::map<std::string, Hold> holds;
  for (const auto& event : events) {
    if (event.event == "schedule_ok") {
      auto& hold = holds[event.uid];
      hold.begin = event.time;
      std::string detail = event.detail.substr(event.detail.find(':') + 1);
      std::stringstream cores(detail);
      for (int core; cores >> core;) hold.cores.insert(core);
    } else if (event.event == "unschedule") {
      holds[event.uid].end = event.time;
    }
  }
  ASSERT_EQ(holds.size(), 40u);
  for (const auto& task : tasks) {
    EXPECT_EQ(task.state(), TaskState::kDone);
    EXPECT_EQ(static_cast<int>(holds[task.uid()].cores.size()), task.description().cores_per_rank);
  }
  int overlapping = 0;
  for (auto a = holds.begin(); a != holds.end(); ++a) {
    for (auto b = std::next(a); b != holds.end(); ++b) {
      if (a->second.begin < b->second.end && b->second.begin < a->second.end) {
        ++overlapping;
        for (int core : a->second.cores) {
          EXPECT_FALSE(b->second.cores.count(core))
              << a->first << " and " << b->first << " share core " << core;
        }
      }
    }
  }
  EXPECT_GT(overlapping, 0);  // the check above was not vacuous
}

TEST_F(LocalPilotTest, OversizeTaskFailsAtOnceWithAClearMessage) {
  StartPilot(2);
  auto task = Command({"/bin/true"});
  task.cores_per_rank = 64;
  auto too_many_ranks = Command({"/bin/true"});
  too_many_ranks.ranks = 3;
  PILOT_ASSIGN_OR_FAIL(tasks, task_manager_->Submit({task, too_many_ranks}));
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 30));
  for (const auto& task : tasks) {
    EXPECT_EQ(task.state(), TaskState::kFailed);
    EXPECT_FALSE(Reached(task, TaskState::kAgentExecuting));
    EXPECT_NE(task.reason().find("can never run on this pilot"), std::string::npos) << task.reason();
  }
  EXPECT_NE(tasks[0].reason().find("64 cores per rank, but the largest node of the pilot has 2"),
            std::string::npos)
      << tasks[0].reason();
  EXPECT_NE(tasks[1].reason().find("3 ranks"), std::string::npos) << tasks[1].reason();
}

TEST_F(LocalPilotTest, CancelQueuedAndRunningTasks) {
  StartPilot(1);
  auto running = Command({"/bin/sleep", "1000"});
  auto queued = Command({"/bin/sleep", "1000"});
  PILOT_ASSIGN_OR_FAIL(tasks, task_manager_->Submit({running, queued}));
  PILOT_ASSERT_OK(task_manager_->Wait({tasks[0].uid()}, {TaskState::kAgentExecuting}, 30));
  PILOT_ASSERT_OK(task_manager_->Cancel({tasks[0].uid(), tasks[1].uid()}));
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 30));
  EXPECT_EQ(tasks[0].state(), TaskState::kCanceled);
  EXPECT_EQ(tasks[0].reason(), "canceled while running");
  EXPECT_EQ(tasks[1].state(), TaskState::kCanceled);
  EXPECT_EQ(tasks[1].reason(), "canceled before it ran");
  EXPECT_FALSE(Reached(tasks[1], TaskState::kAgentExecuting));
}

TEST_F(LocalPilotTest, DependenciesRetriesAndStaging) {
  StartPilot(2);
  std::ofstream(folder_.path() / "input.txt") << "staged in\n";
  auto first = Shell("cat input.txt > result.txt");
  first.uid = "first";
  first.input_staging = {{(folder_.path() / "input.txt").string(), "input.txt", StagingAction::kCopy}};
  first.output_staging = {{"result.txt", (folder_.path() / "result.txt").string(), StagingAction::kCopy}};
  auto second = Shell("test -f attempted || { touch attempted; exit 1; }");  // fails once, then works
  second.uid = "second";
  second.retries = 1;
  second.after = {"first"};
  auto doomed = Shell("exit 2");
  doomed.uid = "doomed";
  auto orphan = Command({"/bin/true"});
  orphan.uid = "orphan";
  orphan.after = {"doomed"};
  PILOT_ASSIGN_OR_FAIL(tasks, task_manager_->Submit({first, second, doomed, orphan}));
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 60));
  EXPECT_EQ(tasks[0].state(), TaskState::kDone) << tasks[0].reason();
  EXPECT_EQ(ReadFile((folder_.path() / "result.txt").string()), "staged in\n");
  EXPECT_EQ(tasks[1].state(), TaskState::kDone) << tasks[1].reason();
  EXPECT_GT(tasks[1].history().front().time, 0);
  EXPECT_GE(tasks[1].history()[4].time, tasks[0].history().back().time);  // started after 'first' ended
  EXPECT_EQ(tasks[2].state(), TaskState::kFailed);
  EXPECT_EQ(tasks[3].state(), TaskState::kFailed);
  EXPECT_EQ(tasks[3].reason(), "dependency doomed ended FAILED");
}

TEST_F(LocalPilotTest, TasksAreBoundToTheirCores) {
  StartPilot(2);
  auto task = Shell(
      "echo $OMP_NUM_THREADS; grep Cpus_allowed_list /proc/self/status; echo $DEEPRC_CPUS; echo "
      "\"[$CUDA_VISIBLE_DEVICES]\"");
  task.cores_per_rank = 2;
  task.environment = {{"MY_SETTING", "42"}};
  auto env = Shell("echo $MY_SETTING");
  env.environment = {{"MY_SETTING", "42"}};
  env.pre_exec = {"echo pre"};
  env.post_exec = {"echo post"};
  PILOT_ASSIGN_OR_FAIL(tasks, task_manager_->Submit({task, env}));
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 30));
  ASSERT_EQ(tasks[0].state(), TaskState::kDone) << tasks[0].reason();
  std::stringstream output(ReadFile(tasks[0].stdout_path()));
  std::string threads, allowed, cpus;
  std::getline(output, threads);
  std::getline(output, allowed);
  std::getline(output, cpus);
  EXPECT_EQ(threads, "2");
  // The kernel writes "0-1" where DEEPRC_CPUS says "0,1": compare the sets.
  auto expand = [](std::string text) {
    std::set<int> set;
    std::replace(text.begin(), text.end(), ',', ' ');
    std::stringstream items(text);
    for (std::string item; items >> item;) {
      auto dash = item.find('-');
      int low = std::stoi(item.substr(0, dash));
      int high = dash == std::string::npos ? low : std::stoi(item.substr(dash + 1));
      for (int cpu = low; cpu <= high; ++cpu) set.insert(cpu);
    }
    return set;
  };
  EXPECT_EQ(expand(allowed.substr(allowed.find(':') + 1)), expand(cpus));
  ASSERT_EQ(tasks[1].state(), TaskState::kDone) << tasks[1].reason();
  EXPECT_EQ(ReadFile(tasks[1].stdout_path()), "pre\n42\npost\n");
}

TEST_F(LocalPilotTest, UnauthenticatedConnectionIsRefused) {
  StartPilot(1);
  std::string endpoint;
  std::getline(std::ifstream((pilot_->sandbox() / "agent.endpoint").string()), endpoint);
  ASSERT_FALSE(endpoint.empty());
  zmq::context_t context;
  auto try_peer = [&](auto configure) {
    zmq::socket_t socket(context, zmq::socket_type::dealer);
    socket.set(zmq::sockopt::linger, 0);
    configure(socket);
    socket.connect(endpoint);
    (void)socket.send(zmq::str_buffer(R"({"type":"hello"})"), zmq::send_flags::dontwait);
    (void)socket.send(zmq::str_buffer(R"({"type":"submit","tasks":[]})"), zmq::send_flags::dontwait);
    zmq::pollitem_t item = {socket.handle(), 0, ZMQ_POLLIN, 0};
    return zmq::poll(&item, 1, std::chrono::milliseconds(500));
  };
  // No security at all: the CURVE handshake never completes.
  EXPECT_EQ(try_peer([](zmq::socket_t&) {}), 0);
  // CURVE with the agent's public key but a client key of its own: ZAP says no.
  auto stranger = SessionKeys::Generate();
  ASSERT_TRUE(stranger.ok());
  EXPECT_EQ(try_peer([&](zmq::socket_t& socket) {
              socket.set(zmq::sockopt::curve_serverkey, session_->keys().server_public);
              socket.set(zmq::sockopt::curve_publickey, stranger->client_public);
              socket.set(zmq::sockopt::curve_secretkey, stranger->client_secret);
            }),
            0);
  // The secret itself is private to its owner.
  auto mode = std::filesystem::status(session_->secret_file()).permissions();
  EXPECT_EQ(mode, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  // And the rightful client still works.
  PILOT_ASSIGN_OR_FAIL(tasks, task_manager_->Submit({Command({"/bin/true"})}));
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 30));
  EXPECT_EQ(tasks[0].state(), TaskState::kDone);
}

TEST_F(LocalPilotTest, ClosingThePilotCancelsWhatRuns) {
  StartPilot(1);
  PILOT_ASSIGN_OR_FAIL(
      tasks, task_manager_->Submit({Command({"/bin/sleep", "1000"}), Command({"/bin/sleep", "1000"})}));
  PILOT_ASSERT_OK(task_manager_->Wait({tasks[0].uid()}, {TaskState::kAgentExecuting}, 30));
  PILOT_ASSERT_OK(pilot_->Close());
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 30));
  EXPECT_EQ(tasks[0].state(), TaskState::kCanceled);
  EXPECT_EQ(tasks[1].state(), TaskState::kCanceled);
  EXPECT_EQ(pilot_->state(), PilotState::kCanceled);
  EXPECT_FALSE(std::filesystem::exists(pilot_->sandbox() / "agent.endpoint"));
}

TEST_F(LocalPilotTest, AnAgentThatDiesFailsThePilotAndItsTasks) {
  StartPilot(1);
  PILOT_ASSIGN_OR_FAIL(
      tasks, task_manager_->Submit({Shell("echo $$ > pid; exec sleep 30"), Command({"/bin/true"})}));
  PILOT_ASSERT_OK(task_manager_->Wait({tasks[0].uid()}, {TaskState::kAgentExecuting}, 30));
  const int agent_pid = pilot_->resources().value("pid", 0);
  ASSERT_GT(agent_pid, 0);
  ASSERT_EQ(::kill(agent_pid, SIGKILL), 0);
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 30));  // nobody waits forever
  EXPECT_EQ(pilot_->state(), PilotState::kFailed);
  EXPECT_NE(pilot_->reason().find("agent exited unexpectedly (killed by signal 9)"), std::string::npos)
      << pilot_->reason();
  for (const auto& task : tasks) {
    EXPECT_EQ(task.state(), TaskState::kFailed);
    EXPECT_NE(task.reason().find("pilot pilot.0000 ended FAILED"), std::string::npos) << task.reason();
  }
  // The orphaned sleep is the one thing a SIGKILLed agent cannot clean up; the test does.
  std::string pid;
  for (int i = 0; i < 500 && pid.empty(); ++i) {
    std::getline(std::ifstream(tasks[0].sandbox() + "/pid"), pid);
    if (pid.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!pid.empty()) ::kill(-std::stoi(pid), SIGKILL);
}

// Issue 14, item 4: a task naming itself in `after` stayed queued for ever.
TEST_F(LocalPilotTest, SelfDependenciesAndCyclesAreRefusedAtSubmission) {
  StartPilot(1);
  auto self = Command({"/bin/true"});
  self.uid = "a";
  self.after = {"a"};
  auto refused = task_manager_->Submit({self});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(), "task 'a' names itself in 'after': it would wait for ever");

  std::vector<TaskDescription> cycle;
  for (const auto& [uid, after] : std::vector<std::pair<std::string, std::string>>{
           {"free", ""}, {"a", "b"}, {"b", "c"}, {"c", "a"}}) {
    cycle.push_back(Command({"/bin/true"}));
    cycle.back().uid = uid;
    if (!after.empty()) cycle.back().after = {after, "free"};
  }
  refused = task_manager_->Submit(cycle);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("in a cycle through 'after', so none of them could ever start: "
                                            "a -> b -> c -> a"),
            std::string::npos)
      << refused.status().message();
  // A refused submission leaves no trace: the same uids go through once the cycle is broken.
  EXPECT_TRUE(task_manager_->tasks().empty());
  cycle[1].after = {"free"};
  PILOT_ASSIGN_OR_FAIL(tasks, task_manager_->Submit(cycle));
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 60));
  for (const auto& task : tasks) EXPECT_EQ(task.state(), TaskState::kDone) << task.uid() << task.reason();
}

// Issue 14, item 5: `after: [b]` with b further down was refused ("names unknown task 'b'").
TEST_F(LocalPilotTest, AfterMayNameATaskFurtherDownTheSubmission) {
  StartPilot(2);
  auto first = Command({"/bin/true"});
  first.uid = "first";
  first.after = {"second"};
  auto second = Shell("sleep 0.2");
  second.uid = "second";
  auto orphan = Command({"/bin/true"});
  orphan.uid = "orphan";
  orphan.after = {"doomed"};
  auto doomed = Shell("exit 2");
  doomed.uid = "doomed";
  PILOT_ASSIGN_OR_FAIL(tasks, task_manager_->Submit({first, second, orphan, doomed}));
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 60));
  EXPECT_EQ(tasks[0].state(), TaskState::kDone) << tasks[0].reason();
  EXPECT_EQ(tasks[1].state(), TaskState::kDone) << tasks[1].reason();
  double first_started = 0;
  for (const auto& transition : tasks[0].history()) {
    if (transition.state == TaskState::kAgentExecuting) first_started = transition.time;
  }
  EXPECT_GE(first_started, tasks[1].history().back().time);  // started after 'second' was DONE
  EXPECT_EQ(tasks[2].state(), TaskState::kFailed);
  EXPECT_EQ(tasks[2].reason(), "dependency doomed ended FAILED");
  auto unknown = Command({"/bin/true"});
  unknown.after = {"nowhere"};
  auto refused = task_manager_->Submit({unknown});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("'after' names unknown task 'nowhere'"), std::string::npos);
}

// Issue 15, item 3: `after_ended` waits for tasks to end however they end (the report of a pipeline
// runs after its failed models); `after` on the same failed task still fails without running.
TEST_F(LocalPilotTest, AfterEndedRunsAfterAFailedTaskWhereAfterDoesNot) {
  StartPilot(2);
  auto doomed = Shell("sleep 0.2; exit 2");
  doomed.uid = "doomed";
  auto orphan = Command({"/bin/true"});
  orphan.uid = "orphan";
  orphan.after = {"doomed"};
  auto reporter = Command({"/bin/true"});
  reporter.uid = "reporter";
  reporter.after_ended = {"doomed", "orphan"};  // orphan ends FAILED without running: over all the same
  auto next = Command({"/bin/true"});
  next.uid = "next";
  next.after = {"reporter"};
  PILOT_ASSIGN_OR_FAIL(tasks, task_manager_->Submit({next, reporter, orphan, doomed}));
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 60));
  EXPECT_EQ(tasks[3].state(), TaskState::kFailed);
  EXPECT_EQ(tasks[2].state(), TaskState::kFailed);
  EXPECT_EQ(tasks[2].reason(), "dependency doomed ended FAILED");
  EXPECT_FALSE(Reached(tasks[2], TaskState::kAgentExecuting));
  ASSERT_EQ(tasks[1].state(), TaskState::kDone) << tasks[1].reason();
  double reporter_started = 0;
  for (const auto& transition : tasks[1].history()) {
    if (transition.state == TaskState::kAgentExecuting) reporter_started = transition.time;
  }
  EXPECT_GE(reporter_started, tasks[3].history().back().time);  // started once 'doomed' was over
  EXPECT_EQ(tasks[0].state(), TaskState::kDone) << tasks[0].reason();

  // A task already over when its waiter arrives counts as ended; an unknown name is refused.
  auto late = Command({"/bin/true"});
  late.after_ended = {"doomed"};
  PILOT_ASSIGN_OR_FAIL(later, task_manager_->Submit({late}));
  PILOT_ASSERT_OK(task_manager_->Wait({later[0].uid()}, FinalTaskStates(), 30));
  EXPECT_EQ(later[0].state(), TaskState::kDone) << later[0].reason();
  auto unknown = Command({"/bin/true"});
  unknown.after_ended = {"nowhere"};
  auto refused = task_manager_->Submit({unknown});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("'after_ended' names unknown task 'nowhere'"), std::string::npos)
      << refused.status().message();
}

// Canceling a running task and the task that waits for it with `after_ended` in one call cancels
// both: the cancel of the first must not release the second to the agent.
TEST_F(LocalPilotTest, CancelingATaskAndItsAfterEndedWaiterRunsNeither) {
  StartPilot(2);
  auto running = Command({"/bin/sleep", "1000"});
  running.uid = "running";
  auto waiter = Command({"/bin/true"});
  waiter.uid = "waiter";
  waiter.after_ended = {"running"};
  PILOT_ASSIGN_OR_FAIL(tasks, task_manager_->Submit({running, waiter}));
  PILOT_ASSERT_OK(task_manager_->Wait({"running"}, {TaskState::kAgentExecuting}, 30));
  PILOT_ASSERT_OK(task_manager_->Cancel({"running", "waiter"}));
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 30));
  EXPECT_EQ(tasks[0].state(), TaskState::kCanceled);
  EXPECT_EQ(tasks[1].state(), TaskState::kCanceled);
  EXPECT_EQ(tasks[1].reason(), "canceled");
  EXPECT_FALSE(Reached(tasks[1], TaskState::kAgentScheduling));
}

// A task on another pilot that waits with `after_ended` for a task of a pilot that ends is released
// and runs there: the end of a pilot ends its tasks like any other end.
TEST_F(LocalPilotTest, AfterEndedWaiterOnAnotherPilotRunsWhenAPilotEnds) {
  StartPilot(1);
  PilotDescription description;
  description.cores = 1;
  description.agent_executable = DEEPRC_AGENT_PATH;
  PILOT_ASSIGN_OR_FAIL(other, pilot_manager_->Submit(description));
  PILOT_ASSERT_OK(task_manager_->AddPilot(other));
  PILOT_ASSERT_OK(other->Wait({PilotState::kPmgrActive}, 30));
  auto sleeper = Command({"/bin/sleep", "1000"});
  sleeper.uid = "sleeper";
  auto waiter = Command({"/bin/true"});
  waiter.uid = "waiter";
  waiter.after_ended = {"sleeper"};
  PILOT_ASSIGN_OR_FAIL(tasks, task_manager_->Submit({sleeper, waiter}));  // one per pilot, in turn
  ASSERT_NE(tasks[0].pilot(), tasks[1].pilot());
  PILOT_ASSERT_OK(task_manager_->Wait({"sleeper"}, {TaskState::kAgentExecuting}, 30));
  PILOT_ASSERT_OK((tasks[0].pilot() == pilot_->uid() ? pilot_ : other)->Close());
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 30));
  EXPECT_EQ(tasks[0].state(), TaskState::kCanceled);
  EXPECT_EQ(tasks[1].state(), TaskState::kDone) << tasks[1].reason();
}

// A cycle may mix both kinds of wait; the error says which kinds it goes through.
TEST_F(LocalPilotTest, CyclesThroughAfterEndedAreRefused) {
  StartPilot(1);
  auto self = Command({"/bin/true"});
  self.uid = "a";
  self.after_ended = {"a"};
  auto refused = task_manager_->Submit({self});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(), "task 'a' names itself in 'after_ended': it would wait for ever");
  auto a = Command({"/bin/true"}), b = Command({"/bin/true"});
  a.uid = "a", b.uid = "b";
  a.after = {"b"};
  b.after_ended = {"a"};
  refused = task_manager_->Submit({a, b});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("in a cycle through 'after' and 'after_ended', so none of them "
                                            "could ever start: a -> b -> a"),
            std::string::npos)
      << refused.status().message();
  a.after = {};
  a.after_ended = {"b"};
  refused = task_manager_->Submit({a, b});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("in a cycle through 'after_ended', so"), std::string::npos)
      << refused.status().message();
  EXPECT_TRUE(task_manager_->tasks().empty());
}

// Issue 14, item 6: uid "../../../../escape" ran and wrote /escape.out and /escape.err.
TEST_F(LocalPilotTest, AUidThatWouldLeaveTheSandboxIsRefused) {
  StartPilot(1);
  // Its sandbox would be session/escape and its output session/escape.out: inside this test's
  // folder, should it run.
  auto task = Command({"/bin/true"});
  task.uid = "../escape";
  auto refused = task_manager_->Submit({task});
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("task uid '../escape' is not allowed: it becomes a file name"),
            std::string::npos)
      << refused.status().ToString();
  if (refused.ok()) (void)task_manager_->Wait({}, FinalTaskStates(), 30);
  EXPECT_FALSE(std::filesystem::exists(session_->dir() / "escape.out"));

  SessionOptions options;
  options.uid = "../elsewhere";
  auto session = Session::Create(options);
  ASSERT_FALSE(session.ok());
  EXPECT_NE(session.status().message().find("session uid '../elsewhere' is not allowed"), std::string::npos);
}

// The agent checks the uid again: a client other than the TaskManager cannot name a sandbox
// outside the pilot's either.
TEST_F(LocalPilotTest, TheAgentRefusesAUidThatWouldLeaveTheSandbox) {
  StartPilot(1);
  // Shared with the handler, which the pilot's thread may call until the fixture closes it.
  struct Seen {
    std::mutex mutex;
    std::condition_variable changed;
    nlohmann::json final_update;
  };
  auto seen = std::make_shared<Seen>();
  pilot_->SetTaskHandler([seen](const nlohmann::json& updates) {
    std::lock_guard lock(seen->mutex);
    for (const auto& update : updates) {
      const std::string state = update.value("state", "");
      if (state == "FAILED" || state == "DONE") seen->final_update = update;
    }
    seen->changed.notify_all();
  });
  auto task = Command({"/bin/true"});
  task.uid = "../escape";  // output in session/escape.out, should it run: inside this test's folder
  auto message = protocol::Message(protocol::kSubmit);
  message["tasks"] = nlohmann::json::array({task});
  pilot_->Send(std::move(message));
  std::unique_lock lock(seen->mutex);
  ASSERT_TRUE(seen->changed.wait_for(lock, std::chrono::seconds(30), [&] { return !seen->final_update.is_null(); }));
  const nlohmann::json final_update = seen->final_update;
  EXPECT_EQ(final_update.value("state", ""), "FAILED") << final_update.dump();
  EXPECT_NE(final_update.value("reason", "").find("task uid '../escape' is not allowed"), std::string::npos)
      << final_update.dump();
  EXPECT_FALSE(std::filesystem::exists(session_->dir() / "escape.out"));
}

// Issue 14, item 8: `setsid sleep 311 &` in a task outlived the task and the pilot.
TEST_F(LocalPilotTest, ProcessesThatLeaveTheirGroupEndWithTheirTask) {
  StartPilot(2);
  PILOT_ASSIGN_OR_FAIL(tasks, task_manager_->Submit({Shell(std::string(kEscape) +
                                                           "while [ ! -s sleeper.pid ]; do sleep 0.01; done; "
                                                           "echo bye")}));
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 30));
  EXPECT_EQ(tasks[0].state(), TaskState::kDone) << tasks[0].reason();
  const pid_t sleeper = PidFrom(tasks[0].sandbox() + "/sleeper.pid");
  ASSERT_GT(sleeper, 0);
  const bool gone = Within(10, [&] { return Gone(sleeper); });
  if (!gone) ::kill(sleeper, SIGKILL);  // leave nothing behind, even when the test fails
  EXPECT_TRUE(gone) << "the escaped sleep (pid " << sleeper << ") outlived its task";
  // The pilot's other tasks are untouched and it goes on working.
  PILOT_ASSIGN_OR_FAIL(more, task_manager_->Submit({Command({"/bin/true"})}));
  PILOT_ASSERT_OK(task_manager_->Wait({}, FinalTaskStates(), 30));
  EXPECT_EQ(more[0].state(), TaskState::kDone) << more[0].reason();
}

TEST_F(LocalPilotTest, ProcessesThatLeaveTheirGroupEndWithThePilot) {
  StartPilot(2);
  // The escaped sleep of a running task is left alone while the task runs ...
  PILOT_ASSIGN_OR_FAIL(tasks, task_manager_->Submit({Shell(std::string(kEscape) + "exec sleep 300"),
                                                     Shell("sleep 0.3")}));
  const pid_t sleeper = PidFrom(tasks[0].sandbox() + "/sleeper.pid");
  ASSERT_GT(sleeper, 0);
  PILOT_ASSERT_OK(task_manager_->Wait({tasks[1].uid()}, FinalTaskStates(), 30));
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // two sweeps (0.25 s apart) after it ended
  EXPECT_FALSE(Gone(sleeper)) << "a running task's process was killed when another task ended";
  // ... and goes with the pilot.
  PILOT_ASSERT_OK(pilot_->Close());
  const bool gone = Within(10, [&] { return Gone(sleeper); });
  if (!gone) ::kill(sleeper, SIGKILL);
  EXPECT_TRUE(gone) << "the escaped sleep (pid " << sleeper << ") outlived the pilot";
}

}  // namespace
}  // namespace deeprc::pilot
