// `deeprc tasks` and `deeprc profile` end to end through the built binary.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "test_util.h"

namespace deeprc::pilot {
namespace {

using testing::ReadFile;
using testing::Within;

struct Outcome {
  int exit_code;
  std::string output;
};

Outcome RunCommand(const std::string& command) {
  Outcome outcome{-1, {}};
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0;) outcome.output.append(buffer, n);
  int status = ::pclose(pipe);
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return outcome;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(DEEPRC_CLI_PATH)) GTEST_SKIP() << "no " << DEEPRC_CLI_PATH << " built";
  }
  std::string Write(const std::string& name, const std::string& text) {
    auto path = (folder_.path() / name).string();
    std::ofstream(path) << text;
    return path;
  }
  testing::TempFolder folder_;
};

TEST_F(CliTest, TasksRunsAFileAndProfileReadsTheSession) {
  auto file = Write(
      "ok.yaml",
      "tasks:\n  - executable: /bin/true\n    count: 50\n  - executable: /bin/echo\n    arguments: [hi]\n");
  const std::string session = (folder_.path() / "session").string();
  auto run =
      RunCommand(std::string(DEEPRC_CLI_PATH) + " tasks " + file + " --cores 2 --quiet --session " + session);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("51 (51 done, 0 failed, 0 canceled)"), std::string::npos) << run.output;

  auto profile = RunCommand(std::string(DEEPRC_CLI_PATH) + " profile " + session);
  EXPECT_EQ(profile.exit_code, 0) << profile.output;
  EXPECT_NE(profile.output.find("throughput"), std::string::npos) << profile.output;
  EXPECT_TRUE(std::filesystem::exists(session + "/trace.json"));
}

TEST_F(CliTest, AFailedTaskMakesTheExitCodeNonZero) {
  auto file = Write("bad.yaml", "- {executable: /bin/true}\n- {executable: exit 3, shell: true}\n");
  auto run = RunCommand(std::string(DEEPRC_CLI_PATH) + " tasks " + file + " --quiet --session " +
                        (folder_.path() / "session").string());
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("FAILED: exit code 3"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("1 of 2 tasks did not end DONE"), std::string::npos) << run.output;
}

TEST_F(CliTest, ATypoInTheFileIsReportedWithItsLine) {
  auto file = Write("typo.yaml", "- executable: /bin/true\n  timout: 5\n");
  auto run = RunCommand(std::string(DEEPRC_CLI_PATH) + " tasks " + file);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find(":2: unknown key 'timout' in task (did you mean 'timeout'?)"), std::string::npos)
      << run.output;
}

// Issue 14, item 11: on SIGINT `deeprc tasks` died with 130 and not a word.
TEST_F(CliTest, AnInterruptCancelsTheTasksAndSaysSo) {
  auto file = Write("long.yaml",
                    "- {uid: long, executable: /bin/sleep, arguments: ['300']}\n"
                    "- {uid: queued, executable: /bin/true, after: [long]}\n");
  const std::string session = (folder_.path() / "session").string();
  const std::string log = (folder_.path() / "log").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<std::string> args = {DEEPRC_CLI_PATH, "tasks", file, "--cores", "1", "--session", session};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  ASSERT_EQ(::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  // The sleep runs once its sandbox is there.
  const bool running = Within(30, [&] { return std::filesystem::exists(session + "/pilot.0000/long"); });
  ::kill(pid, SIGINT);
  int status = 0;
  const bool ended = Within(30, [&] { return ::waitpid(pid, &status, WNOHANG) == pid; });
  if (!ended) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  ASSERT_TRUE(running) << ReadFile(log);
  ASSERT_TRUE(ended) << "deeprc tasks still running 30 s after SIGINT\n" << ReadFile(log);
  const std::string output = ReadFile(log);
  ASSERT_TRUE(WIFEXITED(status)) << "ended by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0) << "\n"
                                 << output;
  EXPECT_EQ(WEXITSTATUS(status), 130) << output;
  EXPECT_NE(output.find("deeprc tasks: interrupted (SIGINT): canceling the 2 unfinished tasks"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("long CANCELED"), std::string::npos) << output;
  EXPECT_NE(output.find("0 of 2 tasks ended DONE before the interrupt; session " + session), std::string::npos)
      << output;
}

// Issue 14, item 11: a task that never started pointed at a stderr file that does not exist.
TEST_F(CliTest, OnlyTasksThatRanPointAtTheirOutput) {
  auto file = Write("chain.yaml",
                    "- {uid: doomed, executable: exit 3, shell: true}\n"
                    "- {uid: never, executable: /bin/true, after: [doomed]}\n");
  const std::string session = (folder_.path() / "session").string();
  auto run = RunCommand(std::string(DEEPRC_CLI_PATH) + " tasks " + file + " --quiet --session " + session);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("doomed FAILED: exit code 3  (see " + session + "/pilot.0000/doomed/doomed.err)"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("never FAILED: dependency doomed ended FAILED\n"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("never.err"), std::string::npos) << run.output;
}

// Issue 15, item 3: a task file names the second kind of dependency, `after_ended`: the task runs
// once the named tasks are over, however they ended.
TEST_F(CliTest, AfterEndedInATaskFileRunsAfterAFailure) {
  auto file =
      Write("report.yaml",
            "- {uid: doomed, executable: exit 3, shell: true}\n"
            "- {uid: never, executable: /bin/true, after: [doomed]}\n"
            "- {uid: report, executable: echo reported, shell: true, after_ended: [doomed, never]}\n");
  const std::string session = (folder_.path() / "session").string();
  auto run = RunCommand(std::string(DEEPRC_CLI_PATH) + " tasks " + file + " --quiet --session " + session);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("never FAILED: dependency doomed ended FAILED\n"), std::string::npos)
      << run.output;
  EXPECT_EQ(ReadFile(session + "/pilot.0000/report/report.out"), "reported\n") << run.output;
  EXPECT_NE(run.output.find("2 of 3 tasks did not end DONE"), std::string::npos) << run.output;
}

// Issue 14, item 11: `deeprc profile` on a pipeline session failed ("no client.prof"): its runs are
// runtime sessions under runtime/run.N.
TEST_F(CliTest, ProfileReadsEachRunOfAPipelineSession) {
  auto file = Write("ok.yaml", "- {executable: /bin/true, count: 3}\n");
  const std::string pipeline = (folder_.path() / "pipeline").string();
  for (int run = 0; run < 2; ++run) {
    const std::string session = pipeline + "/runtime/run." + std::to_string(run);
    auto tasks = RunCommand(std::string(DEEPRC_CLI_PATH) + " tasks " + file + " --quiet --session " + session);
    ASSERT_EQ(tasks.exit_code, 0) << tasks.output;
  }
  auto profile = RunCommand(std::string(DEEPRC_CLI_PATH) + " profile " + pipeline);
  EXPECT_EQ(profile.exit_code, 0) << profile.output;
  EXPECT_NE(profile.output.find("run          run.0 (" + pipeline + "/runtime/run.0)"), std::string::npos)
      << profile.output;
  EXPECT_NE(profile.output.find("run          run.1 (" + pipeline + "/runtime/run.1)"), std::string::npos)
      << profile.output;
  const std::string counts = "tasks        3 (3 done, 0 failed, 0 canceled)";
  const size_t first = profile.output.find(counts);
  ASSERT_NE(first, std::string::npos) << profile.output;
  EXPECT_NE(profile.output.find(counts, first + 1), std::string::npos) << profile.output;  // both runs
  EXPECT_TRUE(std::filesystem::exists(pipeline + "/runtime/run.1/trace.json"));

  auto one = RunCommand(std::string(DEEPRC_CLI_PATH) + " profile " + pipeline + " --run 1 --trace " +
                        (folder_.path() / "one.json").string());
  EXPECT_EQ(one.exit_code, 0) << one.output;
  EXPECT_TRUE(std::filesystem::exists(folder_.path() / "one.json"));
  auto ambiguous = RunCommand(std::string(DEEPRC_CLI_PATH) + " profile " + pipeline + " --trace x.json");
  EXPECT_EQ(ambiguous.exit_code, 1);
  EXPECT_NE(ambiguous.output.find("has 2 runs: pick the one to trace with --run N (0 to 1)"), std::string::npos)
      << ambiguous.output;
  auto missing = RunCommand(std::string(DEEPRC_CLI_PATH) + " profile " + pipeline + " --run 2");
  EXPECT_NE(missing.output.find("--run 2: the pipeline session '" + pipeline + "' has runs 0 to 1"),
            std::string::npos)
      << missing.output;
}

}  // namespace
}  // namespace deeprc::pilot
