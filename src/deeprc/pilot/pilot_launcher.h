// Starting and stopping the agent of a pilot on its resource: a child process on the local
// machine, or the batch script of a Slurm job. The Pilot drives it; nothing else sees it.
#pragma once

#include <memory>
#include <string>

#include "deeprc/core/status.h"
#include "deeprc/pilot/agent_config.h"
#include "deeprc/pilot/stop_signal.h"

namespace deeprc::pilot {

class PilotLauncher {
 public:
  virtual ~PilotLauncher() = default;
  // Starts the agent; returns once it is started, not once it is reachable.
  virtual Status Start(const AgentConfig& config, const std::string& config_path) = 0;
  // Blocks until the agent has published its endpoint; fails when the agent died first, after
  // `timeout` seconds, or when `stop` is notified.
  virtual Result<std::string> WaitForEndpoint(double timeout, const StopSignal& stop) = 0;
  // Blocks while the agent lives: returns OK when `stop` is notified, and an error saying how the
  // agent ended when it ended first.
  virtual Status WatchAgent(const StopSignal& stop) = 0;
  // After the agent was asked to shut down: waits up to `grace` seconds, then ends it by force.
  virtual Status Stop(double grace) = 0;
};

Result<std::unique_ptr<PilotLauncher>> MakePilotLauncher(const std::string& resource);

// The last lines of a file (an agent's stderr) for error messages; empty when unreadable.
std::string TailOfFile(const std::string& path, int lines = 5);

}  // namespace deeprc::pilot
