// Shared by the multi-rank tests: the communicator under test, and tables that every rank can
// build identically so each can compute the expected result locally.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "../unit/test_util.h"
#include "deeprc/net/communicator.h"

namespace deeprc::testing {

inline std::string BackendUnderTest() {
  const char* backend = std::getenv("DEEPRC_TEST_BACKEND");
  return backend ? backend : "mpi";
}

// One communicator per process and backend, made on first use.
inline net::Communicator& TestComm() {
  static std::shared_ptr<net::Communicator> comm = [] {
    auto made = net::MakeCommunicator(BackendUnderTest());
    if (!made.ok()) {
      fprintf(stderr, "cannot make the %s communicator: %s\n", BackendUnderTest().c_str(),
              made.status().ToString().c_str());
      std::abort();
    }
    return *made;
  }();
  return *comm;
}

}  // namespace deeprc::testing
