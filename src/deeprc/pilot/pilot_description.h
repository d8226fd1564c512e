// What a pilot asks for: where (the local machine or a Slurm partition), how much (nodes, or cores
// and GPUs), for how long, and on whose account. The PilotManager turns it into a running agent.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "deeprc/core/status.h"

namespace deeprc::pilot {

struct PilotDescription {
  std::string resource = "local";  // "local" or "slurm"
  int nodes = 1;                   // Slurm: nodes of the job; local: always one
  // local: task slots; 0 takes every CPU the process may run on. More slots than CPUs is allowed
  // (slot i runs on CPU i mod n) for I/O-bound work and tests; the scheduler never exceeds the slots.
  int cores = 0;
  int gpus = 0;                  // local: GPUs to use, at most those visible; Slurm: GPUs per node
  double runtime = 0;            // minutes; 0: until the session closes (local) or the partition's limit
  std::string queue;             // Slurm partition
  std::string account;           // Slurm account
  std::string agent_executable;  // empty: $DEEPRC_AGENT, then deeprc-agent next to this program, then $PATH
  double launch_timeout = 0;     // seconds to reach PMGR_ACTIVE; 0: 30 locally, 600 on Slurm
  // Function tasks run on a pool of persistent workers, one per core, that the first of them
  // starts: this many (0: one per core of the pilot). The pool's cores are its own while it
  // runs; an idle pool gives them back when executable tasks wait.
  int function_workers = 0;
  std::string pool_executable;  // empty: $DEEPRC_POOL, then deeprc-raptor next to the agent, then $PATH

  Status Validate() const;
};

void to_json(nlohmann::json& json, const PilotDescription& description);
Result<PilotDescription> PilotDescriptionFromJson(const nlohmann::json& json);

}  // namespace deeprc::pilot
