// A group of processes that move bytes: rank, size, collectives on numeric buffers, and batched
// non-blocking point-to-point transfers. Backends (MPI, Gloo, UCX) implement it; nothing here
// knows an operator. Every blocking call ends by its deadline with an error that names the peer.
#pragma once

#include <arrow/type_fwd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc::net {

enum class ReduceOp { kSum, kMin, kMax, kProd };

// One send: `size` bytes at `data` to rank `peer`. The memory must stay valid until Exchange returns.
struct SendSpec {
  int peer;
  const void* data;
  int64_t size;
};

// One receive: exactly `size` bytes from rank `peer` into `data`.
struct RecvSpec {
  int peer;
  void* data;
  int64_t size;
};

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual std::string backend_name() const = 0;

  // How long a blocking call waits for a peer before it gives up and names it (default 60 s).
  std::chrono::milliseconds timeout() const { return timeout_; }
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

  // Posts every send and receive at once and progresses them together, so an all-to-all never
  // deadlocks on ordering. Transfers between one pair of ranks match in the order they are
  // listed. Messages larger than the backend's limit are split by the backend.
  virtual Status Exchange(std::span<const SendSpec> sends, std::span<const RecvSpec> recvs) = 0;

  virtual Status Barrier() = 0;

  // Element-wise reduction across ranks of `count` values of a numeric `type`, in place.
  virtual Status AllReduce(void* data, int64_t count, const arrow::DataType& type, ReduceOp op) = 0;

  // Derived collectives, built on Exchange; backends may override them with native ones.
  // Every rank contributes `mine` (sizes may differ); all ranks receive every contribution.
  virtual Result<std::vector<std::shared_ptr<arrow::Buffer>>> AllGather(std::span<const uint8_t> mine);
  // Rank `root` sends `data` (ignored elsewhere); every rank returns the root's bytes.
  virtual Result<std::shared_ptr<arrow::Buffer>> Broadcast(std::span<const uint8_t> data, int root);
  // Every rank sends `mine` to `root`; the root returns all contributions, the others nothing.
  virtual Result<std::vector<std::shared_ptr<arrow::Buffer>>> Gather(std::span<const uint8_t> mine, int root);
  // Every rank sends `send[r]` to rank r; returns what each rank sent here. Sizes are exchanged first.
  Result<std::vector<std::shared_ptr<arrow::Buffer>>> AllToAll(
      std::span<const std::span<const uint8_t>> send);

  // Convenience reductions of one value.
  Result<int64_t> AllReduceScalar(int64_t value, ReduceOp op);
  Result<double> AllReduceScalar(double value, ReduceOp op);

 protected:
  // For backends that cannot address themselves (Gloo, UCX): copies the sends to this rank into
  // the receives from this rank, in order, and leaves the transfers with other ranks in `*sends`
  // and `*recvs`.
  Status DeliverToSelf(std::span<const SendSpec> all_sends, std::span<const RecvSpec> all_recvs,
                       std::vector<SendSpec>* sends, std::vector<RecvSpec>* recvs) const;

  std::chrono::milliseconds timeout_{60'000};
};

// Makes a communicator by backend name ("mpi", "gloo", "ucx") for this process, bootstrapped
// from the launcher's environment (mpirun/srun, or DEEPRC_RANK/DEEPRC_WORLD_SIZE/DEEPRC_RENDEZVOUS).
Result<std::shared_ptr<Communicator>> MakeCommunicator(const std::string& backend);

}  // namespace deeprc::net
