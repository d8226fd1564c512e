// core/subprocess: the one spawner of deeprc: exit codes, redirections, environment, process group,
// and a missing program refused with its name.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "deeprc/core/subprocess.h"
#include "test_util.h"

namespace deeprc {
namespace {

using testing::TempDir;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `argv` with `options` and returns its wait status.
int RunToEnd(const std::vector<std::string>& argv, const SpawnOptions& options = {}) {
  auto pid = SpawnProcess(argv, options);
  EXPECT_TRUE(pid.ok()) << pid.status().ToString();
  if (!pid.ok()) return -1;
  auto status = WaitForProcess(*pid);
  EXPECT_TRUE(status.ok()) << status.status().ToString();
  return status.ok() ? *status : -1;
}

TEST(Subprocess, ReturnsTheExitCode) {
  const int status = RunToEnd({"sh", "-c", "exit 7"});
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 7);
  EXPECT_EQ(ExitCodeOf(status), 7);
}

TEST(Subprocess, ExitCodeOfAKilledProcessIs128PlusTheSignal) {
  EXPECT_EQ(ExitCodeOf(RunToEnd({"sh", "-c", "kill -9 $$"})), 128 + SIGKILL);
}

TEST(Subprocess, RedirectsOutputAndReadsNothingFromDevNull) {
  TempDir dir;
  SpawnOptions options;
  options.stdin_path = "/dev/null";
  options.stdout_path = dir.File("out");
  options.stderr_path = dir.File("err");
  EXPECT_EQ(ExitCodeOf(RunToEnd({"sh", "-c", "cat; echo to-out; echo to-err >&2"}, options)), 0);
  EXPECT_EQ(ReadAll(dir.File("out")), "to-out\n");
  EXPECT_EQ(ReadAll(dir.File("err")), "to-err\n");
}

TEST(Subprocess, DuplicatesStderrOntoStdout) {
  TempDir dir;
  SpawnOptions options;
  options.stdout_path = dir.File("log");
  options.duplicates = {{1, 2}};
  RunToEnd({"sh", "-c", "echo one; echo two >&2"}, options);
  EXPECT_EQ(ReadAll(dir.File("log")), "one\ntwo\n");
}

TEST(Subprocess, SetsEnvironmentAndWorkingDirectory) {
  TempDir dir;
  SpawnOptions options;
  options.working_directory = dir.path().string();
  options.stdout_path = dir.File("out");
  const std::vector<std::string> base = {"KEPT=base", "REPLACED=base"};
  options.base_environment = &base;
  options.environment = {"REPLACED=mine", "ADDED=new"};
  RunToEnd({"/bin/sh", "-c", "pwd; echo $KEPT $REPLACED $ADDED; env | grep -c REPLACED"}, options);
  EXPECT_EQ(ReadAll(dir.File("out")),
            std::filesystem::canonical(dir.path()).string() + "\nbase mine new\n1\n");
}

TEST(Subprocess, NewProcessGroupIsLedByTheChild) {
  TempDir dir;
  SpawnOptions options;
  options.new_process_group = true;
  options.stdout_path = dir.File("out");
  auto pid = SpawnProcess({"sh", "-c", "ps -o pgid= -p $$"}, options);
  ASSERT_TRUE(pid.ok()) << pid.status().ToString();
  ASSERT_TRUE(WaitForProcess(*pid).ok());
  EXPECT_EQ(std::stoi(ReadAll(dir.File("out"))), *pid);

  SpawnOptions same;
  same.stdout_path = dir.File("out");
  RunToEnd({"sh", "-c", "ps -o pgid= -p $$"}, same);
  EXPECT_EQ(std::stoi(ReadAll(dir.File("out"))), ::getpgrp());
}

TEST(Subprocess, ResetsTheSignalMaskAndDispositions) {
  sigset_t blocked, saved;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGTERM);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &blocked, &saved), 0);
  auto old = ::signal(SIGPIPE, SIG_IGN);
  TempDir dir;
  SpawnOptions options;
  options.unblock_signals = true;
  options.default_signals = {SIGPIPE};
  options.stdout_path = dir.File("out");
  // SigBlk and SigIgn are hexadecimal masks: SIGTERM is bit 15, SIGPIPE bit 13.
  RunToEnd({"sh", "-c", "grep -E '^Sig(Blk|Ign)' /proc/self/status"}, options);
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  ::signal(SIGPIPE, old);
  std::istringstream lines(ReadAll(dir.File("out")));
  std::string name;
  unsigned long long mask = 0;
  int seen = 0;
  while (lines >> name >> std::hex >> mask) {
    if (name == "SigBlk:") {
      EXPECT_EQ(mask & (1ULL << (SIGTERM - 1)), 0u);
      ++seen;
    }
    if (name == "SigIgn:") {
      EXPECT_EQ(mask & (1ULL << (SIGPIPE - 1)), 0u);
      ++seen;
    }
  }
  EXPECT_EQ(seen, 2);
}

TEST(Subprocess, MissingProgramIsRefusedWithItsName) {
  auto pid = SpawnProcess({"deeprc-no-such-program", "--flag"});
  ASSERT_FALSE(pid.ok());
  EXPECT_TRUE(pid.status().IsIOError());
  EXPECT_NE(pid.status().message().find("cannot start 'deeprc-no-such-program'"), std::string::npos)
      << pid.status().message();
  EXPECT_NE(pid.status().message().find("No such file or directory"), std::string::npos);

  SpawnOptions options;
  options.working_directory = "/";
  auto in_folder = SpawnProcess({"/nonexistent/tool"}, options);
  ASSERT_FALSE(in_folder.ok());
  EXPECT_EQ(in_folder.status().message(),
            "cannot execute '/nonexistent/tool' in '/': No such file or directory");
}

TEST(Subprocess, RunForOutputReturnsStdout) {
  auto output = RunForOutput({"sh", "-c", "printf 'node1\\nnode2\\n'"});
  ASSERT_TRUE(output.ok()) << output.status().ToString();
  EXPECT_EQ(*output, "node1\nnode2\n");
}

TEST(Subprocess, RunForOutputRefusesAFailureWithTheProgramAndItsOutput) {
  auto output = RunForOutput({"sh", "-c", "echo partial; exit 3"});
  ASSERT_FALSE(output.ok());
  EXPECT_EQ(output.status().message(), "sh failed (status 768): partial\n");
  auto missing = RunForOutput({"deeprc-no-such-program"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("cannot start 'deeprc-no-such-program'"), std::string::npos);
}

TEST(Subprocess, EmptyCommandIsRefused) {
  auto pid = SpawnProcess({});
  ASSERT_FALSE(pid.ok());
  EXPECT_TRUE(pid.status().IsInvalid());
}

TEST(Subprocess, WaitingForNoChildIsAnError) {
  auto status = WaitForProcess(::getpid());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.status().message().find("waitpid"), std::string::npos);
}

}  // namespace
}  // namespace deeprc
