// The NCCL communicator on real GPUs, one rank per GPU (rank r on device r mod devices): an
// all-reduce of every type NCCL reduces against the hand-computed value, an all-to-all exchange
// of bytes, a barrier, and a broadcast and all-gather built on the exchange. Where no GPU, driver
// or NCCL is usable it prints why and exits 77, which CTest reports as skipped.
#include <arrow/buffer.h>
#include <arrow/type.h>

#include <cstdio>
#include <string>
#include <vector>

#include "deeprc/net/mpi/mpi_communicator.h"
#include "deeprc/net/nccl/nccl_communicator.h"

namespace {

using deeprc::Status;
using deeprc::net::ReduceOp;

int failures = 0;

void Expect(bool ok, const std::string& what) {
  if (!ok) {
    ++failures;
    std::fprintf(stderr, "FAILED: %s\n", what.c_str());
  }
}

Status Run(deeprc::net::Communicator& comm) {
  const int rank = comm.rank(), size = comm.size();
  // Sum and max of rank-dependent values: 1 + 2 + ... + size, and size.
  std::vector<int64_t> ints(1000, rank + 1);
  DEEPRC_RETURN_NOT_OK(comm.AllReduce(ints.data(), ints.size(), *arrow::int64(), ReduceOp::kSum));
  Expect(ints.front() == int64_t{size} * (size + 1) / 2 && ints.back() == ints.front(), "int64 sum");
  std::vector<double> doubles(1 << 20, 0.5 * (rank + 1));
  DEEPRC_RETURN_NOT_OK(comm.AllReduce(doubles.data(), doubles.size(), *arrow::float64(), ReduceOp::kMax));
  Expect(doubles[12345] == 0.5 * size, "float64 max");
  std::vector<float> floats(7, 2.0f);
  DEEPRC_RETURN_NOT_OK(comm.AllReduce(floats.data(), floats.size(), *arrow::float32(), ReduceOp::kProd));
  Expect(floats[6] == static_cast<float>(1 << size), "float32 prod");
  DEEPRC_RETURN_NOT_OK(comm.Barrier());
  // Every rank sends its rank to every rank (itself included) and receives each peer's.
  std::vector<int32_t> mine(size, rank), theirs(size, -1);
  std::vector<deeprc::net::SendSpec> sends;
  std::vector<deeprc::net::RecvSpec> recvs;
  for (int peer = 0; peer < size; ++peer) {
    sends.push_back({peer, &mine[peer], sizeof(int32_t)});
    recvs.push_back({peer, &theirs[peer], sizeof(int32_t)});
  }
  DEEPRC_RETURN_NOT_OK(comm.Exchange(sends, recvs));
  for (int peer = 0; peer < size; ++peer) Expect(theirs[peer] == peer, "exchange from rank " + std::to_string(peer));
  const std::string text = "from rank 0";
  DEEPRC_ASSIGN_OR_RETURN(auto broadcast, comm.Broadcast({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, 0));
  Expect(broadcast->ToString() == text, "broadcast");
  return Status::OK();
}

}  // namespace

int main() {
  auto world = deeprc::net::MpiCommunicator::World();
  if (!world.ok()) {
    std::fprintf(stderr, "%s\n", world.status().ToString().c_str());
    return 2;
  }
  // Device r mod n: NCCL refuses two ranks on one GPU, so run no more ranks than GPUs.
  auto nccl = deeprc::net::NcclOver(**world, /*device=*/(*world)->rank());
  if (!nccl.ok()) {
    std::printf("nccl check skipped on rank %d: %s\n", (*world)->rank(), nccl.status().ToString().c_str());
    return 77;
  }
  Status status = Run(**nccl);
  if (!status.ok()) {
    std::fprintf(stderr, "rank %d: %s\n", (*world)->rank(), status.ToString().c_str());
    return 1;
  }
  if (failures == 0) std::printf("nccl check passed on rank %d of %d\n", (*world)->rank(), (*world)->size());
  return failures == 0 ? 0 : 1;
}
