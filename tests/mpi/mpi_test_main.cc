// Entry point of the multi-rank tests: every rank runs every test under mpirun, on the backend
// named by DEEPRC_TEST_BACKEND (mpi, gloo or ucx). A failure on any rank fails the run.
#include <gtest/gtest.h>
#include <mpi.h>

#include "deeprc/net/mpi/mpi_communicator.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // MPI is always the launcher's bootstrap, whatever backend the tests exercise.
  auto world = deeprc::net::MpiCommunicator::World();
  if (!world.ok()) {
    fprintf(stderr, "%s\n", world.status().ToString().c_str());
    return 2;
  }
  // Only rank 0 prints the test listing; every rank reports its failures.
  if ((*world)->rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  return RUN_ALL_TESTS();
}
