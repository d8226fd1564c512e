// A rank dies (SIGKILL) in the middle of a shuffle: the program every rank runs for
// tests/python/test_rank_failure.py. The victim dies after the shuffle's headers went out and
// before its column buffers do; every survivor must return an error naming the victim before
// its timeout, and print it. Usage: rank_failure BACKEND VICTIM TIMEOUT_MS
#include <arrow/api.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "../mpi/random_table.h"
#include "deeprc/dist/shuffle.h"
#include "deeprc/net/communicator.h"

namespace deeprc {
namespace {

// Forwards to a real communicator, and makes the victim kill itself on its second Exchange
// (the first carries the shuffle's table headers, the second its column buffers).
class DyingCommunicator : public net::Communicator {
 public:
  DyingCommunicator(std::shared_ptr<net::Communicator> inner, int victim)
      : inner_(std::move(inner)), victim_(victim) {
    set_timeout(inner_->timeout());
  }
  int rank() const override { return inner_->rank(); }
  int size() const override { return inner_->size(); }
  std::string backend_name() const override { return inner_->backend_name(); }
  Status Exchange(std::span<const net::SendSpec> sends, std::span<const net::RecvSpec> recvs) override {
    if (armed_ && rank() == victim_ && ++exchanges_ == 3) raise(SIGKILL);
    return inner_->Exchange(sends, recvs);
  }
  Status Barrier() override { return inner_->Barrier(); }
  Status AllReduce(void* data, int64_t count, const arrow::DataType& type, net::ReduceOp op) override {
    return inner_->AllReduce(data, count, type, op);
  }
  void Arm() { armed_ = true; }

 private:
  std::shared_ptr<net::Communicator> inner_;
  int victim_;
  int exchanges_ = 0;
  bool armed_ = false;
};

int Run(const std::string& backend, int victim, int timeout_ms) {
  auto made = net::MakeCommunicator(backend);
  if (!made.ok()) {
    std::fprintf(stderr, "setup failed: %s\n", made.status().ToString().c_str());
    return 3;
  }
  (*made)->set_timeout(std::chrono::milliseconds(timeout_ms));
  DyingCommunicator comm(*made, victim);
  const table::Table mine = testing::RandomTable(100 + comm.rank(), 100000);
  // One good shuffle first, so the failure happens on established connections.
  if (auto ok = dist::Shuffle(comm, mine, {"k"}); !ok.ok()) {
    std::fprintf(stderr, "rank %d: first shuffle failed: %s\n", comm.rank(), ok.status().ToString().c_str());
    return 4;
  }
  comm.Arm();
  const auto start = std::chrono::steady_clock::now();
  auto result = dist::Shuffle(comm, mine, {"k"});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (result.ok()) {
    std::printf("rank %d: shuffle succeeded although rank %d died\n", comm.rank(), victim);
    return 0;
  }
  std::printf("rank %d: error after %.2f s: %s\n", comm.rank(), seconds, result.status().ToString().c_str());
  std::fflush(stdout);
  // Linger a moment, as a program reporting its error does, so that the other survivors' reports
  // are about the victim and not about a survivor that has already left; then exit without
  // MPI_Finalize, which would wait for the dead rank.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  _exit(1);
}

}  // namespace
}  // namespace deeprc

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s BACKEND VICTIM TIMEOUT_MS\n", argv[0]);
    return 2;
  }
  return deeprc::Run(argv[1], std::atoi(argv[2]), std::atoi(argv[3]));
}
