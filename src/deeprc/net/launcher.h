// Starting the ranks of a parallel job from a plain shell: `deeprc ... --ranks N` runs N copies
// of itself, under mpirun for MPI or as forked processes with a fresh rendezvous directory for
// Gloo and UCX. Under mpirun or srun the program is already one rank and launches nothing.
#pragma once

#include <string>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc::net {

// The most ranks `--ranks` starts on one machine: each is a process with its own buffers, and a
// typo of a few zeros should not fork a machine to a halt.
inline constexpr int kMaxLocalRanks = 1024;

// Whether this process is a rank of a job started by mpirun, srun (with more than one task) or
// LaunchRanks.
bool InsideParallelJob();

// Runs `argv` (argv[0] is this program) as `ranks` processes communicating over `backend` and
// waits for all of them; returns 0, or the first non-zero exit status of a rank that reported no
// error. The children's output goes to this process's stdout and stderr, except their errors
// (ReportErrorToLauncher): those come back as one error, each distinct message once with the ranks
// that gave it, instead of once per rank amid mpirun's own text.
Result<int> LaunchRanks(int ranks, const std::string& backend, const std::vector<std::string>& argv);

// In a rank that LaunchRanks started, hands the error that ends this rank to the launcher, which
// reports it; returns false anywhere else, where the caller prints it itself.
bool ReportErrorToLauncher(const std::string& message);

}  // namespace deeprc::net
