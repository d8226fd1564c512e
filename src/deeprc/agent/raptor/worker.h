// A raptor worker: one rank of the pool's MPI job that waits (yielding, never spinning) for the
// master's assignments, builds each task's communicator, runs the function and reports back.
#pragma once

#include "deeprc/core/status.h"

namespace deeprc::raptor {

struct WorkerOptions {
  // This worker's GPU as the machine names it ("" for none); when the pool has GPUs at all
  // (`pool_has_gpus`), CUDA_VISIBLE_DEVICES is set to it, so a worker sees its own GPU only and
  // one without a GPU sees none.
  std::string gpu;
  bool pool_has_gpus = false;
};

// Serves assignments from rank 0 of MPI_COMM_WORLD until it is told to stop. MPI must be
// initialized (net::MpiCommunicator::World()).
Status RunWorker(const WorkerOptions& options = {});

}  // namespace deeprc::raptor
