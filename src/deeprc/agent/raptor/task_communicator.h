// The communicator of one function task, built at run time over exactly the task's workers with
// MPI_Comm_create_group (collective over those ranks only), plus Gloo or UCX over the same ranks.
#pragma once

#include <mpi.h>

#include <memory>
#include <string>
#include <vector>

#include "deeprc/net/communicator.h"

namespace deeprc::raptor {

class TaskCommunicator {
 public:
  // Every rank of `world_ranks` (ranks of MPI_COMM_WORLD, in task rank order) calls this with the
  // same `tag` and `backend`; no other rank takes part.
  static Result<std::unique_ptr<TaskCommunicator>> Create(const std::vector<int>& world_ranks, int tag,
                                                          const std::string& backend);
  // Frees the MPI communicator (after the backend built on it).
  ~TaskCommunicator();

  const std::shared_ptr<net::Communicator>& comm() const { return comm_; }
  // The MPI communicator under comm() (for the worker's checks; tasks talk through comm()).
  MPI_Comm mpi_comm() const { return mpi_comm_; }

 private:
  TaskCommunicator() = default;

  MPI_Comm mpi_comm_ = MPI_COMM_NULL;
  std::shared_ptr<net::Communicator> comm_;
};

}  // namespace deeprc::raptor
