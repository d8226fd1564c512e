#include "deeprc/agent/scheduler.h"

#include <algorithm>
#include <limits>

namespace deeprc::agent {

Scheduler::Scheduler(AgentResources resources) : resources_(std::move(resources)) {
  for (const auto& node : resources_.nodes) {
    NodeState state;
    state.core_busy.assign(node.cores, false);
    state.gpu_busy.assign(node.gpus, false);
    state.free_cores = node.cores;
    state.free_gpus = node.gpus;
    state.free_mem = node.mem_mib;
    free_cores_ += node.cores;
    nodes_.push_back(std::move(state));
  }
}

int Scheduler::Capacity(const NodeResources& node, const ResourceRequest& request) const {
  int ranks = node.cores / request.cores_per_rank;
  if (request.gpus_per_rank > 0) ranks = std::min(ranks, node.gpus / request.gpus_per_rank);
  if (request.mem_per_rank > 0) ranks = std::min<int64_t>(ranks, node.mem_mib / request.mem_per_rank);
  return ranks;
}

Status Scheduler::CheckFits(const ResourceRequest& request) const {
  int largest_cores = 0, largest_gpus = 0, total = 0, best = 0;
  int64_t largest_mem = 0;
  const size_t considered = request.first_node_only ? 1 : resources_.nodes.size();
  for (size_t i = 0; i < considered; ++i) {
    const auto& node = resources_.nodes[i];
    largest_cores = std::max(largest_cores, node.cores);
    largest_gpus = std::max(largest_gpus, node.gpus);
    largest_mem = std::max(largest_mem, node.mem_mib);
    int capacity = Capacity(node, request);
    total += capacity;
    best = std::max(best, capacity);
  }
  const int nodes = static_cast<int>(resources_.nodes.size());
  if (request.cores_per_rank > largest_cores) {
    return Status::Invalid("it asks for ", request.cores_per_rank,
                           " cores per rank, but the largest node of the pilot has ", largest_cores);
  }
  if (request.gpus_per_rank > largest_gpus) {
    return Status::Invalid("it asks for ", request.gpus_per_rank,
                           " GPUs per rank, but the largest node of the pilot has ", largest_gpus);
  }
  if (request.mem_per_rank > largest_mem) {
    return Status::Invalid("it asks for ", request.mem_per_rank,
                           " MiB per rank, but the largest node of the pilot has ", largest_mem, " MiB");
  }
  if (request.single_node && best < request.ranks) {
    return Status::Invalid(
        "it asks for ", request.ranks, " ranks x ", request.cores_per_rank, " cores",
        request.gpus_per_rank ? " x " + std::to_string(request.gpus_per_rank) + " GPUs" : "",
        " on one node, but a node of the pilot holds at most ", best, " such ranks (", nodes,
        nodes == 1 ? " node of " : " nodes, the largest of ", largest_cores, " cores)");
  }
  if (total < request.ranks) {
    return Status::Invalid("it asks for ", request.ranks, " ranks x ", request.cores_per_rank,
                           " cores = ", request.ranks * request.cores_per_rank,
                           " cores, but the pilot holds at most ", total, " such ranks (",
                           resources_.total_cores(), " cores on ", nodes, nodes == 1 ? " node)" : " nodes)");
  }
  return Status::OK();
}

bool Scheduler::TakeRank(int node, const ResourceRequest& request, Placement& placement) {
  auto& state = nodes_[node];
  if (state.free_cores < request.cores_per_rank || state.free_gpus < request.gpus_per_rank ||
      state.free_mem < request.mem_per_rank) {
    return false;
  }
  RankSlot slot;
  slot.node = node;
  for (int core = 0; static_cast<int>(slot.cores.size()) < request.cores_per_rank; ++core) {
    if (!state.core_busy[core]) slot.cores.push_back(core);
  }
  for (int gpu = 0; static_cast<int>(slot.gpus.size()) < request.gpus_per_rank; ++gpu) {
    if (!state.gpu_busy[gpu]) slot.gpus.push_back(gpu);
  }
  for (int core : slot.cores) state.core_busy[core] = true;
  for (int gpu : slot.gpus) state.gpu_busy[gpu] = true;
  state.free_cores -= request.cores_per_rank;
  state.free_gpus -= request.gpus_per_rank;
  state.free_mem -= request.mem_per_rank;
  free_cores_ -= request.cores_per_rank;
  slot.mem_mib = request.mem_per_rank;
  placement.push_back(std::move(slot));
  return true;
}

std::optional<Placement> Scheduler::Allocate(const ResourceRequest& request) {
  if (free_cores_ < request.ranks * request.cores_per_rank) return std::nullopt;
  int first = 0, last = request.first_node_only ? 1 : static_cast<int>(nodes_.size());
  if (!request.colocate.empty()) {
    for (const auto& [tag, node] : colocated_) {
      if (tag == request.colocate) first = node, last = node + 1;
    }
  }
  Placement placement;
  if (request.single_node) {
    for (int node = first; node < last; ++node) {
      while (static_cast<int>(placement.size()) < request.ranks && TakeRank(node, request, placement)) {
      }
      if (static_cast<int>(placement.size()) == request.ranks) break;
      Release(placement);
      placement.clear();
    }
  } else {
    for (int node = first; node < last && static_cast<int>(placement.size()) < request.ranks; ++node) {
      while (static_cast<int>(placement.size()) < request.ranks && TakeRank(node, request, placement)) {
      }
    }
  }
  if (static_cast<int>(placement.size()) < request.ranks) {
    Release(placement);
    return std::nullopt;
  }
  if (!request.colocate.empty() && last - first > 1)
    colocated_.emplace_back(request.colocate, placement[0].node);
  return placement;
}

void Scheduler::Release(const Placement& placement) {
  for (const auto& slot : placement) {
    auto& state = nodes_[slot.node];
    for (int core : slot.cores) state.core_busy[core] = false;
    for (int gpu : slot.gpus) state.gpu_busy[gpu] = false;
    state.free_cores += static_cast<int>(slot.cores.size());
    state.free_gpus += static_cast<int>(slot.gpus.size());
    state.free_mem += slot.mem_mib;
    free_cores_ += static_cast<int>(slot.cores.size());
  }
}

}  // namespace deeprc::agent
