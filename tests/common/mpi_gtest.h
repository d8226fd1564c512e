// The start of every gtest program run under mpirun: gtest's flags, then the MPI world (always
// the launcher's bootstrap, whatever backend the tests exercise); only rank 0 prints the test
// listing, every rank still reports its failures.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>

#include "deeprc/net/mpi/mpi_communicator.h"

namespace deeprc::testing {

// This process's rank in MPI_COMM_WORLD, or -1 (with the reason on stderr) when MPI did not start.
inline int StartMpiGtest(int* argc, char** argv) {
  ::testing::InitGoogleTest(argc, argv);
  auto world = net::MpiCommunicator::World();
  if (!world.ok()) {
    std::fprintf(stderr, "%s\n", world.status().ToString().c_str());
    return -1;
  }
  const int rank = (*world)->rank();
  if (rank != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  return rank;
}

}  // namespace deeprc::testing
