// The Scheduler places each rank of a task on cores (and GPUs and memory) of one node, never
// giving a core or GPU to two tasks at once, and tells at once when a task can never fit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "deeprc/agent/resources.h"
#include "deeprc/core/status.h"

namespace deeprc::agent {

struct ResourceRequest {
  int ranks = 1;
  int cores_per_rank = 1;
  int gpus_per_rank = 0;
  int64_t mem_per_rank = 0;      // MiB
  bool single_node = true;       // fork and mpirun start every rank on one node
  std::string colocate;          // tasks with the same non-empty tag share a node (the first one's)
  bool first_node_only = false;  // fork launches on the agent's node only
};

struct RankSlot {
  int node = 0;
  std::vector<int> cores;  // slot indices on the node
  std::vector<int> gpus;   // GPU indices on the node
  int64_t mem_mib = 0;
};

using Placement = std::vector<RankSlot>;  // one per rank

class Scheduler {
 public:
  explicit Scheduler(AgentResources resources);

  // OK when the request fits an empty pilot; otherwise the reason it never will.
  Status CheckFits(const ResourceRequest& request) const;
  // Takes free slots for every rank, or nothing when the request does not fit right now.
  std::optional<Placement> Allocate(const ResourceRequest& request);
  void Release(const Placement& placement);

  int free_cores() const { return free_cores_; }
  const AgentResources& resources() const { return resources_; }

 private:
  struct NodeState {
    std::vector<bool> core_busy, gpu_busy;
    int free_cores = 0, free_gpus = 0;
    int64_t free_mem = 0;
  };
  // How many ranks of `request` a node could hold when empty.
  int Capacity(const NodeResources& node, const ResourceRequest& request) const;
  bool TakeRank(int node, const ResourceRequest& request, Placement& placement);

  AgentResources resources_;
  std::vector<NodeState> nodes_;
  int free_cores_ = 0;
  std::vector<std::pair<std::string, int>> colocated_;  // tag -> node
};

}  // namespace deeprc::agent
