#include <cstdlib>
#include <optional>

#include "deeprc/net/communicator.h"
#include "deeprc/net/gloo/gloo_communicator.h"
#include "deeprc/net/mpi/mpi_communicator.h"
#include "deeprc/net/ucx/ucx_communicator.h"

namespace deeprc::net {
namespace {

// A launcher without MPI (e.g. `deeprc ... --ranks N --backend gloo` forking its ranks) names the
// rank, the world size and a fresh rendezvous directory in the environment.
struct LauncherEnvironment {
  int rank = -1;
  int size = -1;
  std::string rendezvous;
};

std::optional<LauncherEnvironment> ReadLauncherEnvironment() {
  const char* rank = std::getenv("DEEPRC_RANK");
  const char* size = std::getenv("DEEPRC_WORLD_SIZE");
  const char* rendezvous = std::getenv("DEEPRC_RENDEZVOUS");
  if (!rank || !size || !rendezvous) return std::nullopt;
  return LauncherEnvironment{std::atoi(rank), std::atoi(size), rendezvous};
}

}  // namespace

Result<std::shared_ptr<Communicator>> MakeCommunicator(const std::string& backend) {
  if (backend == "mpi") {
    DEEPRC_ASSIGN_OR_RETURN(auto comm, MpiCommunicator::World());
    return comm;
  }
  if (backend == "gloo") {
    if (auto launcher = ReadLauncherEnvironment()) {
      DEEPRC_ASSIGN_OR_RETURN(auto comm, GlooCommunicator::FromFileStore(launcher->rank, launcher->size,
                                                                         launcher->rendezvous, "deeprc"));
      return comm;
    }
    DEEPRC_ASSIGN_OR_RETURN(auto world, MpiCommunicator::World());
    DEEPRC_ASSIGN_OR_RETURN(auto comm, GlooCommunicator::Over(*world));
    return comm;
  }
  if (backend == "ucx") {
    // UCX addresses travel out of band: over MPI under mpirun/srun, else over a Gloo file store.
    std::shared_ptr<Communicator> bootstrap;
    if (auto launcher = ReadLauncherEnvironment()) {
      DEEPRC_ASSIGN_OR_RETURN(bootstrap, GlooCommunicator::FromFileStore(launcher->rank, launcher->size,
                                                                         launcher->rendezvous, "deeprc-ucx"));
    } else {
      DEEPRC_ASSIGN_OR_RETURN(bootstrap, MpiCommunicator::World());
    }
    DEEPRC_ASSIGN_OR_RETURN(auto comm, UcxCommunicator::Over(*bootstrap));
    return comm;
  }
  return Status::Invalid("unknown communication backend '", backend, "'; use mpi, gloo or ucx");
}

}  // namespace deeprc::net
