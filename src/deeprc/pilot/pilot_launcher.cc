#include "deeprc/pilot/pilot_launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "deeprc/core/executable.h"
#include "deeprc/core/subprocess.h"

namespace deeprc::pilot {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A child process of the client, in its own process group (a Ctrl-C meant for the client does not
// reach it; the client stops it). It reports its endpoint on a pipe, so readiness costs no polling.
class LocalLauncher : public PilotLauncher {
 public:
  ~LocalLauncher() override {
    if (pid_ > 0) (void)Stop(0);
    if (notify_fd_ >= 0) ::close(notify_fd_);
  }

  Status Start(const AgentConfig& config, const std::string& config_path) override {
    stderr_path_ = config.sandbox + "/agent.err";
    const std::string executable = FindProgram(config.description.agent_executable, "DEEPRC_AGENT", "deeprc-agent");
    int notify[2];
    if (::pipe2(notify, O_CLOEXEC) != 0) return Status::IOError("pipe: ", std::strerror(errno));
    SpawnOptions options;
    options.stdin_path = "/dev/null";
    options.stdout_path = config.sandbox + "/agent.out";
    options.stderr_path = stderr_path_;
    options.duplicates = {{notify[1], 3}};  // the endpoint comes back on fd 3
    options.new_process_group = true;
    options.unblock_signals = true;
    auto pid = SpawnProcess({executable, "--config", config_path, "--notify-fd", "3"}, options);
    ::close(notify[1]);
    if (!pid.ok()) {
      ::close(notify[0]);
      return pid.status();
    }
    pid_ = *pid;
    notify_fd_ = notify[0];
    return Status::OK();
  }

  Result<std::string> WaitForEndpoint(double timeout, const StopSignal& stop) override {
    const auto start = Clock::now();
    std::string line;
    while (line.find('\n') == std::string::npos) {
      double left = timeout - SecondsSince(start);
      if (left <= 0) return Status::IOError("agent did not start within ", timeout, " s", StderrTail());
      pollfd items[] = {{notify_fd_, POLLIN, 0}, {stop.fd(), POLLIN, 0}};
      if (::poll(items, 2, static_cast<int>(left * 1000) + 1) <= 0) continue;
      if (items[1].revents & POLLIN) return Status::Cancelled("pilot launch canceled");
      char buffer[256];
      ssize_t n = ::read(notify_fd_, buffer, sizeof(buffer));
      if (n <= 0) return Status::IOError("agent exited before it was ready", ReapAgent(), StderrTail());
      line.append(buffer, n);
    }
    return line.substr(0, line.find('\n'));
  }

  // The agent holds the pipe's write end for life: end of file means it is gone.
  Status WatchAgent(const StopSignal& stop) override {
    for (;;) {
      pollfd items[] = {{notify_fd_, POLLIN, 0}, {stop.fd(), POLLIN, 0}};
      if (::poll(items, 2, -1) <= 0) continue;
      if (items[1].revents & POLLIN) return Status::OK();
      char buffer[256];
      if (::read(notify_fd_, buffer, sizeof(buffer)) > 0) continue;
      return Status::IOError("agent exited unexpectedly", ReapAgent(), StderrTail());
    }
  }

  Status Stop(double grace) override {
    if (pid_ <= 0) return Status::OK();
    const auto start = Clock::now();
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (SecondsSince(start) >= grace) {
        ::kill(-pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // only while the agent shuts down
    }
    pid_ = -1;
    return Status::OK();
  }

 private:
  // Collects the agent's exit status: " (exit code 3)", " (killed by signal 9)".
  std::string ReapAgent() {
    int status = 0;
    if (pid_ <= 0 || ::waitpid(pid_, &status, 0) != pid_) return {};
    pid_ = -1;
    if (WIFEXITED(status)) return " (exit code " + std::to_string(WEXITSTATUS(status)) + ")";
    if (WIFSIGNALED(status)) return " (killed by signal " + std::to_string(WTERMSIG(status)) + ")";
    return {};
  }

  std::string StderrTail() const {
    std::string tail = TailOfFile(stderr_path_);
    return tail.empty() ? std::string() : "; agent stderr: " + tail;
  }

  pid_t pid_ = -1;
  int notify_fd_ = -1;
  std::string stderr_path_;
};

// A Slurm job whose batch script runs the agent. The endpoint arrives in a file of the sandbox
// (shared with the nodes), so readiness is checked every 50 ms: a job start takes seconds anyway.
class SlurmLauncher : public PilotLauncher {
 public:
  ~SlurmLauncher() override {
    if (!job_id_.empty()) (void)Stop(0);
  }

  Status Start(const AgentConfig& config, const std::string& config_path) override {
    endpoint_file_ = config.endpoint_file();
    stderr_path_ = config.sandbox + "/agent.err";
    const auto& description = config.description;
    const std::string script_path = config.sandbox + "/agent.sbatch";
    std::ofstream script(script_path);
    script << "#!/bin/sh\n"
           << "#SBATCH --job-name=deeprc." << config.pilot_uid << "\n"
           << "#SBATCH --nodes=" << description.nodes << "\n"
           << "#SBATCH --exclusive\n"
           << "#SBATCH --output=" << config.sandbox << "/agent.out\n"
           << "#SBATCH --error=" << stderr_path_ << "\n"
           << "#SBATCH --chdir=" << config.sandbox << "\n";
    if (description.runtime > 0) {
      script << "#SBATCH --time=" << static_cast<int>(description.runtime + 0.999) << "\n";
    }
    if (!description.queue.empty()) script << "#SBATCH --partition=" << description.queue << "\n";
    if (!description.account.empty()) script << "#SBATCH --account=" << description.account << "\n";
    if (description.gpus > 0) script << "#SBATCH --gpus-per-node=" << description.gpus << "\n";
    script << "exec '" << FindProgram(description.agent_executable, "DEEPRC_AGENT", "deeprc-agent") << "' --config '" << config_path
           << "'\n";
    script.close();
    if (!script) return Status::IOError("cannot write batch script '", script_path, "'");
    DEEPRC_ASSIGN_OR_RETURN(auto output, RunForOutput({"sbatch", "--parsable", script_path}));
    job_id_ = output.substr(0, output.find_first_of(";\n"));
    if (job_id_.empty()) return Status::IOError("sbatch printed no job id");
    return Status::OK();
  }

  Result<std::string> WaitForEndpoint(double timeout, const StopSignal& stop) override {
    const auto start = Clock::now();
    auto last_check = start;
    for (;;) {
      std::ifstream file(endpoint_file_);
      std::string endpoint;
      if (file && std::getline(file, endpoint) && !endpoint.empty()) return endpoint;
      if (SecondsSince(start) > timeout) {
        return Status::IOError("Slurm job ", job_id_, " did not start its agent within ", timeout, " s");
      }
      if (SecondsSince(last_check) > 1) {
        last_check = Clock::now();
        auto state = RunForOutput({"squeue", "-h", "-j", job_id_, "-o", "%T"});
        if (state.ok() && state->empty()) {
          return Status::IOError(
              "Slurm job ", job_id_, " ended before its agent was ready",
              TailOfFile(stderr_path_).empty() ? "" : "; agent stderr: ", TailOfFile(stderr_path_));
        }
      }
      if (stop.WaitFor(0.05)) return Status::Cancelled("pilot launch canceled");
    }
  }

  // The job is asked about every 2 s: a job that ends is the only news, and it is rare.
  Status WatchAgent(const StopSignal& stop) override {
    while (!stop.WaitFor(2)) {
      auto state = RunForOutput({"squeue", "-h", "-j", job_id_, "-o", "%T"});
      if (state.ok() && state->empty()) {
        std::string tail = TailOfFile(stderr_path_);
        return Status::IOError("Slurm job ", job_id_, " ended", tail.empty() ? "" : "; agent stderr: ", tail);
      }
    }
    return Status::OK();
  }

  Status Stop(double grace) override {
    if (job_id_.empty()) return Status::OK();
    const auto start = Clock::now();
    for (;;) {
      auto state = RunForOutput({"squeue", "-h", "-j", job_id_, "-o", "%T"});
      if (!state.ok() || state->empty()) break;
      if (SecondsSince(start) >= grace) {
        (void)RunForOutput({"scancel", job_id_});
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    job_id_.clear();
    return Status::OK();
  }

 private:
  std::string job_id_, endpoint_file_, stderr_path_;
};

}  // namespace

Result<std::unique_ptr<PilotLauncher>> MakePilotLauncher(const std::string& resource) {
  if (resource == "local") return std::make_unique<LocalLauncher>();
  if (resource == "slurm") return std::make_unique<SlurmLauncher>();
  return Status::Invalid("unknown pilot resource '", resource, "'");
}

std::string TailOfFile(const std::string& path, int lines) {
  std::ifstream file(path);
  std::vector<std::string> tail;
  for (std::string line; std::getline(file, line);) {
    tail.push_back(line);
    if (static_cast<int>(tail.size()) > lines) tail.erase(tail.begin());
  }
  std::string text;
  for (const auto& line : tail) text += (text.empty() ? "" : " | ") + line;
  return text;
}

}  // namespace deeprc::pilot
