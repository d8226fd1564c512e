#include "slurm_cluster.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

extern char** environ;

namespace deeprc::pilot::testing {
namespace {

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace

std::string Capture(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0;) output.append(buffer, n);
  ::pclose(pipe);
  return output;
}

Status SlurmCluster::SpawnDaemon(std::vector<std::string> argv, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // Should the test process die without running the destructor (a ctest timeout), the kernel
  // still stops the daemon with it.
  if (argv[0] != "setpriv") argv.insert(argv.begin(), {"setpriv", "--pdeathsig", "TERM"});
  std::vector<char*> args;
  for (auto& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  pid_t pid;
  int error = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) return Status::IOError("cannot start ", argv[0], ": ", std::strerror(error));
  pids_.push_back(pid);
  return Status::OK();
}

Result<std::unique_ptr<SlurmCluster>> SlurmCluster::Start(int nodes, int cpus) {
  if (::geteuid() != 0) return Status::NotImplemented("the test cluster runs its daemons as root");
  if (Capture("command -v slurmctld slurmd munged").empty())
    return Status::NotImplemented("Slurm is not installed");
  std::unique_ptr<SlurmCluster> cluster(new SlurmCluster());
  const std::string dir = cluster->folder_.path().string();
  // A munged of its own on a private socket: clusters of tests running side by side never share
  // (or stop) each other's daemons.
  const std::string munge_dir = dir + "/munge";
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all | std::filesystem::perms::group_exec |
                                        std::filesystem::perms::others_exec);
  Capture("install -d -m 0755 -o munge -g munge " + munge_dir);
  const std::string munge_socket = munge_dir + "/munge.socket";
  DEEPRC_RETURN_NOT_OK(cluster->SpawnDaemon(
      {"setpriv", "--pdeathsig", "TERM", "--reuid=munge", "--regid=munge", "--clear-groups", "munged", "-F",
       "--socket=" + munge_socket, "--pid-file=" + munge_dir + "/pid", "--seed-file=" + munge_dir + "/seed",
       "--log-file=" + munge_dir + "/log"},
      dir + "/munged.out"));
  for (int i = 0; i < 100 && !std::filesystem::exists(munge_socket); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!std::filesystem::exists(munge_socket)) {
    return Status::IOError("munged did not come up: ", Capture("tail -n 5 " + dir + "/munged.out 2>&1"));
  }
  cluster->conf_ = dir + "/slurm.conf";
  std::ofstream conf(cluster->conf_);
  conf << "ClusterName=deeprctest\nSlurmctldHost=localhost\nSlurmctldPort=" << FreePort() << "\n"
       << "AuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket=" << munge_socket << "\n"
       << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
       << "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\n"
       << "SlurmUser=root\nSlurmdUser=root\nMpiDefault=none\nReturnToService=2\n"
       << "SlurmdParameters=config_overrides\nJobCompType=jobcomp/none\n"
       << "AccountingStorageType=accounting_storage/none\n"
       << "StateSaveLocation=" << dir << "/state\nSlurmdSpoolDir=" << dir << "/spool/%n\n"
       << "SlurmctldPidFile=" << dir << "/slurmctld.pid\nSlurmdPidFile=" << dir << "/slurmd.%n.pid\n"
       << "SlurmctldLogFile=" << dir << "/slurmctld.log\nSlurmdLogFile=" << dir << "/slurmd.%n.log\n"
       << "TmpFS=" << dir << "/tmp/%n\n";
  for (int i = 1; i <= nodes; ++i) {
    conf << "NodeName=node" << i << " NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=" << cpus
         << " RealMemory=4000 Port=" << FreePort() << " State=UNKNOWN\n";
    std::filesystem::create_directories(dir + "/tmp/node" + std::to_string(i));
    std::filesystem::create_directories(dir + "/spool/node" + std::to_string(i));
  }
  conf << "PartitionName=debug Nodes=node[1-" << nodes << "] Default=YES MaxTime=INFINITE State=UP\n";
  conf.close();
  std::filesystem::create_directories(dir + "/state");
  ::setenv("SLURM_CONF", cluster->conf_.c_str(), 1);

  DEEPRC_RETURN_NOT_OK(
      cluster->SpawnDaemon({"slurmctld", "-D", "-i", "-f", cluster->conf_}, dir + "/ctld.out"));
  for (int i = 1; i <= nodes; ++i) {
    DEEPRC_RETURN_NOT_OK(cluster->SpawnDaemon(
        {"slurmd", "-D", "-N", "node" + std::to_string(i), "-f", cluster->conf_}, dir + "/slurmd.out"));
  }
  // Ready when every node reports idle (startup takes a second or two).
  const std::string expected = std::string(nodes, 'i');
  for (int i = 0; i < 300; ++i) {
    std::string states = Capture("sinfo -h -N -o %t 2>/dev/null");
    std::string idle;
    for (size_t at = 0; (at = states.find("idle", at)) != std::string::npos; at += 4) idle += 'i';
    if (idle == expected) return cluster;
    for (pid_t pid : cluster->pids_) {
      int status;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        cluster->pids_.erase(std::find(cluster->pids_.begin(), cluster->pids_.end(), pid));
        return Status::IOError("a Slurm daemon exited at startup: ",
                               Capture("tail -n 5 " + dir + "/ctld.out " + dir + "/slurmd.out 2>&1"));
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Status::IOError(
      "Slurm nodes did not become idle: sinfo says '", Capture("sinfo -h -N -o '%N %t %E' 2>&1"),
      "'; slurmctld: ",
      Capture("tail -n 5 " + dir + "/slurmctld.log " + dir + "/ctld.out " + dir + "/slurmd.out 2>&1"));
}

SlurmCluster::~SlurmCluster() {
  for (auto pid = pids_.rbegin(); pid != pids_.rend(); ++pid) {
    ::kill(*pid, SIGTERM);
    int status;
    for (int i = 0; i < 100 && ::waitpid(*pid, &status, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (::waitpid(*pid, &status, WNOHANG) == 0) {
      ::kill(*pid, SIGKILL);
      ::waitpid(*pid, &status, 0);
    }
  }
  ::unsetenv("SLURM_CONF");
}

std::string SlurmCluster::Queue() const { return Capture("squeue -h 2>&1"); }

}  // namespace deeprc::pilot::testing
