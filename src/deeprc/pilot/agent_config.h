// What the PilotManager tells an agent it starts: written as JSON into the pilot's sandbox and
// passed by path, so the same file serves a local process and the batch script of a Slurm job.
#pragma once

#include <string>

#include "deeprc/core/status.h"
#include "deeprc/pilot/pilot_description.h"

namespace deeprc::pilot {

struct AgentConfig {
  std::string pilot_uid;
  std::string session_dir;
  std::string sandbox;                  // the pilot's folder; task sandboxes go below it
  std::string secret_file;              // SessionKeys, mode 0600
  std::string bind_host = "127.0.0.1";  // loopback unless the pilot spans nodes
  int parent_pid = 0;  // local: the agent ends when this process is gone; 0 disables the watch
  PilotDescription description;

  std::string endpoint_file() const { return sandbox + "/agent.endpoint"; }
  Status Write(const std::string& path) const;
  static Result<AgentConfig> Read(const std::string& path);
};

}  // namespace deeprc::pilot
