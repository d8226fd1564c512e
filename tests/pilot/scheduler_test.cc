// The scheduler never gives a core or GPU twice, places ranks on whole nodes, and explains why a
// request can never fit.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "deeprc/agent/scheduler.h"

namespace deeprc::agent {
namespace {

AgentResources Nodes(int count, int cores, int gpus = 0, int64_t mem = 1024) {
  AgentResources resources;
  for (int i = 0; i < count; ++i) {
    NodeResources node;
    node.name = "node" + std::to_string(i + 1);
    node.cores = cores;
    node.gpus = gpus;
    node.mem_mib = mem;
    resources.nodes.push_back(node);
  }
  return resources;
}

ResourceRequest Request(int ranks, int cores_per_rank, int gpus_per_rank = 0, int64_t mem_per_rank = 0,
                        bool single_node = true) {
  ResourceRequest request;
  request.ranks = ranks;
  request.cores_per_rank = cores_per_rank;
  request.gpus_per_rank = gpus_per_rank;
  request.mem_per_rank = mem_per_rank;
  request.single_node = single_node;
  return request;
}

TEST(Scheduler, NeverHandsOutACoreOrGpuTwice) {
  Scheduler scheduler(Nodes(2, 8, 2));
  std::mt19937 random(7);
  std::vector<Placement> held;
  for (int step = 0; step < 2000; ++step) {
    if (!held.empty() && random() % 2) {
      size_t victim = random() % held.size();
      scheduler.Release(held[victim]);
      held.erase(held.begin() + victim);
      continue;
    }
    ResourceRequest request;
    request.ranks = 1 + random() % 3;
    request.cores_per_rank = 1 + random() % 3;
    request.gpus_per_rank = random() % 4 == 0 ? 1 : 0;
    request.single_node = random() % 2;
    if (auto placement = scheduler.Allocate(request)) {
      ASSERT_EQ(static_cast<int>(placement->size()), request.ranks);
      held.push_back(*placement);
    }
    std::set<std::pair<int, int>> cores, gpus;
    int busy = 0;
    for (const auto& placement : held) {
      for (const auto& rank : placement) {
        for (int core : rank.cores) ASSERT_TRUE(cores.insert({rank.node, core}).second);
        for (int gpu : rank.gpus) ASSERT_TRUE(gpus.insert({rank.node, gpu}).second);
        busy += static_cast<int>(rank.cores.size());
      }
    }
    ASSERT_EQ(scheduler.free_cores(), 16 - busy);
  }
}

TEST(Scheduler, SingleNodeRequestsStayOnOneNode) {
  Scheduler scheduler(Nodes(2, 4));
  ResourceRequest two_cores = Request(1, 2);
  ASSERT_TRUE(scheduler.Allocate(two_cores));  // node1: 2 of 4 left
  ResourceRequest four_ranks = Request(4, 1);
  auto placement = scheduler.Allocate(four_ranks);
  ASSERT_TRUE(placement);
  for (const auto& rank : *placement) EXPECT_EQ(rank.node, 1);
  ResourceRequest spread = Request(4, 1, 0, 0, /*single_node=*/false);
  placement = scheduler.Allocate(spread);
  EXPECT_FALSE(placement);  // only 2 cores left
  ResourceRequest two = Request(2, 1, 0, 0, false);
  EXPECT_TRUE(scheduler.Allocate(two));
}

TEST(Scheduler, ColocatedTasksShareANode) {
  Scheduler scheduler(Nodes(3, 4));
  ResourceRequest filler = Request(1, 3);
  ASSERT_TRUE(scheduler.Allocate(filler));  // node1 has 1 core left
  ResourceRequest first = Request(1, 2);
  first.colocate = "g";
  auto a = scheduler.Allocate(first);
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)[0].node, 1);
  auto b = scheduler.Allocate(first);
  ASSERT_TRUE(b);
  EXPECT_EQ((*b)[0].node, 1);
  EXPECT_FALSE(scheduler.Allocate(first));  // node2 is full; the group does not spill over
}

TEST(Scheduler, ExplainsWhatCanNeverFit) {
  Scheduler scheduler(Nodes(2, 4, 1, 1000));
  EXPECT_TRUE(scheduler.CheckFits(Request(8, 1, 0, 0, false)).ok());
  auto message = [&](ResourceRequest request) { return scheduler.CheckFits(request).message(); };
  EXPECT_EQ(message(Request(1, 5)), "it asks for 5 cores per rank, but the largest node of the pilot has 4");
  EXPECT_EQ(message(Request(1, 1, 2)),
            "it asks for 2 GPUs per rank, but the largest node of the pilot has 1");
  EXPECT_EQ(message(Request(1, 1, 0, 2000)),
            "it asks for 2000 MiB per rank, but the largest node of the pilot has 1000 MiB");
  EXPECT_EQ(message(Request(5, 1)),
            "it asks for 5 ranks x 1 cores on one node, but a node of the pilot holds at most 4 such ranks "
            "(2 nodes, "
            "the largest of 4 cores)");
  EXPECT_EQ(message(Request(9, 1, 0, 0, false)),
            "it asks for 9 ranks x 1 cores = 9 cores, but the pilot holds at most 8 such ranks (8 cores on 2 "
            "nodes)");
  EXPECT_FALSE(scheduler.CheckFits(Request(3, 1, 1, 0, false)).ok());  // 2 GPUs in all
}

}  // namespace
}  // namespace deeprc::agent
