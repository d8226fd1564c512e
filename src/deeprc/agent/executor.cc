#include "deeprc/agent/executor.h"

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string_view>

#include <spdlog/spdlog.h>

#include "deeprc/agent/descendants.h"
#include "deeprc/core/subprocess.h"

extern char** environ;

namespace deeprc::agent {
namespace {

using pilot::Now;

// A sweep reads every /proc/<pid>/stat (3.5-5 ms for 125 processes on this 2-core VM at load 9):
// once per interval at most, not once per task.
constexpr double kSweepInterval = 0.25;
constexpr double kFinalKillLimit = 5;  // seconds the last sweep may take to see every descendant gone
// The environment entry that ties a process to its task (launch_command sets it; children inherit it).
constexpr std::string_view kTaskMarker = "DEEPRC_TASK_SANDBOX";

// Sets the calling thread's affinity for the child to inherit, and restores it afterwards.
class ScopedAffinity {
 public:
  explicit ScopedAffinity(const std::vector<int>& cpus) {
    if (cpus.empty()) return;
    if (sched_getaffinity(0, sizeof(saved_), &saved_) != 0) return;
    cpu_set_t wanted;
    CPU_ZERO(&wanted);
    for (int cpu : cpus) CPU_SET(cpu, &wanted);
    active_ = sched_setaffinity(0, sizeof(wanted), &wanted) == 0;
  }
  ~ScopedAffinity() {
    if (active_) sched_setaffinity(0, sizeof(saved_), &saved_);
  }

 private:
  cpu_set_t saved_;
  bool active_ = false;
};

}  // namespace

Status CreateSandbox(AgentTask& task) {
  if (task.sandbox_created) return Status::OK();
  std::error_code error;
  std::filesystem::create_directory(task.sandbox, error);
  if (error) return Status::IOError("cannot create sandbox '", task.sandbox, "': ", error.message());
  task.sandbox_created = true;
  return Status::OK();
}

Executor::Executor(const AgentResources& resources, std::string pilot_sandbox, pilot::Profiler* profiler)
    : resources_(resources), pilot_sandbox_(std::move(pilot_sandbox)), profiler_(profiler) {
  for (char** entry = environ; *entry != nullptr; ++entry) base_environment_.emplace_back(*entry);
}

Result<pid_t> Executor::Spawn(const LaunchSpec& spec) const {
  SpawnOptions options;
  options.environment = spec.environment;
  options.base_environment = &base_environment_;
  options.working_directory = spec.working_directory;
  options.stdin_path = "/dev/null";
  options.stdout_path = spec.stdout_path;
  options.stderr_path = spec.stderr_path;
  options.new_process_group = true;
  // The agent blocks SIGCHLD and friends to read them from a signalfd, and ignores SIGPIPE; tasks
  // inherit neither. (Signals with handlers are reset by exec anyway.)
  options.unblock_signals = true;
  options.default_signals = {SIGPIPE};
  ScopedAffinity affinity(spec.cpus);
  return SpawnProcess(spec.argv, options);
}

Status Executor::Launch(AgentTask& task) {
  DEEPRC_RETURN_NOT_OK(CreateSandbox(task));
  DEEPRC_ASSIGN_OR_RETURN(auto spec,
                          BuildLaunch(task.description, *task.placement, resources_, task.sandbox));
  DEEPRC_ASSIGN_OR_RETURN(task.pid, Spawn(spec));
  running_[task.pid] = &task;
  profiler_->Record(Now(), "exec_start", task.description.uid, "", std::to_string(task.pid));
  return Status::OK();
}

AgentTask* Executor::TakeExited(pid_t pid) {
  auto found = running_.find(pid);
  if (found == running_.end()) return nullptr;  // not a task (e.g. a helper of popen)
  AgentTask* task = found->second;
  running_.erase(found);
  // What the task left behind in its group goes with it; the group id cannot have been reused
  // yet, since nothing was spawned since the leader was reaped.
  ::kill(-pid, SIGKILL);
  sweep_pending_ = true;  // and what left the group goes at the next sweep
  return task;
}

void Executor::Signal(const AgentTask& task, int signal) const {
  if (task.pid > 0) ::kill(-task.pid, signal);
}

void Executor::KillRunning(const std::function<void(AgentTask&, int status)>& on_exit) {
  for (const auto& [pid, task] : running_) ::kill(-pid, SIGKILL);
  while (!running_.empty()) {
    int status;
    pid_t pid = ::waitpid(running_.begin()->first, &status, 0);
    auto found = running_.find(pid);
    if (found == running_.end()) continue;
    AgentTask& task = *found->second;
    running_.erase(found);
    on_exit(task, status);
  }
}

void Executor::SweepLeftovers(const std::function<bool(const std::string& uid)>& ended) {
  const double now = Now();
  if (!sweep_pending_ || now - last_sweep_ < kSweepInterval) return;
  last_sweep_ = now;
  sweep_pending_ = false;
  const std::string prefix = pilot_sandbox_ + "/";
  for (pid_t pid : Descendants(::getpid())) {
    const std::string sandbox = StartEnvironmentValue(pid, kTaskMarker);
    if (sandbox.size() <= prefix.size() || sandbox.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string uid = sandbox.substr(prefix.size());
    if (!ended(uid)) continue;
    ::kill(pid, SIGKILL);
    profiler_->Record(now, "leftover_killed", uid, "", std::to_string(pid));
    sweep_pending_ = true;  // look again: it may have forked while we read
  }
}

double Executor::SecondsToSweep(double otherwise) const {
  return sweep_pending_ ? last_sweep_ + kSweepInterval - Now() : otherwise;
}

void Executor::KillAllDescendants(const std::string& pilot_uid) {
  int status;
  for (const double limit = Now() + kFinalKillLimit; Now() < limit;) {
    while (::waitpid(-1, &status, WNOHANG) > 0) {  // adopted ones become zombies of ours
    }
    const auto descendants = Descendants(::getpid());
    if (descendants.empty()) return;
    for (pid_t pid : descendants) ::kill(pid, SIGKILL);
    ::usleep(5000);
  }
  spdlog::warn("agent {}: processes below the agent still there {} s after SIGKILL", pilot_uid,
               kFinalKillLimit);
}

std::string DescribeWaitStatus(int status, int* exit_code) {
  if (WIFEXITED(status)) {
    *exit_code = WEXITSTATUS(status);
    return "exit code " + std::to_string(*exit_code);
  }
  if (WIFSIGNALED(status)) {
    int signal = WTERMSIG(status);
    *exit_code = -signal;
    const char* abbreviation = sigabbrev_np(signal);
    std::string text = "killed by signal " + std::to_string(signal) +
                       (abbreviation ? " (SIG" + std::string(abbreviation) + ")" : std::string());
    if (signal == SIGKILL) text += ", e.g. by the out-of-memory killer";
    return text;
  }
  *exit_code = -1;
  return "unknown wait status " + std::to_string(status);
}

}  // namespace deeprc::agent
