// Which dataset indices each rank visits in an epoch: a seeded permutation shared by all ranks,
// split so that ranks never overlap, padded (repeating from the start) or cut to equal lengths.
#pragma once

#include <cstdint>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc::bridge {

struct SamplerOptions {
  int rank = 0;
  int world_size = 1;
  bool shuffle = true;
  uint64_t seed = 0;
  // true: drop the tail so every rank gets floor(n / world) indices; false: pad with indices
  // from the start so every rank gets ceil(n / world).
  bool drop_last = false;
};

class DistributedSampler {
 public:
  // Errors: world_size < 1, rank outside [0, world_size).
  static Result<DistributedSampler> Make(int64_t dataset_size, SamplerOptions options);

  int64_t num_samples() const;  // indices per rank and epoch
  int64_t dataset_size() const { return dataset_size_; }
  const SamplerOptions& options() const { return options_; }

  // This rank's indices in epoch `epoch`: the permutation depends on (seed, epoch) only, so every
  // rank computes the same one and takes positions rank, rank + world_size, ...
  std::vector<int64_t> Indices(int64_t epoch) const;

 private:
  DistributedSampler(int64_t dataset_size, SamplerOptions options)
      : dataset_size_(dataset_size), options_(options) {}
  int64_t dataset_size_;
  SamplerOptions options_;
};

}  // namespace deeprc::bridge
