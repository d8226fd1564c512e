#include "deeprc/net/communicator.h"
#include "deeprc/net/mpi/mpi_communicator.h"

namespace deeprc::net {

Result<std::shared_ptr<Communicator>> MakeCommunicator(const std::string& backend) {
  if (backend == "mpi") {
    DEEPRC_ASSIGN_OR_RETURN(auto comm, MpiCommunicator::World());
    return comm;
  }
  return Status::Invalid("unknown communication backend '", backend, "'; use mpi, gloo or ucx");
}

}  // namespace deeprc::net
