// The agent's control loop inside: messages from clients, scheduling and task states, wired to the
// Executor (processes of executable tasks) and the FunctionPoolManager (function tasks). Not for
// other code.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <zmq.hpp>

#include "deeprc/agent/agent.h"
#include "deeprc/agent/agent_task.h"
#include "deeprc/agent/executor.h"
#include "deeprc/agent/function_pool_manager.h"
#include "deeprc/agent/resources.h"
#include "deeprc/agent/scheduler.h"
#include "deeprc/agent/zap_authenticator.h"
#include "deeprc/pilot/agent_config.h"
#include "deeprc/pilot/profiler.h"
#include "deeprc/pilot/protocol.h"

namespace deeprc::agent {

class Agent::Impl : public FunctionPoolManager::Host {
 public:
  Status Init(const pilot::AgentConfig& config, int notify_fd);
  Status Run();
  ~Impl() override {
    if (signal_fd_ >= 0) ::close(signal_fd_);
  }

  // What the function-pool manager asks of the control loop.
  void TaskExecuting(AgentTask& task) override { Advance(task, TaskState::kAgentExecuting); }
  void TaskFinished(AgentTask& task, TaskState state, const std::string& reason) override {
    Finish(task, state, {}, reason);
  }
  void AttemptEnded(AgentTask& task, const std::string& failure) override { Conclude(task, {}, failure); }
  void SetDeadline(AgentTask& task, double when) override;
  void ClearDeadline(AgentTask& task) override;
  void SendTo(const std::string& routing_id, const std::string& bytes) override;

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
  void ReapChildren();
  void OnExit(AgentTask& task, int status);
  // The end of an attempt, of either kind: with no `failure` the output is staged and the task is
  // DONE; a failure goes back into its queue while retries are left, and is FAILED after that.
  void Conclude(AgentTask& task, std::optional<int> exit_code, const std::string& failure);
  // `signal` to a running task, and the next escalation (SIGTERM, then SIGKILL after a grace).
  void Signal(AgentTask& task, int signal);
  void CheckDeadlines();
  void Shutdown(TaskState task_state, const std::string& reason);
  void Flush();
  void ReadSignals();
  double PollTimeout() const;

  pilot::AgentConfig config_;
  AgentResources resources_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<pilot::Profiler> profiler_;
  std::unique_ptr<Executor> executor_;                 // the processes of executable tasks
  std::unique_ptr<FunctionPoolManager> pool_manager_;  // function tasks and their pool of workers

  zmq::context_t context_{1};
  std::unique_ptr<ZapAuthenticator> zap_;
  std::unique_ptr<zmq::socket_t> socket_;
  int signal_fd_ = -1;

  std::unordered_map<std::string, std::unique_ptr<AgentTask>> tasks_;
  std::set<AgentTask*, QueueOrder> waiting_;  // executable tasks not yet placed
  std::set<std::pair<double, AgentTask*>> deadlines_;
  uint64_t next_sequence_ = 0;

  std::set<std::string> clients_;  // routing ids that said hello
  nlohmann::json updates_ = nlohmann::json::array();
  double started_ = 0, last_heard_ = 0;
  bool stopping_ = false;
  pilot::PilotState final_state_ = pilot::PilotState::kDone;
  std::string final_reason_;
};

}  // namespace deeprc::agent
