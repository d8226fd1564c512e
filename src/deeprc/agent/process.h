// Starting a task's process: posix_spawn into a new process group (so a timeout or a cancel ends
// the whole tree), with its output in files, its CPU affinity set, and default signal handling.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "deeprc/agent/launch_command.h"
#include "deeprc/core/status.h"

namespace deeprc::agent {

// The environment every task starts from: the agent's own, captured once.
class BaseEnvironment {
 public:
  BaseEnvironment();
  const std::vector<std::string>& entries() const { return entries_; }

 private:
  std::vector<std::string> entries_;
};

// Starts `spec`; the process leads a new process group whose id is the returned pid.
Result<pid_t> SpawnProcess(const LaunchSpec& spec, const BaseEnvironment& base);

// "exit code 3", "killed by signal 11 (SIGSEGV)"; exit_code gets the code, or minus the signal.
std::string DescribeWaitStatus(int status, int* exit_code);

}  // namespace deeprc::agent
