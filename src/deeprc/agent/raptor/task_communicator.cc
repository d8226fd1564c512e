#include "deeprc/agent/raptor/task_communicator.h"

#include "deeprc/net/gloo/gloo_communicator.h"
#include "deeprc/net/mpi/mpi_communicator.h"
#include "deeprc/net/nccl/nccl_communicator.h"
#include "deeprc/net/ucx/ucx_communicator.h"

namespace deeprc::raptor {

namespace {
Status CheckMpi(int code, const char* what) {
  if (code == MPI_SUCCESS) return Status::OK();
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return Status::IOError(what, ": ", std::string(text, length));
}
}  // namespace

Result<std::unique_ptr<TaskCommunicator>> TaskCommunicator::Create(const std::vector<int>& world_ranks,
                                                                   int tag, const std::string& backend) {
  if (backend != "mpi" && backend != "gloo" && backend != "ucx" && backend != "nccl") {
    return Status::Invalid("task communicator: unknown backend '", backend, "' (mpi, gloo, ucx, nccl)");
  }
  std::unique_ptr<TaskCommunicator> self(new TaskCommunicator());
  MPI_Group world_group, task_group;
  MPI_Comm_group(MPI_COMM_WORLD, &world_group);
  MPI_Group_incl(world_group, static_cast<int>(world_ranks.size()), world_ranks.data(), &task_group);
  const int code = MPI_Comm_create_group(MPI_COMM_WORLD, task_group, tag, &self->mpi_comm_);
  MPI_Group_free(&task_group);
  MPI_Group_free(&world_group);
  DEEPRC_RETURN_NOT_OK(CheckMpi(code, "MPI_Comm_create_group"));
  DEEPRC_ASSIGN_OR_RETURN(auto mpi, net::MpiCommunicator::Wrap(self->mpi_comm_));
  if (backend == "mpi") {
    self->comm_ = std::move(mpi);
  } else if (backend == "gloo") {
    DEEPRC_ASSIGN_OR_RETURN(self->comm_, net::GlooCommunicator::Over(*mpi));
  } else if (backend == "nccl") {
    // The worker sees its own GPU only (CUDA_VISIBLE_DEVICES), as device 0.
    DEEPRC_ASSIGN_OR_RETURN(self->comm_, net::NcclOver(*mpi, 0));
  } else {
    DEEPRC_ASSIGN_OR_RETURN(self->comm_, net::UcxCommunicator::Over(*mpi));
  }
  return self;
}

TaskCommunicator::~TaskCommunicator() {
  comm_.reset();
  if (mpi_comm_ != MPI_COMM_NULL) MPI_Comm_free(&mpi_comm_);
}

}  // namespace deeprc::raptor
