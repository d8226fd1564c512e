// Starting a child process: the one posix_spawn of deeprc, used by the rank launcher, the agent's
// executor, the pilot launcher and the plotter, with what each needs (redirections, a process group).
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc {

struct SpawnOptions {
  // "NAME=value" entries set for the child over the base environment (an entry here replaces the
  // base's entry of the same name).
  std::vector<std::string> environment;
  // The environment the child starts from; null means this process's own (environ). The agent
  // passes the one it captured at start, so concurrent setenv elsewhere cannot tear it.
  const std::vector<std::string>* base_environment = nullptr;
  // Empty: the parent's.
  std::string working_directory;
  // Files opened as the child's stdin (read) and stdout/stderr (created, truncated); empty keeps
  // the parent's descriptor. "/dev/null" is a file like any other.
  std::string stdin_path, stdout_path, stderr_path;
  // dup2(from, to) in the child, after the files above: a pipe's end as fd 3, stderr onto stdout.
  // dup2 clears close-on-exec on `to`, so an O_CLOEXEC pipe can be handed over this way.
  std::vector<std::pair<int, int>> duplicates;
  // The child leads a new process group whose id is its pid, so killing -pid ends its whole tree
  // and a Ctrl-C meant for the parent does not reach it.
  bool new_process_group = false;
  // The child starts with no signal blocked (a parent that reads signals from a signalfd blocks
  // them) and with these signals' dispositions back to default (a parent may ignore SIGPIPE).
  bool unblock_signals = false;
  std::vector<int> default_signals;
};

// Starts argv[0] (searched on $PATH when it has no '/') with `argv`; returns the child's pid. The
// error names the program (and the working directory when one was given) and says why.
Result<pid_t> SpawnProcess(const std::vector<std::string>& argv, const SpawnOptions& options = {});

// Waits for `pid` to end, through interruptions by signals; returns its raw wait status
// (WIFEXITED/WEXITSTATUS apply).
Result<int> WaitForProcess(pid_t pid);

// Runs `argv` to its end and returns what it wrote to stdout (stderr stays the parent's); an exit
// status other than 0 is an error that names the program and holds the output. For short commands
// whose answer is their output (sbatch, squeue, scontrol).
Result<std::string> RunForOutput(const std::vector<std::string>& argv);

// The exit code of a wait status, or 128 + the signal for a process killed by one (the shell's way).
int ExitCodeOf(int wait_status);

}  // namespace deeprc
