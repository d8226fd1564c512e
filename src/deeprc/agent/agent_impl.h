// The agent's inside, shared by agent.cc (messages, executable tasks, the loop) and
// agent_function_tasks.cc (function tasks and the pool they run on). Not for other code.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <zmq.hpp>

#include "deeprc/agent/agent.h"
#include "deeprc/agent/function_pool.h"
#include "deeprc/agent/process.h"
#include "deeprc/agent/resources.h"
#include "deeprc/agent/scheduler.h"
#include "deeprc/agent/zap_authenticator.h"
#include "deeprc/pilot/agent_config.h"
#include "deeprc/pilot/profiler.h"
#include "deeprc/pilot/protocol.h"

namespace deeprc::agent {

using pilot::TaskState;

enum class StopReason { kNone, kTimeout, kCancel, kShutdown };

struct AgentTask {
  pilot::TaskDescription description;
  std::string sandbox;
  TaskState state = TaskState::kNew;
  std::optional<Placement> placement;
  ResourceRequest request;
  pid_t pid = -1;
  int attempt = 0;
  uint64_t sequence = 0;  // arrival order, for FIFO among equal priorities
  StopReason stop = StopReason::kNone;
  double deadline = 0;  // when the next timeout or kill escalation is due; 0: none
  bool killed = false;  // SIGKILL sent
  bool sandbox_created = false;
  nlohmann::json result;  // a function task's value, reported with DONE

  bool is_function() const { return description.mode == pilot::TaskMode::kFunction; }
};

// Waiting tasks in scheduling order: higher priority first, then arrival.
struct QueueOrder {
  bool operator()(const AgentTask* a, const AgentTask* b) const {
    if (a->description.priority != b->description.priority)
      return a->description.priority > b->description.priority;
    return a->sequence < b->sequence;
  }
};

// "node:0 1|node:2:gpu 0": where each rank of a placement runs, for the profile.
std::string DescribePlacement(const Placement& placement, const AgentResources& resources);

class Agent::Impl {
 public:
  Status Init(const pilot::AgentConfig& config, int notify_fd);
  Status Run();
  ~Impl() {
    if (signal_fd_ >= 0) ::close(signal_fd_);
  }

 private:
  // Messages.
  void OnMessage(const std::string& client, std::string_view bytes);
  void HandleMessage(const std::string& client, std::string_view bytes);
  void OnSubmit(const nlohmann::json& tasks);
  void OnCancel(const nlohmann::json& uids);
  // Task life cycle.
  void Advance(AgentTask& task, TaskState state, std::optional<int> exit_code = {},
               const std::string& reason = {});
  void Finish(AgentTask& task, TaskState state, std::optional<int> exit_code, const std::string& reason);
  void Schedule();
  void Launch(AgentTask& task);
  Status CreateSandbox(AgentTask& task);
  void ReapChildren();
  void OnExit(AgentTask& task, int status);
  // The end of an attempt, of either kind: with no `failure` the output is staged and the task is
  // DONE; a failure goes back into its queue while retries are left, and is FAILED after that.
  void Conclude(AgentTask& task, std::optional<int> exit_code, const std::string& failure);
  void Signal(AgentTask& task, int signal);
  // Kills what ended tasks left in the agent's tree (escaped their process group: setsid, daemons);
  // at most every kSweepInterval, and again while it finds something.
  void SweepLeftovers();
  // At the end: every descendant goes, whatever task it came from, and is reaped.
  void KillAllDescendants();
  void CheckDeadlines();
  void Shutdown(TaskState task_state, const std::string& reason);
  // Function tasks and the pool they run on (agent_function_tasks.cc).
  void ShutdownFunctionTasks(TaskState task_state, const std::string& reason);
  void CheckPoolDeadline(double now);
  void SchedulePool();
  std::optional<Placement> AllocatePool();
  void FeedPool();
  void StopPool();
  void SendToPool(const nlohmann::json& message);
  void OnPoolHello(const std::string& master, const nlohmann::json& message);
  void OnPoolResults(const nlohmann::json& message);
  void OnPoolExit(int status);
  bool IsPool(const std::string& sender) const { return pool_ && pool_->master() == sender; }
  void Flush();
  void ReadSignals();
  double PollTimeout() const;

  pilot::AgentConfig config_;
  AgentResources resources_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<pilot::Profiler> profiler_;
  BaseEnvironment base_environment_;

  zmq::context_t context_{1};
  std::unique_ptr<ZapAuthenticator> zap_;
  std::unique_ptr<zmq::socket_t> socket_;
  int signal_fd_ = -1;

  std::unordered_map<std::string, std::unique_ptr<AgentTask>> tasks_;
  std::set<AgentTask*, QueueOrder> waiting_;  // executable tasks not yet placed
  std::unordered_map<pid_t, AgentTask*> running_;
  std::set<std::pair<double, AgentTask*>> deadlines_;
  uint64_t next_sequence_ = 0;
  bool sweep_pending_ = false;  // a task ended since the last sweep, or the last one killed something
  double last_sweep_ = 0;

  // Function tasks run on one pool of persistent workers, started by the first of them. It holds
  // its cores while it runs; once idle for a moment it stops when executable tasks wait.
  std::string endpoint_;
  int pool_size_ = 0;  // workers a pool starts with
  int pool_gpus_ = 0;  // of them, workers with a GPU (one each)
  int pools_started_ = 0;
  std::unique_ptr<FunctionPool> pool_;
  double pool_deadline_ = 0;                           // when a starting or stopping pool is killed; 0: none
  double pool_idle_since_ = 0;                         // when the ready pool last had nothing to do; 0: busy
  std::set<AgentTask*, QueueOrder> function_waiting_;  // not yet fed to the pool
  std::unordered_map<std::string, AgentTask*> in_pool_;  // fed, no result yet

  std::set<std::string> clients_;  // routing ids that said hello
  nlohmann::json updates_ = nlohmann::json::array();
  double started_ = 0, last_heard_ = 0;
  bool stopping_ = false;
  pilot::PilotState final_state_ = pilot::PilotState::kDone;
  std::string final_reason_;
};

}  // namespace deeprc::agent
