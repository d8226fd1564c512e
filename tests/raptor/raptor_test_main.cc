// Entry point of the raptor tests under mpirun -np 9: rank 0 is the master and runs the tests;
// ranks 1..8 are workers until the master stops them. Success is rank 0's exit code and its
// closing line (mpirun --enable-recovery does not pass exit codes on).
#include <mpi.h>

#include <cstdio>

#include "../common/mpi_gtest.h"
#include "deeprc/agent/raptor/worker.h"
#include "raptor_test_env.h"

namespace deeprc::raptor {
namespace {
std::unique_ptr<Master> master;
}  // namespace
Master& TestMaster() { return *master; }
}  // namespace deeprc::raptor

int main(int argc, char** argv) {
  const int rank = deeprc::testing::StartMpiGtest(&argc, argv);
  if (rank < 0) return 2;
  if (rank != 0) {
    deeprc::Status status = deeprc::raptor::RunWorker();
    if (!status.ok()) fprintf(stderr, "worker %d: %s\n", rank, status.ToString().c_str());
    return status.ok() ? 0 : 1;
  }
  auto master = deeprc::raptor::Master::Create();
  if (!master.ok()) {
    fprintf(stderr, "%s\n", master.status().ToString().c_str());
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  deeprc::raptor::master = std::move(*master);
  const int failed = RUN_ALL_TESTS();
  deeprc::Status stopped = deeprc::raptor::master->Stop();
  if (!stopped.ok()) fprintf(stderr, "%s\n", stopped.ToString().c_str());
  deeprc::raptor::master.reset();
  // mpirun --enable-recovery exits 0 whatever its ranks return, so CTest looks for this line.
  if (!failed && stopped.ok()) std::printf("raptor tests: all passed\n");
  return failed || !stopped.ok() ? 1 : 0;
}
