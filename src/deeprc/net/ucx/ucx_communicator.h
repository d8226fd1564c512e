// The UCX backend: UCP tag messaging between every pair of ranks, over whichever transports UCX
// finds (shared memory, CMA, TCP, RDMA). Worker addresses are exchanged out of band over another
// Communicator; UCX has no collectives, so barrier and all-reduce are built on the exchange.
#pragma once

#include <map>

#include "deeprc/net/communicator.h"

namespace deeprc::net {

class UcxCommunicator : public Communicator {
 public:
  // Builds endpoints to the same ranks as `bootstrap` (rank r of bootstrap is rank r here).
  static Result<std::shared_ptr<UcxCommunicator>> Over(Communicator& bootstrap);

  ~UcxCommunicator() override;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend_name() const override { return "ucx"; }

  Status Exchange(std::span<const SendSpec> sends, std::span<const RecvSpec> recvs) override;
  Status Barrier() override;
  Status AllReduce(void* data, int64_t count, const arrow::DataType& type, ReduceOp op) override;

 private:
  struct State;  // the UCP context, worker and endpoints
  UcxCommunicator(int rank, int size, std::unique_ptr<State> state);

  int rank_;
  int size_;
  std::unique_ptr<State> state_;
  // As in the Gloo backend: the k-th message to a peer carries tag k, so it meets the k-th receive.
  std::map<int, uint64_t> sent_to_, received_from_;
};

}  // namespace deeprc::net
