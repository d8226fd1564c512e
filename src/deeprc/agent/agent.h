// The Agent: one process on the pilot's first node that receives tasks from clients and reports
// every state change back. Its control loop stages each task, asks the Scheduler for cores and
// GPUs, and hands it to the Executor (a process) or the FunctionPoolManager (a function task). It
// is event-driven: it sleeps in one poll over its socket and a signalfd for SIGCHLD.
#pragma once

#include <memory>

#include "deeprc/core/status.h"
#include "deeprc/pilot/agent_config.h"

namespace deeprc::agent {

class Agent {
 public:
  // Discovers resources, binds the authenticated socket and publishes its endpoint (to
  // `notify_fd` when >= 0, and to the endpoint file of the sandbox).
  static Result<std::unique_ptr<Agent>> Start(const pilot::AgentConfig& config, int notify_fd = -1);
  ~Agent();

  // Serves until a client shuts the pilot down, the runtime ends, the agent is signaled or its
  // parent (local pilots) is gone; running tasks are then killed and reported CANCELED.
  Status Run();

  class Impl;

 private:
  explicit Agent(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace deeprc::agent
