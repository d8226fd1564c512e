// The MPI backend: a Communicator over an MPI_Comm (MPI_COMM_WORLD, or one built at run time
// such as MPI_Comm_create_group). Collectives are MPI's own, progressed non-blocking so a lost
// rank ends in a timeout error instead of a hang.
#pragma once

#include <mpi.h>

#include "deeprc/net/communicator.h"

namespace deeprc::net {

// Leaves this process without MPI_Finalize at exit. For a job that lost a rank (mpirun
// --enable-recovery): MPI_Finalize waits in a fence for every rank, the dead one too, forever.
void SkipFinalizeAtExit();

class MpiCommunicator : public Communicator {
 public:
  // Initializes MPI once per process (finalized at exit) and wraps MPI_COMM_WORLD.
  static Result<std::shared_ptr<MpiCommunicator>> World();
  // Wraps `comm` without taking ownership; MPI must be initialized and `comm` outlive this object.
  static Result<std::shared_ptr<MpiCommunicator>> Wrap(MPI_Comm comm);

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend_name() const override { return "mpi"; }
  MPI_Comm comm() const { return comm_; }

  Status Exchange(std::span<const SendSpec> sends, std::span<const RecvSpec> recvs) override;
  Status Barrier() override;
  Status AllReduce(void* data, int64_t count, const arrow::DataType& type, ReduceOp op) override;

 private:
  explicit MpiCommunicator(MPI_Comm comm);

  // Progresses `requests` (request i belongs to peer `peers[i]`) to completion or the timeout.
  Status WaitAll(std::vector<MPI_Request>& requests, const std::vector<int>& peers, const char* what);

  MPI_Comm comm_;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace deeprc::net
