#include "deeprc/core/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <unordered_set>

extern char** environ;

namespace deeprc {
namespace {

std::string_view NameOf(std::string_view entry) { return entry.substr(0, entry.find('=')); }

// The child's environment: the base less the names `extra` sets, then `extra`. Pointers into the
// strings of `base` and `extra`, which outlive the spawn.
std::vector<char*> Environment(const std::vector<std::string>* base, const std::vector<std::string>& extra) {
  std::unordered_set<std::string_view> overridden;
  for (const auto& entry : extra) overridden.insert(NameOf(entry));
  std::vector<char*> envp;
  if (base != nullptr) {
    envp.reserve(base->size() + extra.size() + 1);
    for (const auto& entry : *base) {
      if (!overridden.count(NameOf(entry))) envp.push_back(const_cast<char*>(entry.c_str()));
    }
  } else {
    for (char** entry = environ; *entry != nullptr; ++entry) {
      if (!overridden.count(NameOf(*entry))) envp.push_back(*entry);
    }
  }
  for (const auto& entry : extra) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  return envp;
}

// posix_spawn's file actions and attributes, destroyed on every path out.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
};

}  // namespace

Result<pid_t> SpawnProcess(const std::vector<std::string>& argv, const SpawnOptions& options) {
  if (argv.empty() || argv[0].empty()) return Status::Invalid("cannot start a process: empty command");
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp = Environment(options.base_environment, options.environment);

  SpawnSetup setup;
  constexpr int kWrite = O_WRONLY | O_CREAT | O_TRUNC;
  if (!options.stdin_path.empty()) {
    posix_spawn_file_actions_addopen(&setup.actions, 0, options.stdin_path.c_str(), O_RDONLY, 0);
  }
  if (!options.stdout_path.empty()) {
    posix_spawn_file_actions_addopen(&setup.actions, 1, options.stdout_path.c_str(), kWrite, 0644);
  }
  if (!options.stderr_path.empty()) {
    posix_spawn_file_actions_addopen(&setup.actions, 2, options.stderr_path.c_str(), kWrite, 0644);
  }
  for (const auto& [from, to] : options.duplicates)
    posix_spawn_file_actions_adddup2(&setup.actions, from, to);
  if (!options.working_directory.empty()) {
    posix_spawn_file_actions_addchdir_np(&setup.actions, options.working_directory.c_str());
  }

  short flags = 0;
  if (options.new_process_group) {
    flags |= POSIX_SPAWN_SETPGROUP;
    posix_spawnattr_setpgroup(&setup.attributes, 0);
  }
  if (options.unblock_signals) {
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&setup.attributes, &none);
    flags |= POSIX_SPAWN_SETSIGMASK;
  }
  if (!options.default_signals.empty()) {
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int signal : options.default_signals) sigaddset(&defaults, signal);
    posix_spawnattr_setsigdefault(&setup.attributes, &defaults);
    flags |= POSIX_SPAWN_SETSIGDEF;
  }
  posix_spawnattr_setflags(&setup.attributes, flags);

  pid_t pid = -1;
  const int error = posix_spawnp(&pid, args[0], &setup.actions, &setup.attributes, args.data(), envp.data());
  if (error != 0) {
    if (!options.working_directory.empty()) {
      return Status::IOError("cannot execute '", argv[0], "' in '", options.working_directory,
                             "': ", std::strerror(error));
    }
    return Status::IOError("cannot start '", argv[0], "': ", std::strerror(error));
  }
  return pid;
}

Result<int> WaitForProcess(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Status::IOError("waitpid(", pid, "): ", std::strerror(errno));
  }
  return status;
}

Result<std::string> RunForOutput(const std::vector<std::string>& argv) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return Status::IOError("pipe: ", std::strerror(errno));
  SpawnOptions options;
  options.duplicates = {{out[1], 1}};
  auto pid = SpawnProcess(argv, options);
  ::close(out[1]);
  if (!pid.ok()) {
    ::close(out[0]);
    return pid.status();
  }
  std::string output;
  char buffer[4096];
  for (ssize_t n; (n = ::read(out[0], buffer, sizeof(buffer))) != 0;) {
    if (n > 0) {
      output.append(buffer, n);
    } else if (errno != EINTR) {
      break;
    }
  }
  ::close(out[0]);
  DEEPRC_ASSIGN_OR_RETURN(const int status, WaitForProcess(*pid));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::IOError(argv[0], " failed (status ", status, "): ", output);
  }
  return output;
}

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

}  // namespace deeprc
