// What a function task sees when it runs on a worker: its rank and size within the task, the
// communicator over exactly the task's workers, its devices, its sandbox and its JSON arguments.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "deeprc/net/communicator.h"

namespace deeprc::raptor {

class TaskContext {
 public:
  TaskContext(std::string task_id, int world_rank, std::shared_ptr<net::Communicator> comm,
              std::vector<std::string> gpus, std::string sandbox, nlohmann::json args)
      : task_id_(std::move(task_id)),
        world_rank_(world_rank),
        comm_(std::move(comm)),
        gpus_(std::move(gpus)),
        sandbox_(std::move(sandbox)),
        args_(std::move(args)) {}

  const std::string& task_id() const { return task_id_; }
  // This worker's rank within the task (0 .. size-1) and the task's number of ranks.
  int rank() const { return comm_->rank(); }
  int size() const { return comm_->size(); }
  // This worker's rank in the pool's MPI job (for diagnostics; the task talks through comm()).
  int world_rank() const { return world_rank_; }
  // Built for this task over exactly its workers (MPI by default, Gloo or UCX on request);
  // freed when the function returns, so the function must not keep it.
  net::Communicator& comm() { return *comm_; }
  // The GPUs of this worker that the task asked for (gpus_per_rank), as the machine names them;
  // CUDA_VISIBLE_DEVICES shows the worker's GPU only, so to CUDA it is device 0.
  const std::vector<std::string>& gpus() const { return gpus_; }
  const std::string& sandbox() const { return sandbox_; }
  const nlohmann::json& args() const { return args_; }

 private:
  std::string task_id_;
  int world_rank_;
  std::shared_ptr<net::Communicator> comm_;
  std::vector<std::string> gpus_;
  std::string sandbox_;
  nlohmann::json args_;
};

}  // namespace deeprc::raptor
