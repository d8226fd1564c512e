#include "deeprc/agent/function_pool.h"

#include <unistd.h>

#include <fstream>

#include <fmt/format.h>

#include "deeprc/agent/launch_command.h"
#include "deeprc/core/executable.h"
#include "deeprc/pilot/pilot_launcher.h"
#include "deeprc/pilot/states.h"

namespace deeprc::agent {
Result<std::unique_ptr<FunctionPool>> FunctionPool::Start(int generation, Placement placement,
                                                          const AgentResources& resources,
                                                          const pilot::AgentConfig& config,
                                                          const std::string& endpoint,
                                                          const Executor& executor) {
  if (placement.empty()) return Status::Invalid("a function pool needs at least one worker");
  std::unique_ptr<FunctionPool> pool(new FunctionPool());
  pool->uid_ = "pool." + std::to_string(generation);
  pool->workers_ = static_cast<int>(placement.size());

  // The pool is launched as a task of 1 + workers ranks would be: rank 0, the master, shares the
  // first worker's node and takes no core.
  pilot::TaskDescription job;
  job.uid = pool->uid_;
  job.executable = FindProgram(config.description.pool_executable, "DEEPRC_POOL", "deeprc-raptor");
  // mpirun waits for ever on a program it cannot start (with --enable-recovery): look first.
  if (FindExecutable(job.executable).empty()) {
    return Status::IOError("the function pool's program '", job.executable,
                           "' is not there (build deeprc-raptor, or name it with $DEEPRC_POOL or the pilot's "
                           "pool_executable)");
  }
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  job.arguments = {"--agent",          endpoint,      "--secret",
                   config.secret_file, "--agent-pid", std::to_string(::getpid()),
                   "--agent-host",     host};
  job.ranks = pool->workers_ + 1;
  // Each worker's GPU (the slots that hold one come first), as the machine names it.
  std::string gpus;
  bool any_gpu = false;
  for (const auto& slot : placement) {
    const bool has = !slot.gpus.empty();
    any_gpu |= has;
    gpus += (gpus.empty() ? "" : ",") + (has ? resources.nodes[slot.node].gpu_ids.at(slot.gpus[0]) : "-");
  }
  if (any_gpu) job.arguments.insert(job.arguments.end(), {"--worker-gpus", gpus});
  Placement launch = placement;
  launch.insert(launch.begin(), RankSlot{placement.front().node, {}, {}, 0});
  DEEPRC_ASSIGN_OR_RETURN(auto spec, BuildLaunch(job, launch, resources, config.sandbox,
                                                 LaunchOptions{.survive_rank_loss = true}));
  pool->stderr_path_ = spec.stderr_path;
  DEEPRC_ASSIGN_OR_RETURN(pool->pid_, executor.Spawn(spec));
  pool->placement_ = std::move(placement);
  pool->lost_.assign(pool->placement_.size(), false);
  pool->started_ = pilot::Now();
  pool->watch_start_ = !resources.slurm;
  pool->ranks_ = job.ranks;
  return pool;
}

Placement FunctionPool::placement() const {
  Placement alive;
  for (size_t i = 0; i < placement_.size(); ++i) {
    if (!lost_[i]) alive.push_back(placement_[i]);
  }
  return alive;
}

Placement FunctionPool::RemoveWorkers(const std::vector<int>& world_ranks) {
  Placement removed;
  for (int rank : world_ranks) {
    const size_t worker = static_cast<size_t>(rank - 1);
    if (rank < 1 || worker >= placement_.size() || lost_[worker]) continue;
    lost_[worker] = true;
    removed.push_back(placement_[worker]);
  }
  return removed;
}

std::string FunctionPool::ErrorTail() const { return pilot::TailOfFile(stderr_path_); }

std::string FunctionPool::RankLostWhileStarting() {
  if (state_ != State::kStarting || !watch_start_) return {};
  std::ifstream in(fmt::format("/proc/{0}/task/{0}/children", pid_));
  if (!in) return {};  // mpirun is gone: the agent reaps it and says why
  std::set<pid_t> children;
  for (pid_t child; in >> child;) children.insert(child);
  for (pid_t seen : ranks_seen_) {
    if (!children.count(seen)) {
      return fmt::format("a rank (pid {}) died while the pool started, leaving the others waiting in MPI", seen);
    }
  }
  ranks_seen_.insert(children.begin(), children.end());
  if (static_cast<int>(children.size()) < ranks_ && pilot::Now() - started_ > kStartRanksLimit) {
    return fmt::format("only {} of its {} ranks were running {:g} s after it started", children.size(), ranks_,
                       kStartRanksLimit);
  }
  return {};
}

void FunctionPool::OnHello(std::string master, int workers) {
  master_ = std::move(master);
  workers_ = workers;
  state_ = State::kReady;
}

raptor::FunctionTask ToFunctionTask(const pilot::TaskDescription& task, const std::string& sandbox) {
  raptor::FunctionTask function;
  function.id = task.uid;
  function.function = task.function;
  function.args = task.args;
  function.ranks = task.ranks;
  function.gpus = task.gpus_per_rank;
  function.backend = task.backend;
  function.sandbox = sandbox;
  function.library = task.library;
  return function;
}

}  // namespace deeprc::agent
