// NcclOver in a build without the CUDA toolkit: the NCCL backend is not there.
#include "deeprc/net/nccl/nccl_communicator.h"

namespace deeprc::net {

Result<std::shared_ptr<Communicator>> NcclOver(Communicator&, int) {
  return Status::NotImplemented(
      "this build has no NCCL backend (no CUDA toolkit with NCCL where it was built)");
}

}  // namespace deeprc::net
