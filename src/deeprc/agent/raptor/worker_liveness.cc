#include "deeprc/agent/raptor/worker_liveness.h"

#include <mpi.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace deeprc::raptor {

namespace {
constexpr int kHostLength = 256;

std::string ThisHost() {
  char name[kHostLength] = {};
  gethostname(name, sizeof(name) - 1);
  return name;
}
}  // namespace

Status GatherWorkerProcesses(std::vector<WorkerProcess>* out, WorkerProcess* master) {
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  struct Record {
    char host[kHostLength];
    int pid;
  } mine{};
  std::strncpy(mine.host, ThisHost().c_str(), kHostLength - 1);
  mine.pid = static_cast<int>(getpid());
  std::vector<Record> all(rank == 0 ? size : 0);
  if (MPI_Gather(&mine, sizeof(Record), MPI_BYTE, all.data(), sizeof(Record), MPI_BYTE, 0, MPI_COMM_WORLD) !=
      MPI_SUCCESS) {
    return Status::IOError("raptor: gathering the workers' process ids failed");
  }
  if (out != nullptr) {
    out->clear();
    for (const Record& record : all) out->push_back({record.host, record.pid});
  }
  Record root = rank == 0 ? mine : Record{};
  if (MPI_Bcast(&root, sizeof(Record), MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS) {
    return Status::IOError("raptor: broadcasting the master's process failed");
  }
  if (master != nullptr) *master = {root.host, root.pid};
  return Status::OK();
}

bool OnThisHost(const WorkerProcess& process) {
  static const std::string host = ThisHost();
  return process.host == host;
}

bool IsGone(const WorkerProcess& process) {
  if (!OnThisHost(process) || process.pid <= 0) return false;
  return kill(process.pid, 0) != 0 && errno == ESRCH;
}

}  // namespace deeprc::raptor
