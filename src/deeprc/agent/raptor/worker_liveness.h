// Knowing when a worker died: at start every rank of the pool sends rank 0 its host and process
// id, and the master asks the kernel whether the workers on its own node still exist.
#pragma once

#include <string>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc::raptor {

struct WorkerProcess {
  std::string host;
  int pid = 0;
};

// Collective over MPI_COMM_WORLD, once at start (master and every worker). Rank 0 passes `out`
// and gets every rank's process; the others pass nullptr. Every rank gets the master's process
// in `master` when it is not null.
Status GatherWorkerProcesses(std::vector<WorkerProcess>* out, WorkerProcess* master = nullptr);

// Whether `process` runs on this host (its pid means something here).
bool OnThisHost(const WorkerProcess& process);

// Whether `process` is known to be gone: only processes on this host can be asked; a process on
// another host is never reported gone here (its peers' bounded waits fail its task instead).
bool IsGone(const WorkerProcess& process);

}  // namespace deeprc::raptor
