#include "deeprc/bridge/distributed_sampler.h"

#include <numeric>
#include <random>

namespace deeprc::bridge {
namespace {

// A uniform integer in [0, bound) with a fixed algorithm (Lemire's multiply-and-reject):
// std::uniform_int_distribution is implementation-defined, and ranks built against different
// standard libraries must still draw the same permutation.
uint64_t UniformBelow(std::mt19937_64& rng, uint64_t bound) {
  unsigned __int128 product = static_cast<unsigned __int128>(rng()) * bound;
  auto low = static_cast<uint64_t>(product);
  if (low < bound) {
    const uint64_t threshold = -bound % bound;
    while (low < threshold) {
      product = static_cast<unsigned __int128>(rng()) * bound;
      low = static_cast<uint64_t>(product);
    }
  }
  return static_cast<uint64_t>(product >> 64);
}

}  // namespace

Result<DistributedSampler> DistributedSampler::Make(int64_t dataset_size, SamplerOptions options) {
  if (dataset_size < 0) return Status::Invalid("DistributedSampler: dataset size ", dataset_size, " < 0");
  if (options.world_size < 1) {
    return Status::Invalid("DistributedSampler: world_size ", options.world_size, " < 1");
  }
  if (options.rank < 0 || options.rank >= options.world_size) {
    return Status::Invalid("DistributedSampler: rank ", options.rank, " outside [0, ", options.world_size,
                           ")");
  }
  return DistributedSampler(dataset_size, options);
}

int64_t DistributedSampler::num_samples() const {
  const int64_t world = options_.world_size;
  return options_.drop_last ? dataset_size_ / world : (dataset_size_ + world - 1) / world;
}

std::vector<int64_t> DistributedSampler::Indices(int64_t epoch) const {
  const int64_t n = dataset_size_, world = options_.world_size, rank = options_.rank;
  const int64_t per_rank = num_samples();
  std::vector<int64_t> mine;
  if (per_rank == 0) return mine;

  // Every rank builds the whole permutation (identical, from seed + epoch) and keeps its share:
  // no communication, and the shares partition it exactly.
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), int64_t{0});
  if (options_.shuffle) {
    std::mt19937_64 rng(options_.seed + static_cast<uint64_t>(epoch));
    for (int64_t i = n - 1; i > 0; --i) {
      std::swap(order[i], order[UniformBelow(rng, static_cast<uint64_t>(i) + 1)]);
    }
  }
  // One rank and nothing cut: the permutation is the share (no second copy of n indices).
  if (world == 1 && per_rank == n) return order;
  // Position p of the padded (or cut) order belongs to rank p % world; positions past n wrap to
  // the start, as torch.utils.data.DistributedSampler pads.
  mine.reserve(per_rank);
  for (int64_t k = 0; k < per_rank; ++k) mine.push_back(order[(k * world + rank) % n]);
  return mine;
}

}  // namespace deeprc::bridge
