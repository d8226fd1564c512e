#include "deeprc/agent/process.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstring>
#include <string_view>
#include <unordered_set>

extern char** environ;

namespace deeprc::agent {
namespace {

std::string_view NameOf(const std::string& entry) {
  return std::string_view(entry).substr(0, entry.find('='));
}

// Sets the calling thread's affinity for the child to inherit, and restores it afterwards.
class ScopedAffinity {
 public:
  explicit ScopedAffinity(const std::vector<int>& cpus) {
    if (cpus.empty()) return;
    if (sched_getaffinity(0, sizeof(saved_), &saved_) != 0) return;
    cpu_set_t wanted;
    CPU_ZERO(&wanted);
    for (int cpu : cpus) CPU_SET(cpu, &wanted);
    active_ = sched_setaffinity(0, sizeof(wanted), &wanted) == 0;
  }
  ~ScopedAffinity() {
    if (active_) sched_setaffinity(0, sizeof(saved_), &saved_);
  }

 private:
  cpu_set_t saved_;
  bool active_ = false;
};

}  // namespace

BaseEnvironment::BaseEnvironment() {
  for (char** entry = environ; *entry != nullptr; ++entry) entries_.emplace_back(*entry);
}

Result<pid_t> SpawnProcess(const LaunchSpec& spec, const BaseEnvironment& base) {
  std::unordered_set<std::string_view> overridden;
  for (const auto& entry : spec.environment) overridden.insert(NameOf(entry));
  std::vector<char*> envp;
  envp.reserve(base.entries().size() + spec.environment.size() + 1);
  for (const auto& entry : base.entries()) {
    if (!overridden.count(NameOf(entry))) envp.push_back(const_cast<char*>(entry.c_str()));
  }
  for (const auto& entry : spec.environment) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  std::vector<char*> argv;
  for (const auto& arg : spec.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, spec.stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, spec.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addchdir_np(&actions, spec.working_directory.c_str());

  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // The agent blocks SIGCHLD and friends to read them from a signalfd, and ignores SIGPIPE; tasks
  // inherit neither. (Signals with handlers are reset by exec anyway.)
  sigset_t none, ignored;
  sigemptyset(&none);
  sigemptyset(&ignored);
  sigaddset(&ignored, SIGPIPE);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &ignored);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  pid_t pid = -1;
  int error;
  {
    ScopedAffinity affinity(spec.cpus);
    error = posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), envp.data());
  }
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) {
    return Status::IOError("cannot execute '", spec.argv[0], "' in '", spec.working_directory,
                           "': ", std::strerror(error));
  }
  return pid;
}

std::string DescribeWaitStatus(int status, int* exit_code) {
  if (WIFEXITED(status)) {
    *exit_code = WEXITSTATUS(status);
    return "exit code " + std::to_string(*exit_code);
  }
  if (WIFSIGNALED(status)) {
    int signal = WTERMSIG(status);
    *exit_code = -signal;
    const char* abbreviation = sigabbrev_np(signal);
    std::string text = "killed by signal " + std::to_string(signal) +
                       (abbreviation ? " (SIG" + std::string(abbreviation) + ")" : std::string());
    if (signal == SIGKILL) text += ", e.g. by the out-of-memory killer";
    return text;
  }
  *exit_code = -1;
  return "unknown wait status " + std::to_string(status);
}

}  // namespace deeprc::agent
