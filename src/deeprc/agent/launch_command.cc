#include "deeprc/agent/launch_command.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

namespace deeprc::agent {

using pilot::LaunchMethod;
using pilot::TaskDescription;

namespace {

std::string JoinInts(const std::vector<int>& values) {
  std::string text;
  for (int value : values) text += (text.empty() ? "" : ",") + std::to_string(value);
  return text;
}

std::string InSandbox(const std::string& sandbox, const std::string& file, const std::string& fallback) {
  std::filesystem::path path = file.empty() ? fallback : file;
  return path.is_absolute() ? path.string() : (std::filesystem::path(sandbox) / path).string();
}

// The task's own command: its argv, or one shell line when it asked for a shell.
std::vector<std::string> TaskArgv(const TaskDescription& task) {
  if (!task.shell) {
    std::vector<std::string> argv = {task.executable};
    argv.insert(argv.end(), task.arguments.begin(), task.arguments.end());
    return argv;
  }
  std::string line = task.executable;
  for (const auto& argument : task.arguments) line += " " + ShellQuote(argument);
  return {"/bin/sh", "-c", line};
}

// Slurm places ranks where SLURM_HOSTFILE says with --distribution=arbitrary: one line per rank.
Result<std::string> WriteHostfile(const Placement& placement, const AgentResources& resources,
                                  const std::string& sandbox) {
  const std::string path = sandbox + "/slurm.hosts";
  std::ofstream file(path);
  for (const auto& rank : placement) file << resources.nodes[rank.node].name << "\n";
  if (!file) return Status::IOError("cannot write '", path, "'");
  return path;
}

}  // namespace

std::string ShellQuote(const std::string& word) {
  if (!word.empty() &&
      word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%_-+=:,./") ==
          std::string::npos) {
    return word;
  }
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

LaunchMethod ResolveLaunchMethod(const TaskDescription& task, const AgentResources& resources) {
  if (task.launch_method != LaunchMethod::kAuto) return task.launch_method;
  // Under Slurm one rank may land on any node; only srun reaches the others.
  if (resources.slurm && (task.ranks > 1 || resources.nodes.size() > 1)) return LaunchMethod::kSrun;
  return task.ranks == 1 ? LaunchMethod::kFork : LaunchMethod::kMpirun;
}

Result<LaunchSpec> BuildLaunch(const TaskDescription& task, const Placement& placement,
                               const AgentResources& resources, const std::string& sandbox,
                               const LaunchOptions& options) {
  LaunchSpec spec;
  spec.working_directory =
      task.working_directory.empty() ? sandbox : InSandbox(sandbox, task.working_directory, "");
  spec.stdout_path = InSandbox(sandbox, task.stdout_file, task.uid + ".out");
  spec.stderr_path = InSandbox(sandbox, task.stderr_file, task.uid + ".err");

  const LaunchMethod method = ResolveLaunchMethod(task, resources);
  const NodeResources& first_node = resources.nodes.at(placement.at(0).node);
  std::vector<std::string> argv;
  switch (method) {
    case LaunchMethod::kAuto:
    case LaunchMethod::kFork:
      if (placement.size() != 1 || placement[0].node != 0) {
        return Status::Invalid("launch method fork runs one rank on the agent's node");
      }
      break;
    case LaunchMethod::kMpirun: {
      argv = {"mpirun", "-np", std::to_string(task.ranks), "--bind-to", "none",
              // The scheduler keeps ranks within the pilot's slots; Open MPI's own count of
              // physical cores must not veto that.
              "--oversubscribe"};
      if (::geteuid() == 0) argv.push_back("--allow-run-as-root");
      if (options.survive_rank_loss) argv.push_back("--enable-recovery");
      break;
    }
    case LaunchMethod::kSrun: {
      std::set<std::string> nodes;
      for (const auto& rank : placement) nodes.insert(resources.nodes[rank.node].name);
      DEEPRC_ASSIGN_OR_RETURN(auto hostfile, WriteHostfile(placement, resources, sandbox));
      spec.environment.push_back("SLURM_HOSTFILE=" + hostfile);
      // --overlap: the agent's own batch step holds CPUs that our scheduler hands out; -O lets a
      // step start on CPUs Slurm counts as taken, since we never oversubscribe them ourselves.
      argv = {"srun",
              "--mpi=pmix",
              "--overlap",
              "-O",
              "--distribution=arbitrary",
              "--ntasks=" + std::to_string(task.ranks),
              "--nodes=" + std::to_string(nodes.size()),
              "--cpus-per-task=" + std::to_string(task.cores_per_rank),
              options.survive_rank_loss ? "--kill-on-bad-exit=0" : "--kill-on-bad-exit=1"};
      if (task.gpus_per_rank > 0) argv.push_back("--gpus-per-task=" + std::to_string(task.gpus_per_rank));
      break;
    }
  }
  auto task_argv = TaskArgv(task);
  argv.insert(argv.end(), task_argv.begin(), task_argv.end());

  if (!task.pre_exec.empty() || !task.post_exec.empty()) {
    // One shell runs the lines around the launch; a failing pre_exec line fails the task, and the
    // task keeps the exit code of its executable whatever post_exec does.
    std::string script = "set -e\n";
    for (const auto& line : task.pre_exec) script += line + "\n";
    script += "set +e\n";
    for (size_t i = 0; i < argv.size(); ++i) script += (i ? " " : "") + ShellQuote(argv[i]);
    script += "\ndeeprc_exit_code=$?\n";
    for (const auto& line : task.post_exec) script += line + "\n";
    script += "exit $deeprc_exit_code\n";
    argv = {"/bin/sh", "-c", script};
  }
  spec.argv = std::move(argv);

  std::vector<int> gpus;
  for (const auto& rank : placement) {
    if (rank.node != placement[0].node) continue;
    for (int gpu : rank.gpus) gpus.push_back(gpu);
  }
  if (first_node.gpus > 0 && method != LaunchMethod::kSrun) {
    std::string visible;
    for (int gpu : gpus) visible += (visible.empty() ? "" : ",") + first_node.gpu_ids.at(gpu);
    spec.environment.push_back("CUDA_VISIBLE_DEVICES=" + visible);  // empty: no GPU for this task
  }
  spec.environment.push_back("OMP_NUM_THREADS=" + std::to_string(task.cores_per_rank));
  spec.environment.push_back("DEEPRC_TASK_UID=" + task.uid);
  spec.environment.push_back("DEEPRC_TASK_SANDBOX=" + sandbox);
  spec.environment.push_back("DEEPRC_RANKS=" + std::to_string(task.ranks));
  for (const auto& [name, value] : task.environment) spec.environment.push_back(name + "=" + value);

  if (method != LaunchMethod::kSrun && !first_node.cpu_ids.empty()) {
    std::set<int> cpus;
    for (const auto& rank : placement) {
      for (int core : rank.cores) cpus.insert(first_node.cpu_ids[core % first_node.cpu_ids.size()]);
    }
    spec.cpus.assign(cpus.begin(), cpus.end());
    spec.environment.push_back("DEEPRC_CPUS=" + JoinInts(spec.cpus));
  }
  return spec;
}

}  // namespace deeprc::agent
