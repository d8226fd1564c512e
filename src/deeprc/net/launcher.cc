#include "deeprc/net/launcher.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

extern char** environ;

namespace deeprc::net {
namespace {

bool HasEnv(const char* name) { return std::getenv(name) != nullptr; }

// posix_spawnp of `argv` with `extra_env` added to this process's environment.
Result<pid_t> Spawn(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env) {
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings(extra_env);
  for (char** entry = environ; *entry != nullptr; ++entry) env_strings.emplace_back(*entry);
  std::vector<char*> env;
  for (auto& entry : env_strings) env.push_back(entry.data());
  env.push_back(nullptr);
  pid_t pid = 0;
  const int error = posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), env.data());
  if (error != 0) return Status::IOError("cannot start ", argv[0], ": ", std::strerror(error));
  return pid;
}

Result<int> WaitAll(const std::vector<pid_t>& pids) {
  int first_failure = 0;
  for (pid_t pid : pids) {
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) return Status::IOError("waitpid: ", std::strerror(errno));
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code != 0 && first_failure == 0) first_failure = code;
  }
  return first_failure;
}

std::string SelfExecutable(const std::string& argv0) {
  std::error_code error;
  auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? argv0 : self.string();
}

}  // namespace

bool InsideParallelJob() {
  if (HasEnv("DEEPRC_RANK") || HasEnv("OMPI_COMM_WORLD_SIZE") || HasEnv("PMIX_RANK")) return true;
  const char* tasks = std::getenv("SLURM_NTASKS");
  return HasEnv("SLURM_STEP_ID") && tasks != nullptr && std::atoi(tasks) > 1;
}

Result<int> LaunchRanks(int ranks, const std::string& backend, const std::vector<std::string>& argv) {
  if (ranks < 1 || ranks > kMaxLocalRanks) {
    return Status::Invalid("--ranks must be a whole number in [1, ", kMaxLocalRanks, "], got ", ranks);
  }
  if (argv.empty()) return Status::Invalid("LaunchRanks: empty command");
  std::vector<std::string> command = argv;
  command[0] = SelfExecutable(argv[0]);

  if (backend == "mpi") {
    // MPI needs its launcher to form a world; --oversubscribe because ranks may exceed cores.
    std::vector<std::string> mpirun = {"mpirun", "--oversubscribe",    "--bind-to", "none",
                                       "-np",    std::to_string(ranks)};
    if (geteuid() == 0) mpirun.insert(mpirun.begin() + 1, "--allow-run-as-root");
    mpirun.insert(mpirun.end(), command.begin(), command.end());
    DEEPRC_ASSIGN_OR_RETURN(pid_t pid, Spawn(mpirun, {}));
    return WaitAll({pid});
  }
  if (backend != "gloo" && backend != "ucx") {
    return Status::Invalid("unknown communication backend '", backend, "'; use mpi, gloo or ucx");
  }
  // Gloo and UCX rendezvous through a fresh directory that every rank names.
  std::string pattern = (std::filesystem::temp_directory_path() / "deeprc-rendezvous-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return Status::IOError("cannot create a rendezvous directory");
  std::vector<pid_t> pids;
  Status spawn_status;
  for (int rank = 0; rank < ranks && spawn_status.ok(); ++rank) {
    auto pid = Spawn(command, {"DEEPRC_RANK=" + std::to_string(rank),
                               "DEEPRC_WORLD_SIZE=" + std::to_string(ranks), "DEEPRC_RENDEZVOUS=" + pattern});
    if (pid.ok()) {
      pids.push_back(*pid);
    } else {
      spawn_status = pid.status();
    }
  }
  auto code = WaitAll(pids);
  std::filesystem::remove_all(pattern);
  DEEPRC_RETURN_NOT_OK(spawn_status);
  return code;
}

}  // namespace deeprc::net
