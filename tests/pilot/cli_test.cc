// `deeprc tasks` and `deeprc profile` end to end through the built binary.
#include <stdio.h>
#include <sys/wait.h>

#include <fstream>

#include "test_util.h"

namespace deeprc::pilot {
namespace {

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

}  // namespace
}  // namespace deeprc::pilot
