// A communicator over NVIDIA's NCCL between ranks that each own a GPU: collectives and transfers
// run on the GPUs. Device memory (a CUDA tensor's gradients) goes as it is (AllReduceOnDevice);
// host buffers, as the Communicator interface hands them, are staged through device memory. Its
// ranks are those of a bootstrap communicator (a task's MPI communicator), which carries NCCL's
// unique id from rank 0 to the others. Waits poll the stream with the usual back-off and end at
// the timeout by aborting the NCCL communicator, naming what did not finish.
#pragma once

#include <memory>
#include <string>

#include "deeprc/net/communicator.h"

namespace deeprc::net {

// NcclCommunicator::Over where the NCCL backend is built; NotImplemented, saying why, where it is
// not (a build without the CUDA toolkit). What callers that work either way use.
Result<std::shared_ptr<Communicator>> NcclOver(Communicator& bootstrap, int device = 0);

class NcclCommunicator final : public Communicator {
 public:
  // Over the ranks of `bootstrap` (collective over it), on CUDA device `device` as this process
  // sees it (a pool worker sees only its own GPU, as device 0). Fails with the reason where NCCL,
  // the CUDA runtime or a device is missing.
  static Result<std::shared_ptr<NcclCommunicator>> Over(Communicator& bootstrap, int device = 0);
  ~NcclCommunicator() override;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend_name() const override { return "nccl"; }

  Status Exchange(std::span<const SendSpec> sends, std::span<const RecvSpec> recvs) override;
  Status Barrier() override;
  Status AllReduce(void* data, int64_t count, const arrow::DataType& type, ReduceOp op) override;
  // The same on device memory, in place and without copies.
  Status AllReduceOnDevice(void* device_data, int64_t count, const arrow::DataType& type, ReduceOp op);

  class Impl;

 private:
  NcclCommunicator(int rank, int size, std::unique_ptr<Impl> impl);
  int rank_, size_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace deeprc::net
