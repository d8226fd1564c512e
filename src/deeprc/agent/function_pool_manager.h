// The agent's function-pool manager: function tasks wait here for the pool of persistent workers
// (agent/function_pool), which the first of them starts; they are fed to its master over the
// agent's socket and come back with their results. An idle pool gives its cores back to waiting
// executable tasks.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "deeprc/agent/agent_task.h"
#include "deeprc/agent/executor.h"
#include "deeprc/agent/function_pool.h"
#include "deeprc/agent/resources.h"
#include "deeprc/agent/scheduler.h"
#include "deeprc/pilot/agent_config.h"
#include "deeprc/pilot/profiler.h"

namespace deeprc::agent {

class FunctionPoolManager {
 public:
  // What the manager needs of the agent's control loop: task states, deadlines and the socket.
  class Host {
   public:
    virtual ~Host() = default;
    // The task runs in the pool now (AGENT_EXECUTING).
    virtual void TaskExecuting(AgentTask& task) = 0;
    // The task ends in `state` without running (again).
    virtual void TaskFinished(AgentTask& task, TaskState state, const std::string& reason) = 0;
    // An attempt ended: DONE without a `failure`, else a retry or FAILED.
    virtual void AttemptEnded(AgentTask& task, const std::string& failure) = 0;
    virtual void SetDeadline(AgentTask& task, double when) = 0;
    virtual void ClearDeadline(AgentTask& task) = 0;
    virtual void SendTo(const std::string& routing_id, const std::string& bytes) = 0;
  };

  // The pool's master connects to `endpoint`; the pool takes `function_workers` cores of
  // `resources` (all when 0), the first ones with a GPU each.
  FunctionPoolManager(Host& host, const pilot::AgentConfig& config, const AgentResources& resources,
                      Scheduler& scheduler, const Executor& executor, pilot::Profiler* profiler,
                      std::string endpoint);

  // Why a function task can never run on this pilot (more ranks than the pool has workers).
  Status CheckFits(const pilot::TaskDescription& task) const;
  // Queues a function task: a new one, or a retry.
  void Enqueue(AgentTask& task) { waiting_.insert(&task); }
  // Starts the pool when tasks wait and its cores are free, feeds it, and stops it once it has
  // idled a moment while `executables_waiting`.
  void Schedule(bool executables_waiting);
  // While function tasks wait for a pool to start, executables do not take the cores it needs.
  bool HoldsCoresBack() const { return !waiting_.empty() && !pool_; }

  bool IsPool(const std::string& sender) const { return pool_ && pool_->master() == sender; }
  bool IsPoolProcess(pid_t pid) const { return pool_ && pool_->pid() == pid; }
  void OnHello(const std::string& master, const nlohmann::json& message);
  void OnResults(const nlohmann::json& message);
  // The pool's process was reaped with `status`: its tasks fail (or retry) with the reason.
  void OnExit(int status);

  // A function task's timeout: its workers cannot be interrupted, so they finish it in the
  // background and the pool drops the answer.
  void OnTimeout(AgentTask& task);
  // Cancels a function task that waits or runs here; false when it is not here.
  bool Cancel(AgentTask& task);
  // Kills a pool that did not start or stop in time, or lost a rank while starting.
  void CheckDeadline(double now);
  // When CheckDeadline has work to do; 0: never.
  double deadline() const { return pool_deadline_; }
  // Every function task ends in `task_state`; the pool is stopped (killed after a grace) and reaped.
  void Shutdown(TaskState task_state, const std::string& reason);

 private:
  std::optional<Placement> AllocatePool();
  void FeedPool();
  void StopPool();
  void SendToPool(const nlohmann::json& message);

  Host& host_;
  const pilot::AgentConfig& config_;
  const AgentResources& resources_;
  Scheduler& scheduler_;
  const Executor& executor_;
  pilot::Profiler* profiler_;
  const std::string endpoint_;
  int pool_size_ = 0;  // workers a pool starts with
  int pool_gpus_ = 0;  // of them, workers with a GPU (one each)
  int pools_started_ = 0;
  std::unique_ptr<FunctionPool> pool_;
  double pool_deadline_ = 0;                  // when a starting or stopping pool is killed; 0: none
  double pool_idle_since_ = 0;                // when the ready pool last had nothing to do; 0: busy
  std::set<AgentTask*, QueueOrder> waiting_;  // not yet fed to the pool
  std::unordered_map<std::string, AgentTask*> in_pool_;  // fed, no result yet
};

}  // namespace deeprc::agent
