// The pilot's pool of function-task workers (agent/raptor): one MPI job of a master and one worker
// per core it holds, which the agent starts through mpirun (srun under Slurm) as it starts a task.
// Its master connects back to the agent's socket with the session's keys; the agent feeds it
// function tasks and reads their results there (pilot/protocol: kPool*). This class is the pool
// as the agent keeps track of it: its process, cores, state and workers. The agent owns the socket
// and the tasks.
#pragma once

#include <sys/types.h>

#include <memory>
#include <set>
#include <string>

#include "deeprc/agent/executor.h"
#include "deeprc/agent/raptor/messages.h"
#include "deeprc/agent/resources.h"
#include "deeprc/agent/scheduler.h"
#include "deeprc/core/status.h"
#include "deeprc/pilot/agent_config.h"
#include "deeprc/pilot/task_description.h"

namespace deeprc::agent {

class FunctionPool {
 public:
  enum class State {
    kStarting,  // spawned; its master has not said hello yet
    kReady,     // takes tasks
    kStopping,  // told to stop; its cores come back when the process is reaped
  };

  // Spawns pool number `generation` over `placement` (one core per worker; the master runs beside
  // them, idle most of the time, without a core of its own). Its master connects to `endpoint`;
  // `executor` starts its process as it starts a task's.
  static Result<std::unique_ptr<FunctionPool>> Start(int generation, Placement placement,
                                                     const AgentResources& resources,
                                                     const pilot::AgentConfig& config,
                                                     const std::string& endpoint,
                                                     const Executor& executor);

  State state() const { return state_; }
  pid_t pid() const { return pid_; }
  // The cores of the workers alive (worker w, world rank w of the pool's job, holds slot w - 1).
  Placement placement() const;
  const std::string& uid() const { return uid_; }
  // Workers alive: all of them until the master reports that some died.
  int workers() const { return workers_; }
  // The master's routing id on the agent's socket, once it said hello.
  const std::string& master() const { return master_; }
  double started() const { return started_; }
  // The end of the pool's error output, for the reason of a pool that failed.
  std::string ErrorTail() const;

  // While the pool starts, a rank that dies leaves the others waiting in MPI's start-up for ever
  // (the pool runs with --enable-recovery), and the agent would wait for the hello until its start
  // limit. Looked at through mpirun's children (a local pool only): the reason once a rank is gone
  // (a rank seen that left, or ranks still missing `kStartRanksLimit` s after the start), else "".
  std::string RankLostWhileStarting();
  static constexpr double kStartRanksLimit = 15;

  void OnHello(std::string master, int workers);
  void SetWorkers(int workers) { workers_ = workers; }
  // Takes the workers the master found dead out of the pool; returns their slots, which the
  // agent's scheduler gets back.
  Placement RemoveWorkers(const std::vector<int>& world_ranks);
  void MarkStopping() { state_ = State::kStopping; }
  // The agent kills the pool because `why` ("it did not start within 120 s"): the reason its
  // tasks fail with, rather than the bare SIGKILL.
  void MarkKilled(std::string why) { killed_because_ = std::move(why); }
  const std::string& killed_because() const { return killed_because_; }

 private:
  FunctionPool() = default;

  std::string uid_, stderr_path_;
  State state_ = State::kStarting;
  pid_t pid_ = -1;
  Placement placement_;     // by worker: world rank - 1
  std::vector<bool> lost_;  // by worker
  int workers_ = 0;
  std::string master_;
  std::string killed_because_;
  double started_ = 0;
  bool watch_start_ = false;  // a local mpirun, whose children are the ranks
  int ranks_ = 0;             // master + workers
  std::set<pid_t> ranks_seen_;
};

// The pool's form of a function task; `sandbox` is the task's folder.
raptor::FunctionTask ToFunctionTask(const pilot::TaskDescription& task, const std::string& sandbox);

}  // namespace deeprc::agent
