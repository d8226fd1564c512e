// What an agent has to schedule on: its nodes with their cores, GPUs and memory, discovered from
// the local machine or from the Slurm job the agent runs in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "deeprc/core/status.h"
#include "deeprc/pilot/pilot_description.h"

namespace deeprc::agent {

struct NodeResources {
  std::string name;
  int cores = 0;             // task slots
  std::vector<int> cpu_ids;  // slot i runs on cpu_ids[i % size]; empty: the launcher binds (srun)
  int gpus = 0;
  std::vector<std::string> gpu_ids;  // the CUDA_VISIBLE_DEVICES value of each GPU index
  int64_t mem_mib = 0;
};

struct AgentResources {
  std::vector<NodeResources> nodes;
  bool slurm = false;  // tasks of more than one rank launch with srun rather than mpirun

  int total_cores() const;
  nlohmann::json ToJson() const;
};

// The local machine: the CPUs this process may run on (sched_getaffinity), its memory, and its
// GPUs (CUDA_VISIBLE_DEVICES when set, else /dev/nvidiaN). `description.cores` may ask for more
// slots than CPUs; GPUs must exist.
Result<AgentResources> DiscoverLocal(const pilot::PilotDescription& description);

// The Slurm job around the agent: SLURM_JOB_NODELIST, SLURM_JOB_CPUS_PER_NODE,
// SLURM_GPUS_ON_NODE (or the description's GPUs per node), SLURM_MEM_PER_NODE.
Result<AgentResources> DiscoverSlurm(const pilot::PilotDescription& description);

// "2(x3),1" -> {2, 2, 2, 1}: Slurm's compressed per-node counts.
Result<std::vector<int>> ParseSlurmCounts(const std::string& text);

}  // namespace deeprc::agent
