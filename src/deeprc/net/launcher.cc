#include "deeprc/net/launcher.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "deeprc/core/atomic_file.h"
#include "deeprc/core/executable.h"
#include "deeprc/core/subprocess.h"

namespace deeprc::net {
namespace {

bool HasEnv(const char* name) { return std::getenv(name) != nullptr; }

// The folder where the ranks of one LaunchRanks leave their errors, one file per rank.
constexpr char kErrorFolderVariable[] = "DEEPRC_RANK_ERRORS";

// The ranks' errors as one: each distinct message once, with the ranks that gave it (the "rank
// R/N: " a rank put in front is taken off, since identical failures differ only there).
std::string CollectRankErrors(const std::filesystem::path& folder, int ranks) {
  static const std::regex kRankPrefix(R"(^rank \d+/\d+: )");
  std::vector<std::pair<std::string, std::vector<int>>> messages;  // in the order of the first rank
  for (int rank = 0; rank < ranks; ++rank) {
    std::ifstream in(folder / ("rank-" + std::to_string(rank)));
    if (!in) continue;
    std::stringstream text;
    text << in.rdbuf();
    const std::string message = std::regex_replace(text.str(), kRankPrefix, "");
    auto same = std::find_if(messages.begin(), messages.end(), [&](const auto& m) { return m.first == message; });
    if (same == messages.end()) {
      messages.push_back({message, {rank}});
    } else {
      same->second.push_back(rank);
    }
  }
  std::string all;
  for (const auto& [message, which] : messages) {
    if (!all.empty()) all += "\n";
    const int count = static_cast<int>(which.size());
    if (count == 1) {
      all += "rank " + std::to_string(which[0]) + "/" + std::to_string(ranks) + ": ";
    } else if (count == ranks) {
      all += "every rank (" + std::to_string(ranks) + "): ";
    } else {
      all += "ranks ";
      for (int i = 0; i < count; ++i) all += (i ? ", " : "") + std::to_string(which[i]);
      all += " of " + std::to_string(ranks) + ": ";
    }
    all += message;
  }
  return all;
}

// Waits for every pid; the first non-zero exit code (128 + signal for a killed one), else 0.
Result<int> WaitAll(const std::vector<pid_t>& pids) {
  int first_failure = 0;
  for (pid_t pid : pids) {
    DEEPRC_ASSIGN_OR_RETURN(const int status, WaitForProcess(pid));
    const int code = ExitCodeOf(status);
    if (code != 0 && first_failure == 0) first_failure = code;
  }
  return first_failure;
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
  if (backend != "mpi" && backend != "gloo" && backend != "ucx") {
    return Status::Invalid("unknown communication backend '", backend, "'; use mpi, gloo or ucx");
  }
  std::vector<std::string> command = argv;
  command[0] = SelfExecutable(argv[0]);

  // One fresh folder per launch: the ranks' errors, and for Gloo and UCX the rendezvous that every
  // rank names.
  std::string folder = (std::filesystem::temp_directory_path() / "deeprc-ranks-XXXXXX").string();
  if (mkdtemp(folder.data()) == nullptr) {
    return Status::IOError("cannot create a folder for the ranks in ", std::filesystem::temp_directory_path().string(),
                           ": ", std::strerror(errno));
  }
  const std::string errors = (std::filesystem::path(folder) / "errors").string();
  std::filesystem::create_directory(errors);
  const std::string errors_variable = std::string(kErrorFolderVariable) + "=" + errors;

  Result<int> code;
  Status spawn_status;
  if (backend == "mpi") {
    // MPI needs its launcher to form a world; --oversubscribe because ranks may exceed cores.
    // --quiet: mpirun's notes on a rank's non-zero exit would bury the one error reported below.
    std::vector<std::string> mpirun = {"mpirun", "--quiet", "--oversubscribe", "--bind-to", "none",
                                       "-x",     kErrorFolderVariable, "-np", std::to_string(ranks)};
    if (geteuid() == 0) mpirun.insert(mpirun.begin() + 1, "--allow-run-as-root");
    mpirun.insert(mpirun.end(), command.begin(), command.end());
    SpawnOptions options;
    options.environment = {errors_variable};
    auto pid = SpawnProcess(mpirun, options);
    spawn_status = pid.status();
    if (pid.ok()) code = WaitAll({*pid});
  } else {
    std::vector<pid_t> pids;
    for (int rank = 0; rank < ranks && spawn_status.ok(); ++rank) {
      SpawnOptions options;
      options.environment = {"DEEPRC_RANK=" + std::to_string(rank),
                             "DEEPRC_WORLD_SIZE=" + std::to_string(ranks), "DEEPRC_RENDEZVOUS=" + folder,
                             errors_variable};
      auto pid = SpawnProcess(command, options);
      if (pid.ok()) {
        pids.push_back(*pid);
      } else {
        spawn_status = pid.status();
      }
    }
    code = WaitAll(pids);
  }
  const std::string rank_errors = CollectRankErrors(errors, ranks);
  std::error_code ignored;
  std::filesystem::remove_all(folder, ignored);
  DEEPRC_RETURN_NOT_OK(spawn_status);
  if (!rank_errors.empty()) return Status::ExecutionError(rank_errors);
  return code;
}

bool ReportErrorToLauncher(const std::string& message) {
  const char* folder = std::getenv(kErrorFolderVariable);
  const char* rank = std::getenv("DEEPRC_RANK");
  if (rank == nullptr) rank = std::getenv("OMPI_COMM_WORLD_RANK");
  if (folder == nullptr || rank == nullptr) return false;
  const std::string path = (std::filesystem::path(folder) / (std::string("rank-") + rank)).string();
  return WriteTextFileAtomically(path, message).ok();
}

}  // namespace deeprc::net
