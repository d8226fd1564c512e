// A throwaway Slurm cluster on this machine for tests: its own munged (private socket), slurmctld
// and one slurmd per simulated node, on free ports under a temporary folder, all stopped by PID
// when the object dies.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "deeprc/core/status.h"
#include "test_util.h"

namespace deeprc::pilot::testing {

class SlurmCluster {
 public:
  // Starts `nodes` nodes of `cpus` CPUs each, named node1..nodeN, and points SLURM_CONF at them.
  static Result<std::unique_ptr<SlurmCluster>> Start(int nodes, int cpus = 2);
  ~SlurmCluster();

  // Lines of `squeue -h` for this cluster: empty when no job is left.
  std::string Queue() const;
  const std::string& conf() const { return conf_; }

 private:
  SlurmCluster() = default;
  Status SpawnDaemon(std::vector<std::string> argv, const std::string& log);
  TempFolder folder_;
  std::string conf_;
  std::vector<pid_t> pids_;  // stopped in reverse order
};

// Runs a command and returns its stdout (stderr goes along); the exit status is not checked.
std::string Capture(const std::string& command);

}  // namespace deeprc::pilot::testing
