// Data-parallel training's one collective: gradients averaged over the task's ranks, packed into
// buckets so that a model of many small tensors costs a few all-reduces instead of one per tensor.
// Gradients on a GPU are staged through the host bucket, so Gloo and MPI serve GPU training too
// (an NCCL communicator, reducing in device memory, is the faster path still to come).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "deeprc/core/status.h"
#include "deeprc/net/communicator.h"

namespace deeprc::learn {

class GradientAverager {
 public:
  // `bucket_bytes` bounds the staging buffer of one all-reduce (PyTorch DDP's default is 25 MB).
  GradientAverager(net::Communicator& communicator, int64_t bucket_bytes = 25 << 20);

  // Replaces each parameter's gradient by its mean over the ranks. Every rank must call it with
  // the same parameters in the same order; a parameter without a gradient counts as zeros.
  Status Average(const std::vector<torch::Tensor>& parameters);

  // Makes every rank start from rank 0's weights (the models were built with different seeds
  // or read different checkpoints).
  Status BroadcastFromRoot(const std::vector<torch::Tensor>& parameters);

 private:
  net::Communicator& communicator_;
  int64_t bucket_bytes_;
  std::vector<float> bucket_;
};

}  // namespace deeprc::learn
