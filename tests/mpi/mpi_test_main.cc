// Entry point of the multi-rank tests: every rank runs every test under mpirun, on the backend
// named by DEEPRC_TEST_BACKEND (mpi, gloo or ucx). A failure on any rank fails the run.
#include "../common/mpi_gtest.h"

int main(int argc, char** argv) {
  if (deeprc::testing::StartMpiGtest(&argc, argv) < 0) return 2;
  return RUN_ALL_TESTS();
}
