// The agent's Executor (RADICAL-Pilot's word): it launches the processes of executable tasks
// (fork, mpirun or srun, built by launch_command) and watches them: which task a reaped process
// was, what escaped a task's process group, and the end of every process at shutdown.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "deeprc/agent/agent_task.h"
#include "deeprc/agent/launch_command.h"
#include "deeprc/agent/resources.h"
#include "deeprc/core/status.h"
#include "deeprc/pilot/profiler.h"

namespace deeprc::agent {

class Executor {
 public:
  // Tasks' sandboxes are folders of `pilot_sandbox`; events go to `profiler` (which outlives this).
  Executor(const AgentResources& resources, std::string pilot_sandbox, pilot::Profiler* profiler);

  // Starts `spec` in a new process group whose id is the returned pid (so a timeout or a cancel
  // ends the whole tree), with its output in files, its CPU affinity set, and default signal
  // handling. The function pool starts this way too.
  Result<pid_t> Spawn(const LaunchSpec& spec) const;

  // Creates the task's sandbox and starts its command over its placement; from then on the task
  // runs (its pid is set) until TakeExited or KillRunning hands it back.
  Status Launch(AgentTask& task);

  // The running task whose process `pid` was reaped, or null for another child. What it left in
  // its process group is killed now, and what left the group at the next sweep.
  AgentTask* TakeExited(pid_t pid);

  // `signal` to a running task's whole process group.
  void Signal(const AgentTask& task, int signal) const;

  // At shutdown: SIGKILL to every running task's group, then each reaped and handed to `on_exit`
  // with its wait status (SIGKILL cannot be ignored: the wait is short and loses no status).
  void KillRunning(const std::function<void(AgentTask&, int status)>& on_exit);

  // Kills the processes of ended tasks that escaped their process group (setsid, daemons): a
  // process belongs to the task whose sandbox its environment names, and only tasks for which
  // `ended(uid)` holds lose theirs (a retry's processes, the pool's and unmarked ones stay). At
  // most every kSweepInterval after a task ended, and again while it finds something.
  void SweepLeftovers(const std::function<bool(const std::string& uid)>& ended);
  // Seconds until a pending sweep is due (0 when overdue); `otherwise` when none is pending.
  double SecondsToSweep(double otherwise) const;

  // At the end: every descendant of the agent goes, whatever task it came from, and is reaped.
  void KillAllDescendants(const std::string& pilot_uid);

 private:
  const AgentResources& resources_;
  const std::string pilot_sandbox_;
  pilot::Profiler* profiler_;
  std::vector<std::string> base_environment_;  // the agent's own, captured once
  std::unordered_map<pid_t, AgentTask*> running_;
  bool sweep_pending_ = false;  // a task ended since the last sweep, or the last one killed something
  double last_sweep_ = 0;
};

// "exit code 3", "killed by signal 11 (SIGSEGV)"; exit_code gets the code, or minus the signal.
std::string DescribeWaitStatus(int status, int* exit_code);

}  // namespace deeprc::agent
