// How a placed task becomes a command line: fork/exec of its argv, or mpirun / srun around it,
// with the environment that binds it to what it was given (OMP_NUM_THREADS, CUDA_VISIBLE_DEVICES).
#pragma once

#include <string>
#include <vector>

#include "deeprc/agent/resources.h"
#include "deeprc/agent/scheduler.h"
#include "deeprc/core/status.h"
#include "deeprc/pilot/task_description.h"

namespace deeprc::agent {

struct LaunchSpec {
  std::vector<std::string> argv;
  std::vector<std::string> environment;  // "NAME=value", over the agent's own environment
  std::string working_directory;
  std::string stdout_path, stderr_path;
  std::vector<int> cpus;  // CPU affinity of the started process; empty: inherit
};

// The launch method a task gets: its own choice, or fork for one rank on the agent's node, srun
// under Slurm and mpirun otherwise.
pilot::LaunchMethod ResolveLaunchMethod(const pilot::TaskDescription& task, const AgentResources& resources);

struct LaunchOptions {
  // The job goes on when one of its ranks dies (the function pool, whose master fails only that
  // rank's task): mpirun --enable-recovery; srun without --kill-on-bad-exit.
  bool survive_rank_loss = false;
};

Result<LaunchSpec> BuildLaunch(const pilot::TaskDescription& task, const Placement& placement,
                               const AgentResources& resources, const std::string& sandbox,
                               const LaunchOptions& options = {});

// Quotes a word for /bin/sh.
std::string ShellQuote(const std::string& word);

}  // namespace deeprc::agent
