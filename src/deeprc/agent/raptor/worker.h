// A raptor worker: one rank of the pool's MPI job that waits (yielding, never spinning) for the
// master's assignments, builds each task's communicator, runs the function and reports back.
#pragma once

#include "deeprc/core/status.h"

namespace deeprc::raptor {

// Serves assignments from rank 0 of MPI_COMM_WORLD until it is told to stop. MPI must be
// initialized (net::MpiCommunicator::World()).
Status RunWorker();

}  // namespace deeprc::raptor
